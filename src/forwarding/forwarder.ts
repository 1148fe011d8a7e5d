import type { Services } from '../services';
import type { WebhookForward } from '../db/client';
import { webhookSecret } from '../assistants/assistants';
import { backoffDelay } from '../jobs/backoff';
import { signForward } from './payload';
import { Worker } from '../jobs/worker';
import { OutboundError, OutboundHttp, outboundFailure } from '../security/outbound-http';

/**
 * Delivers inbound messages to assistants' smsWebhookUrl, at least once. Each delivery is a
 * row: claimed under a lease, POSTed with X-Switchboard-Signature, every attempt logged
 * (status code, latency, error); non-2xx and timeouts retry with backoff until
 * giveUpAfterMs (48 h by default), then the delivery is marked FAILED. Rows survive restarts.
 *
 * Requests go through OutboundHttp, so the outbound address policy holds at connect time
 * (a URL stored before ALLOW_PRIVATE_WEBHOOK_URLS was turned off, or a name that now resolves
 * to a private address, is refused as BLOCKED_ADDRESS), and an attempt's error is a coarse
 * category (HTTP_<status>, TIMEOUT, CONNECTION_REFUSED, DNS_FAILURE, TLS_ERROR…): the attempt
 * log is shown to the tenant, and socket or TLS texts would describe the network behind us.
 */
export class Forwarder extends Worker<WebhookForward> {
  readonly #http: OutboundHttp;

  constructor(private readonly services: Services) {
    super('forwarder', services.log, 16, Math.min(services.config.queue.pollIntervalMs, services.config.forwarding.retryBaseMs));
    this.#http = new OutboundHttp({ allowPrivate: services.config.allowPrivateWebhookUrls });
    services.signals.on('forwardsQueued', () => this.wake());
  }

  override async stop() {
    await super.stop();
    this.#http.close();
  }

  protected run(forward: WebhookForward): Promise<void> {
    return this.#deliver(forward);
  }

  /** Due deliveries, leased to this instance: a per-row conditional update decides races between instances. */
  protected async claim(limit: number): Promise<WebhookForward[]> {
    const { db } = this.services;
    const now = new Date();
    const due = await db.webhookForward.findMany({
      where: { state: 'PENDING', nextAttemptAt: { lte: now }, OR: [{ leaseExpiresAt: null }, { leaseExpiresAt: { lt: now } }] },
      orderBy: { nextAttemptAt: 'asc' },
      take: limit,
    });
    const leaseExpiresAt = new Date(now.getTime() + this.services.config.forwarding.timeoutMs + 30_000);
    const claimed: WebhookForward[] = [];
    for (const forward of due) {
      const { count } = await db.webhookForward.updateMany({
        where: { id: forward.id, state: 'PENDING', leaseExpiresAt: forward.leaseExpiresAt },
        data: { leaseExpiresAt },
      });
      if (count === 1) claimed.push(forward);
    }
    return claimed;
  }

  async #deliver(forward: WebhookForward) {
    const { db, config, log } = this.services;
    const assistant = await db.assistant.findUnique({ where: { id: forward.assistantId } });
    const started = Date.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    let cause: unknown = null;
    if (!assistant) {
      error = 'ASSISTANT_DELETED';
    } else {
      try {
        const response = await this.#http.request(forward.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'Switchboard-Webhooks/1',
            'x-switchboard-signature': signForward(webhookSecret(this.services, assistant), forward.payload),
            'x-switchboard-delivery': forward.id,
          },
          body: forward.payload,
          timeoutMs: config.forwarding.timeoutMs,
        });
        statusCode = response.status;
        if (statusCode < 200 || statusCode > 299) error = `HTTP_${statusCode}`;
      } catch (e) {
        error = outboundFailure(e);
        cause = e instanceof OutboundError ? e.cause : e;
      }
    }
    const latencyMs = Date.now() - started;
    const attempts = forward.attempts + 1;
    const delivered = error === null;
    const givingUp = !delivered && (!assistant || Date.now() - forward.createdAt.getTime() >= config.forwarding.giveUpAfterMs);
    await db.$transaction([
      db.webhookForwardAttempt.create({ data: { forwardId: forward.id, statusCode, latencyMs, error } }),
      db.webhookForward.update({
        where: { id: forward.id },
        data: {
          attempts,
          leaseExpiresAt: null,
          state: delivered ? 'DELIVERED' : givingUp ? 'FAILED' : 'PENDING',
          nextAttemptAt: delivered || givingUp ? forward.nextAttemptAt : new Date(Date.now() + backoffDelay(attempts, config.forwarding)),
        },
      }),
    ]);
    if (delivered) log.info({ forwardId: forward.id, statusCode, latencyMs }, 'message forwarded to assistant');
    else {
      this.services.metrics.forwardFailures.inc({ final: String(givingUp) });
      // The operator's log may say more than the tenant's attempt log: the underlying error code.
      const detail = (cause as { code?: unknown } | null)?.code;
      log.warn({ forwardId: forward.id, statusCode, error, detail: typeof detail === 'string' ? detail : undefined, attempts, givingUp }, 'forwarding to assistant failed');
    }
  }
}
