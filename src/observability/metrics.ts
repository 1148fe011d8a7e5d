import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics, one registry per server (tests run several in one process).
 * Counters count what this instance did; gauges that describe shared state (queue depth) are
 * read from the database at scrape time, so every instance reports the same truth.
 */
export class Metrics {
  readonly registry = new Registry();

  readonly statusChanges = new Counter({
    name: 'switchboard_message_status_changes_total',
    help: 'Messages moved to a status by this instance, by status and provider',
    labelNames: ['status', 'provider'] as const,
    registers: [this.registry],
  });

  readonly accepted = new Counter({
    name: 'switchboard_messages_accepted_total',
    help: 'Outbound messages accepted (stored) by this instance',
    labelNames: ['provider'] as const,
    registers: [this.registry],
  });

  readonly received = new Counter({
    name: 'switchboard_messages_received_total',
    help: 'Inbound messages stored from provider webhooks by this instance',
    labelNames: ['provider'] as const,
    registers: [this.registry],
  });

  readonly dispatchSeconds = new Histogram({
    name: 'switchboard_dispatch_duration_seconds',
    help: 'Time a provider took to answer a send, by provider and outcome (sent, retry, failed)',
    labelNames: ['provider', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly providerErrors = new Counter({
    name: 'switchboard_provider_errors_total',
    help: 'Provider refusals and failures, by provider, code and whether they are retried',
    labelNames: ['provider', 'code', 'retryable'] as const,
    registers: [this.registry],
  });

  readonly forwardFailures = new Counter({
    name: 'switchboard_webhook_forward_failures_total',
    help: "Failed attempts to forward an inbound message to an assistant's smsWebhookUrl",
    labelNames: ['final'] as const,
    registers: [this.registry],
  });

  readonly webhooksRefused = new Counter({
    name: 'switchboard_provider_webhooks_refused_total',
    help: 'Provider webhooks refused (missing or bad signature), by provider',
    labelNames: ['provider', 'status'] as const,
    registers: [this.registry],
  });

  readonly dbOperations = new Counter({
    name: 'switchboard_db_operations_total',
    help: 'Prisma operations (model calls and raw queries) run by this instance, by model and operation',
    labelNames: ['model', 'operation'] as const,
    registers: [this.registry],
  });

  readonly subscriptionExecutions = new Counter({
    name: 'switchboard_subscription_executions_total',
    help: 'Subscription events executed for WebSocket subscribers: once per event for all subscribers sharing operation, variables and organization',
    registers: [this.registry],
  });

  readonly slowSubscribersClosed = new Counter({
    name: 'switchboard_subscribers_closed_too_far_behind_total',
    help: 'WebSocket connections closed with 1013 because more than WS_MAX_BUFFERED_BYTES of events were still unsent to them',
    registers: [this.registry],
  });

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
