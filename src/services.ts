import type { Logger } from 'pino';
import type { Config, Dialect } from './config';
import { openDatabase, type Db, type Message } from './db/client';
import type { Sql } from './db/sql';
import { migrate } from './db/migrate';
import { SecretBox } from './security/secrets';
import { createEvents, type Events } from './realtime/events';
import { createLogger } from './logger';
import { Metrics } from './observability/metrics';
import { SenderDirectory } from './assistants/sender-directory';
import type { GroupCommit } from './db/group-commit';
import { createIntake, type Intake } from './messaging/intake';
import { createDeliveryStatuses, createInbound, type Inbound, type OurNumber, type Received, type StatusOutcome, type StatusUpdate } from './messaging/receive';
import { API_KEY_TTL_MS, type ApiKeyCache } from './tenancy/api-keys';
import { ExpiringCache } from './lib/expiring-cache';
import { Signals } from './lib/signals';
import { SEARCH_PLAN_ENTRIES, SEARCH_PLAN_TTL_MS, type SearchPlan } from './messaging/delivery-log';
import { createRateLimiter, type RateLimiter } from './security/rate-limit';

/**
 * Work that appeared, for the workers that do it: `messagesQueued` wakes the send queue
 * (new QUEUED messages), `forwardsQueued` the forwarder (new deliveries to assistants).
 */
export type WorkSignal = 'messagesQueued' | 'forwardsQueued';

/** What the domain functions need from the running server; built once by createServices. */
export interface Services {
  config: Config;
  db: Db;
  /** The hot path's own SQL (src/db/sql.ts): intake, queue, inbound and statuses. */
  sql: Sql;
  dialect: Dialect;
  secrets: SecretBox;
  events: Events;
  log: Logger;
  metrics: Metrics;
  /** API keys seen recently, by hash. */
  apiKeys: ApiKeyCache;
  /** How the delivery log searched a text lately, by organization and text (delivery-log.ts). */
  searchPlans: ExpiringCache<SearchPlan>;
  /** Sending numbers by (organization, number), cached briefly. */
  senders: SenderDirectory;
  /** Stores accepted sends, many per transaction. */
  intake: GroupCommit<Intake, Message>;
  /** Stores inbound messages from verified webhooks, many per transaction. */
  inbound: GroupCommit<{ event: Inbound; number: OurNumber }, Received>;
  /** Applies delivery statuses from verified webhooks, many per transaction. */
  deliveryStatuses: GroupCommit<{ event: StatusUpdate; number: OurNumber }, StatusOutcome>;
  /** Per-API-key request budget (HTTP GraphQL, REST sends, WebSocket operations). */
  rateLimiter: RateLimiter;
  /** Says that work appeared; the send queue and the forwarder listen. */
  signals: Signals<WorkSignal>;
}

/** The services with what closes them: events, the rate limiter, then the database. */
export interface ServicesHandle {
  services: Services;
  close(): Promise<void>;
}

/**
 * Builds every service once, each from those built before it: the database (migrated, its
 * operations counted into /metrics), events, caches, and the group commits of the hot paths.
 */
export async function createServices(config: Config): Promise<ServicesHandle> {
  const log = createLogger(config.logLevel);
  await migrate(config.databaseUrl, config.dialect);
  const metrics = new Metrics();
  const database = await openDatabase(config.databaseUrl, config.dialect, {
    onOperation: (model, operation) => metrics.dbOperations.inc({ model, operation }),
    poolSize: config.databasePoolSize,
  });
  const { db } = database;
  const events = createEvents(config.redisUrl);
  metrics.observe({
    activeSubscriptions: () => events.activeSubscriptions(),
    queueDepth: async () =>
      (
        await db.message.groupBy({
          by: ['status'],
          where: { status: { in: ['SCHEDULED', 'QUEUED', 'SENDING'] } },
          _count: { _all: true },
        })
      ).map((row) => ({ status: row.status, count: row._count._all })),
  });
  const base = {
    config,
    db,
    sql: database.sql,
    dialect: database.dialect,
    secrets: new SecretBox(config.secretsKey),
    events,
    log,
    metrics,
    apiKeys: new ExpiringCache(API_KEY_TTL_MS) satisfies ApiKeyCache,
    searchPlans: new ExpiringCache<SearchPlan>(SEARCH_PLAN_TTL_MS, SEARCH_PLAN_ENTRIES),
    senders: new SenderDirectory(db),
    rateLimiter: createRateLimiter({ perSecond: config.limits.rateLimitPerSecond, burst: config.limits.rateLimitBurst }, config.redisUrl, log),
    signals: new Signals<WorkSignal>(),
  };
  const services: Services = {
    ...base,
    intake: createIntake(base),
    inbound: createInbound(base),
    deliveryStatuses: createDeliveryStatuses(base),
  };
  return {
    services,
    async close() {
      await events.close();
      await services.rateLimiter.close();
      await database.close();
    },
  };
}
