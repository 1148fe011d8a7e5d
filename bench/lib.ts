import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';

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

/**
 * Starts `instances` bare handlers (bench/bare-handler.ts, one INSERT through the driver itself)
 * on `databaseUrl`, one after the other (each creates its table if missing); returns their URLs
 * and a `stop()`.
 */
export async function startBareHandlers(databaseUrl: string, instances = 1, row: 'minimal' | 'message' = 'minimal'): Promise<{ urls: string[]; stop(): Promise<void> }> {
  const children: ChildProcess[] = [];
  const urls: string[] = [];
  const stop = async () => {
    await Promise.all(children.map((c) => stopProcess(c)));
  };
  try {
    for (let i = 0; i < instances; i++) {
      const port = await freePort();
      const { child } = await startProcess('bench/bare-handler.ts', { PORT: String(port), DATABASE_URL: databaseUrl, BARE_ROW: row }, /ready/);
      children.push(child);
      urls.push(`http://127.0.0.1:${port}`);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { urls, stop };
}
