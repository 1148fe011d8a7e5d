import type { Services } from '../services';
import { Prisma } from '../db/client';
import { isUniqueViolation } from '../db/errors';
import { notFound } from '../errors';

type Tx = Prisma.TransactionClient;

/**
 * The open thread between one of our numbers and a customer, created on the first message.
 * `openThreadKey` is unique while a thread is open, so concurrent first messages share one.
 */
export async function openThread(
  tx: Tx,
  thread: { organizationId: string; phoneNumberId: string; assistantId: string | null; customerPhoneNumber: string },
  at: Date,
  options: { inbound?: boolean } = {},
) {
  const openThreadKey = `${thread.phoneNumberId}|${thread.customerPhoneNumber}`;
  const existing = await tx.conversation.findUnique({ where: { openThreadKey } });
  if (existing) {
    return tx.conversation.update({
      where: { id: existing.id },
      data: {
        lastMessageAt: at,
        // A new inbound message is unread until markConversationRead (the caller stores it in
        // the same transaction, so a provider's retry that is refused as a duplicate rolls back).
        ...(options.inbound && { unreadCount: { increment: 1 } }),
        ...(thread.assistantId && existing.assistantId !== thread.assistantId && { assistantId: thread.assistantId }),
      },
    });
  }
  return tx.conversation.create({ data: { ...thread, openThreadKey, lastMessageAt: at, unreadCount: options.inbound ? 1 : 0 } });
}

/** Runs `fn` in a transaction, once more if a concurrent first message created the thread first. */
export async function withThreadRetry<T>(services: Services, fn: (tx: Tx) => Promise<T>): Promise<T> {
  try {
    return await services.db.$transaction(fn);
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    return services.db.$transaction(fn);
  }
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
 * The id of the newest message of each thread, in one query: one index seek per thread on
 * Message(conversationId, createdAt), however long the threads are.
 */
export async function lastMessageIds(services: Services, conversationIds: string[]): Promise<Map<string, string>> {
  if (conversationIds.length === 0) return new Map();
  const rows = await services.db.$queryRaw<{ conversationId: string; messageId: string | null }[]>`
    SELECT c."id" AS "conversationId",
           (SELECT m."id" FROM "Message" m WHERE m."conversationId" = c."id" ORDER BY m."createdAt" DESC, m."id" DESC LIMIT 1) AS "messageId"
    FROM "Conversation" c
    WHERE c."id" IN (${Prisma.join(conversationIds)})`;
  return new Map(rows.flatMap((row) => (row.messageId ? [[row.conversationId, row.messageId] as const] : [])));
}
