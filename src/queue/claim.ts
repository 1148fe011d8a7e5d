import type { Services } from '../services';
import type { Assistant, Message, PhoneNumber, Prisma } from '../db/client';
import { effectiveRate, reserveSlots } from './pacing';
import { recordStatus } from '../messaging/status';

export type Sender = PhoneNumber & { assistant: Assistant | null };

export interface ClaimedMessage {
  message: Message;
  /** The sending number with its assistant, loaded once per claim. */
  sender: Sender | null;
  /** When this message may be handed to its provider (its sender's pacing slot). */
  slotAt: number;
}

/** How far ahead a claim reserves pacing slots: a claimed message waits at most this long. */
export const SLOT_HORIZON_MS = 1000;

/**
 * Locks senders' rows while their pacing slots are reserved, in id order (no deadlock between
 * instances). NO KEY UPDATE: inserts of messages that reference these numbers take KEY SHARE
 * locks on them, which this lock must not wait for (nextSlotAt is no key). SQLite has one
 * writer and needs no lock.
 */
async function lockSenders(services: Services, tx: Prisma.TransactionClient, ids: string[]) {
  if (services.dialect !== 'postgresql' || ids.length === 0) return;
  await tx.$queryRawUnsafe(`SELECT id FROM "PhoneNumber" WHERE id = ANY($1::text[]) ORDER BY id FOR NO KEY UPDATE`, [...ids].sort());
}

/**
 * Claims due messages for this instance: QUEUED, or SCHEDULED and due, from senders that still
 * have pacing budget within the next SLOT_HORIZON_MS. Each claimed message gets a slot from its
 * sender's shared `nextSlotAt` and moves to SENDING under a lease that outlasts its slot.
 * On PostgreSQL messages are picked with FOR UPDATE SKIP LOCKED and senders' rows are locked
 * while their slots are reserved, so instances racing for the queue get different messages and
 * share each sender's rate; SQLite has one writer, and all of it is one transaction.
 * A sender whose budget is used up is skipped by the pick, so it never holds up other senders.
 */
export async function claimDueMessages(services: Services, limit: number): Promise<ClaimedMessage[]> {
  const { db, config } = services;
  const now = Date.now();
  const horizon = new Date(now + SLOT_HORIZON_MS);
  const claimed = await db.$transaction(async (tx) => {
    const picked =
      services.dialect === 'postgresql'
        ? await tx.$queryRawUnsafe<{ id: string; phoneNumberId: string | null }[]>(
            `SELECT m.id, m."phoneNumberId" FROM "Message" m
               LEFT JOIN "PhoneNumber" p ON p.id = m."phoneNumberId"
              WHERE m.status IN ('QUEUED', 'SCHEDULED') AND m."nextAttemptAt" <= $1
                AND (p."nextSlotAt" IS NULL OR p."nextSlotAt" <= $2)
              ORDER BY m."nextAttemptAt" LIMIT $3
              FOR UPDATE OF m SKIP LOCKED`,
            new Date(now),
            horizon,
            limit,
          )
        : await tx.message.findMany({
            where: {
              status: { in: ['QUEUED', 'SCHEDULED'] },
              nextAttemptAt: { lte: new Date(now) },
              OR: [{ phoneNumberId: null }, { phoneNumber: { OR: [{ nextSlotAt: null }, { nextSlotAt: { lte: horizon } }] } }],
            },
            orderBy: { nextAttemptAt: 'asc' },
            take: limit,
            select: { id: true, phoneNumberId: true },
          });
    if (picked.length === 0) return [];

    const senderIds = [...new Set(picked.map((m) => m.phoneNumberId).filter((id): id is string => id !== null))].sort();
    await lockSenders(services, tx, senderIds);
    const senders = new Map(
      (await tx.phoneNumber.findMany({ where: { id: { in: senderIds } }, include: { assistant: true } })).map((s) => [s.id, s]),
    );
    const slotOf = new Map<string, number>();
    for (const sender of senders.values()) {
      const ids = picked.filter((m) => m.phoneNumberId === sender.id).map((m) => m.id);
      const rate = effectiveRate(sender, config.queue.defaultMessagesPerSecond);
      const { slots, nextSlotAt } = reserveSlots(sender.nextSlotAt, now, rate, ids.length, SLOT_HORIZON_MS);
      if (slots.length === 0) continue;
      slots.forEach((slot, i) => slotOf.set(ids[i], slot));
      await tx.phoneNumber.update({ where: { id: sender.id }, data: { nextSlotAt } });
    }
    // Messages whose number is gone are claimed too: dispatch ends them FAILED, visibly.
    for (const m of picked) if (m.phoneNumberId === null || !senders.has(m.phoneNumberId)) slotOf.set(m.id, now);
    const ids = [...slotOf.keys()];
    if (ids.length === 0) return [];
    const lastSlot = Math.max(...slotOf.values());
    await tx.message.updateMany({
      where: { id: { in: ids } },
      data: { status: 'SENDING', leaseExpiresAt: new Date(lastSlot + config.queue.leaseMs), attempts: { increment: 1 } },
    });
    await tx.messageEvent.createMany({ data: ids.map((messageId) => ({ messageId, status: 'SENDING' as const, at: new Date(now) })) });
    const messages = await tx.message.findMany({ where: { id: { in: ids } } });
    return messages
      .map((message) => ({ message, sender: (message.phoneNumberId && senders.get(message.phoneNumberId)) || null, slotAt: slotOf.get(message.id)! }))
      .sort((a, b) => a.slotAt - b.slotAt);
  });
  for (const { message } of claimed) services.events.statusChanged(message);
  return claimed;
}

/**
 * One fresh slot for a sender, reserved now from its shared next slot: for a message that
 * reached its slot late (its process stalled), so that it does not go out right next to the
 * messages other instances sent on time.
 */
export async function reserveSlotNow(services: Services, sender: Sender): Promise<number> {
  const rate = effectiveRate(sender, services.config.queue.defaultMessagesPerSecond);
  return services.db.$transaction(async (tx) => {
    await lockSenders(services, tx, [sender.id]);
    const { nextSlotAt } = await tx.phoneNumber.findUniqueOrThrow({ where: { id: sender.id }, select: { nextSlotAt: true } });
    const reserved = reserveSlots(nextSlotAt, Date.now(), rate, 1, Number.POSITIVE_INFINITY);
    await tx.phoneNumber.update({ where: { id: sender.id }, data: { nextSlotAt: reserved.nextSlotAt } });
    return reserved.slots[0];
  });
}

/** A provider asked this sender to slow down (429 with Retry-After): no instance uses it before then. */
export async function holdSender(services: Services, phoneNumberId: string, until: Date) {
  await services.db.phoneNumber.updateMany({
    where: { id: phoneNumberId, OR: [{ nextSlotAt: null }, { nextSlotAt: { lt: until } }] },
    data: { nextSlotAt: until },
  });
}

/**
 * Messages with a validity period that were not handed to their provider in time end FAILED
 * rather than going out late.
 */
export async function expireOverdueMessages(services: Services) {
  const now = new Date();
  const overdue = await services.db.message.findMany({
    where: { status: { in: ['QUEUED', 'SCHEDULED'] }, validUntil: { lt: now } },
    select: { id: true, organizationId: true, validUntil: true },
    take: 500,
  });
  for (const message of overdue) await expire(services, message, ['QUEUED', 'SCHEDULED']);
  return overdue.length;
}

export function expire(services: Services, message: Pick<Message, 'id' | 'organizationId' | 'validUntil'>, from: Message['status'][]) {
  return recordStatus(
    services,
    message,
    {
      status: 'FAILED',
      errorCode: 'VALIDITY_PERIOD_EXPIRED',
      errorMessage: `not handed to the provider before its validity period ended (${message.validUntil?.toISOString()})`,
    },
    { from, data: { leaseExpiresAt: null, nextAttemptAt: null } },
  );
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

  /** Whether the lease runs out within `ms` (so a provider call started now could outlast it). */
  expiresWithin(ms: number): boolean {
    return !this.#expiresAt || this.#expiresAt.getTime() - Date.now() < ms;
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
