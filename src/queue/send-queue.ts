import type { Services } from '../services';
import type { Message } from '../db/client';
import { providerNamed } from '../providers';
import type { ProviderDescriptor } from '../providers/types';
import { credentialFor, openWithSecrets } from '../assistants/credentials';
import { withoutSecrets } from '../providers/http-failure';
import { recordQueueSteps, type QueueStep } from '../messaging/status';
import { GroupCommit } from '../db/group-commit';
import { providerRefusal, recordConsent } from '../compliance/consent';
import { claimDueMessages, expire, expireOverdueMessages, holdSender, LeaseKeeper, markHandedOver, releaseExpiredLeases, reserveSlotNow, type ClaimedMessage, type Sender } from './claim';
import { InFlightReconciler } from './reconcile';
import { effectiveRate } from './pacing';
import { backoffDelay } from '../jobs/backoff';
import { Worker } from '../jobs/worker';

/**
 * The durable send queue. Messages wait in the database as QUEUED (or SCHEDULED until due);
 * an instance claims a batch by moving it to SENDING under a lease, hands each to its provider
 * (paced per sender) and records the outcome: SENT with the provider's id, QUEUED again with a
 * backoff for 429/5xx/network failures, FAILED for a refusal or once retries run out. A lease
 * left by a crashed instance expires and the message is claimed again, so every accepted
 * message ends SENT or FAILED.
 */
export class SendQueue extends Worker<ClaimedMessage> {
  /** Outcomes of concurrent dispatches are recorded together, one transaction per batch. */
  /** When this instance last handed each sender's message over (see #waitForSlot). */
  readonly #lastHandedOver = new Map<string, number>();
  readonly #steps = new GroupCommit<QueueStep, { message: Message; changed: boolean }>((steps) => recordQueueSteps(this.services, steps));
  /**
   * Hand-over marks (`handedOverAt`), written durably just before each provider call and
   * batched like the outcomes: after a crash they tell a message whose call may have reached
   * its provider from one that was still waiting for its slot. Resolves false for a message
   * this instance no longer holds.
   */
  readonly #handOvers = new GroupCommit<string, boolean>(async (ids) => {
    const marked = await markHandedOver(this.services, ids);
    return ids.map((id) => marked.has(id));
  });
  /** Settles the in-flight messages of instances that died (see reconcile.ts). */
  readonly #reconciler: InFlightReconciler;

  constructor(private readonly services: Services) {
    super('send queue', services.log, services.config.queue.concurrency, services.config.queue.pollIntervalMs);
    this.#reconciler = new InFlightReconciler(services);
    services.signals.on('messagesQueued', () => this.wake());
  }

  override async stop() {
    await super.stop();
    await this.#reconciler.idle();
  }

  /** When the last sweep of expired leases and validity periods ran: at most one per poll interval, not one per claim. */
  #sweptAt = 0;

  protected async claim(limit: number): Promise<ClaimedMessage[]> {
    if (Date.now() - this.#sweptAt >= this.services.config.queue.pollIntervalMs) {
      this.#sweptAt = Date.now();
      const { inFlight } = await releaseExpiredLeases(this.services);
      this.#reconciler.settle(inFlight);
      await expireOverdueMessages(this.services);
    }
    return claimDueMessages(this.services, limit);
  }

  protected run(claimed: ClaimedMessage): Promise<void> {
    return this.#dispatch(claimed);
  }

  async #dispatch({ message, sender, slotAt }: ClaimedMessage) {
    const { services } = this;
    const log = services.log.child({ messageId: message.id, provider: message.provider });
    const lease = new LeaseKeeper(services, message.id, message.leaseExpiresAt);
    try {
      const provider = providerNamed(message.provider);
      const credential = credentialFor(sender?.assistant, message.provider);
      if (!sender || !credential) {
        await this.#fail(message, 'PROVIDER_NOT_CONFIGURED', 'the sending number has no assistant with credentials for its provider any more');
        return;
      }
      await this.#waitForSlot(sender, slotAt);
      // Call the provider only while this instance holds the message, with lease to spare for the call.
      if (lease.expiresWithin(services.config.queue.providerTimeoutMs + 1000) && !(await lease.renew())) {
        log.warn('send queue: lease lost while waiting for a slot; the message is dispatched elsewhere');
        return;
      }
      if (message.validUntil && message.validUntil.getTime() < Date.now()) {
        await expire(services, message, ['SENDING']);
        return;
      }
      if (!(await this.#handOvers.add(message.id))) {
        log.warn('send queue: the message is no longer held by this dispatch; not handed over');
        return;
      }
      const stopTimer = services.metrics.dispatchSeconds.startTimer({ provider: message.provider });
      const { credentials, secretValues } = openWithSecrets(services.secrets, provider, credential);
      // Provider messages should never echo a secret, but a send result is stored and shown to users.
      const result = withoutSecrets(await sendThrough(services, provider, credentials, message), secretValues);
      const retrying = !result.ok && result.retryable && message.attempts < services.config.queue.maxAttempts;
      stopTimer({ outcome: result.ok ? 'sent' : retrying ? 'retry' : 'failed' });
      if (!result.ok) {
        services.metrics.providerErrors.inc({ provider: message.provider, code: result.errorCode, retryable: String(result.retryable) });
      }
      if (result.ok) {
        await this.#steps.add({
          message,
          step: { status: 'SENT', providerStatus: result.providerStatus },
          from: ['SENDING'],
          data: { providerMessageId: result.providerMessageId, leaseExpiresAt: null, nextAttemptAt: null },
        });
        log.info({ providerMessageId: result.providerMessageId }, 'message sent');
        return;
      }
      if (result.recipientOptedOut && sender) {
        const refusal = providerRefusal(message, sender.id, `${message.provider} refused: ${result.errorCode}`, new Date());
        await services.sql.transaction((tx) => recordConsent(tx, [refusal]));
      }
      if (retrying) {
        if (result.retryAfterMs) await holdSender(services, sender.id, new Date(Date.now() + result.retryAfterMs));
        const delay = Math.max(backoffDelay(message.attempts, services.config.queue), result.retryAfterMs ?? 0);
        await this.#steps.add({
          message,
          step: { status: 'QUEUED', errorCode: result.errorCode, errorMessage: result.errorMessage },
          from: ['SENDING'],
          data: { nextAttemptAt: new Date(Date.now() + delay), leaseExpiresAt: null },
        });
        log.warn({ errorCode: result.errorCode, attempt: message.attempts, retryInMs: delay }, 'provider unavailable, will retry');
        return;
      }
      await this.#fail(message, result.errorCode, result.errorMessage);
    } catch (error) {
      // Our own failure (database, bug): leave the lease to expire so the message is claimed again.
      log.error({ err: error }, 'send queue: dispatch failed');
    } finally {
      lease.stop();
    }
  }

  /**
   * Waits for the message's slot. A slot reached more than one interval (and LATE_SLOT_MS) late
   * (the process stalled) is traded for a fresh one from the sender's shared next slot, so a stall does not
   * put it right next to messages other instances sent on time. And this instance never hands a
   * sender's messages over closer together than its interval, measured by when they went
   * (check and record happen with no await between them, so two waiters cannot both pass).
   */
  async #waitForSlot(sender: Sender, slotAt: number) {
    const interval = 1000 / effectiveRate(sender, this.services.config.queue.defaultMessagesPerSecond);
    let slot = slotAt;
    for (let retraded = false; ; ) {
      const earliest = Math.max(slot, (this.#lastHandedOver.get(sender.id) ?? 0) + interval);
      const wait = earliest - Date.now();
      if (wait > 0) {
        await new Promise((resolve) => setTimeout(resolve, wait));
        continue;
      }
      if (!retraded && -wait > Math.max(interval, LATE_SLOT_MS)) {
        retraded = true;
        slot = await reserveSlotNow(this.services, sender);
        continue;
      }
      break;
    }
    // The planned time while on time to within timer jitter, so jitter does not accumulate into
    // a slower rate; the real time once the process was late by more (a synchronous database
    // write, a GC pause), so the next message keeps its full distance.
    const planned = Math.max(slot, (this.#lastHandedOver.get(sender.id) ?? 0) + interval);
    this.#lastHandedOver.set(sender.id, Math.max(planned, Date.now() - TIMER_JITTER_MS));
    if (this.#lastHandedOver.size > 10_000) this.#lastHandedOver.clear();
  }

  async #fail(message: Message, errorCode: string, errorMessage: string) {
    await this.#steps.add({ message, step: { status: 'FAILED', errorCode, errorMessage }, from: ['SENDING'], data: { leaseExpiresAt: null, nextAttemptAt: null } });
    this.services.log.warn({ messageId: message.id, errorCode }, 'message failed');
  }
}

/** Hands one message to its provider with the sending assistant's credentials for it. */
function sendThrough<C>(services: Services, provider: ProviderDescriptor<C>, credentials: C, message: Message) {
  return provider.send(
    credentials,
    {
      from: message.from,
      to: message.to,
      body: message.body,
      mediaUrls: JSON.parse(message.mediaUrls) as string[],
      statusCallbackUrl: services.config.publicUrl + provider.statusCallbackPath,
    },
    { baseUrl: services.config.providerBaseUrls[provider.name], timeoutMs: services.config.queue.providerTimeoutMs },
  );
}

/** Lateness below this is timer jitter, not a stall: fast senders (1 ms intervals) keep their slots. */
const LATE_SLOT_MS = 50;

/**
 * How late a timer may fire and still count as on time. Timers fire a millisecond or more late,
 * so a fast sender (1 ms apart at 1,000/s) catches up on the few slots such a delay cost
 * instead of losing one per timer; a longer stall still costs the next message its distance.
 */
const TIMER_JITTER_MS = 5;
