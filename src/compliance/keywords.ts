import type { Message } from '../db/client';
import type { SenderWithAssistant } from '../assistants/sender-directory';
import type { SqlTx, Work } from '../db/sql';
import { groupBy, insertMessages, newMessage } from '../db/rows';
import { newId } from '../db/ids';
import { keywordOf, type KeywordKind } from '../messaging/opt-outs';
import { countSegments } from '../messaging/segments';
import { recordConsent, type ConsentChange } from './consent';

/** Opt-out words that cover every number of the organization, not only the one texted. */
const EVERY_NUMBER = new Set(['STOPALL', 'STOP ALL', 'UNSUBSCRIBE ALL', 'UNSUBSCRIBEALL', 'CANCEL ALL', 'END ALL', 'QUIT ALL']);

export interface ConsentKeyword {
  keyword: string;
  kind: KeywordKind;
  everyNumber: boolean;
}

/** The keyword an inbound message is (the whole message, trimmed, any case, inner spaces collapsed), or null. */
export function consentKeyword(body: string): ConsentKeyword | null {
  const words = body.trim().toUpperCase().replace(/\s+/g, ' ');
  if (EVERY_NUMBER.has(words)) return { keyword: words, kind: 'OPT_OUT', everyNumber: true };
  const found = keywordOf(body);
  return found && { ...found, everyNumber: false };
}

type ReplySettings = Pick<NonNullable<SenderWithAssistant['assistant']>, 'name' | 'businessName' | 'stopReply' | 'startReply' | 'helpReply'>;

/** The assistant's reply to a keyword family, or the default naming the business. */
export function keywordReply(assistant: ReplySettings, kind: KeywordKind): string {
  const business = assistant.businessName ?? assistant.name;
  if (kind === 'OPT_OUT') return assistant.stopReply ?? `${business}: You are unsubscribed and will receive no more messages. Reply START to resubscribe.`;
  if (kind === 'OPT_IN') return assistant.startReply ?? `${business}: You are subscribed again. Reply HELP for help. Reply STOP to opt out.`;
  return assistant.helpReply ?? `${business}: Reply STOP to opt out, START to opt back in. Msg & data rates may apply.`;
}

/**
 * Applies the keywords among newly stored inbound messages, in the inbound batch's transaction:
 * STOP/START families change the consent (STOPALL-style words for every number of the
 * organization: one look-up of its numbers per batch), and where the assistant replies to
 * keywords and the number's provider does not answer them itself, the reply is stored QUEUED
 * in the same thread, marked COMPLIANCE, for the send queue. Stored once with its keyword
 * message, the reply goes out once per keyword event, however often the provider retries the
 * webhook. Returns the replies.
 */
export function* applyKeywords(tx: SqlTx, inbound: { message: Message; number: SenderWithAssistant }[], now: Date): Work<Message[]> {
  const found = inbound.flatMap(({ message, number }) => {
    const keyword = consentKeyword(message.body);
    return keyword ? [{ message, number, keyword }] : [];
  });
  if (found.length === 0) return [];

  const numbersOf = new Map<string, string[]>();
  for (const [organizationId] of groupBy(found.filter((f) => f.keyword.everyNumber), (f) => f.message.organizationId)) {
    const rows = yield* tx.all<{ id: string }>(`SELECT "id" FROM "PhoneNumber" WHERE "organizationId" = ? ORDER BY "id"`, [organizationId]);
    numbersOf.set(organizationId, rows.map((r) => r.id));
  }
  // In arrival order: a STOP then a START from the same customer leaves them opted in.
  const changes: ConsentChange[] = found
    .filter((f) => f.keyword.kind !== 'HELP')
    .map(({ message, number, keyword }) => ({
      organizationId: message.organizationId,
      customerPhoneNumber: message.from,
      kind: keyword.kind === 'OPT_OUT' ? 'OPT_OUT' : 'OPT_IN',
      method: 'KEYWORD',
      phoneNumberId: keyword.everyNumber ? null : number.id,
      keyword: keyword.keyword,
      messageId: message.id,
      at: now,
      optOutNumbers: keyword.everyNumber ? numbersOf.get(message.organizationId)! : [number.id],
      reason: `inbound ${keyword.keyword}`,
    }));
  yield* recordConsent(tx, changes, now);

  const replies = found
    .filter(({ number }) => number.assistant?.keywordReplies && !number.providerAnswersKeywords)
    .map(({ message, number, keyword }) => {
      const body = keywordReply(number.assistant!, keyword.kind);
      const { encoding, segments } = countSegments(body);
      return newMessage({
        id: newId(),
        organizationId: message.organizationId,
        assistantId: number.assistant!.id,
        phoneNumberId: number.id,
        conversationId: message.conversationId,
        direction: 'OUTBOUND',
        from: number.phoneNumber,
        to: message.from,
        body,
        mediaUrls: '[]',
        provider: number.provider,
        status: 'QUEUED',
        encoding,
        segments,
        category: 'COMPLIANCE',
        sentByKind: 'SWITCHBOARD',
        nextAttemptAt: now,
        createdAt: now,
        updatedAt: now,
      });
    });
  yield* insertMessages(tx, replies, (m) => ({ status: m.status, at: now }));
  return replies;
}
