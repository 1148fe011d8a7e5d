import type { Services } from '../services';
import type { Message } from '../db/client';
import { recordStatus } from '../messaging/status';

/**
 * Claims up to `limit` due messages for this instance: QUEUED (or SCHEDULED and due) move to
 * SENDING with a lease. On PostgreSQL the rows are picked with FOR UPDATE SKIP LOCKED, so
 * instances racing for the queue each get different messages; SQLite has one writer, and
 * the pick and the update share one transaction.
 */
export async function claimDueMessages(services: Services, limit: number, skipSenders: string[]): Promise<Message[]> {
  const { db } = services;
  const now = new Date();
  const leaseExpiresAt = new Date(now.getTime() + services.config.queue.leaseMs);
  const claimed = await db.$transaction(async (tx) => {
    let ids: string[];
    if (services.dialect === 'postgresql') {
      const rows = await tx.$queryRawUnsafe<{ id: string }[]>(
        `SELECT id FROM "Message"
          WHERE status IN ('QUEUED', 'SCHEDULED') AND "nextAttemptAt" <= $1
            AND NOT ("phoneNumberId" = ANY($2::text[]))
          ORDER BY "nextAttemptAt" LIMIT $3
          FOR UPDATE SKIP LOCKED`,
        now,
        skipSenders,
        limit,
      );
      ids = rows.map((r) => r.id);
    } else {
      const rows = await tx.message.findMany({
        where: { status: { in: ['QUEUED', 'SCHEDULED'] }, nextAttemptAt: { lte: now }, phoneNumberId: { notIn: skipSenders } },
        orderBy: { nextAttemptAt: 'asc' },
        take: limit,
        select: { id: true },
      });
      ids = rows.map((r) => r.id);
    }
    if (ids.length === 0) return [];
    await tx.message.updateMany({
      where: { id: { in: ids } },
      data: { status: 'SENDING', leaseExpiresAt, attempts: { increment: 1 } },
    });
    await tx.messageEvent.createMany({ data: ids.map((messageId) => ({ messageId, status: 'SENDING' as const, at: now })) });
    return tx.message.findMany({ where: { id: { in: ids } }, orderBy: { nextAttemptAt: 'asc' } });
  });
  for (const message of claimed) services.events.statusChanged(message);
  return claimed;
}

/**
 * Messages whose lease ran out (their instance died mid-dispatch) go back to QUEUED. `all`
 * releases every SENDING message: right at the start of the only instance of an embedded
 * (SQLite) server, where no other instance can own them.
 */
export async function releaseExpiredLeases(services: Services, options: { all?: boolean } = {}) {
  const now = new Date();
  const stale = await services.db.message.findMany({
    where: { status: 'SENDING', ...(!options.all && { leaseExpiresAt: { lt: now } }) },
    select: { id: true, organizationId: true },
    take: 500,
  });
  for (const message of stale) {
    await recordStatus(
      services,
      message,
      { status: 'QUEUED', errorMessage: 'the instance sending this message stopped; it will be sent again' },
      { from: ['SENDING'], data: { leaseExpiresAt: null, nextAttemptAt: now } },
    );
  }
  return stale.length;
}
