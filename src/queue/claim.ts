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

/**
 * Keeps this instance's lease on a message it is dispatching alive: the message waits for its
 * sender's pacing slot and then for the provider, and either may take longer than the lease.
 * Without renewal the instance's own lease sweep would hand the message out again while its
 * first call is still under way, and the provider would get it twice. The lease is extended
 * every third of its length while the instance lives; once the instance dies it runs out after
 * at most QUEUE_LEASE_MS, as before. Renewals only extend the lease this dispatch was given, so
 * a lease that was lost (released and claimed again) stays lost.
 */
export class LeaseKeeper {
  #expiresAt: Date | null;
  #lost = false;
  #chain: Promise<void> = Promise.resolve();
  readonly #timer: NodeJS.Timeout;

  constructor(
    private readonly services: Services,
    private readonly messageId: string,
    expiresAt: Date | null,
  ) {
    this.#expiresAt = expiresAt;
    this.#timer = setInterval(() => void this.renew(), Math.max(20, Math.floor(services.config.queue.leaseMs / 3)));
  }

  /** Extends the lease now; resolves false when this dispatch no longer holds the message. */
  renew(): Promise<boolean> {
    // One renewal at a time: two racing with the same expiry would see each other as a thief.
    this.#chain = this.#chain.then(async () => {
      if (this.#lost || !this.#expiresAt) return;
      const next = new Date(Date.now() + this.services.config.queue.leaseMs);
      try {
        const { count } = await this.services.db.message.updateMany({
          where: { id: this.messageId, status: 'SENDING', leaseExpiresAt: this.#expiresAt },
          data: { leaseExpiresAt: next },
        });
        if (count === 1) this.#expiresAt = next;
        else this.#lost = true;
      } catch (error) {
        // A database hiccup: keep the old lease and try again at the next beat.
        this.services.log.warn({ err: error, messageId: this.messageId }, 'send queue: lease renewal failed');
      }
    });
    return this.#chain.then(() => !this.#lost);
  }

  stop() {
    clearInterval(this.#timer);
  }
}
