import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SecretBox } from './security/secrets';
import type { QueryLimits } from './graphql/limits';

export type Dialect = 'sqlite' | 'postgresql';

/** Everything the server reads from its environment, parsed and checked once. */
export interface Config {
  port: number;
  host: string;
  publicUrl: string;
  databaseUrl: string;
  dialect: Dialect;
  /** PostgreSQL: connections one instance opens at most (DATABASE_POOL_SIZE). */
  databasePoolSize: number;
  redisUrl: string | null;
  adminToken: string | null;
  /** When set, GET /metrics asks for it as a bearer token. */
  metricsToken: string | null;
  /** A WebSocket with more than this many bytes of events still unsent is closed (realtime/fan-out.ts). */
  wsMaxBufferedBytes: number;
  secretsKey: string;
  /** <PROVIDER>_API_BASE_URL for each provider name (TWILIO_API_BASE_URL …): its API host, for tests and proxies. */
  providerBaseUrls: Readonly<Record<string, string | undefined>>;
  production: boolean;
  /** ALLOW_PRIVATE_WEBHOOK_URLS: URLs the server calls may point at loopback and private addresses (never link-local or metadata). */
  allowPrivateWebhookUrls: boolean;
  /** VERIFY_NUMBER_OWNERSHIP: addPhoneNumber asks the provider whether the assistant's account owns the number. */
  verifyNumberOwnership: boolean;
  /** CORS_ORIGINS: origins browsers may call the GraphQL API from; empty = none (same-origin only). */
  corsOrigins: string[];
  logLevel: string;
  /** REGISTRATION_SYNC_INTERVAL_MS: how often pending sender registrations are read from their providers; 0 = never. */
  registrationSyncIntervalMs: number;
  queue: QueueConfig;
  forwarding: ForwardingConfig;
  limits: LimitsConfig;
  /** HAND_BACK_SWEEP_MS: how often threads past their handBackAt are handed back to their assistant. */
  handBackSweepMs: number;
}

/** What one API key, one connection and one request may take from the server. */
export interface LimitsConfig {
  /** Per-API-key token bucket for HTTP GraphQL, POST /sms/send and WebSocket operations; perSecond 0 = off. */
  rateLimitPerSecond: number;
  rateLimitBurst: number;
  /** Open WebSocket connections per API key on one instance; 0 = unlimited. */
  wsMaxConnectionsPerKey: number;
  /** Operations in flight (subscriptions, mostly) on one WebSocket connection; 0 = unlimited. */
  wsMaxSubscriptionsPerConnection: number;
  /** Largest WebSocket message the server reads; a bigger frame closes the connection (1009) unread. */
  wsMaxPayloadBytes: number;
  /** Largest request body on /graphql; bigger is answered 413 without being parsed. */
  graphqlMaxBodyBytes: number;
  query: QueryLimits;
}

export interface QueueConfig {
  /** How often an idle dispatcher looks for due messages (new sends wake it at once). */
  pollIntervalMs: number;
  /** How long an instance owns a message it is handing to a provider before others may take it. */
  leaseMs: number;
  /** Retries of 429/5xx/network failures: first delay, cap, and the bound after which the message fails. */
  retryBaseMs: number;
  retryMaxDelayMs: number;
  maxAttempts: number;
  /** Provider HTTP timeout. */
  providerTimeoutMs: number;
  /** How many provider calls one instance has in flight at once. */
  concurrency: number;
  /** Dispatch rate for numbers without messagesPerSecond; null = by number type (1/s US long code, 3/s toll-free, 10/s elsewhere). */
  defaultMessagesPerSecond: number | null;
}

export interface ForwardingConfig {
  retryBaseMs: number;
  retryMaxDelayMs: number;
  /** Forwarding gives up after this long (48 hours by default: an assistant down for a day still gets its messages). */
  giveUpAfterMs: number;
  timeoutMs: number;
}

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env): Config {
  const host = env.HOST || '127.0.0.1';
  const port = integer(env.PORT, 4000, 'PORT');
  const databaseUrl = env.DATABASE_URL || 'file:./data/switchboard.db';
  const dialect: Dialect = /^postgres(ql)?:\/\//.test(databaseUrl) ? 'postgresql' : 'sqlite';
  if (dialect === 'sqlite' && !databaseUrl.startsWith('file:')) {
    throw new Error('DATABASE_URL must start with file: (SQLite) or postgresql:// (PostgreSQL)');
  }
  const publicUrl = (env.PUBLIC_URL || `http://${host}:${port}`).replace(/\/+$/, '');
  return {
    port,
    host,
    publicUrl,
    databaseUrl,
    dialect,
    databasePoolSize: atLeast(env.DATABASE_POOL_SIZE, 20, 2, 'DATABASE_POOL_SIZE'),
    redisUrl: env.REDIS_URL || null,
    adminToken: env.ADMIN_TOKEN || null,
    metricsToken: env.METRICS_TOKEN || null,
    wsMaxBufferedBytes: integer(env.WS_MAX_BUFFERED_BYTES, 1024 * 1024, 'WS_MAX_BUFFERED_BYTES'),
    secretsKey: env.SECRETS_KEY || secretsKeyFromDataDir(databaseUrl, dialect, env),
    providerBaseUrls: providerBaseUrls(env),
    production: env.NODE_ENV === 'production',
    allowPrivateWebhookUrls: boolean(env.ALLOW_PRIVATE_WEBHOOK_URLS, false, 'ALLOW_PRIVATE_WEBHOOK_URLS'),
    verifyNumberOwnership: boolean(env.VERIFY_NUMBER_OWNERSHIP, true, 'VERIFY_NUMBER_OWNERSHIP'),
    corsOrigins: corsOrigins(env.CORS_ORIGINS),
    logLevel: env.LOG_LEVEL || 'info',
    registrationSyncIntervalMs: integer(env.REGISTRATION_SYNC_INTERVAL_MS, 10 * 60_000, 'REGISTRATION_SYNC_INTERVAL_MS'),
    queue: {
      pollIntervalMs: integer(env.QUEUE_POLL_INTERVAL_MS, 1000, 'QUEUE_POLL_INTERVAL_MS'),
      leaseMs: integer(env.QUEUE_LEASE_MS, 60_000, 'QUEUE_LEASE_MS'),
      retryBaseMs: integer(env.SEND_RETRY_BASE_MS, 1000, 'SEND_RETRY_BASE_MS'),
      retryMaxDelayMs: integer(env.SEND_RETRY_MAX_DELAY_MS, 5 * 60_000, 'SEND_RETRY_MAX_DELAY_MS'),
      maxAttempts: integer(env.SEND_MAX_ATTEMPTS, 10, 'SEND_MAX_ATTEMPTS'),
      providerTimeoutMs: integer(env.PROVIDER_TIMEOUT_MS, 15_000, 'PROVIDER_TIMEOUT_MS'),
      concurrency: integer(env.SEND_CONCURRENCY, 32, 'SEND_CONCURRENCY'),
      defaultMessagesPerSecond: env.SEND_DEFAULT_MESSAGES_PER_SECOND ? positive(env.SEND_DEFAULT_MESSAGES_PER_SECOND, 'SEND_DEFAULT_MESSAGES_PER_SECOND') : null,
    },
    forwarding: {
      retryBaseMs: integer(env.FORWARD_RETRY_BASE_MS, 5_000, 'FORWARD_RETRY_BASE_MS'),
      retryMaxDelayMs: integer(env.FORWARD_RETRY_MAX_DELAY_MS, 60 * 60_000, 'FORWARD_RETRY_MAX_DELAY_MS'),
      giveUpAfterMs: integer(env.FORWARD_GIVE_UP_AFTER_MS, 48 * 3600_000, 'FORWARD_GIVE_UP_AFTER_MS'),
      timeoutMs: integer(env.FORWARD_TIMEOUT_MS, 10_000, 'FORWARD_TIMEOUT_MS'),
    },
    handBackSweepMs: atLeast(env.HAND_BACK_SWEEP_MS, 15_000, 50, 'HAND_BACK_SWEEP_MS'),
    limits: {
      // High enough that no ordinary client (the send benchmark's ~1,000+/s from one key
      // included) meets it; low enough that one key's loop cannot monopolise an instance.
      rateLimitPerSecond: integer(env.RATE_LIMIT_PER_SECOND, 5_000, 'RATE_LIMIT_PER_SECOND'),
      rateLimitBurst: integer(env.RATE_LIMIT_BURST, 10_000, 'RATE_LIMIT_BURST'),
      wsMaxConnectionsPerKey: integer(env.WS_MAX_CONNECTIONS_PER_KEY, 5_000, 'WS_MAX_CONNECTIONS_PER_KEY'),
      wsMaxSubscriptionsPerConnection: integer(env.WS_MAX_SUBSCRIPTIONS_PER_CONNECTION, 100, 'WS_MAX_SUBSCRIPTIONS_PER_CONNECTION'),
      wsMaxPayloadBytes: atLeast(env.WS_MAX_PAYLOAD_BYTES, 64 * 1024, 1024, 'WS_MAX_PAYLOAD_BYTES'),
      graphqlMaxBodyBytes: atLeast(env.GRAPHQL_MAX_BODY_BYTES, 256 * 1024, 1024, 'GRAPHQL_MAX_BODY_BYTES'),
      query: {
        maxDepth: atLeast(env.GRAPHQL_MAX_DEPTH, 14, 12, 'GRAPHQL_MAX_DEPTH'),
        maxAliases: atLeast(env.GRAPHQL_MAX_ALIASES, 100, 50, 'GRAPHQL_MAX_ALIASES'),
        maxTokens: atLeast(env.GRAPHQL_MAX_TOKENS, 10_000, 5_000, 'GRAPHQL_MAX_TOKENS'),
        maxDirectives: atLeast(env.GRAPHQL_MAX_DIRECTIVES, 50, 1, 'GRAPHQL_MAX_DIRECTIVES'),
        maxCost: atLeast(env.GRAPHQL_MAX_COST, 5_000, 100, 'GRAPHQL_MAX_COST'),
        maxPageSize: 100, // Pothos relay's maxSize: connections serve at most 100 items a page
      },
    },
  };
}

/** Every `<NAME>_API_BASE_URL` set, by provider name; read for any name so a provider needs no line here. */
function providerBaseUrls(env: Env): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).flatMap(([key, value]) => {
      const name = /^([A-Z][A-Z0-9]*)_API_BASE_URL$/.exec(key)?.[1];
      return name && value ? [[name, value]] : [];
    }),
  );
}

function integer(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${value}"`);
  return n;
}

/** A limit that may be raised but not set below what real clients need. */
function atLeast(value: string | undefined, fallback: number, minimum: number, name: string): number {
  const n = integer(value, fallback, name);
  if (n < minimum) throw new Error(`${name} must be at least ${minimum}, got "${value}"`);
  return n;
}

function boolean(value: string | undefined, fallback: boolean, name: string): boolean {
  if (value === undefined || value === '') return fallback;
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes'].includes(v)) return true;
  if (['false', '0', 'no'].includes(v)) return false;
  throw new Error(`${name} must be true or false, got "${value}"`);
}

/** A comma-separated list of origins ("https://app.example.com"), each reduced to scheme://host[:port]. */
function corsOrigins(value: string | undefined): string[] {
  if (!value?.trim()) return [];
  return value
    .split(',')
    .map((raw) => raw.trim())
    .filter(Boolean)
    .map((raw) => {
      let origin = 'null';
      try {
        origin = new URL(raw).origin;
      } catch {
        // reported below
      }
      if (origin === 'null' || raw === '*') throw new Error(`CORS_ORIGINS must list origins like https://app.example.com, got "${raw}"`);
      return origin;
    });
}

function positive(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got "${value}"`);
  return n;
}

/** Where the embedded server keeps its files: the SQLite file's folder, else ./data. */
export function dataDir(databaseUrl: string, dialect: Dialect, env: Env = process.env): string {
  if (env.DATA_DIR) return env.DATA_DIR;
  if (dialect === 'sqlite') return path.dirname(path.resolve(databaseUrl.slice('file:'.length)));
  return path.resolve('data');
}

/** Without SECRETS_KEY, the first start writes a fresh key beside the database and later starts reuse it. */
function secretsKeyFromDataDir(databaseUrl: string, dialect: Dialect, env: Env): string {
  const dir = dataDir(databaseUrl, dialect, env);
  const file = path.join(dir, 'secrets.key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dir, { recursive: true });
  const key = SecretBox.generateKeyHex();
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}
