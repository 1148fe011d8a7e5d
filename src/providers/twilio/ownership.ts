/** Whether a Twilio account owns a number: GET /2010-04-01/Accounts/{sid}/IncomingPhoneNumbers.json?PhoneNumber= */
import type twilio from 'twilio';
import { clientFor, currentCall } from './send.js';
import type { OwnershipOptions } from '../types.js';
import type { TwilioCredentials } from './credentials.js';

export async function twilioOwns(credentials: TwilioCredentials, phoneNumber: string, options: OwnershipOptions): Promise<boolean> {
  const client = clientFor(credentials, options.baseUrl);
  return (await currentCall.run({ timeoutMs: options.timeoutMs }, () => findIncomingNumber(client, phoneNumber))) !== undefined;
}

/** The account's own record of `phoneNumber` (its PN… sid), if the account has it. */
export async function findIncomingNumber(client: twilio.Twilio, phoneNumber: string) {
  const numbers = await client.incomingPhoneNumbers.list({ phoneNumber, limit: 20 });
  return numbers.find((n) => n.phoneNumber === phoneNumber);
}
