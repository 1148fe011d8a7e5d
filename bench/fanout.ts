/**
 * fanout: live inbound messages to many graphql-ws subscribers.
 *
 *  1. filtered: 1,000 subscribers, 10 on each of 100 assistants (`messageReceived(assistantId:)`),
 *     and 200 signed Twilio webhooks per second for 20 s spread over the assistants: p50/p99
 *     from the webhook POST to receipt at the subscriber;
 *  2. broadcast: 1,000 unfiltered subscribers of the organization and 20 webhooks per second
 *     (20,000 deliveries per second): p50/p99;
 *     both also as p99 from the message's createdAt to receipt: the live push without the
 *     webhook intake, which on a busy machine can dominate the first figure;
 *  3. server memory per idle subscriber: server RSS (/proc/<pid>/status) with the 1,000
 *     subscribers connected and idle, minus RSS before any connected, ÷ 1,000.
 *
 * Also counts the server's database operations per webhook (switchboard_db_operations_total on
 * /metrics): they must not grow with the number of subscribers.
 *
 * The server runs as a child process (src/main.ts, BENCH_PROFILE=<dir> CPU-profiles it); the
 * subscribers run in BENCH_FANOUT_WORKERS (default 4) client processes (bench/fanout-worker.ts),
 * each holding its share of the sockets; this process signs and posts the webhooks.
 *
 *   BENCH_FANOUT_SECONDS=20  BENCH_BROADCAST_SECONDS=10  BENCH_FANOUT_SUBSCRIBERS=1000
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { twilioInboundParams, twilioWebhookRequest } from '../test/fakes/signing';
import { addTwilioNumber, createBenchOrganization, createTwilioAssistant, fmt, percentile, startServers, stopProcess, type BenchServer } from './lib';

const SECONDS = Number(process.env.BENCH_FANOUT_SECONDS ?? 20);
const BROADCAST_SECONDS = Number(process.env.BENCH_BROADCAST_SECONDS ?? 10);
const SUBSCRIBERS = Number(process.env.BENCH_FANOUT_SUBSCRIBERS ?? 1000);
const ASSISTANTS = 100;
const FILTERED_RATE = Number(process.env.BENCH_FANOUT_RATE ?? 200);
const BROADCAST_RATE = 20;
const WORKERS = Number(process.env.BENCH_FANOUT_WORKERS ?? 4);
const WEBHOOK_PATH = '/webhooks/twilio/messages';

export interface FanoutFigures {
  label: string;
  workers: number;
  filtered: Phase;
  broadcast: Phase;
  kbPerSubscriber: number;
  dbOpsPerWebhook: number;
  messageReadsPerWebhook: number;
}

interface Phase {
  webhooks: number;
  refused: number;
  expected: number;
  received: number;
  p50: number;
  p99: number;
  /** Webhook POST round trip, p99 (ms). */
  postP99: number;
  /** From the message's createdAt (stored) to receipt, p99 (ms). */
  storedP99: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const wallNow = () => performance.timeOrigin + performance.now();

function rssKb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) : NaN;
}

async function metric(url: string, pattern: RegExp): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) if (pattern.test(line)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}
const activeSubscriptions = (url: string) => metric(url, /^switchboard_subscriptions_active /);
const dbOperations = (url: string) => metric(url, /^switchboard_db_operations_total\{/);
const messageReads = (url: string) => metric(url, /^switchboard_db_operations_total\{.*model="Message".*operation="(find|query|aggregate|count|groupBy)/);

/** A fresh PostgreSQL database next to BENCH_POSTGRES_URL (default the test services'), dropped by `drop()`. */
export async function createBenchPostgres(): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
  const name = `sb_bench_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const run = async (sql: string) => {
    const client = new pg.Client({ connectionString: admin });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`CREATE DATABASE ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** Worker processes holding the subscribers' sockets. */
class Workers {
  readonly #children: ChildProcess[] = [];
  async start(n: number) {
    for (let i = 0; i < n; i++) {
      const child = fork(path.resolve('bench/fanout-worker.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      this.#children.push(child);
      await this.#reply(child, 'ready');
    }
  }
  #reply(child: ChildProcess, type: string): Promise<any> {
    return new Promise((resolve) => {
      const onMessage = (msg: any) => {
        if (msg.type !== type) return;
        child.off('message', onMessage);
        resolve(msg);
      };
      child.on('message', onMessage);
    });
  }
  async subscribe(subscribers: { url: string; apiKey: string; assistantId: string | null }[]) {
    await Promise.all(
      this.#children.map((child, i) => {
        const reply = this.#reply(child, 'subscribed');
        child.send({ type: 'subscribe', subscribers: subscribers.filter((_, j) => j % this.#children.length === i) });
        return reply;
      }),
    );
  }
  async collect(): Promise<{ latencies: number[]; sinceStored: number[]; errors: number }> {
    const replies = await Promise.all(
      this.#children.map((child) => {
        const reply = this.#reply(child, 'latencies');
        child.send({ type: 'collect' });
        return reply;
      }),
    );
    return {
      latencies: replies.flatMap((r) => r.values as number[]),
      sinceStored: replies.flatMap((r) => r.sinceStored as number[]),
      errors: replies.reduce((s, r) => s + r.errors, 0),
    };
  }
  async closeClients() {
    await Promise.all(
      this.#children.map((child) => {
        const reply = this.#reply(child, 'closed');
        child.send({ type: 'close' });
        return reply;
      }),
    );
  }
  async stop() {
    for (const child of this.#children) {
      child.kill('SIGKILL');
      if (child.exitCode === null) await once(child, 'exit');
    }
  }
}

export async function benchFanout(options: { databaseUrl?: string; redisUrl?: string; instances?: number; label?: string } = {}): Promise<FanoutFigures> {
  const dir = mkdtempSync(path.join(tmpdir(), 'switchboard-fanout-'));
  const servers: BenchServer[] = [];
  const workers = new Workers();
  try {
    await startServers(servers, { instances: options.instances, dir, databaseUrl: options.databaseUrl, redisUrl: options.redisUrl, env: (url) => ({ PUBLIC_URL: url }) });
    const url = servers[0].url;
    const { apiKey } = await createBenchOrganization(url, 'Fanout');

    // 100 assistants, each with its own Twilio account and number.
    const assistants: { id: string; number: string; accountSid: string; authToken: string }[] = [];
    for (let i = 0; i < ASSISTANTS; i++) {
      const accountSid = `AC${String(i).padStart(32, '0')}`;
      const authToken = `fanout-token-${i}-${randomBytes(8).toString('hex')}`;
      const id = await createTwilioAssistant(url, apiKey, `Assistant ${i}`, { accountSid, authToken });
      const number = `+1415555${3000 + i}`;
      await addTwilioNumber(url, apiKey, { phoneNumber: number, assistantId: id });
      assistants.push({ id, number, accountSid, authToken });
    }

    let seq = 0;
    /** Posts one signed inbound webhook to the assistant's number, on instance `seq % instances`. */
    const postWebhook = async (assistant: (typeof assistants)[number]) => {
      const n = seq++;
      const server = servers[n % servers.length];
      const params = twilioInboundParams({
        from: `+1415555${String(2000 + (n % 900)).padStart(4, '0')}`,
        to: assistant.number,
        body: `fanout ${n} @${wallNow().toFixed(3)}`,
        accountSid: assistant.accountSid,
      });
      const t0 = performance.now();
      const signed = twilioWebhookRequest({ url: server.url + WEBHOOK_PATH, authToken: assistant.authToken, params });
      try {
        const res = await fetch(server.url + WEBHOOK_PATH, signed);
        await res.arrayBuffer();
        return { ok: res.status === 200, ms: performance.now() - t0 };
      } catch {
        // A server past its intake capacity stops accepting connections: counted, not fatal.
        return { ok: false, ms: performance.now() - t0 };
      }
    };
    /** Open loop: `rate` webhooks per second for `seconds`, whatever the answers take. */
    const drive = async (rate: number, seconds: number) => {
      const pending: Promise<{ ok: boolean; ms: number }>[] = [];
      const start = performance.now();
      for (let i = 0; i < rate * seconds; i++) {
        const wait = start + (i * 1000) / rate - performance.now();
        if (wait > 1) await sleep(wait);
        pending.push(postWebhook(assistants[i % ASSISTANTS]));
      }
      const results = await Promise.all(pending);
      return { webhooks: results.length, refused: results.filter((r) => !r.ok).length, postP99: percentile(results.map((r) => r.ms), 99) };
    };
    const waitForSubscriptions = async (count: number) => {
      for (;;) {
        const active = (await Promise.all(servers.map((s) => activeSubscriptions(s.url)))).reduce((a, b) => a + b, 0);
        if (active === count) return;
        await sleep(100);
      }
    };
    const totalRss = () => servers.reduce((sum, s) => sum + rssKb(s.child.pid!), 0);

    // Warm-up without subscribers (JIT, connections, caches), then the baseline.
    await drive(100, 2);
    await sleep(1500);
    const rssBefore = totalRss();

    await workers.start(WORKERS);
    const perAssistant = SUBSCRIBERS / ASSISTANTS;
    await workers.subscribe(
      Array.from({ length: SUBSCRIBERS }, (_, i) => ({ url: servers[i % servers.length].url, apiKey, assistantId: assistants[Math.floor(i / perAssistant)].id })),
    );
    await waitForSubscriptions(SUBSCRIBERS);
    await sleep(2000);
    const rssIdle = totalRss();

    const phase = async (rate: number, seconds: number, fanout: number): Promise<Phase> => {
      await workers.collect();
      const driven = await drive(rate, seconds);
      const expected = driven.webhooks * fanout;
      const deadline = Date.now() + 5000;
      const latencies: number[] = [];
      const sinceStored: number[] = [];
      while (latencies.length < expected && Date.now() < deadline) {
        const collected = await workers.collect();
        for (const latency of collected.latencies) latencies.push(latency);
        for (const latency of collected.sinceStored) sinceStored.push(latency);
        if (latencies.length < expected) await sleep(200);
      }
      return { ...driven, expected, received: latencies.length, p50: percentile(latencies, 50), p99: percentile(latencies, 99), storedP99: percentile(sinceStored, 99) };
    };

    const opsBefore = (await Promise.all(servers.map((s) => dbOperations(s.url)))).reduce((a, b) => a + b, 0);
    const readsBefore = (await Promise.all(servers.map((s) => messageReads(s.url)))).reduce((a, b) => a + b, 0);
    const filtered = await phase(FILTERED_RATE, SECONDS, perAssistant);
    const opsAfter = (await Promise.all(servers.map((s) => dbOperations(s.url)))).reduce((a, b) => a + b, 0);
    const readsAfter = (await Promise.all(servers.map((s) => messageReads(s.url)))).reduce((a, b) => a + b, 0);

    await workers.closeClients();
    await waitForSubscriptions(0);
    await workers.subscribe(Array.from({ length: SUBSCRIBERS }, (_, i) => ({ url: servers[i % servers.length].url, apiKey, assistantId: null })));
    await waitForSubscriptions(SUBSCRIBERS);
    await sleep(500);
    const broadcast = await phase(BROADCAST_RATE, BROADCAST_SECONDS, SUBSCRIBERS);

    return {
      label: options.label ?? 'SQLite, 1 instance',
      workers: WORKERS,
      filtered,
      broadcast,
      kbPerSubscriber: (rssIdle - rssBefore) / SUBSCRIBERS,
      // /metrics scrapes themselves run no database operation; the ops are the webhooks'.
      dbOpsPerWebhook: (opsAfter - opsBefore) / filtered.webhooks,
      messageReadsPerWebhook: (readsAfter - readsBefore) / filtered.webhooks,
    };
  } finally {
    await workers.stop();
    await Promise.all(servers.map((s) => stopProcess(s.child)));
    rmSync(dir, { recursive: true, force: true });
  }
}

export function printFanout(rows: FanoutFigures[]) {
  return rows.flatMap((r) => [
    {
      run: r.label,
      phase: `filtered (${SUBSCRIBERS} subs / ${ASSISTANTS} assistants, ${FILTERED_RATE}/s × ${SECONDS} s)`,
      'delivered': `${r.filtered.received}/${r.filtered.expected}`,
      'p50 ms': fmt(r.filtered.p50),
      'p99 ms': fmt(r.filtered.p99),
      'stored→recv p99 ms': fmt(r.filtered.storedP99),
      'POST p99 ms': fmt(r.filtered.postP99),
      'refused': r.filtered.refused,
      'KB / idle sub': fmt(r.kbPerSubscriber),
      'db ops / webhook': `${fmt(r.dbOpsPerWebhook)} (Message reads ${fmt(r.messageReadsPerWebhook)})`,
    },
    {
      run: r.label,
      phase: `broadcast (${SUBSCRIBERS} subs, ${BROADCAST_RATE}/s × ${BROADCAST_SECONDS} s)`,
      'delivered': `${r.broadcast.received}/${r.broadcast.expected}`,
      'p50 ms': fmt(r.broadcast.p50),
      'p99 ms': fmt(r.broadcast.p99),
      'stored→recv p99 ms': fmt(r.broadcast.storedP99),
      'POST p99 ms': fmt(r.broadcast.postP99),
      'refused': r.broadcast.refused,
      'KB / idle sub': '',
      'db ops / webhook': '',
    },
  ]);
}
