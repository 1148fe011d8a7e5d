import type { Services } from '../services';
import type { Conversation, Message } from '../db/client';
import { SwitchboardError } from '../errors';
import { isTransient, isUniqueViolation, retrying } from '../db/errors';
import { type Row, type SqlTx, type Work } from '../db/sql';
import { groupBy, insertRows, newConversation, newMessage, reviveConversation, reviveMessage } from '../db/rows';
import { newId } from '../db/ids';
import { GroupCommit } from '../db/group-commit';
import type { ConversationUpdate } from '../realtime/events';
import { handBackPushes, takenOverRefusal, threadUpdates } from '../console/batch-threads';

/** Who sends: the assistant's backend (a key with no agent) or an agent, through which key. */
export interface MessageSender {
  kind: 'ASSISTANT' | 'AGENT';
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
  sentBy: MessageSender | null;
  /** Send even into a thread a person has taken over (otherwise CONVERSATION_TAKEN_OVER for the assistant's sends). */
  force: boolean;
}

/**
 * Stores accepted outbound messages, many requests per transaction (group commit): per batch
 * one look-up of idempotency keys, one of opt-outs, one of open threads, and bulk inserts of
 * threads, messages and their first timeline step. Each request gets its own outcome: its
 * message (the earlier one for a repeated idempotency key), RECIPIENT_OPTED_OUT, or
 * CONVERSATION_TAKEN_OVER (the assistant's send into a thread a person handles).
 */
export function createIntake(services: Services): GroupCommit<Intake, Message> {
  // Another instance created the same thread or used the same idempotency key in the meantime
  // (a unique violation: the next pass finds them), or the transaction hit a deadlock or a
  // timeout under load: the batch is written again.
  return new GroupCommit((items) => retrying(() => storeBatch(services, items), (error) => isUniqueViolation(error) || isTransient(error)));
}

const key = (...parts: (string | null)[]) => parts.join('|');

async function storeBatch(services: Services, items: Intake[]): Promise<(Message | Error)[]> {
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
  if (stored.some((m) => m.status === 'QUEUED')) services.wakeSendQueue();
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

  // 2. Opt-outs are checked in the same transaction that stores the message.
  const blocked = new Set<string>();
  for (const [phoneNumberId, sends] of groupBy(creators.map((i) => items[i]), (item) => item.phoneNumberId)) {
    const rows = yield* tx.all<{ customerPhoneNumber: string }>(
      `SELECT "customerPhoneNumber" FROM "OptOut" WHERE "phoneNumberId" = ? AND "optedOut" AND ${tx.inList('"customerPhoneNumber"')}`,
      [phoneNumberId, tx.list(sends.map((item) => item.to))],
    );
    for (const row of rows) blocked.add(key(phoneNumberId, row.customerPhoneNumber));
  }
  for (const i of creators) {
    const { phoneNumberId, from, to } = items[i];
    if (blocked.has(key(phoneNumberId, to))) {
      outcomes[i] = new SwitchboardError('RECIPIENT_OPTED_OUT', `${to} has opted out of messages from ${from}`, 'toPhoneNumber');
    }
  }
  const pending = creators.filter((i) => outcomes[i] === undefined);
  if (pending.length === 0) return { messages: [], threads: [] };

  // 3. Each message joins the open thread of (our number, customer), created when there is none.
  //    The assistant's sends into a thread a person handles are refused.
  const now = new Date();
  const threadKeys = [...new Set(pending.map((i) => key(items[i].phoneNumberId, items[i].to)))];
  const open = (yield* tx.all(`SELECT * FROM "Conversation" WHERE ${tx.inList('"openThreadKey"')}`, [tx.list(threadKeys)])).map(reviveConversation);
  const openByKey = new Map(open.map((c) => [c.openThreadKey!, c]));
  for (const i of pending) {
    const { phoneNumberId, to, sentBy, force } = items[i];
    const refusal = takenOverRefusal(openByKey.get(key(phoneNumberId, to)), sentBy, force, to);
    if (refusal) outcomes[i] = refusal;
  }
  const toStore = pending.filter((i) => outcomes[i] === undefined);
  if (toStore.length === 0) return { messages: [], threads: [] };
  const threadOf = new Map(open.map((c) => [c.openThreadKey!, c.id]));
  const newThreads: Conversation[] = [];
  for (const i of toStore) {
    const item = items[i];
    const k = key(item.phoneNumberId, item.to);
    if (threadOf.has(k)) continue;
    const id = newId();
    threadOf.set(k, id);
    newThreads.push(
      newConversation({
        id,
        organizationId: item.organizationId,
        phoneNumberId: item.phoneNumberId,
        assistantId: item.assistantId,
        customerPhoneNumber: item.to,
        openThreadKey: k,
        lastMessageAt: now,
        createdAt: now,
      }),
    );
  }
  // In key order, like every writer of threads: two instances creating the same new threads
  // at once then wait for each other instead of deadlocking.
  newThreads.sort((a, b) => (a.openThreadKey! < b.openThreadKey! ? -1 : 1));
  yield* insertRows(tx, 'Conversation', newThreads as unknown as Row[]);
  // Existing threads move to the top; a number reassigned since takes its thread along.
  const assistantOf = new Map(toStore.map((i) => [key(items[i].phoneNumberId, items[i].to), items[i].assistantId]));
  const touched = open.filter((c) => assistantOf.has(c.openThreadKey!));
  for (const [assistantId, threads] of groupBy(touched, (c) => assistantOf.get(c.openThreadKey!)!)) {
    yield* tx.run(`UPDATE "Conversation" SET "lastMessageAt" = ?, "assistantId" = ? WHERE ${tx.inList('"id"')}`, [
      now,
      assistantId,
      tx.list(threads.map((c) => c.id).sort()),
    ]);
  }

  // 4. The messages and the first step of each timeline.
  const messages: Message[] = toStore.map((i) => {
    const item = items[i];
    const message = newMessage({
      id: newId(),
      organizationId: item.organizationId,
      assistantId: item.assistantId,
      phoneNumberId: item.phoneNumberId,
      conversationId: threadOf.get(key(item.phoneNumberId, item.to))!,
      direction: 'OUTBOUND',
      from: item.from,
      to: item.to,
      body: item.body,
      mediaUrls: JSON.stringify(item.mediaUrls),
      provider: item.provider,
      status: item.status,
      segments: item.segments,
      encoding: item.encoding,
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
  // An agent's reply moves the automatic hand-back of its thread on.
  const agentReplied = new Set(toStore.filter((i) => items[i].sentBy?.kind === 'AGENT').map((i) => threadOf.get(key(items[i].phoneNumberId, items[i].to))!));
  const pushes = handBackPushes(touched, agentReplied, now);
  for (const [at, ids] of pushes) {
    yield* tx.run(`UPDATE "Conversation" SET "handBackAt" = ? WHERE "mode" = 'HUMAN' AND ${tx.inList('"id"')}`, [new Date(at), tx.list(ids)]);
  }
  const handBackAt = new Map([...pushes].flatMap(([at, ids]) => ids.map((id) => [id, new Date(at)] as const)));
  yield* insertRows(tx, 'Message', messages as unknown as Row[]);
  yield* insertRows(
    tx,
    'MessageEvent',
    messages.map((m) => ({ id: newId(), messageId: m.id, status: m.status, at: now })),
  );
  const threads = threadUpdates(
    [...newThreads.map((thread) => ({ thread, created: true })), ...touched.map((thread) => ({ thread, created: false }))],
    messages,
    (thread) => ({ assistantId: assistantOf.get(thread.openThreadKey!) ?? thread.assistantId, handBackAt: handBackAt.get(thread.id) ?? thread.handBackAt }),
  );
  return { messages, threads };
}
