/**
 * Finds messages this account sent, through Twilio's Messages list
 * (GET /2010-04-01/Accounts/{AccountSid}/Messages.json?To=&From=) with the official SDK: after
 * an instance died during a send, whether Twilio took the message it was handing over.
 */
import { clientFor, currentCall, type TwilioCall } from './send.js';
import type { FoundMessage, SendOptions, SentQuery } from '../types.js';
import type { TwilioCredentials } from './credentials.js';

/**
 * How many of the pair's newest messages are read. The list is filtered by To and From only:
 * a DateSent filter would hide a message Twilio still holds as queued or accepted (its
 * date_sent is empty until it goes to the carrier), the very case that matters here. The
 * message looked for is minutes old at most, so it is among the pair's newest.
 */
const LIST_LIMIT = 200;
const PAGE_SIZE = 50;

export async function findTwilioSent(credentials: TwilioCredentials, query: SentQuery, options: SendOptions = {}): Promise<FoundMessage[]> {
  const call: TwilioCall = { timeoutMs: options.timeoutMs };
  const listed = await currentCall.run(call, () =>
    clientFor(credentials, options.baseUrl).messages.list({ to: query.to, from: query.from, limit: LIST_LIMIT, pageSize: PAGE_SIZE }),
  );
  return listed
    .filter((m) => m.direction !== 'inbound' && (m.body ?? '') === query.body)
    .map((m) => ({ m, createdAt: m.dateCreated ?? m.dateSent }))
    .filter(({ createdAt }) => createdAt && createdAt.getTime() >= query.since.getTime() && createdAt.getTime() <= query.until.getTime())
    .sort((a, b) => a.createdAt!.getTime() - b.createdAt!.getTime())
    .map(({ m, createdAt }) => ({
      providerMessageId: m.sid,
      providerStatus: m.status,
      createdAt: createdAt!,
      errorCode: m.errorCode === null || m.errorCode === undefined ? null : String(m.errorCode),
      raw: { sid: m.sid, status: m.status, to: m.to, from: m.from, date_created: m.dateCreated?.toUTCString() ?? null, error_code: m.errorCode ?? null },
    }));
}
