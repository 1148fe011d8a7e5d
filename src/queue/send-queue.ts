import type { Services } from '../services';
import type { Message } from '../db/client';
import { providers, STATUS_CALLBACK_PATH } from '../providers';
import { providerCredentials } from '../assistants/assistants';
import { recordStatus } from '../messaging/status';
import { setOptOut } from '../messaging/opt-outs';
import { claimDueMessages, LeaseKeeper, releaseExpiredLeases } from './claim';
import { Pacer } from './pacing';
import { backoffDelay } from './backoff';

/**
 * The durable send queue. Messages wait in the database as QUEUED (or SCHEDULED until due);
 * an instance claims a batch by moving it to SENDING under a lease, hands each to its provider
 * (paced per sender) and records the outcome: SENT with the provider's id, QUEUED again with a
 * backoff for 429/5xx/network failures, FAILED for a refusal or once retries run out. A lease
 * left by a crashed instance expires and the message is claimed again, so every accepted
 * message ends SENT or FAILED.
 */
export class SendQueue {
  #timer: NodeJS.Timeout | null = null;
  #running = false;
  #again = false;
  #stopped = true;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #pacer = new Pacer();

  constructor(private readonly services: Services) {}

  async start() {
    this.#stopped = false;
    this.wake();
  }

  /** Stops claiming and waits for the provider calls under way. */
  async stop() {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    while (this.#running || this.#inFlight.size > 0) {
      await Promise.race([...this.#inFlight, new Promise((r) => setTimeout(r, 10))]);
    }
  }

  wake() {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#tick(), 0);
  }

  async #tick() {
    this.#running = true;
    this.#again = false;
    let nextWakeMs = this.services.config.queue.pollIntervalMs;
    try {
      await releaseExpiredLeases(this.services);
      const room = this.services.config.queue.concurrency - this.#inFlight.size;
      if (room > 0) {
        const claimed = await claimDueMessages(this.services, room, this.#pacer.busySenders());
        for (const message of claimed) this.#track(this.#dispatch(message));
        if (claimed.length === room) nextWakeMs = 0;
      }
    } catch (error) {
      this.services.log.error({ err: error }, 'send queue: claim failed');
    } finally {
      this.#running = false;
    }
    if (this.#stopped) return;
    if (this.#again) nextWakeMs = 0;
    this.#timer = setTimeout(() => void this.#tick(), nextWakeMs);
  }

  #track(work: Promise<void>) {
    this.#inFlight.add(work);
    void work.finally(() => {
      this.#inFlight.delete(work);
      this.wake();
    });
  }

  async #dispatch(message: Message) {
    const { services } = this;
    const log = services.log.child({ messageId: message.id, provider: message.provider });
    const lease = new LeaseKeeper(services, message.id, message.leaseExpiresAt);
    try {
      const sender = message.phoneNumberId
        ? await services.db.phoneNumber.findUnique({ where: { id: message.phoneNumberId }, include: { assistant: true } })
        : null;
      const credentials = sender?.assistant && providerCredentials(services, sender.assistant, message.provider);
      if (!sender || !credentials) {
        await this.#fail(message, 'PROVIDER_NOT_CONFIGURED', 'the sending number has no assistant with credentials for its provider any more');
        return;
      }
      await this.#pacer.wait(sender.id, sender.messagesPerSecond ?? defaultRate(message.provider));
      // The wait may have outlasted a renewal that failed: call the provider only while we hold it.
      if (!(await lease.renew())) {
        log.warn('send queue: lease lost while waiting for a slot; the message is dispatched elsewhere');
        return;
      }
      const adapter = providers[message.provider];
      const result = await adapter.send(
        credentials as never,
        {
          from: message.from,
          to: message.to,
          body: message.body,
          mediaUrls: JSON.parse(message.mediaUrls) as string[],
          statusCallbackUrl: services.config.publicUrl + STATUS_CALLBACK_PATH[message.provider],
        },
        { baseUrl: services.config.providerBaseUrls[message.provider], timeoutMs: services.config.queue.providerTimeoutMs },
      );
      if (result.ok) {
        await recordStatus(
          services,
          message,
          { status: 'SENT', providerStatus: result.providerStatus },
          { from: ['SENDING'], data: { providerMessageId: result.providerMessageId, leaseExpiresAt: null, nextAttemptAt: null } },
        );
        log.info({ providerMessageId: result.providerMessageId }, 'message sent');
        return;
      }
      if (result.recipientOptedOut && sender) {
        await setOptOut(services, {
          organizationId: message.organizationId,
          phoneNumberId: sender.id,
          customerPhoneNumber: message.to,
          optedOut: true,
          reason: `${message.provider} refused: ${result.errorCode}`,
        });
      }
      if (result.retryable && message.attempts < services.config.queue.maxAttempts) {
        if (result.retryAfterMs) this.#pacer.pause(sender.id, result.retryAfterMs);
        const delay = Math.max(backoffDelay(message.attempts, services.config.queue), result.retryAfterMs ?? 0);
        await recordStatus(
          services,
          message,
          { status: 'QUEUED', errorCode: result.errorCode, errorMessage: result.errorMessage },
          { from: ['SENDING'], data: { nextAttemptAt: new Date(Date.now() + delay), leaseExpiresAt: null } },
        );
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

  async #fail(message: Message, errorCode: string, errorMessage: string) {
    await recordStatus(
      this.services,
      message,
      { status: 'FAILED', errorCode, errorMessage },
      { from: ['SENDING'], data: { leaseExpiresAt: null, nextAttemptAt: null } },
    );
    this.services.log.warn({ messageId: message.id, errorCode }, 'message failed');
  }
}

/** Until issue-5 pacing lands per number type, a rate that providers accept from any sender. */
function defaultRate(_provider: Message['provider']): number {
  return 10;
}
