/** Whether a Vonage account owns a number: GET {restHost}/account/numbers?pattern= */
import { Vonage } from '@vonage/server-sdk';
import type { OwnershipOptions } from '../types.js';
import type { VonageCredentials } from './credentials.js';

export async function vonageOwns(credentials: VonageCredentials, phoneNumber: string, options: OwnershipOptions): Promise<boolean> {
  const host = options.baseUrl?.replace(/\/+$/, '');
  // The numbers API authenticates with the API key and secret (never the application's JWT).
  const client = new Vonage(
    { apiKey: credentials.apiKey, apiSecret: credentials.apiSecret },
    { ...(host ? { apiHost: host, restHost: host } : {}), ...(options.timeoutMs ? { timeout: options.timeoutMs } : {}) },
  );
  const msisdn = phoneNumber.replace(/\D/g, '');
  // The pattern matches the start of a number, so the answer is checked for the exact one.
  const owned = await client.numbers.getOwnedNumbers({ pattern: msisdn, searchPattern: 0 /* SearchPattern.START_WITH */, size: 10 });
  return (owned.numbers ?? []).some((n) => n.msisdn === msisdn);
}
