/**
 * Does this provider account own this number? Asked through each official SDK with the
 * assistant's credentials when a number is added (VERIFY_NUMBER_OWNERSHIP), so that an
 * organization cannot register, and so intercept or send from, a number it does not hold.
 *
 *   Twilio  incomingPhoneNumbers.list({ phoneNumber })      GET /2010-04-01/Accounts/{sid}/IncomingPhoneNumbers.json
 *   Telnyx  phoneNumbers.list({ filter: { phone_number } })  GET /v2/phone_numbers?filter[phone_number]=
 *   Vonage  numbers.getOwnedNumbers({ pattern, searchPattern }) GET {restHost}/account/numbers
 *
 * Every list filters by pattern (a part of the number matches), so the answer is checked for
 * the exact number.
 */
import Telnyx from 'telnyx';
import { Vonage } from '@vonage/server-sdk';
import { clientFor as twilioClient, currentCall as twilioCall } from './twilio/send.js';
import type { CredentialsByProvider, ProviderName, TelnyxCredentials, TwilioCredentials, VonageCredentials } from './types.js';

export type OwnershipAnswer =
  | { owned: boolean }
  /** The provider could not answer: it refused the credentials, or was unreachable or failing. */
  | { owned: null; reason: 'credentials-refused' | 'unavailable' };

export interface OwnershipOptions {
  baseUrl?: string;
  timeoutMs?: number;
}

const digits = (number: string) => number.replace(/\D/g, '');

/** Telnyx statuses of a number the account does not (or no longer, or not yet) hold. */
const TELNYX_NOT_HELD = new Set(['deleted', 'ported-out', 'purchase-failed', 'port-failed', 'purchase-pending', 'port-pending']);

export async function accountOwnsNumber<P extends ProviderName>(
  provider: P,
  credentials: CredentialsByProvider[P],
  phoneNumber: string,
  options: OwnershipOptions = {},
): Promise<OwnershipAnswer> {
  try {
    switch (provider) {
      case 'TWILIO':
        return { owned: await twilioOwns(credentials as TwilioCredentials, phoneNumber, options) };
      case 'TELNYX':
        return { owned: await telnyxOwns(credentials as TelnyxCredentials, phoneNumber, options) };
      default:
        return { owned: await vonageOwns(credentials as VonageCredentials, phoneNumber, options) };
    }
  } catch (error) {
    return { owned: null, reason: credentialsRefused(error) ? 'credentials-refused' : 'unavailable' };
  }
}

async function twilioOwns(credentials: TwilioCredentials, phoneNumber: string, options: OwnershipOptions): Promise<boolean> {
  const client = twilioClient(credentials, options.baseUrl);
  const numbers = await twilioCall.run({ timeoutMs: options.timeoutMs }, () => client.incomingPhoneNumbers.list({ phoneNumber, limit: 20 }));
  return numbers.some((n) => n.phoneNumber === phoneNumber);
}

async function telnyxOwns(credentials: TelnyxCredentials, phoneNumber: string, options: OwnershipOptions): Promise<boolean> {
  const client = new Telnyx({
    apiKey: credentials.apiKey,
    baseURL: options.baseUrl ?? 'https://api.telnyx.com/v2',
    maxRetries: 0,
    logLevel: 'off',
    ...(options.timeoutMs ? { timeout: options.timeoutMs } : {}),
  });
  // The filter takes digits only ("non-numerical characters will result in no values").
  const page = await client.phoneNumbers.list({ filter: { phone_number: digits(phoneNumber) }, 'page[size]': 20 });
  return page.data.some((n) => n.phone_number !== undefined && digits(n.phone_number) === digits(phoneNumber) && !TELNYX_NOT_HELD.has(n.status ?? ''));
}

async function vonageOwns(credentials: VonageCredentials, phoneNumber: string, options: OwnershipOptions): Promise<boolean> {
  const host = options.baseUrl?.replace(/\/+$/, '');
  // The numbers API authenticates with the API key and secret (never the application's JWT).
  const client = new Vonage(
    { apiKey: credentials.apiKey, apiSecret: credentials.apiSecret },
    { ...(host ? { apiHost: host, restHost: host } : {}), ...(options.timeoutMs ? { timeout: options.timeoutMs } : {}) },
  );
  const msisdn = digits(phoneNumber);
  const owned = await client.numbers.getOwnedNumbers({ pattern: msisdn, searchPattern: 0 /* SearchPattern.START_WITH */, size: 10 });
  return (owned.numbers ?? []).some((n) => n.msisdn === msisdn);
}

/** 401/403 from any of the SDKs: the account's credentials were refused. */
function credentialsRefused(error: unknown): boolean {
  const e = error as { status?: unknown; response?: { status?: unknown } } | null;
  const status = typeof e?.status === 'number' ? e.status : typeof e?.response?.status === 'number' ? e.response.status : undefined;
  return status === 401 || status === 403;
}
