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
import { effectiveRate, handedOverMark, handOverStep } from './pacing';
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
  /** When this instance last handed each sender's message over (see #takeTurn). */
  readonly #lastHandedOver = new Map<string, number>();
  /** Outcomes of concurrent dispatches are recorded together, one transaction per batch. */
  readonly #steps = new GroupCommit<QueueStep, { message: Message; changed: boolean }>((steps) => recordQueueSteps(this.services, steps));
  /**
   * Hand-over marks (`handedOverAt`), written durably before each provider call and batched
   * like the outcomes: after a crash they tell a message whose call may have reached its
   * provider from one that was still waiting for its slot. The outcome then records the moment
   * of the call itself in `handedOverAt`. Resolves false for a message this instance no longer
   * holds.
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
      const slot = await this.#waitForSlot(sender, slotAt);
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
      // The mark is a database write batched with other dispatches' marks: messages that reached
      // their slots an interval apart can come out of it together, so the spacing is kept here,
      // at the provider call itself.
      const handedOverAt = new Date(await this.#takeTurn(sender, slot));
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
          data: { providerMessageId: result.providerMessageId, handedOverAt, leaseExpiresAt: null, nextAttemptAt: null },
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
          data: { handedOverAt, nextAttemptAt: new Date(Date.now() + delay), leaseExpiresAt: null },
        });
        log.warn({ errorCode: result.errorCode, attempt: message.attempts, retryInMs: delay }, 'provider unavailable, will retry');
        return;
      }
      await this.#fail(message, result.errorCode, result.errorMessage, handedOverAt);
    } catch (error) {
      // Our own failure (database, bug): leave the lease to expire so the message is claimed again.
      log.error({ err: error }, 'send queue: dispatch failed');
    } finally {
      lease.stop();
    }
  }

  /**
   * Waits for the message's slot, and for one interval after this instance's last hand-over of
   * the sender; answers the slot it waited for. A slot reached more than one interval (and
   * LATE_SLOT_MS) late (the process stalled, or this instance fell behind its slots) is traded
   * once for a fresh one from the sender's shared next slot, so the message does not go out
   * right next to messages other instances send on time (see handOverStep).
   */
  async #waitForSlot(sender: Sender, slotAt: number): Promise<number> {
    const interval = 1000 / effectiveRate(sender, this.services.config.queue.defaultMessagesPerSecond);
    let slot = slotAt;
    for (let traded = false; ; ) {
      const step = handOverStep(slot, this.#lastHandedOver.get(sender.id), interval, Date.now(), !traded);
      if (step === 'go') return slot;
      if (step === 'trade') {
        traded = true;
        slot = await reserveSlotNow(this.services, sender);
        continue;
      }
      await new Promise((resolve) => setTimeout(resolve, step.wait));
    }
  }

  /**
   * The hand-over itself: waits until this instance's last hand-over of the sender is an
   * interval old, counts this one, and answers its time. Check and count happen with no await
   * between them, so two dispatches cannot both pass: however late the hand-over marks come
   * back, this instance never calls a sender's provider closer together than its interval.
   */
  async #takeTurn(sender: Sender, slot: number): Promise<number> {
    const interval = 1000 / effectiveRate(sender, this.services.config.queue.defaultMessagesPerSecond);
    for (;;) {
      const last = this.#lastHandedOver.get(sender.id);
      const now = Date.now();
      const step = handOverStep(slot, last, interval, now, false);
      if (typeof step === 'object') {
        await new Promise((resolve) => setTimeout(resolve, step.wait));
        continue;
      }
      this.#lastHandedOver.set(sender.id, handedOverMark(slot, last, interval, now));
      if (this.#lastHandedOver.size > 10_000) this.#lastHandedOver.clear();
      return now;
    }
  }

  /** Ends the message FAILED; `handedOverAt` when its provider was called (and refused it). */
  async #fail(message: Message, errorCode: string, errorMessage: string, handedOverAt: Date | null = null) {
    await this.#steps.add({ message, step: { status: 'FAILED', errorCode, errorMessage }, from: ['SENDING'], data: { handedOverAt, leaseExpiresAt: null, nextAttemptAt: null } });
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
