/** Whether a Twilio account owns a number: GET /2010-04-01/Accounts/{sid}/IncomingPhoneNumbers.json?PhoneNumber= */
import { clientFor, currentCall } from './send.js';
import type { OwnershipOptions } from '../types.js';
import type { TwilioCredentials } from './credentials.js';

export async function twilioOwns(credentials: TwilioCredentials, phoneNumber: string, options: OwnershipOptions): Promise<boolean> {
  const client = clientFor(credentials, options.baseUrl);
  const numbers = await currentCall.run({ timeoutMs: options.timeoutMs }, () => client.incomingPhoneNumbers.list({ phoneNumber, limit: 20 }));
  return numbers.some((n) => n.phoneNumber === phoneNumber);
}
