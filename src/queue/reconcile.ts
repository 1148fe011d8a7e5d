import type { Services } from '../services';
import type { Message, MessageStatus } from '../db/client';
import type { FoundMessage, ProviderName } from '../providers/types';
import { providerNamed } from '../providers';
import { credentialFor, openCredential } from '../assistants/credentials';
import { insertRows, reviveMessage } from '../db/rows';
import { newId } from '../db/ids';
import { announceStatusChanges, providerPayload, statusesBelow, statusIn } from '../messaging/status';
import { queueStatusEvents } from '../forwarding/events';
import { backoffDelay } from '../jobs/backoff';
import { readSenders, type Sender } from './claim';

/**
 * Settles messages whose provider call was under way when their instance died: SENDING, handed
 * over (`handedOverAt`), lease run out, and taken by releaseExpiredLeases. Nothing on our side
 * says whether the provider took such a message: the process died before recording its
 * answer. So:
 *
 * - where the provider's API lists what was sent (Twilio: its Messages list by To and From),
 *   it is asked: a message with the same sender, recipient and body, created between the
 *   hand-over and the end of that call's timeout, that no other message of ours already
 *   claims, is this one. It ends SENT with that provider id (or in the provider's later final
 *   status), and its timeline step says it was reconciled;
 * - otherwise (Telnyx and Vonage have no such lookup: see README, "Crashes and in-flight
 *   messages"), or when the provider has no record of it, the organization's in-flight policy
 *   decides: RESEND sends it again (at least once, a duplicate when the provider had taken
 *   it), FAIL ends it FAILED with errorCode DELIVERY_UNKNOWN (at most once);
 * - a lookup that fails (provider down) is tried again after a backoff, up to the queue's
 *   attempt bound; then the policy decides.
 *
 * Every change applies only while the message is SENDING under the lease this instance took,
 * so two instances never settle the same message, and an instance that dies while settling
 * leaves it to the next sweep.
 */
export async function reconcileInFlight(services: Services, messages: readonly Message[]): Promise<void> {
  if (messages.length === 0) return;
  const { senders, policies } = await services.sql.transaction(function* (tx) {
    const senderIds = [...new Set(messages.map((m) => m.phoneNumberId).filter((id): id is string => id !== null))];
    const organizationIds = [...new Set(messages.map((m) => m.organizationId))];
    const senders = new Map((yield* readSenders(tx, senderIds)).map((s) => [s.id, s]));
    const rows = yield* tx.all<{ id: string; inFlightPolicy: InFlightPolicy }>(`SELECT id, "inFlightPolicy" FROM "Organization" WHERE ${tx.inList('id')}`, [
      tx.list(organizationIds),
    ]);
    return { senders, policies: new Map(rows.map((r) => [r.id, r.inFlightPolicy])) };
  });

  const lookups = await eachAtMost(LOOKUPS_AT_ONCE, messages, (message) =>
    lookUp(services, message, (message.phoneNumberId && senders.get(message.phoneNumberId)) || null),
  );
  const outcomes = await pickMatches(services, messages, lookups);

  const now = new Date();
  const { moved: settled, forwardsQueued } = await services.sql.transaction(function* (tx) {
    const moved: Message[] = [];
    const events = [];
    for (const [i, message] of messages.entries()) {
      const outcome = outcomes[i];
      if (outcome.kind === 'later') {
        // The provider could not be asked: look again once this backoff has passed.
        yield* tx.run(`UPDATE "Message" SET "leaseExpiresAt" = ? WHERE id = ? AND ${statusIn(['SENDING'])} AND "leaseExpiresAt" = ?`, [
          new Date(now.getTime() + backoffDelay(message.attempts, services.config.queue)),
          message.id,
          message.leaseExpiresAt,
        ]);
        continue;
      }
      const step = stepFor(message, outcome, policies.get(message.organizationId) ?? 'RESEND');
      const [row] = yield* tx.all(
        `UPDATE "Message" SET status = ?, "providerMessageId" = COALESCE(?, "providerMessageId"), "errorCode" = COALESCE(?, "errorCode"),
                "errorMessage" = COALESCE(?, "errorMessage"), "leaseExpiresAt" = NULL, "handedOverAt" = ?, "nextAttemptAt" = ?, "updatedAt" = ?
          WHERE id = ? AND ${statusIn(['SENDING'])} AND "leaseExpiresAt" = ? RETURNING *`,
        [
          step.status,
          step.providerMessageId ?? null,
          step.setErrorCode ?? null,
          step.setErrorMessage ?? null,
          step.status === 'QUEUED' ? null : message.handedOverAt,
          step.status === 'QUEUED' ? now : null,
          now,
          message.id,
          message.leaseExpiresAt,
        ],
      );
      if (!row) continue;
      moved.push(reviveMessage(row));
      events.push({
        id: newId(),
        messageId: message.id,
        status: step.status,
        providerStatus: step.providerStatus ?? null,
        errorCode: step.eventErrorCode ?? null,
        errorMessage: step.note,
        payload: step.payload ?? null,
        at: now,
      });
    }
    yield* insertRows(tx, 'MessageEvent', events);
    return { moved, forwardsQueued: yield* queueStatusEvents(tx, moved, now) };
  });
  announceStatusChanges(services, settled, forwardsQueued);
  for (const message of settled) {
    services.log.warn({ messageId: message.id, provider: message.provider, status: message.status }, 'send queue: in-flight message reconciled after its instance stopped');
  }
}

export type InFlightPolicy = 'RESEND' | 'FAIL';

/** Where a provider's clock and ours may disagree (Twilio's date_created also drops the milliseconds). */
const CLOCK_SKEW_MS = 5_000;
/** Provider lookups under way at once in one reconciliation. */
const LOOKUPS_AT_ONCE = 4;

type Lookup =
  | { kind: 'candidates'; candidates: FoundMessage[] }
  | { kind: 'no-lookup' }
  | { kind: 'failed'; error: string };

type Outcome = { kind: 'found'; found: FoundMessage } | { kind: 'policy'; reason: 'no-lookup' | 'not-found' | 'lookup-failed' } | { kind: 'later' };

async function lookUp(services: Services, message: Message, sender: Sender | null): Promise<Lookup> {
  const provider = providerNamed(message.provider);
  const credential = credentialFor(sender?.assistant, message.provider);
  if (!provider.findSent || !credential || !message.handedOverAt) return { kind: 'no-lookup' };
  const { providerTimeoutMs } = services.config.queue;
  const handedOver = message.handedOverAt.getTime();
  let timer: NodeJS.Timeout | undefined;
  try {
    const candidates = await Promise.race([
      provider.findSent(
        openCredential(services.secrets, provider, credential),
        {
          from: message.from,
          to: message.to,
          body: message.body,
          since: new Date(handedOver - CLOCK_SKEW_MS),
          // The call could not have been taken after it timed out.
          until: new Date(handedOver + providerTimeoutMs + CLOCK_SKEW_MS),
        },
        { baseUrl: services.config.providerBaseUrls[message.provider], timeoutMs: providerTimeoutMs },
      ),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('the provider did not answer the lookup in time')), providerTimeoutMs))),
    ]);
    return { kind: 'candidates', candidates };
  } catch (error) {
    services.log.warn({ messageId: message.id, provider: message.provider, err: error }, 'send queue: could not ask the provider about an in-flight message');
    return { kind: 'failed', error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Each message's match: the oldest candidate whose provider id no message of ours records
 * already (an identical text sent just before or after) and no other message of this batch
 * took.
 */
async function pickMatches(services: Services, messages: readonly Message[], lookups: readonly Lookup[]): Promise<Outcome[]> {
  const byProvider = new Map<ProviderName, string[]>();
  for (const [i, lookup] of lookups.entries()) {
    if (lookup.kind !== 'candidates') continue;
    const ids = byProvider.get(messages[i].provider) ?? [];
    ids.push(...lookup.candidates.map((c) => c.providerMessageId));
    byProvider.set(messages[i].provider, ids);
  }
  const known = new Set<string>();
  for (const [provider, ids] of byProvider) {
    if (ids.length === 0) continue;
    const rows = await services.sql.transaction((tx) =>
      tx.all<{ providerMessageId: string }>(`SELECT "providerMessageId" FROM "Message" WHERE provider = ? AND ${tx.inList('"providerMessageId"')}`, [provider, tx.list(ids)]),
    );
    for (const row of rows) known.add(`${provider}:${row.providerMessageId}`);
  }
  return lookups.map((lookup, i): Outcome => {
    const message = messages[i];
    if (lookup.kind === 'no-lookup') return { kind: 'policy', reason: 'no-lookup' };
    if (lookup.kind === 'failed') {
      return message.attempts >= services.config.queue.maxAttempts ? { kind: 'policy', reason: 'lookup-failed' } : { kind: 'later' };
    }
    const found = lookup.candidates.find((c) => !known.has(`${message.provider}:${c.providerMessageId}`));
    if (!found) return { kind: 'policy', reason: 'not-found' };
    known.add(`${message.provider}:${found.providerMessageId}`);
    return { kind: 'found', found };
  });
}


interface SettleStep {
  status: MessageStatus;
  providerMessageId?: string;
  providerStatus?: string | null;
  /** Written to the message (null keeps what it has). */
  setErrorCode?: string | null;
  setErrorMessage?: string | null;
  /** The timeline step's own error code and its explanation. */
  eventErrorCode?: string | null;
  note: string;
  payload?: string | null;
}

function stepFor(message: Message, outcome: Exclude<Outcome, { kind: 'later' }>, policy: InFlightPolicy): SettleStep {
  const provider = providerNamed(message.provider).displayName;
  if (outcome.kind === 'found') {
    const { found } = outcome;
    // The provider may have moved on since (delivered, failed): its status callbacks for it
    // went nowhere while no message of ours carried its id, so its word now is the one to keep.
    const mapped = providerNamed(message.provider).mapStatus(found.providerStatus);
    const status: MessageStatus = mapped && statusesBelow(mapped).includes('SENT') ? mapped : 'SENT';
    const failed = status === 'FAILED' || status === 'UNDELIVERED';
    return {
      status,
      providerMessageId: found.providerMessageId,
      providerStatus: found.providerStatus,
      setErrorCode: failed ? (found.errorCode ?? null) : null,
      eventErrorCode: failed ? (found.errorCode ?? null) : null,
      note: `reconciled: the instance sending this message stopped during its provider call; ${provider} lists it as taken, so it is not sent again`,
      payload: providerPayload({ reconciled: true, found: found.raw }),
    };
  }
  const why =
    outcome.reason === 'no-lookup'
      ? `${provider} cannot be asked whether it took it`
      : outcome.reason === 'not-found'
        ? `${provider} lists no such message`
        : `${provider} could not be asked whether it took it`;
  if (policy === 'FAIL') {
    const text = `the instance sending this message stopped during its provider call and ${why}; not sent again, so that it is never sent twice (in-flight policy FAIL)`;
    return { status: 'FAILED', setErrorCode: DELIVERY_UNKNOWN, setErrorMessage: text, eventErrorCode: DELIVERY_UNKNOWN, note: text };
  }
  const text = `the instance sending this message stopped during its provider call and ${why}; it will be sent again (in-flight policy RESEND)`;
  return { status: 'QUEUED', setErrorMessage: text, note: text };
}

export const DELIVERY_UNKNOWN = 'DELIVERY_UNKNOWN';

/** `work` over `items` with at most `limit` under way; results in order. */
async function eachAtMost<T, R>(limit: number, items: readonly T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(items[i]);
      }
    }),
  );
  return results;
}

/**
 * Runs reconciliations in the background of the send queue (a provider lookup must not hold
 * up claims), and lets the queue wait for them when it stops.
 */
export class InFlightReconciler {
  readonly #running = new Set<Promise<void>>();

  constructor(private readonly services: Services) {}

  settle(messages: readonly Message[]) {
    if (messages.length === 0) return;
    const run = reconcileInFlight(this.services, messages).catch((error) =>
      // The lease this instance took runs out and the next sweep tries again.
      this.services.log.error({ err: error }, 'send queue: reconciling in-flight messages failed'),
    );
    this.#running.add(run);
    void run.finally(() => this.#running.delete(run));
  }

  async idle() {
    while (this.#running.size > 0) await Promise.all([...this.#running]);
  }
}
