import type { Services } from '../services';
import type { Message, Prisma } from '../db/client';
import { SwitchboardError } from '../errors';
import { BATCH_TRANSACTION, isTransient, isUniqueViolation, retrying } from '../db/errors';
import { newId } from '../db/ids';
import { GroupCommit } from '../db/group-commit';

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
}

/**
 * Stores accepted outbound messages, many requests per transaction (group commit): per batch
 * one look-up of idempotency keys, one of opt-outs, one of open threads, and bulk inserts of
 * threads, messages and their first timeline step. Each request gets its own outcome: its
 * message (the earlier one for a repeated idempotency key) or RECIPIENT_OPTED_OUT.
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
  const stored = await services.db.$transaction(async (tx) => {
    outcomes.fill(undefined);
    // 1. A repeated idempotency key answers with the first message (an earlier request, or an
    //    earlier item in this batch).
    const keyed = items.filter((item) => item.idempotencyKey);
    const earlier = new Map<string, Message>();
    if (keyed.length > 0) {
      const rows = await tx.message.findMany({
        where: { OR: keyed.map((item) => ({ organizationId: item.organizationId, idempotencyKey: item.idempotencyKey })) },
      });
      for (const row of rows) earlier.set(key(row.organizationId, row.idempotencyKey), row);
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
    if (creators.length > 0) {
      const optedOut = await tx.optOut.findMany({
        where: { optedOut: true, OR: creators.map((i) => ({ phoneNumberId: items[i].phoneNumberId, customerPhoneNumber: items[i].to })) },
        select: { phoneNumberId: true, customerPhoneNumber: true },
      });
      const blocked = new Set(optedOut.map((o) => key(o.phoneNumberId, o.customerPhoneNumber)));
      for (const i of creators) {
        const { phoneNumberId, from, to } = items[i];
        if (blocked.has(key(phoneNumberId, to))) {
          outcomes[i] = new SwitchboardError('RECIPIENT_OPTED_OUT', `${to} has opted out of messages from ${from}`, 'toPhoneNumber');
        }
      }
    }
    const toStore = creators.filter((i) => outcomes[i] === undefined);
    if (toStore.length === 0) return [];

    // 3. Each message joins the open thread of (our number, customer), created when there is none.
    const now = new Date();
    const threadKeys = [...new Set(toStore.map((i) => key(items[i].phoneNumberId, items[i].to)))];
    const open = await tx.conversation.findMany({ where: { openThreadKey: { in: threadKeys } }, select: { id: true, openThreadKey: true, assistantId: true } });
    const threadOf = new Map(open.map((c) => [c.openThreadKey!, c.id]));
    const newThreads: Prisma.ConversationCreateManyInput[] = [];
    for (const i of toStore) {
      const item = items[i];
      const k = key(item.phoneNumberId, item.to);
      if (threadOf.has(k)) continue;
      const id = newId();
      threadOf.set(k, id);
      newThreads.push({
        id,
        organizationId: item.organizationId,
        phoneNumberId: item.phoneNumberId,
        assistantId: item.assistantId,
        customerPhoneNumber: item.to,
        openThreadKey: k,
        lastMessageAt: now,
        createdAt: now,
      });
    }
    // In key order, like every writer of threads: two instances creating the same new threads
    // at once then wait for each other instead of deadlocking.
    newThreads.sort((a, b) => (a.openThreadKey! < b.openThreadKey! ? -1 : 1));
    if (newThreads.length > 0) await tx.conversation.createMany({ data: newThreads });
    // Existing threads move to the top; a number reassigned since takes its thread along.
    const assistantOf = new Map(toStore.map((i) => [key(items[i].phoneNumberId, items[i].to), items[i].assistantId]));
    const byAssistant = new Map<string, string[]>();
    for (const c of open) {
      const assistantId = assistantOf.get(c.openThreadKey!)!;
      byAssistant.set(assistantId, [...(byAssistant.get(assistantId) ?? []), c.id]);
    }
    for (const [assistantId, ids] of byAssistant) {
      await tx.conversation.updateMany({ where: { id: { in: ids.sort() } }, data: { lastMessageAt: now, assistantId } });
    }

    // 4. The messages and the first step of each timeline.
    const rows: Prisma.MessageCreateManyInput[] = toStore.map((i) => {
      const item = items[i];
      return {
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
        createdAt: now,
        updatedAt: now,
      };
    });
    await tx.message.createMany({ data: rows });
    await tx.messageEvent.createMany({ data: rows.map((row) => ({ id: newId(), messageId: row.id!, status: row.status, at: now })) });
    const created = await tx.message.findMany({ where: { id: { in: rows.map((r) => r.id!) } } });
    const byId = new Map(created.map((m) => [m.id, m]));
    toStore.forEach((i, n) => (outcomes[i] = byId.get(rows[n].id!)!));
    return created;
  }, BATCH_TRANSACTION);

  // Later items with a key first used in this batch get the message of its first item.
  items.forEach((item, i) => {
    if (outcomes[i] !== undefined || !item.idempotencyKey) return;
    const first = items.findIndex((other) => other.organizationId === item.organizationId && other.idempotencyKey === item.idempotencyKey);
    outcomes[i] = outcomes[first];
  });
  for (const message of stored) services.metrics.accepted.inc({ provider: message.provider });
  if (stored.some((m) => m.status === 'QUEUED')) services.wakeSendQueue();
  return outcomes as (Message | Error)[];
}
