import type { Services } from '../services';
import { Prisma } from '../db/client';
import type { Row, SqlTx, Work } from '../db/sql';
import { groupBy, insertRows } from '../db/rows';
import { newId } from '../db/ids';
import { notFound } from '../errors';

/** The key of the open thread of (our number, customer): at most one thread per pair holds it (Conversation.openThreadKey). */
export const threadKey = (phoneNumberId: string, customerPhoneNumber: string) => `${phoneNumberId}|${customerPhoneNumber}`;

/** A message joining the thread of (our number, customer). */
export interface ThreadJoin {
  organizationId: string;
  phoneNumberId: string;
  customerPhoneNumber: string;
  /** The number's assistant now (null: none); a thread follows its number when it is reassigned. */
  assistantId: string | null;
  /** Whether the message counts as unread (inbound messages, until markConversationRead). */
  unread: boolean;
}

/**
 * Joins each message to the open thread of its (our number, customer), opening one where there
 * is none, for a whole batch (intake's and inbound's): one look-up of the open threads, one
 * insert of the new ones, and one update per (assistant, unread count) of the others, which move
 * to the top and count their unread messages. Returns each thread's id by threadKey.
 * Threads are written in key order (ids sorted within an update), like every writer of threads:
 * two instances opening the same new threads at once then wait for each other instead of
 * deadlocking.
 */
export function* joinThreads(tx: SqlTx, joins: readonly ThreadJoin[], now: Date): Work<Map<string, string>> {
  const byKey = new Map<string, { join: ThreadJoin; unread: number }>();
  for (const join of joins) {
    const k = threadKey(join.phoneNumberId, join.customerPhoneNumber);
    const seen = byKey.get(k);
    byKey.set(k, { join: seen && join.assistantId === null ? seen.join : join, unread: (seen?.unread ?? 0) + (join.unread ? 1 : 0) });
  }
  const keys = [...byKey.keys()].sort();
  const threadOf = new Map<string, string>();
  if (keys.length === 0) return threadOf;
  const open = yield* tx.all<{ id: string; openThreadKey: string; assistantId: string | null }>(
    `SELECT "id", "openThreadKey", "assistantId" FROM "Conversation" WHERE ${tx.inList('"openThreadKey"')}`,
    [tx.list(keys)],
  );
  for (const thread of open) threadOf.set(thread.openThreadKey, thread.id);
  const newThreads: Row[] = [];
  for (const k of keys) {
    if (threadOf.has(k)) continue;
    const { join, unread } = byKey.get(k)!;
    const id = newId();
    threadOf.set(k, id);
    newThreads.push({
      id,
      organizationId: join.organizationId,
      phoneNumberId: join.phoneNumberId,
      assistantId: join.assistantId,
      customerPhoneNumber: join.customerPhoneNumber,
      openThreadKey: k,
      unreadCount: unread,
      lastMessageAt: now,
      createdAt: now,
    });
  }
  yield* insertRows(tx, 'Conversation', newThreads);
  // A number without an assistant now leaves its thread's assistant as it was.
  const moved = open.map((thread) => {
    const { join, unread } = byKey.get(thread.openThreadKey)!;
    return { id: thread.id, assistantId: join.assistantId ?? thread.assistantId, unread };
  });
  for (const threads of groupBy(moved, (thread) => `${thread.assistantId}|${thread.unread}`).values()) {
    yield* tx.run(`UPDATE "Conversation" SET "lastMessageAt" = ?, "unreadCount" = "unreadCount" + ?, "assistantId" = ? WHERE ${tx.inList('"id"')}`, [
      now,
      threads[0].unread,
      threads[0].assistantId,
      tx.list(threads.map((thread) => thread.id).sort()),
    ]);
  }
  return threadOf;
}

export async function archiveConversation(services: Services, organizationId: string, id: string) {
  const { count } = await services.db.conversation.updateMany({
    where: { id, organizationId },
    data: { archived: true, openThreadKey: null },
  });
  if (count === 0) throw notFound('Conversation');
  return services.db.conversation.findUniqueOrThrow({ where: { id } });
}

/**
 * Marks every inbound message of the thread read: readAt on each unread one, the thread's
 * unreadCount back to 0 and lastReadAt now. The thread row is updated first, so an inbound
 * message stored at the same moment is either marked read here or counted after.
 */
export async function markConversationRead(services: Services, organizationId: string, id: string, now = new Date()) {
  return services.db.$transaction(async (tx) => {
    const { count } = await tx.conversation.updateMany({ where: { id, organizationId }, data: { unreadCount: 0, lastReadAt: now } });
    if (count === 0) throw notFound('Conversation');
    await tx.message.updateMany({ where: { conversationId: id, direction: 'INBOUND', readAt: null }, data: { readAt: now } });
    return tx.conversation.findUniqueOrThrow({ where: { id } });
  });
}

/**
 * Erases a thread for a data-deletion request: its messages with their timelines and
 * forwarding records (cascaded by the database), then the thread itself. Returns how many
 * messages were erased. The next message with that customer starts a new thread.
 */
export async function deleteConversation(services: Services, organizationId: string, id: string): Promise<{ deletedMessages: number }> {
  return services.db.$transaction(async (tx) => {
    // Closing the thread first locks its row: a message arriving meanwhile waits, then opens a new thread.
    const closed = await tx.conversation.updateMany({ where: { id, organizationId }, data: { openThreadKey: null, archived: true } });
    if (closed.count === 0) throw notFound('Conversation');
    const { count } = await tx.message.deleteMany({ where: { conversationId: id, organizationId } });
    await tx.conversation.delete({ where: { id } });
    return { deletedMessages: count };
  });
}

/**
 * One read of a thread, oldest first: `take` messages after the message `cursor` (or from the
 * start), or with a negative `take` the last |take| before `cursor` (or up to the newest):
 * Prisma's take/cursor/skip: 1 as Pothos' connections ask for them.
 */
export interface ThreadRead {
  conversationId: string;
  take: number;
  cursor: string | null;
}

/** UNION ALL members per query, well under SQLite's compound-select limit of 500. */
const READS_PER_QUERY = 200;

/**
 * The message ids of each read, oldest first, in one query for up to 200 reads: each is a
 * keyset seek on Message(conversationId, createdAt, id) that stops after its page, however
 * long the thread (a cursor row of another thread, or none, reads nothing, as with Prisma).
 */
export async function threadMessageIds(services: Services, reads: ThreadRead[]): Promise<string[][]> {
  const result: string[][] = reads.map(() => []);
  for (let start = 0; start < reads.length; start += READS_PER_QUERY) {
    const parts = reads.slice(start, start + READS_PER_QUERY).flatMap((read, offset) => {
      const limit = Math.abs(Math.trunc(read.take));
      if (limit === 0) return [];
      const backwards = read.take < 0;
      const keyset = read.cursor
        ? Prisma.sql`AND ("createdAt", "id") ${Prisma.raw(backwards ? '<' : '>')}
            (SELECT c."createdAt", c."id" FROM "Message" c WHERE c."id" = ${read.cursor} AND c."conversationId" = ${read.conversationId})`
        : Prisma.empty;
      const order = Prisma.raw(backwards ? `"createdAt" DESC, "id" DESC` : `"createdAt", "id"`);
      return [
        Prisma.sql`SELECT ${Prisma.raw(String(start + offset))} AS "k", "id", ROW_NUMBER() OVER (ORDER BY "createdAt", "id") AS "n"
          FROM (SELECT "id", "createdAt" FROM "Message" WHERE "conversationId" = ${read.conversationId} ${keyset}
                ORDER BY ${order} LIMIT ${Prisma.raw(String(limit))}) AS ${Prisma.raw(`"p${offset}"`)}`,
      ];
    });
    if (parts.length === 0) continue;
    const rows = await services.db.$queryRaw<{ k: unknown; id: string; n: unknown }[]>(Prisma.join(parts, ' UNION ALL '));
    const ordered = rows.map((row) => ({ k: Number(row.k), id: row.id, n: Number(row.n) })).sort((a, b) => a.k - b.k || a.n - b.n);
    for (const row of ordered) result[row.k].push(row.id);
  }
  return result;
}
