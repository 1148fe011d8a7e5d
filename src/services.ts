import type { Logger } from 'pino';
import type { Config } from './config';
import type { Db } from './db/client';
import type { Sql } from './db/sql';
import type { Dialect } from './config';
import type { SecretBox } from './security/secrets';
import type { Events } from './realtime/events';
import type { Metrics } from './observability/metrics';
import type { SenderDirectory } from './assistants/sender-directory';
import type { GroupCommit } from './db/group-commit';
import type { Intake } from './messaging/intake';
import type { Inbound, OurNumber, Received, StatusOutcome, StatusUpdate } from './messaging/receive';
import type { Message } from './db/client';
import type { ApiKeyCache } from './tenancy/api-keys';
import type { ExpiringCache } from './lib/expiring-cache';
import type { SearchPlan } from './messaging/delivery-log';
import type { RateLimiter } from './security/rate-limit';

/** What the domain functions need from the running server; built once in app.ts. */
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
  /** Tells the send queue there is work (new or rescheduled messages). */
  wakeSendQueue(): void;
  /** Tells the forwarder there is work. */
  wakeForwarder(): void;
}
