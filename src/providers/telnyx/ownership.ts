/** Whether a Telnyx account holds a number: GET /v2/phone_numbers?filter[phone_number]= */
import Telnyx from 'telnyx';
import type { OwnershipOptions } from '../types.js';
import type { TelnyxCredentials } from './credentials.js';

const digits = (number: string) => number.replace(/\D/g, '');

/** Telnyx statuses of a number the account does not (or no longer, or not yet) hold. */
const TELNYX_NOT_HELD = new Set(['deleted', 'ported-out', 'purchase-failed', 'port-failed', 'purchase-pending', 'port-pending']);

export async function telnyxOwns(credentials: TelnyxCredentials, phoneNumber: string, options: OwnershipOptions): Promise<boolean> {
  const client = new Telnyx({
    apiKey: credentials.apiKey,
    baseURL: options.baseUrl ?? 'https://api.telnyx.com/v2',
    maxRetries: 0,
    logLevel: 'off',
    ...(options.timeoutMs ? { timeout: options.timeoutMs } : {}),
  });
  // The filter takes digits only ("non-numerical characters will result in no values"), and
  // matches part of a number, so the answer is checked for the exact one.
  const page = await client.phoneNumbers.list({ filter: { phone_number: digits(phoneNumber) }, 'page[size]': 20 });
  return page.data.some((n) => n.phone_number !== undefined && digits(n.phone_number) === digits(phoneNumber) && !TELNYX_NOT_HELD.has(n.status ?? ''));
}
