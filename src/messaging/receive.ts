import type { Services } from '../services';
import type { Message } from '../db/client';
import type { SenderWithAssistant } from '../assistants/sender-directory';
import type { NormalizedEvent } from '../providers/types';
import type { Row, SqlTx, Work } from '../db/sql';
import { isTransient, isUniqueViolation, retrying } from '../db/errors';
import { GroupCommit } from '../db/group-commit';
import { lockRows } from '../db/dialects';
import { groupBy, insertMessages, insertRows, newMessage, reviveMessage } from '../db/rows';
import { newId } from '../db/ids';
import { countSegments } from './segments';
import { applyKeywords } from '../compliance/keywords';
import { providerRefusal, recordConsent, type ConsentChange } from '../compliance/consent';
import { providerNamed } from '../providers';
import { announceStatusChanges, DELIVERY_COLUMNS, moveWhere, providerPayload, statusesBelow } from './status';
import { queueStatusEvents } from '../forwarding/events';
import { forwardPayload } from '../forwarding/payload';
import { joinThreads, threadKey } from './conversations';
import { wants } from '../forwarding/events';
import { HANDLED_BY_A_PERSON, threadUpdates } from '../console/batch-threads';
import type { ConversationUpdate } from '../realtime/events';

export type Inbound = Extract<NormalizedEvent, { kind: 'inbound' }>;
export type StatusUpdate = Extract<NormalizedEvent, { kind: 'status' }>;
export type OurNumber = SenderWithAssistant;

export interface Received {
  message: Message;
  duplicate: boolean;
}

export type StatusOutcome = 'applied' | 'duplicate' | 'unknown';

/**
 * Inbound messages and delivery statuses are written like sends: the webhooks that arrive
 * while a batch is being written wait and go together in the next one, one short transaction
 * for many webhooks. The provider is answered once its webhook's batch has committed.
 */
/** What inbound messages and delivery statuses use of the services. */
export type ReceiveServices = Pick<Services, 'sql' | 'metrics' | 'events' | 'signals' | 'db' | 'senders' | 'log'>;

export function createInbound(services: ReceiveServices): GroupCommit<{ event: Inbound; number: OurNumber }, Received> {
  // A unique violation: another instance stored the same message or opened the same thread in
  // the meantime; the next pass finds them.
  return new GroupCommit((items) => retrying(() => receiveBatch(services, items), (error) => isUniqueViolation(error) || isTransient(error)));
}

export function createDeliveryStatuses(services: ReceiveServices): GroupCommit<{ event: StatusUpdate; number: OurNumber }, StatusOutcome> {
  return new GroupCommit((items) => retrying(() => applyStatusBatch(services, items)));
}

/**
 * Stores each inbound message once (a provider's retry of the same message id finds the
 * first), joins it to its thread, applies STOP/START keywords to the opt-out ledger, queues
 * its forwarding to the assistant, and publishes it. Each item learns whether it was new.
 */
async function receiveBatch(services: ReceiveServices, items: { event: Inbound; number: OurNumber }[]): Promise<Received[]> {
  const now = new Date();
  const { outcomes, replies, threads, forwarding } = await services.sql.transaction((tx) => storeInbound(tx, items, now));
  const fresh = outcomes.filter((o) => !o.duplicate).map((o) => o.message);
  for (const message of fresh) {
    services.metrics.received.inc({ provider: message.provider });
    services.events.received(message);
  }
  // Keyword replies (src/compliance/keywords.ts), stored QUEUED with their keyword message.
  for (const reply of replies) services.events.statusChanged(reply);
  if (replies.length) services.signals.emit('messagesQueued');
  for (const update of threads) services.events.conversationUpdated(update);
  if (forwarding) services.signals.emit('forwardsQueued');
  return outcomes;
}

function* storeInbound(
  tx: SqlTx,
  items: { event: Inbound; number: OurNumber }[],
  now: Date,
): Work<{ outcomes: Received[]; replies: Message[]; threads: ConversationUpdate[]; forwarding: boolean }> {
  const outcomes: (Received | undefined)[] = new Array(items.length);
  // 1. Messages stored before (a provider's retry), or earlier in this batch, in the organization
  //    whose number the webhook was for: another organization's message never answers for it.
  const idOf = ({ event, number }: { event: Inbound; number: OurNumber }) => providerKey(number.organizationId, event.provider, event.providerMessageId);
  const stored = yield* messagesByProviderId(tx, items);
  const fresh: number[] = [];
  const firstInBatch = new Map<string, number>();
  const copies: number[] = [];
  items.forEach((item, i) => {
    const k = idOf(item);
    const earlier = stored.get(k);
    if (earlier) outcomes[i] = { message: earlier, duplicate: true };
    else if (firstInBatch.has(k)) copies.push(i);
    else {
      firstInBatch.set(k, i);
      fresh.push(i);
    }
  });

  // 2. Threads: the open one of (our number, customer), opened on the first message; every new
  //    inbound message is unread until markConversationRead.
  const joined = yield* joinThreads(
    tx,
    fresh.map((i) => {
      const { event, number } = items[i];
      return { organizationId: number.organizationId, phoneNumberId: number.id, customerPhoneNumber: event.from, assistantId: number.assistantId, unread: true };
    }),
    now,
  );

  // 3. The messages, the first step of each timeline, keywords and forwarding jobs.
  const messages: Message[] = [];
  const forwards: Row[] = [];
  for (const i of fresh) {
    const { event, number } = items[i];
    const { encoding, segments } = countSegments(event.body);
    const message = newMessage({
      id: newId(),
      organizationId: number.organizationId,
      assistantId: number.assistantId,
      phoneNumberId: number.id,
      conversationId: joined.get(threadKey(number.id, event.from))!.thread.id,
      direction: 'INBOUND',
      from: event.from,
      to: event.to,
      body: event.body,
      mediaUrls: JSON.stringify(event.media.map((m) => m.url)),
      provider: event.provider,
      providerMessageId: event.providerMessageId,
      status: 'RECEIVED',
      segments,
      encoding,
      createdAt: now,
      updatedAt: now,
    });
    messages.push(message);
    outcomes[i] = { message, duplicate: false };
    const assistant = number.assistant;
    if (wants(assistant, 'sms_received')) {
      // While a person handles the thread the assistant is not sent it; the record says why.
      const skipped = joined.get(threadKey(number.id, event.from))!.thread.mode === 'HUMAN';
      forwards.push({
        id: newId(),
        organizationId: number.organizationId,
        assistantId: assistant.id,
        messageId: message.id,
        url: assistant.smsWebhookUrl,
        payload: forwardPayload(message, event.media, now),
        state: skipped ? 'SKIPPED' : 'PENDING',
        reason: skipped ? HANDLED_BY_A_PERSON : null,
        nextAttemptAt: now,
        createdAt: now,
        updatedAt: now,
      });
    }
  }
  // messages[j] is the message of items[fresh[j]].
  yield* insertMessages(tx, messages, (_, j) => ({ status: 'RECEIVED', providerStatus: 'received', payload: providerPayload(items[fresh[j]].event.raw), at: now }));
  // The same message twice in one batch (a provider's quick retry): the first is stored.
  for (const i of copies) outcomes[i] = { message: outcomes[firstInBatch.get(idOf(items[i]))!]!.message, duplicate: true };
  // STOP / START / HELP: consent changes and keyword replies.
  const replies = yield* applyKeywords(tx, fresh.map((i) => ({ message: outcomes[i]!.message, number: items[i].number })), now);
  yield* insertRows(tx, 'WebhookForward', forwards);
  return {
    outcomes: outcomes as Received[],
    replies,
    // A keyword reply, stored after its keyword message, is the thread's newest message.
    threads: threadUpdates([...joined.values()], [...messages, ...replies], () => ({})),
    forwarding: forwards.some((f) => f.state === 'PENDING'),
  };
}

/**
 * Applies providers' delivery statuses to the outbound messages they name, if each was sent
 * from the webhook's `number` (a webhook verified with one assistant's credentials can only
 * touch its own messages). A status moves only forward; every new provider word is kept in the
 * timeline, and a provider's retry of a word already recorded is ignored.
 */
async function applyStatusBatch(services: ReceiveServices, items: { event: StatusUpdate; number: OurNumber }[]): Promise<StatusOutcome[]> {
  const now = new Date();
  const { outcomes, changed, forwardsQueued } = await services.sql.transaction(function* (tx) {
    const found = yield* messagesByProviderId(tx, items);
    const ids = [...new Set([...found.values()].map((m) => m.id))];
    // Where instances write at once (PostgreSQL), the same callback posted to two of them must
    // not go on the timeline twice: the messages are locked (in id order) before their
    // timelines are read, so the second batch reads the first one's steps.
    yield* lockRows(tx, 'Message', ids);
    const timelines = yield* timelinesOf(tx, ids);
    const outcomes: StatusOutcome[] = [];
    // Each message this batch moves, as it leaves it (a message may have several statuses in one
    // batch: each sees the ones before it).
    const moved = new Map<string, Message>();
    const steps: Row[] = [];
    const refusals: ConsentChange[] = [];
    for (const { event, number } of items) {
      const read = found.get(providerKey(number.organizationId, event.provider, event.providerMessageId));
      if (!read || read.phoneNumberId !== number.id || read.direction !== 'OUTBOUND') {
        outcomes.push('unknown');
        continue;
      }
      const message = moved.get(read.id) ?? read;
      // The send queue's SENT step (the first one) carries the word of the provider's API
      // answer, which may be the word of its first callback too (Vonage "submitted"): that step
      // is not a callback, so a callback repeating its word is not a retry.
      const timeline = timelines.get(message.id) ?? [];
      const accepted = timeline.findIndex((step) => step.status === 'SENT');
      const seen = timeline.some((step, i) => i !== accepted && step.providerStatus === event.providerStatus && step.errorCode === (event.errorCode ?? null));
      if (seen) {
        outcomes.push('duplicate');
        continue;
      }
      // The carrier refused because the customer opted out (Twilio 21610, Telnyx 40300…): later
      // sends from this number are refused here rather than by the provider.
      if ((event.status === 'FAILED' || event.status === 'UNDELIVERED') && providerNamed(event.provider).isOptOutRefusal(event.errorCode, event.errorMessage)) {
        refusals.push(providerRefusal(message, number.id, `${event.provider} ${event.providerStatus}: ${event.errorCode ?? 'opted out'}`, now));
      }
      const status = event.status ?? message.status;
      const errorCode = event.errorCode ?? null;
      const errorMessage = event.errorMessage ?? null;
      // A status moves only forward; every new provider word goes on the timeline all the same.
      if (statusesBelow(status).includes(message.status)) moved.set(message.id, { ...message, status, errorCode, errorMessage, updatedAt: now });
      const step = { status, providerStatus: event.providerStatus, errorCode };
      timelines.set(message.id, [...timeline, step]);
      steps.push({ id: newId(), messageId: message.id, ...step, errorMessage, payload: providerPayload(event.raw), at: now });
      outcomes.push('applied');
    }
    yield* recordConsent(tx, refusals, now);
    // Written where the message is still below its new status: another instance may have moved it since it was read.
    const movedRows = [...moved.values()].map((message) => ({ message, from: statusesBelow(message.status) }));
    const written = yield* moveWhere(tx, movedRows, DELIVERY_COLUMNS);
    yield* insertRows(tx, 'MessageEvent', steps);
    const changed = movedRows.filter((r) => written.has(r.message.id)).map((r) => r.message);
    return { outcomes, changed, forwardsQueued: yield* queueStatusEvents(tx, changed, now) };
  });
  announceStatusChanges(services, changed, forwardsQueued);
  return outcomes;
}

const providerKey = (organizationId: string, provider: string, providerMessageId: string) => `${organizationId}|${provider}|${providerMessageId}`;

/** The messages that webhooks name, by providerKey: one look-up per organization and provider in the batch. */
function* messagesByProviderId(
  tx: SqlTx,
  items: readonly { event: Pick<NormalizedEvent, 'provider' | 'providerMessageId'>; number: Pick<OurNumber, 'organizationId'> }[],
): Work<Map<string, Message>> {
  const found = new Map<string, Message>();
  for (const [, group] of groupBy(items, (i) => `${i.number.organizationId}|${i.event.provider}`)) {
    const { number, event } = group[0];
    const rows = yield* tx.all(`SELECT * FROM "Message" WHERE "organizationId" = ? AND "provider" = ? AND ${tx.inList('"providerMessageId"')}`, [
      number.organizationId,
      event.provider,
      tx.list([...new Set(group.map((i) => i.event.providerMessageId))]),
    ]);
    for (const row of rows) {
      const message = reviveMessage(row);
      found.set(providerKey(message.organizationId, message.provider, message.providerMessageId!), message);
    }
  }
  return found;
}

type TimelineStep = { status: string; providerStatus: string | null; errorCode: string | null };

/** Each message's timeline so far, oldest first, in one statement. */
function* timelinesOf(tx: SqlTx, messageIds: string[]): Work<Map<string, TimelineStep[]>> {
  const timelines = new Map<string, TimelineStep[]>();
  if (messageIds.length === 0) return timelines;
  const rows = yield* tx.all<TimelineStep & { messageId: string }>(
    `SELECT "messageId", "status", "providerStatus", "errorCode" FROM "MessageEvent" WHERE ${tx.inList('"messageId"')} ORDER BY "messageId", "at", "id"`,
    [tx.list(messageIds)],
  );
  for (const { messageId, ...step } of rows) timelines.set(messageId, [...(timelines.get(messageId) ?? []), step]);
  return timelines;
}
