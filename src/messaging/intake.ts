import type { Services } from '../services';
import type { Message, MessageSenderKind } from '../db/client';
import { isTransient, isUniqueViolation, retrying } from '../db/errors';
import { type SqlTx, type Work } from '../db/sql';
import { groupBy, insertMessages, newMessage, reviveMessage } from '../db/rows';
import { newId } from '../db/ids';
import { GroupCommit } from '../db/group-commit';
import { joinThreads, openThreads, threadKey } from './conversations';
import type { ConversationUpdate } from '../realtime/events';
import { handBackPushes, takenOverRefusal, threadUpdates } from '../console/batch-threads';
import { recipientRefusals, refusalError, type MessageCategory, type RecipientRules } from '../compliance/rules';
import { withOptOutFooter } from '../compliance/footer';

/**
 * Who sends: the assistant's backend (a key with no agent) or an agent, through which key; or
 * Switchboard itself (keyword replies, no key).
 */
export interface MessageSender {
  kind: MessageSenderKind;
  agentId: string | null;
  apiKeyId: string | null;
}

/** An outbound message that passed validation, ready to be stored. */
export interface Intake {
  organizationId: string;
  phoneNumberId: string;
  assistantId: string;
  provider: Message['provider'];
  from: string;
  to: string;
  body: string;
  mediaUrls: string[];
  status: 'QUEUED' | 'SCHEDULED';
  segments: number;
  encoding: Message['encoding'];
  idempotencyKey: string | null;
  sendAt: Date | null;
  validUntil: Date | null;
  category: MessageCategory | null;
  /** When the message goes out (sendAt, else now): the time the recipient rules look at. */
  at: Date;
  /** The recipient rules (src/compliance/rules.ts) as set for this sender. */
  rules: RecipientRules;
  /** Appended to the message when it opens a new thread. */
  optOutFooter: string | null;
  sentBy: MessageSender | null;
  /** Send even into a thread a person has taken over (otherwise CONVERSATION_TAKEN_OVER for the assistant's sends). */
  force: boolean;
}

/** What intake uses of the services. */
export type IntakeServices = Pick<Services, 'sql' | 'metrics' | 'events' | 'signals'>;

/**
 * Stores accepted outbound messages, many requests per transaction (group commit): per batch
 * one look-up of idempotency keys, one per recipient rule that is on (opt-outs always), one of
 * open threads, and bulk inserts of threads, messages and their first timeline step. Each
 * request gets its own outcome: its message (the earlier one for a repeated idempotency key)
 * or the recipient rule's refusal (RECIPIENT_OPTED_OUT, CONSENT_REQUIRED, FREQUENCY_CAP), or
 * CONVERSATION_TAKEN_OVER (the assistant's send into a thread a person handles).
 */
export function createIntake(services: IntakeServices): GroupCommit<Intake, Message> {
  // Another instance created the same thread or used the same idempotency key in the meantime
  // (a unique violation: the next pass finds them), or the transaction hit a deadlock or a
  // timeout under load: the batch is written again.
  return new GroupCommit((items) => retrying(() => storeBatch(services, items), (error) => isUniqueViolation(error) || isTransient(error)));
}

const key = (...parts: (string | null)[]) => parts.join('|');

async function storeBatch(services: IntakeServices, items: Intake[]): Promise<(Message | Error)[]> {
  const outcomes: (Message | Error | undefined)[] = new Array(items.length);
  const { messages: stored, threads } = await services.sql.transaction((tx) => {
    outcomes.fill(undefined);
    return storeInTransaction(tx, items, outcomes);
  });
  // Later items with a key first used in this batch get the message of its first item.
  items.forEach((item, i) => {
    if (outcomes[i] !== undefined || !item.idempotencyKey) return;
    const first = items.findIndex((other) => other.organizationId === item.organizationId && other.idempotencyKey === item.idempotencyKey);
    outcomes[i] = outcomes[first];
  });
  // A new message is pushed on messageStatusChanged as it is stored (QUEUED or SCHEDULED), so
  // a console shows it before the queue takes it.
  for (const message of stored) {
    services.metrics.accepted.inc({ provider: message.provider });
    services.events.statusChanged(message);
  }
  for (const update of threads) services.events.conversationUpdated(update);
  if (stored.some((m) => m.status === 'QUEUED')) services.signals.emit('messagesQueued');
  return outcomes as (Message | Error)[];
}

function* storeInTransaction(tx: SqlTx, items: Intake[], outcomes: (Message | Error | undefined)[]): Work<{ messages: Message[]; threads: ConversationUpdate[] }> {
  // 1. A repeated idempotency key answers with the first message (an earlier request, or an
  //    earlier item in this batch).
  const earlier = new Map<string, Message>();
  for (const [organizationId, keys] of groupBy(items.filter((item) => item.idempotencyKey), (item) => item.organizationId)) {
    const rows = yield* tx.all(`SELECT * FROM "Message" WHERE "organizationId" = ? AND ${tx.inList('"idempotencyKey"')}`, [
      organizationId,
      tx.list(keys.map((item) => item.idempotencyKey!)),
    ]);
    for (const row of rows) earlier.set(key(organizationId, row.idempotencyKey as string), reviveMessage(row));
  }
  const firstInBatch = new Map<string, number>();
  const creators: number[] = [];
  items.forEach((item, i) => {
    if (!item.idempotencyKey) return creators.push(i);
    const k = key(item.organizationId, item.idempotencyKey);
    const hit = earlier.get(k);
    if (hit) outcomes[i] = hit;
    else if (!firstInBatch.has(k)) {
      firstInBatch.set(k, i);
      creators.push(i);
    }
  });

  // 2. The recipient rules are checked in the same transaction that stores the message.
  const refusals = yield* recipientRefusals(tx, creators.map((i) => items[i]), 'enforce');
  creators.forEach((i, n) => {
    const refused = refusals[n].find((r) => r.enforced);
    if (refused) outcomes[i] = refusalError(refused);
  });
  const pending = creators.filter((i) => outcomes[i] === undefined);
  if (pending.length === 0) return { messages: [], threads: [] };

  // 3. Each message joins the open thread of (our number, customer), opened when there is none.
  //    The open threads are read first: the assistant's sends into one a person handles are refused.
  const now = new Date();
  const open = yield* openThreads(tx, pending.map((i) => threadKey(items[i].phoneNumberId, items[i].to)));
  for (const i of pending) {
    const { phoneNumberId, to, sentBy, force } = items[i];
    const refusal = takenOverRefusal(open.get(threadKey(phoneNumberId, to)), sentBy, force, to);
    if (refusal) outcomes[i] = refusal;
  }
  const toStore = pending.filter((i) => outcomes[i] === undefined);
  if (toStore.length === 0) return { messages: [], threads: [] };
  const joined = yield* joinThreads(
    tx,
    toStore.map((i) => ({ organizationId: items[i].organizationId, phoneNumberId: items[i].phoneNumberId, customerPhoneNumber: items[i].to, assistantId: items[i].assistantId, unread: false })),
    now,
    open,
  );
  const threadOf = (item: Intake) => joined.get(threadKey(item.phoneNumberId, item.to))!.thread;
  const opened = new Set([...joined].filter(([, j]) => j.created).map(([k]) => k));
  // The opt-out footer goes on the first message of each thread opened here.
  const opensThread = new Set(toStore.filter((i) => opened.delete(threadKey(items[i].phoneNumberId, items[i].to))));

  // 4. The messages and the first step of each timeline.
  const messages: Message[] = toStore.map((i) => {
    const item = items[i];
    const message = newMessage({
      id: newId(),
      organizationId: item.organizationId,
      assistantId: item.assistantId,
      phoneNumberId: item.phoneNumberId,
      conversationId: threadOf(item).id,
      direction: 'OUTBOUND',
      from: item.from,
      to: item.to,
      body: item.body,
      mediaUrls: JSON.stringify(item.mediaUrls),
      provider: item.provider,
      status: item.status,
      segments: item.segments,
      encoding: item.encoding,
      ...(item.optOutFooter && opensThread.has(i) && withOptOutFooter(item, item.optOutFooter)),
      category: item.category,
      idempotencyKey: item.idempotencyKey,
      sendAt: item.sendAt,
      validUntil: item.validUntil,
      nextAttemptAt: item.status === 'SCHEDULED' ? item.sendAt : now,
      sentByKind: item.sentBy?.kind ?? null,
      sentByAgentId: item.sentBy?.agentId ?? null,
      sentByApiKeyId: item.sentBy?.apiKeyId ?? null,
      createdAt: now,
      updatedAt: now,
    });
    outcomes[i] = message;
    return message;
  });
  yield* insertMessages(tx, messages, (m) => ({ status: m.status, at: now }));
  // An agent's reply moves the automatic hand-back of its thread on.
  const agentReplied = new Set(toStore.filter((i) => items[i].sentBy?.kind === 'AGENT').map((i) => threadOf(items[i]).id));
  const pushes = handBackPushes([...open.values()], agentReplied, now);
  for (const [at, ids] of pushes) {
    yield* tx.run(`UPDATE "Conversation" SET "handBackAt" = ? WHERE "mode" = 'HUMAN' AND ${tx.inList('"id"')}`, [new Date(at), tx.list(ids)]);
  }
  const handBackAt = new Map([...pushes].flatMap(([at, ids]) => ids.map((id) => [id, new Date(at)] as const)));
  const threads = threadUpdates([...joined.values()], messages, (thread) => ({ handBackAt: handBackAt.get(thread.id) ?? thread.handBackAt }));
  return { messages, threads };
}
