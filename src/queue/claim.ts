import type { Services } from '../services';
import type { Assistant, Message, PhoneNumber } from '../db/client';
import type { SenderWithAssistant } from '../assistants/sender-directory';
import type { AssistantWithCredentials } from '../assistants/credentials';
import type { SqlTx, Work } from '../db/sql';
import { insertRows, reviveDates, reviveMessage } from '../db/rows';
import { newId } from '../db/ids';
import { lockRows, sqlDialect } from '../db/dialects';
import { effectiveRate, reserveSlots } from './pacing';
import { announceStatusChanges, moveMessages, statusIn } from '../messaging/status';
import { queueStatusEvents } from '../forwarding/events';
import { quietHoursRefusal, type MessageCategory } from '../compliance/rules';

export type Sender = SenderWithAssistant;

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
 * Claims due messages for this instance: QUEUED, or SCHEDULED and due, from senders that still
 * have pacing budget within the next SLOT_HORIZON_MS. Each claimed message gets a slot from its
 * sender's shared `nextSlotAt` and moves to SENDING under a lease that outlasts its slot.
 * On PostgreSQL messages are picked with FOR UPDATE SKIP LOCKED and senders' rows are locked
 * while their slots are reserved, so instances racing for the queue get different messages and
 * share each sender's rate; SQLite has one writer, and all of it is one transaction.
 * A sender whose budget is used up is skipped by the pick, so it never holds up other senders.
 */
export async function claimDueMessages(services: Services, limit: number): Promise<ClaimedMessage[]> {
  const { config } = services;
  const now = Date.now();
  const horizon = new Date(now + SLOT_HORIZON_MS);
  const { claimed, held } = await services.sql.transaction(function* (tx) {
    const due = yield* tx.all<PickedMessage>(sqlDialect(tx.dialect).pickDueMessages, [new Date(now), horizon, limit]);
    if (due.length === 0) return { claimed: [], held: [] };

    const senderIds = [...new Set(due.map((m) => m.phoneNumberId).filter((id): id is string => id !== null))].sort();
    // Senders' rows are locked while their pacing slots are reserved.
    yield* lockRows(tx, 'PhoneNumber', senderIds);
    const senders = new Map((yield* readSenders(tx, senderIds)).map((s) => [s.id, s]));
    const held = yield* holdForSendingWindow(tx, due, senders, new Date(now));
    const heldIds = new Set(held.map((m) => m.id));
    const picked = heldIds.size === 0 ? due : due.filter((m) => !heldIds.has(m.id));
    const slotOf = new Map<string, number>();
    for (const sender of senders.values()) {
      const ids = picked.filter((m) => m.phoneNumberId === sender.id).map((m) => m.id);
      const rate = effectiveRate(sender, config.queue.defaultMessagesPerSecond);
      const { slots, nextSlotAt } = reserveSlots(sender.nextSlotAt, now, rate, ids.length, SLOT_HORIZON_MS);
      if (slots.length === 0) continue;
      slots.forEach((slot, i) => slotOf.set(ids[i], slot));
      yield* tx.run(`UPDATE "PhoneNumber" SET "nextSlotAt" = ? WHERE id = ?`, [nextSlotAt, sender.id]);
    }
    // Messages whose number is gone are claimed too: dispatch ends them FAILED, visibly.
    for (const m of picked) if (m.phoneNumberId === null || !senders.has(m.phoneNumberId)) slotOf.set(m.id, now);
    const ids = [...slotOf.keys()];
    if (ids.length === 0) return { claimed: [], held };
    const lastSlot = Math.max(...slotOf.values());
    const at = new Date(now);
    const messages = (yield* tx.all(
      `UPDATE "Message" SET status = 'SENDING', "leaseExpiresAt" = ?, "handedOverAt" = NULL, attempts = attempts + 1, "updatedAt" = ? WHERE ${tx.inList('id')} RETURNING *`,
      [new Date(lastSlot + config.queue.leaseMs), at, tx.list(ids)],
    )).map(reviveMessage);
    yield* insertRows(tx, 'MessageEvent', ids.map((messageId) => ({ id: newId(), messageId, status: 'SENDING', at })));
    const claimed = messages
      .map((message) => ({ message, sender: (message.phoneNumberId && senders.get(message.phoneNumberId)) || null, slotAt: slotOf.get(message.id)! }))
      .sort((a, b) => a.slotAt - b.slotAt);
    return { claimed, held };
  });
  announceStatusChanges(services, held);
  for (const { message } of claimed) services.events.statusChanged(message);
  return claimed;
}

type PickedMessage = Pick<Message, 'id' | 'phoneNumberId' | 'to' | 'category'>;

/**
 * Quiet hours again as messages fall due: one accepted inside its assistant's sending window but
 * held up past its end (a backlog, a provider outage, settings changed since) is not sent at
 * night. It goes back to SCHEDULED for the window's next opening on the recipient's clock, with
 * the reason on its timeline. Exempt categories go out as usual.
 */
function* holdForSendingWindow(tx: SqlTx, due: readonly PickedMessage[], senders: ReadonlyMap<string, SenderWithAssistant>, now: Date): Work<Message[]> {
  const until = new Map<number, string[]>();
  for (const message of due) {
    const sender = message.phoneNumberId ? senders.get(message.phoneNumberId) : undefined;
    const quiet = sender?.assistant && quietHoursRefusal(sender, message.to, message.category as MessageCategory | null, now);
    if (!quiet?.nextAllowedAt) continue;
    const at = quiet.nextAllowedAt.getTime();
    until.set(at, [...(until.get(at) ?? []), message.id]);
  }
  const held: Message[] = [];
  for (const [at, ids] of until) {
    const opens = new Date(at);
    const step = { status: 'SCHEDULED' as const, errorMessage: `held for quiet hours: the sending window opens at ${opens.toISOString()}` };
    held.push(...(yield* moveMessages(tx, ids, ['QUEUED', 'SCHEDULED'], step, { sendAt: opens, nextAttemptAt: opens }, now)));
  }
  return held;
}

/**
 * Sending numbers with their assistants and the assistants' credentials, as dispatch needs
 * them: the credentials come joined to the assistants' rows (one row per credential), so
 * reading them costs no query of its own.
 */
export function* readSenders(tx: SqlTx, ids: string[]): Work<Sender[]> {
  if (ids.length === 0) return [];
  const numbers = yield* tx.all(`SELECT * FROM "PhoneNumber" WHERE ${tx.inList('id')}`, [tx.list(ids)]);
  const assistantIds = [...new Set(numbers.map((n) => n.assistantId).filter((id): id is string => typeof id === 'string'))];
  const rows =
    assistantIds.length === 0
      ? []
      : yield* tx.all(
          `SELECT a.*, c."provider" AS "credentialProvider", c."sealed" AS "credentialSealed"
           FROM "Assistant" a LEFT JOIN "ProviderCredential" c ON c."assistantId" = a."id"
           WHERE ${tx.inList('a."id"')}`,
          [tx.list(assistantIds)],
        );
  const assistantById = new Map<string, AssistantWithCredentials>();
  for (const { credentialProvider, credentialSealed, ...row } of rows) {
    let assistant = assistantById.get(row.id as string);
    if (!assistant) {
      assistant = { ...(reviveDates(row, ['createdAt', 'updatedAt']) as unknown as Assistant), credentials: [] };
      assistantById.set(assistant.id, assistant);
    }
    if (typeof credentialProvider === 'string' && typeof credentialSealed === 'string') {
      assistant.credentials.push({ provider: credentialProvider, sealed: credentialSealed });
    }
  }
  return numbers.map((n) => {
    const number = reviveDates(n, ['nextSlotAt', 'createdAt']) as unknown as PhoneNumber;
    return { ...number, assistant: (number.assistantId && assistantById.get(number.assistantId)) || null };
  });
}

/**
 * One fresh slot for a sender, reserved now from its shared next slot: for a message that
 * reached its slot late (its process stalled), so that it does not go out right next to the
 * messages other instances sent on time.
 */
export async function reserveSlotNow(services: Services, sender: Sender): Promise<number> {
  const rate = effectiveRate(sender, services.config.queue.defaultMessagesPerSecond);
  return services.sql.transaction(function* (tx) {
    yield* lockRows(tx, 'PhoneNumber', [sender.id]);
    const [row] = yield* tx.all<{ nextSlotAt: Date | string | null }>(`SELECT "nextSlotAt" FROM "PhoneNumber" WHERE id = ?`, [sender.id]);
    const nextSlotAt = row?.nextSlotAt ? new Date(row.nextSlotAt) : null;
    const reserved = reserveSlots(nextSlotAt, Date.now(), rate, 1, Number.POSITIVE_INFINITY);
    yield* tx.run(`UPDATE "PhoneNumber" SET "nextSlotAt" = ? WHERE id = ?`, [reserved.nextSlotAt, sender.id]);
    return reserved.slots[0];
  });
}

/** A provider asked this sender to slow down (429 with Retry-After): no instance uses it before then. */
export async function holdSender(services: Services, phoneNumberId: string, until: Date) {
  await services.sql.run(`UPDATE "PhoneNumber" SET "nextSlotAt" = ? WHERE id = ? AND ("nextSlotAt" IS NULL OR "nextSlotAt" < ?)`, [until, phoneNumberId, until]);
}

/** How many messages one sweep of leases or validity periods handles; the next sweep takes the rest. */
const SWEEP_LIMIT = 500;

/**
 * Messages with a validity period that were not handed to their provider in time end FAILED
 * rather than going out late.
 */
export async function expireOverdueMessages(services: Services) {
  const now = new Date();
  const expired = await services.sql.transaction(function* (tx) {
    const overdue = yield* tx.all<{ id: string }>(
      `SELECT id FROM "Message" WHERE ${statusIn(['QUEUED', 'SCHEDULED'])} AND "validUntil" IS NOT NULL AND "validUntil" < ? LIMIT ${SWEEP_LIMIT}`,
      [now],
    );
    return yield* expireMessages(tx, overdue.map((m) => m.id), ['QUEUED', 'SCHEDULED'], now);
  });
  announceStatusChanges(services, expired.moved, expired.forwardsQueued);
  return expired.moved.length;
}

/** A message held by this instance whose validity period ended while it waited for its slot. */
export async function expire(services: Services, message: Pick<Message, 'id'>, from: Message['status'][]) {
  const expired = await services.sql.transaction((tx) => expireMessages(tx, [message.id], from, new Date()));
  announceStatusChanges(services, expired.moved, expired.forwardsQueued);
}

/** Ends messages FAILED for their validity period, with the sms_status events that asks for. */
function* expireMessages(tx: SqlTx, ids: readonly string[], from: Message['status'][], now: Date) {
  const moved = yield* moveMessages(tx, ids, from, expiredStep(), { leaseExpiresAt: null, nextAttemptAt: null }, now);
  return { moved, forwardsQueued: yield* queueStatusEvents(tx, moved, now) };
}

const expiredStep = () => ({
  status: 'FAILED' as const,
  errorCode: 'VALIDITY_PERIOD_EXPIRED',
  errorMessage: 'not handed to the provider before its validity period ended',
});

/**
 * Messages whose lease ran out: their instance died while holding them (SENDING). One that
 * was never handed over (no `handedOverAt`: it was waiting for its pacing slot, or the
 * instance died before its provider call) goes back to QUEUED and is sent once, as if nothing
 * happened. One that was handed over may have reached its provider: this instance takes it
 * under a lease of its own (long enough to ask the provider, see src/queue/reconcile.ts) and
 * returns it, for reconcileInFlight to settle.
 *
 * `all` treats every SENDING message as orphaned: right at the start of the only instance of
 * an embedded (SQLite) server, where no other instance can own them. Handed-over ones are then
 * not taken but given an expired lease, so the send queue's first sweep takes and settles
 * them once it runs.
 */
export async function releaseExpiredLeases(services: Services, options: { all?: boolean } = {}): Promise<{ released: number; inFlight: Message[] }> {
  const now = new Date();
  const takenUntil = new Date(now.getTime() + services.config.queue.leaseMs + services.config.queue.providerTimeoutMs);
  const { released, inFlight } = await services.sql.transaction(function* (tx) {
    const stale = yield* tx.all<{ id: string; handedOverAt: unknown }>(
      `SELECT id, "handedOverAt" FROM "Message" WHERE ${statusIn(['SENDING'])}${options.all ? '' : ' AND "leaseExpiresAt" < ?'} LIMIT ${SWEEP_LIMIT}`,
      options.all ? [] : [now],
    );
    const waiting = stale.filter((m) => m.handedOverAt === null).map((m) => m.id);
    const handedOver = stale.filter((m) => m.handedOverAt !== null).map((m) => m.id);
    // The lease is checked again in each UPDATE: another instance's sweep may have moved the
    // message (and a third claimed it afresh) since the SELECT above.
    const leaseLapsed = options.all ? '' : ' AND "leaseExpiresAt" < ?';
    const lapsedAt = options.all ? [] : [now];
    const requeued = yield* moveMessages(
      tx,
      waiting,
      ['SENDING'],
      { status: 'QUEUED', errorMessage: RELEASED_MESSAGE },
      { leaseExpiresAt: null, nextAttemptAt: now },
      now,
      { leaseLapsedBefore: options.all ? undefined : now },
    );
    if (handedOver.length === 0) return { released: requeued, inFlight: [] };
    if (options.all) {
      yield* tx.run(`UPDATE "Message" SET "leaseExpiresAt" = ? WHERE ${tx.inList('id')} AND ${statusIn(['SENDING'])}`, [new Date(0), tx.list(handedOver)]);
      return { released: requeued, inFlight: [] };
    }
    const taken = (yield* tx.all(
      `UPDATE "Message" SET "leaseExpiresAt" = ?, attempts = attempts + 1 WHERE ${tx.inList('id')} AND ${statusIn(['SENDING'])}${leaseLapsed} RETURNING *`,
      [takenUntil, tx.list(handedOver.sort()), ...lapsedAt],
    )).map(reviveMessage);
    return { released: requeued, inFlight: taken };
  });
  announceStatusChanges(services, released);
  return { released: released.length, inFlight };
}

const RELEASED_MESSAGE = 'the instance sending this message stopped before handing it to the provider; it will be sent';

/**
 * Records, in one statement for many messages, that this instance is about to hand them to
 * their providers; answers the ids it marked. A message no longer SENDING (canceled, or its
 * lease lost and the message moved on) is not marked, and must not be sent.
 */
export async function markHandedOver(services: Services, ids: readonly string[]): Promise<Set<string>> {
  const rows = await services.sql.transaction((tx) =>
    tx.all<{ id: string }>(`UPDATE "Message" SET "handedOverAt" = ? WHERE ${tx.inList('id')} AND ${statusIn(['SENDING'])} RETURNING id`, [
      new Date(),
      tx.list([...ids].sort()),
    ]),
  );
  return new Set(rows.map((r) => r.id));
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
        const count = await this.services.sql.run(`UPDATE "Message" SET "leaseExpiresAt" = ? WHERE id = ? AND status = 'SENDING' AND "leaseExpiresAt" = ?`, [
          next,
          this.messageId,
          this.#expiresAt,
        ]);
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
