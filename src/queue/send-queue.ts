import type { Services } from '../services';
import type { Message } from '../db/client';
import { providers, STATUS_CALLBACK_PATH } from '../providers';
import { providerCredentials } from '../assistants/assistants';
import { recordStatus } from '../messaging/status';
import { setOptOut } from '../messaging/opt-outs';
import { claimDueMessages, LeaseKeeper, releaseExpiredLeases } from './claim';
import { Pacer } from './pacing';
import { backoffDelay } from './backoff';
import { Worker } from './worker';

/**
 * The durable send queue. Messages wait in the database as QUEUED (or SCHEDULED until due);
 * an instance claims a batch by moving it to SENDING under a lease, hands each to its provider
 * (paced per sender) and records the outcome: SENT with the provider's id, QUEUED again with a
 * backoff for 429/5xx/network failures, FAILED for a refusal or once retries run out. A lease
 * left by a crashed instance expires and the message is claimed again, so every accepted
 * message ends SENT or FAILED.
 */
export class SendQueue extends Worker<Message> {
  readonly #pacer = new Pacer();

  constructor(private readonly services: Services) {
    super('send queue', services.log, services.config.queue.concurrency, services.config.queue.pollIntervalMs);
  }

  protected async claim(limit: number): Promise<Message[]> {
    await releaseExpiredLeases(this.services);
    return claimDueMessages(this.services, limit, this.#pacer.busySenders());
  }

  protected run(message: Message): Promise<void> {
    return this.#dispatch(message);
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
      const stopTimer = services.metrics.dispatchSeconds.startTimer({ provider: message.provider });
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
      const retrying = !result.ok && result.retryable && message.attempts < services.config.queue.maxAttempts;
      stopTimer({ outcome: result.ok ? 'sent' : retrying ? 'retry' : 'failed' });
      if (!result.ok) {
        services.metrics.providerErrors.inc({ provider: message.provider, code: result.errorCode, retryable: String(result.retryable) });
      }
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
      if (retrying) {
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
