import type { Services } from '../services';
import type { Prisma } from '../db/client';
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
) {
  const openThreadKey = `${thread.phoneNumberId}|${thread.customerPhoneNumber}`;
  const existing = await tx.conversation.findUnique({ where: { openThreadKey } });
  if (existing) {
    return tx.conversation.update({
      where: { id: existing.id },
      data: { lastMessageAt: at, ...(thread.assistantId && existing.assistantId !== thread.assistantId && { assistantId: thread.assistantId }) },
    });
  }
  return tx.conversation.create({ data: { ...thread, openThreadKey, lastMessageAt: at } });
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
