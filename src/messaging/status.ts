import type { Services } from '../services';
import { newId } from '../db/ids';
import { retrying } from '../db/errors';
import type { Message, MessageStatus } from '../db/client';
import type { SqlTx, Work } from '../db/sql';
import { insertRows, reviveMessage } from '../db/rows';
import { queueStatusEvents } from '../forwarding/events';

/**
 * Where each status stands on a message's way. A status only ever moves to a higher rank
 * (a late "sent" after "delivered" is recorded in the timeline only); the final
 * statuses share the top rank, so the first final word wins.
 */
const RANK: Record<MessageStatus, number> = {
  SCHEDULED: 0,
  QUEUED: 1,
  SENDING: 2,
  SENT: 3,
  DELIVERED: 4,
  UNDELIVERED: 4,
  FAILED: 4,
  CANCELED: 4,
  RECEIVED: 4,
};

export function statusesBelow(status: MessageStatus): MessageStatus[] {
  return (Object.keys(RANK) as MessageStatus[]).filter((s) => RANK[s] < RANK[status]);
}

export interface StatusStep {
  status: MessageStatus;
  providerStatus?: string | null;
  errorCode?: string | null;
  errorMessage?: string | null;
  /** The provider's payload for this step as JSON (see providerPayload), kept for debugging. */
  payload?: string | null;
}

/** Keys whose values are never kept: tokens, secrets, passwords, signatures, API keys, auth headers. */
// Account identifiers too (Twilio's AccountSid): they are half of a credential pair.
const SECRET_KEY = /token|secret|passw(or)?d|auth|signature|api[-_]?key|private[-_]?key|credential|cookie|account[-_]?sid/i;
const MAX_PAYLOAD_CHARS = 16_000;

/**
 * A provider's webhook body as JSON for the timeline, with every secret-looking key's value
 * replaced by "[redacted]" at any depth. Null when there is nothing to keep.
 */
export function providerPayload(raw: unknown): string | null {
  if (raw === undefined || raw === null) return null;
  const strip = (value: unknown, depth: number): unknown => {
    if (depth > 20) return '[too deep]';
    if (Array.isArray(value)) return value.map((item) => strip(item, depth + 1));
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([key, item]) => [key, SECRET_KEY.test(key) ? '[redacted]' : strip(item, depth + 1)]),
      );
    }
    return value;
  };
  const json = JSON.stringify(strip(raw, 0));
  if (json === undefined) return null;
  return json.length > MAX_PAYLOAD_CHARS ? JSON.stringify({ truncated: true, prefix: json.slice(0, MAX_PAYLOAD_CHARS) }) : json;
}

type StepData = Partial<Pick<Message, 'providerMessageId' | 'handedOverAt' | 'nextAttemptAt' | 'leaseExpiresAt' | 'attempts' | 'sendAt'>>;

/** What a step changes on its message: the status, the error when the step names one, and `data`. */
function stepChanges(step: StatusStep, data?: StepData) {
  return {
    status: step.status,
    ...(step.errorCode !== undefined && { errorCode: step.errorCode }),
    ...(step.errorMessage !== undefined && { errorMessage: step.errorMessage }),
    ...data,
  };
}

/** The step as a row of the message's timeline. */
function timelineEntry(messageId: string, step: StatusStep) {
  return {
    messageId,
    status: step.status,
    providerStatus: step.providerStatus ?? null,
    errorCode: step.errorCode ?? null,
    errorMessage: step.errorMessage ?? null,
    payload: step.payload ?? null,
  };
}

export interface QueueStep {
  message: Message;
  step: StatusStep;
  /** The statuses the message must be in for the step to apply (the queue holds it: SENDING). */
  from: MessageStatus[];
  data?: StepData;
}

/** `"status" IN (…)` for statuses of our own enum, written as literals: both dialects compare them to the column's type. */
export function statusIn(statuses: readonly MessageStatus[]): string {
  for (const status of statuses) if (!(status in RANK)) throw new Error(`not a message status: ${status}`);
  return `"status" IN (${statuses.map((s) => `'${s}'`).join(', ')})`;
}

/** The step as a timeline row (for insertRows). */
function timelineRow(messageId: string, step: StatusStep, at: Date) {
  return { id: newId(), ...timelineEntry(messageId, step), at };
}

/**
 * Moves the messages `ids` to a step while they are in `from` (and, with `leaseLapsedBefore`,
 * while their lease ran out before then), in one statement, and adds the step to the timeline of
 * each one it moved. Returns the moved messages as they are now.
 */
export function* moveMessages(
  tx: SqlTx,
  ids: readonly string[],
  from: readonly MessageStatus[],
  step: StatusStep,
  data: StepData = {},
  at = new Date(),
  options: { leaseLapsedBefore?: Date } = {},
): Work<Message[]> {
  if (ids.length === 0) return [];
  const changes: Record<string, unknown> = stepChanges(step, data);
  const columns = Object.keys(changes);
  const moved = (yield* tx.all(
    `UPDATE "Message" SET ${columns.map((c) => `"${c}" = ?`).join(', ')}, "updatedAt" = ? WHERE ${tx.inList('id')} AND ${statusIn(from)}${options.leaseLapsedBefore ? ' AND "leaseExpiresAt" < ?' : ''} RETURNING *`,
    [...columns.map((c) => changes[c]), at, tx.list([...ids].sort()), ...(options.leaseLapsedBefore ? [options.leaseLapsedBefore] : [])],
  )).map(reviveMessage);
  yield* insertRows(tx, 'MessageEvent', moved.map((m) => timelineRow(m.id, step, at)));
  return moved;
}

/**
 * Publishes messageStatusChanged (and counts it) for messages whose status just changed, once
 * the change is committed; `forwardsQueued` (from queueStatusEvents in that transaction) wakes
 * the forwarder for the sms_status events written with it.
 */
export function announceStatusChanges(services: Pick<Services, 'metrics' | 'events' | 'signals'>, messages: readonly Message[], forwardsQueued = false) {
  for (const message of messages) {
    services.metrics.statusChanges.inc({ status: message.status, provider: message.provider });
    services.events.statusChanged(message);
  }
  if (forwardsQueued) services.signals.emit('forwardsQueued');
}

/** Every column a queue step may write, so one statement text serves every step. */
const STEP_COLUMNS = ['status', 'errorCode', 'errorMessage', 'providerMessageId', 'handedOverAt', 'nextAttemptAt', 'leaseExpiresAt', 'attempts', 'updatedAt'] as const;

/** What a provider's delivery status writes. */
export const DELIVERY_COLUMNS = ['status', 'errorCode', 'errorMessage', 'updatedAt'] as const;

/** How PostgreSQL reads each column that moveWhere may write out of its JSON rows. */
const JSON_TYPES = {
  status: 'text',
  errorCode: 'text',
  errorMessage: 'text',
  providerMessageId: 'text',
  handedOverAt: 'timestamp(3)',
  nextAttemptAt: 'timestamp(3)',
  leaseExpiresAt: 'timestamp(3)',
  attempts: 'int',
  updatedAt: 'timestamp(3)',
} as const;

/**
 * Writes each message's `columns` where it is still in its `from`; answers the ids written.
 * SQLite: one prepared UPDATE per message (microseconds each). PostgreSQL: one UPDATE for all of
 * them, the rows passed as one JSON parameter, so the batch costs one round trip, not one per
 * message.
 */
export function* moveWhere(
  tx: SqlTx,
  rows: readonly { message: Message; from: readonly MessageStatus[] }[],
  columns: readonly (keyof typeof JSON_TYPES)[],
): Work<Set<string>> {
  const applied = new Set<string>();
  if (rows.length === 0) return applied;
  if (tx.dialect === 'sqlite') {
    for (const { message, from } of rows) {
      const count = yield* tx.run(`UPDATE "Message" SET ${columns.map((c) => `"${c}" = ?`).join(', ')} WHERE id = ? AND ${statusIn(from)}`, [
        ...columns.map((c) => message[c]),
        message.id,
      ]);
      if (count === 1) applied.add(message.id);
    }
    return applied;
  }
  const updated = yield* tx.all<{ id: string }>(
    `UPDATE "Message" AS m SET ${columns.map((c) => `"${c}" = v."${c}"${c === 'status' ? '::"MessageStatus"' : ''}`).join(', ')}
       FROM json_to_recordset(?::json) AS v("id" text, ${columns.map((c) => `"${c}" ${JSON_TYPES[c]}`).join(', ')}, "from" text[])
      WHERE m."id" = v."id" AND m."status"::text = ANY(v."from")
  RETURNING m."id"`,
    [JSON.stringify(rows.map(({ message, from }) => ({ ...Object.fromEntries(columns.map((c) => [c, message[c]])), id: message.id, from })))],
  );
  for (const { id } of updated) applied.add(id);
  return applied;
}

/**
 * The send queue's own transitions for many messages in one transaction: each applies only
 * while the message is still in `from`, and a step that applied is added to the timeline.
 * Since the queue holds the message it is not read back: its new state is the claimed one with
 * the step's changes. Publishes messageStatusChanged for each step that changed its message.
 */
export async function recordQueueSteps(services: Services, steps: QueueStep[]): Promise<{ message: Message; changed: boolean }[]> {
  const now = new Date();
  // In id order, so that two instances' batches lock rows in the same order. A lost write here
  // would leave the message SENDING until its lease ran out, and then send it again: a
  // deadlock or timeout under load is retried.
  const order = steps.map((_, i) => i).sort((a, b) => (steps[a].message.id < steps[b].message.id ? -1 : 1));
  const after = steps.map(({ message, step, data }) => ({ ...message, ...stepChanges(step, data), updatedAt: now }) as Message);
  const { results, forwardsQueued } = await retrying(() =>
    services.sql.transaction(function* (tx) {
      const applied = yield* moveWhere(tx, order.map((i) => ({ message: after[i], from: steps[i].from })), STEP_COLUMNS);
      yield* insertRows(tx, 'MessageEvent', order.filter((i) => applied.has(after[i].id)).map((i) => timelineRow(after[i].id, steps[i].step, now)));
      const results = steps.map((_, i) => ({ message: after[i], changed: applied.has(after[i].id) }));
      const forwardsQueued = yield* queueStatusEvents(tx, results.filter((r) => r.changed).map((r) => r.message), now);
      return { results, forwardsQueued };
    }),
  );
  announceStatusChanges(services, results.filter((r) => r.changed).map((r) => r.message), forwardsQueued);
  return results;
}
