import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { loadConfig, type Config } from '../../src/config';
import { buildApp, type App } from '../../src/app';
import { startFakeProviders, type FakeProviders } from '../fakes/provider-server';

/**
 * A real Switchboard server on a free port with a database of its own: a fresh SQLite file
 * by default (`npm test`), or a fresh PostgreSQL database, with Redis events, when
 * DATABASE_URL / REDIS_URL point at the services (`npm run test:services`).
 */
export const usesServices = /^postgres(ql)?:\/\//.test(process.env.DATABASE_URL ?? '');
export const ADMIN_TOKEN = 'admin-test-token';

const tmpRoot = path.resolve('test/.tmp');

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `sb_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  if (!usesServices) {
    const dir = path.join(tmpRoot, name);
    mkdirSync(dir, { recursive: true });
    return { url: `file:${path.join(dir, 'switchboard.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const admin = new URL(process.env.DATABASE_URL!);
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(admin.toString());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: admin.toString() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export interface TestServer {
  app: App;
  url: string;
  config: Config;
  fake: FakeProviders;
  database: TestDatabase;
  /** Env the server was built from, to start another instance on the same database. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export interface StartOptions {
  env?: Record<string, string>;
  /** Reuse a database (a second instance, or a restart). */
  database?: TestDatabase;
  fake?: FakeProviders;
}

/** Test defaults: quick retries, quiet logs, the fake providers, an admin token. */
export function testEnv(database: TestDatabase, fake: FakeProviders, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: database.url,
    ...(usesServices && process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    // Test files run side by side, several instances each: within PostgreSQL's 100 connections.
    DATABASE_POOL_SIZE: '8',
    ADMIN_TOKEN,
    SECRETS_KEY: randomBytes(32).toString('hex'),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    TWILIO_API_BASE_URL: fake.baseUrls.twilio,
    TELNYX_API_BASE_URL: fake.baseUrls.telnyx,
    VONAGE_API_BASE_URL: fake.baseUrls.vonage,
    QUEUE_POLL_INTERVAL_MS: '50',
    SEND_RETRY_BASE_MS: '20',
    SEND_RETRY_MAX_DELAY_MS: '200',
    SEND_MAX_ATTEMPTS: '6',
    // Numbers without messagesPerSecond would go at carrier defaults (1/s for US long codes);
    // suites that send many messages from one number set this, pacing tests set explicit rates.
    SEND_DEFAULT_MESSAGES_PER_SECOND: '500',
    // Long enough that a loaded CI machine does not turn a slow answer into a retry (and so a
    // second send: delivery is at least once); tests of timeouts set their own.
    PROVIDER_TIMEOUT_MS: '10000',
    FORWARD_RETRY_BASE_MS: '50',
    FORWARD_RETRY_MAX_DELAY_MS: '200',
    FORWARD_TIMEOUT_MS: '2000',
    // Sinks standing in for assistants listen on 127.0.0.1; the policy tests turn this off.
    ALLOW_PRIVATE_WEBHOOK_URLS: 'true',
    // The fake providers own no numbers unless a test declares them (ownNumbers); the ownership tests turn this on.
    VERIFY_NUMBER_OWNERSHIP: 'false',
    ...extra,
  };
}

export async function startServer(options: StartOptions = {}): Promise<TestServer> {
  const fake = options.fake ?? (await startFakeProviders());
  const database = options.database ?? (await createTestDatabase());
  const env = testEnv(database, fake, options.env);
  const config = loadConfig(env);
  const app = await buildApp(config);
  await app.start();
  let stopped = false;
  return {
    app,
    url: app.url,
    config,
    fake,
    database,
    env,
    async stop() {
      if (stopped) return;
      stopped = true;
      await app.stop();
      if (!options.fake) await fake.close();
      if (!options.database) await database.drop();
    },
  };
}

/** Polls until `check` returns a truthy value (or throws with the last value after `timeoutMs`). */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 10_000, intervalMs = 25): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await check();
    if (last) return last as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
