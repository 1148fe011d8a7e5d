import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { LoadRequest } from './load';

/** Percentile of a sorted copy of `values` (nearest rank). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

/** Runs `node --import tsx <script>` and resolves with the first stdout line matching `ready`. */
export async function startProcess(script: string, env: Record<string, string>, ready: RegExp): Promise<{ child: ChildProcess; line: string; output: string[] }> {
  // BENCH_PROFILE=<dir>: CPU-profile the server (src/main.ts) into <dir> (written when it stops).
  const profile = process.env.BENCH_PROFILE && script === 'src/main.ts' ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (l) => output.push(l));
  const lines = createInterface({ input: child.stdout! });
  const line = await new Promise<string>((resolve, reject) => {
    lines.on('line', (l) => {
      output.push(l);
      if (ready.test(l)) resolve(l);
    });
    child.once('exit', (code) => reject(new Error(`${script} exited ${code}:\n${output.join('\n')}`)));
  });
  return { child, line, output };
}

/** Runs `total` async tasks with `concurrency` in flight; returns each task's latency in ms. */
export async function runConcurrent(total: number, concurrency: number, task: (i: number) => Promise<void>): Promise<{ latencies: number[]; seconds: number }> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const t0 = performance.now();
        await task(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { latencies, seconds: (performance.now() - started) / 1000 };
}

export function table(rows: Record<string, string | number>[]) {
  const columns = Object.keys(rows[0] ?? {});
  const width = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(width[i])).join(' | ')} |`;
  console.log(line(columns));
  console.log(line(width.map((w) => '-'.repeat(w))));
  for (const row of rows) console.log(line(columns.map((c) => String(row[c]))));
}

export const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '—');

/** SIGTERM (graceful stop, lets --cpu-prof write its profile), SIGKILL after 5 s. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

// ─── A Switchboard to measure ────────────────────────────────────────────────────────────

/** The admin token the benchmarks start their servers with. */
export const ADMIN = 'bench-admin';

/**
 * POSTs a GraphQL operation as `key` to `url`/graphql; resolves with `data`, throws on `errors`.
 * `retryOnce`: post once more when the first request fails without an answer (a pooled
 * keep-alive socket closing just as it is reused).
 */
export async function gql(url: string, key: string, query: string, variables: Record<string, unknown> = {}, options: { retryOnce?: boolean } = {}) {
  const post = () =>
    fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query, variables }),
    });
  const res = await (options.retryOnce ? post().catch(post) : post());
  const body = (await res.json()) as { data?: any; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

export interface BenchServer {
  child: ChildProcess;
  url: string;
  /** Its stdout and stderr lines so far. */
  output?: string[];
}

/**
 * Starts `instances` servers (src/main.ts, NODE_ENV=production, ADMIN as admin token) on one
 * database (`databaseUrl`, by default SQLite in `dir`) and one new secrets key, each on a free
 * port, pushing each onto `servers` as it is up (so that the caller's `finally` stops those
 * started before a failure). `env(url)` adds to the environment of the instance at `url`.
 */
export async function startServers(
  servers: BenchServer[],
  options: { instances?: number; dir: string; databaseUrl?: string; redisUrl?: string; env?: (url: string) => Record<string, string> },
): Promise<BenchServer[]> {
  const databaseUrl = options.databaseUrl ?? `file:${path.join(options.dir, 'switchboard.db')}`;
  const secretsKey = randomBytes(32).toString('hex');
  for (let i = 0; i < (options.instances ?? 1); i++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const { child, output } = await startProcess(
      'src/main.ts',
      {
        PORT: String(port),
        DATABASE_URL: databaseUrl,
        ...(options.redisUrl && { REDIS_URL: options.redisUrl }),
        ADMIN_TOKEN: ADMIN,
        SECRETS_KEY: secretsKey,
        // The fake providers and sinks live on this machine, and own no numbers.
        ALLOW_PRIVATE_WEBHOOK_URLS: 'true',
        VERIFY_NUMBER_OWNERSHIP: 'false',
        LOG_LEVEL: 'warn',
        NODE_ENV: 'production',
        ...options.env?.(url),
      },
      /Switchboard is up/,
    );
    servers.push({ child, url, output });
  }
  return servers;
}

/** A new organization named `name`, created with the admin token: its API key and global id. */
export async function createBenchOrganization(url: string, name: string): Promise<{ apiKey: string; organizationId: string }> {
  const { createOrganization } = await gql(
    url,
    ADMIN,
    `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { __typename ... on CreateOrganizationPayload { apiKey organization { id } } ... on Error { code message } } }`,
    { input: { name } },
  );
  if (createOrganization.__typename !== 'CreateOrganizationPayload') throw new Error(JSON.stringify(createOrganization));
  return { apiKey: createOrganization.apiKey, organizationId: createOrganization.organization.id };
}

/** A new assistant of the organization of `key` with these Twilio credentials: its id. */
export async function createTwilioAssistant(
  url: string,
  key: string,
  name: string,
  twilioConfig: { accountSid: string; authToken: string } = { accountSid: 'AC00000000000000000000000000000000', authToken: 'bench-token' },
): Promise<string> {
  const { createAssistant } = await gql(
    url,
    key,
    `mutation($input: CreateAssistantInput!) { createAssistant(input: $input) { __typename ... on CreateAssistantPayload { assistant { id } } ... on Error { code message } } }`,
    { input: { name, twilioConfig } },
  );
  if (createAssistant.__typename !== 'CreateAssistantPayload') throw new Error(JSON.stringify(createAssistant));
  return createAssistant.assistant.id;
}

/** Adds a Twilio number assigned to `assistantId`, at `messagesPerSecond` when given. */
export async function addTwilioNumber(url: string, key: string, input: { phoneNumber: string; assistantId: string; messagesPerSecond?: number }): Promise<void> {
  const { addPhoneNumber } = await gql(
    url,
    key,
    `mutation($input: AddPhoneNumberInput!) { addPhoneNumber(input: $input) { __typename ... on Error { code message } } }`,
    { input: { ...input, provider: 'TWILIO' } },
  );
  if (addPhoneNumber.__typename !== 'AddPhoneNumberPayload') throw new Error(JSON.stringify(addPhoneNumber));
}

export const SEND_QUERY = `mutation($input: SendSmsInput!) { sendSms(input: $input) { ... on SendMessagePayload { outboundMessage { id status } } ... on Error { code message } } }`;
/** What a 200 answer to SEND_QUERY holds when the send was accepted. */
export const SENT_ANSWER = '"outboundMessage":{';

/** A sendSms POST to `base`/graphql as `key`, for bench/load.ts. */
export function sendSmsRequest(base: string, key: string, input: Record<string, unknown>): LoadRequest {
  return {
    url: `${base}/graphql`,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query: SEND_QUERY, variables: { input } }),
  };
}

/** Messages of the organization of `key` in `status`, from messageStats. */
export async function statusCount(url: string, key: string, status: string): Promise<number> {
  const { messageStats } = await gql(url, key, `{ messageStats { byStatus { key count } } }`, {}, { retryOnce: true });
  return messageStats.byStatus.find((s: { key: string }) => s.key === status)?.count ?? 0;
}

/** Polls the count of `status` until it reaches `target`, stops moving for `stallMs`, or `maxMs` passes; resolves with the last count. */
export async function waitForStatusCount(url: string, key: string, status: string, target: number, stallMs: number, maxMs: number): Promise<number> {
  const started = performance.now();
  let count = await statusCount(url, key, status);
  let movedAt = performance.now();
  while (count < target && performance.now() - movedAt < stallMs && performance.now() - started < maxMs) {
    await new Promise((r) => setTimeout(r, 200));
    const now = await statusCount(url, key, status);
    if (now !== count) movedAt = performance.now();
    count = now;
  }
  return count;
}

/** Reads the database at `databaseUrl` directly (read-only better-sqlite3, or pg), beside the servers. */
export async function openReader(databaseUrl: string): Promise<{ all<T>(sql: string): Promise<T[]>; close(): Promise<void> }> {
  if (databaseUrl.startsWith('postgres')) {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    return { all: async (sql) => (await client.query(sql)).rows, close: () => client.end() };
  }
  const db = new Database(databaseUrl.replace(/^file:/, ''), { readonly: true });
  return { all: async <T>(sql: string) => db.prepare(sql).all() as T[], close: async () => void db.close() };
}

/**
 * The rows of `sql` (the same text on SQLite and PostgreSQL), read once `measure(rows)` has not
 * moved for 2 s, or after 30 s: requests the load generator gave up on may still be finishing.
 */
export async function readSettled<T>(databaseUrl: string, sql: string, measure: (rows: T[]) => number): Promise<T[]> {
  const reader = await openReader(databaseUrl);
  try {
    let last = NaN;
    let stableSince = performance.now();
    const deadline = performance.now() + 30_000;
    for (;;) {
      const rows = await reader.all<T>(sql);
      const total = measure(rows);
      if (total !== last) {
        last = total;
        stableSince = performance.now();
      }
      if (performance.now() - stableSince >= 2000 || performance.now() > deadline) return rows;
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    await reader.close();
  }
}

/**
 * Starts `instances` bare handlers (bench/bare-handler.ts: one INSERT, or for `status` one UPDATE
 * and one INSERT, through the driver itself) on `databaseUrl`, one after the other (each creates
 * its table if missing); `env` adds to their environment. Returns their URLs and a `stop()`.
 */
export async function startBareHandlers(
  databaseUrl: string,
  instances = 1,
  row: 'minimal' | 'message' | 'status' = 'minimal',
  env: Record<string, string> = {},
): Promise<{ urls: string[]; stop(): Promise<void> }> {
  const children: ChildProcess[] = [];
  const urls: string[] = [];
  const stop = async () => {
    await Promise.all(children.map((c) => stopProcess(c)));
  };
  try {
    for (let i = 0; i < instances; i++) {
      const port = await freePort();
      const { child } = await startProcess('bench/bare-handler.ts', { ...env, PORT: String(port), DATABASE_URL: databaseUrl, BARE_ROW: row }, /ready/);
      children.push(child);
      urls.push(`http://127.0.0.1:${port}`);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { urls, stop };
}
