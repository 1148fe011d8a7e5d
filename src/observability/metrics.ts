import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics, one registry per server (tests run several in one process).
 * Counters count what this instance did; gauges that describe shared state (queue depth) are
 * read from the database at scrape time, so every instance reports the same truth.
 */
export class Metrics {
  readonly registry = new Registry();

  /** A counter in this server's registry, with the labels it is counted by. */
  #counter<L extends string = string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  readonly statusChanges = this.#counter('switchboard_message_status_changes_total', 'Messages moved to a status by this instance, by status and provider', ['status', 'provider']);

  readonly accepted = this.#counter('switchboard_messages_accepted_total', 'Outbound messages accepted (stored) by this instance', ['provider']);

  readonly received = this.#counter('switchboard_messages_received_total', 'Inbound messages stored from provider webhooks by this instance', ['provider']);

  readonly dispatchSeconds = new Histogram({
    name: 'switchboard_dispatch_duration_seconds',
    help: 'Time a provider took to answer a send, by provider and outcome (sent, retry, failed)',
    labelNames: ['provider', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly providerErrors = this.#counter('switchboard_provider_errors_total', 'Provider refusals and failures, by provider, code and whether they are retried', ['provider', 'code', 'retryable']);

  readonly forwardFailures = this.#counter('switchboard_webhook_forward_failures_total', "Failed attempts to forward an inbound message to an assistant's smsWebhookUrl", ['final']);

  readonly webhooksRefused = this.#counter('switchboard_provider_webhooks_refused_total', 'Provider webhooks refused (missing or bad signature), by provider', ['provider', 'status']);

  readonly dbOperations = this.#counter('switchboard_db_operations_total', 'Prisma operations (model calls and raw queries) run by this instance, by model and operation', ['model', 'operation']);

  readonly subscriptionExecutions = this.#counter('switchboard_subscription_executions_total', 'Subscription events executed for WebSocket subscribers: once per event for all subscribers sharing operation, variables and organization');

  readonly slowSubscribersClosed = this.#counter('switchboard_subscribers_closed_too_far_behind_total', 'WebSocket connections closed with 1013 because more than WS_MAX_BUFFERED_BYTES of events were still unsent to them');

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'switchboard_' });
  }

  /**
   * The gauges read at scrape time, from the sources that hold their state. Given once, after
   * the database (whose operations this registry counts) and the events are open.
   */
  observe(sources: { activeSubscriptions: () => number; queueDepth: () => Promise<{ status: string; count: number }[]> }) {
    new Gauge({
      name: 'switchboard_subscriptions_active',
      help: 'GraphQL subscriptions live on this instance',
      registers: [this.registry],
      collect() {
        this.set(sources.activeSubscriptions());
      },
    });
    new Gauge({
      name: 'switchboard_queue_depth',
      help: 'Outbound messages waiting in the send queue (all instances), by status',
      labelNames: ['status'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const { status, count } of await sources.queueDepth()) this.set({ status }, count);
      },
    });
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
