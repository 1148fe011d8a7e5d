import type { Services } from '../services';
import { Prisma } from '../db/client';
import { notFound } from '../errors';

/**
 * Marks every inbound message of the thread read: readAt on each unread one, the thread's
 * unreadCount back to 0 and lastReadAt now. The thread row is updated first, so an inbound
 * message stored at the same moment is either marked read here or counted after.
 */
export async function markConversationRead(services: Services, organizationId: string, id: string, now = new Date()) {
  const conversation = await services.db.$transaction(async (tx) => {
    const { count } = await tx.conversation.updateMany({ where: { id, organizationId }, data: { unreadCount: 0, lastReadAt: now } });
    if (count === 0) throw notFound('Conversation');
    await tx.message.updateMany({ where: { conversationId: id, direction: 'INBOUND', readAt: null }, data: { readAt: now } });
    return tx.conversation.findUniqueOrThrow({ where: { id } });
  });
  services.events.conversationUpdated({ change: 'READ', conversation });
  return conversation;
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
