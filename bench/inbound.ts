/**
 * inbound: signed Twilio inbound webhooks (POST /webhooks/twilio/messages, form body,
 * X-Twilio-Signature) from 2,000 distinct customers to one number, each with its own MessageSid,
 * at a fixed offered rate: BENCH_INBOUND_RATE (1,000/s) for BENCH_INBOUND_SECONDS (15 s), open loop
 * (each webhook leaves on schedule whatever the answers take, so latency includes queueing),
 * round-robin over the instances. About 1% are posted a second time one second later (a provider
 * retry with the same MessageSid and signature); offered/s counts them.
 *
 * Measured: answered/s (200s ÷ time from the first POST to the last answer), p50/p99 from the
 * scheduled POST to the answer, errors (non-200, connection errors, no answer within 30 s), and,
 * read in the database after the server has settled, the stored-once fraction (webhooks whose
 * MessageSid is stored exactly once), duplicates (stored more than once; a retry must not be)
 * and lost (answered 200 but not stored).
 *
 * Then capacity: BENCH_INBOUND_CAPACITY (2,000; 0 skips) more webhooks closed loop at concurrency
 * 64: the most the server answers per second. The same two runs go to a bare handler
 * (bench/bare-handler.ts: node:http parsing the form body + one INSERT … ON CONFLICT DO NOTHING
 * through better-sqlite3 or pg, no ORM, no signature check), as many processes as instances,
 * after the servers have stopped, on the same machine in the same run.
 *
 * Every request is signed before the clock starts; the load comes from bench/load.ts in its
 * own process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { twilioInboundParams, twilioMessageSid, twilioWebhookRequest } from '../test/fakes/signing';
import { addTwilioNumber, createBenchOrganization, createTwilioAssistant, fmt, readSettled, startBareHandlers, startServers, stopProcess, type BenchServer } from './lib';
import { runLoad, summarize, warmedRun, type LoadRequest, type LoadResult } from './load';

const RATE = Number(process.env.BENCH_INBOUND_RATE ?? 1000);
const SECONDS = Number(process.env.BENCH_INBOUND_SECONDS ?? 15);
const CAPACITY = Number(process.env.BENCH_INBOUND_CAPACITY ?? 2000);
const CUSTOMERS = 2000;
const RETRY_EVERY = 100;
const RETRY_AFTER_MS = 1000;
const WARMUP_RATE = 100;
const WARMUP_SECONDS = 2;
const WEBHOOK_PATH = '/webhooks/twilio/messages';

export interface InboundFigures {
  label: string;
  offered: number;
  answered: number;
  p50: number;
  p99: number;
  errors: number;
  errorKinds: string;
  /** Webhooks (distinct MessageSids) of the timed run stored exactly once ÷ all of them. */
  storedOnce: number;
  /** MessageSids stored more than once. */
  duplicates: number;
  /** MessageSids answered 200 (first post or retry) but not stored. */
  lost: number;
  /** Retries: answered 200 / posted. */
  retriesOk: string;
  capacity: number;
  bareAnswered: number;
  bareP50: number;
  bareP99: number;
  bareErrors: number;
  bareCapacity: number;
}

interface Planned {
  request: LoadRequest;
  at: number;
  sid: string;
  retry: boolean;
}

export async function benchInbound(options: { databaseUrl?: (dir: string) => string; redisUrl?: string; instances?: number; label?: string } = {}): Promise<InboundFigures> {
  const dir = mkdtempSync(path.join(tmpdir(), 'switchboard-inbound-'));
  const databaseUrl = options.databaseUrl?.(dir) ?? `file:${path.join(dir, 'switchboard.db')}`;
  const servers: BenchServer[] = [];
  try {
    await startServers(servers, { instances: options.instances, dir, databaseUrl, redisUrl: options.redisUrl, env: (url) => ({ PUBLIC_URL: url }) });
    const url = servers[0].url;
    const { apiKey } = await createBenchOrganization(url, 'Inbound');
    const accountSid = 'AC' + 'b'.repeat(32);
    const authToken = 'inbound-bench-token';
    const assistantId = await createTwilioAssistant(url, apiKey, 'Inbound', { accountSid, authToken });
    const ourNumber = '+13125550100';
    await addTwilioNumber(url, apiKey, { phoneNumber: ourNumber, assistantId });

    let seq = 0;
    /** `count` webhooks at `rate`/s (open loop) from the customers in turn, round-robin over the instances; retries when `retries`. */
    const plan = (count: number, rate: number, retries: boolean): Planned[] => {
      const planned: Planned[] = [];
      for (let i = 0; i < count; i++) {
        const n = seq++;
        const server = servers[n % servers.length];
        const sid = twilioMessageSid();
        const params = twilioInboundParams({ from: `+1415556${String(n % CUSTOMERS).padStart(4, '0')}`, to: ourNumber, body: `inbound ${n}`, messageSid: sid, accountSid });
        const signed = twilioWebhookRequest({ url: server.url + WEBHOOK_PATH, authToken, params });
        const request = { url: server.url + WEBHOOK_PATH, headers: signed.headers, body: signed.body };
        const at = (i * 1000) / rate;
        planned.push({ request, at, sid, retry: false });
        // Retries fall inside the schedule, so that they do not stretch the measured span.
        if (retries && i % RETRY_EVERY === RETRY_EVERY / 2 && at + RETRY_AFTER_MS < ((count - 1) * 1000) / rate) planned.push({ request, at: at + RETRY_AFTER_MS, sid, retry: true });
      }
      return planned.sort((a, b) => a.at - b.at);
    };
    const open = (planned: Planned[], target?: (r: LoadRequest) => LoadRequest) =>
      runLoad({ requests: planned.map((p) => (target ? target(p.request) : p.request)), at: planned.map((p) => p.at), timeoutMs: 30_000 });
    const closed = (planned: Planned[], target?: (r: LoadRequest) => LoadRequest) =>
      runLoad({ requests: planned.map((p) => (target ? target(p.request) : p.request)), concurrency: 64, timeoutMs: 30_000 });

    const signStarted = performance.now();
    const warmup = plan(WARMUP_RATE * WARMUP_SECONDS, WARMUP_RATE, false);
    const timed = plan(Math.round(RATE * SECONDS), RATE, true);
    const capacityPlan = plan(CAPACITY, 1, false);
    const signSeconds = (performance.now() - signStarted) / 1000;
    console.log(`  ${options.label ?? 'SQLite, 1 instance'}: ${warmup.length + timed.length + capacityPlan.length} webhooks signed in ${signSeconds.toFixed(1)} s`);

    const { run, figures } = await warmedRun((which) => open(which === 'warmup' ? warmup : timed), servers, 'inbound');
    if (run.maxLagMs > 50) console.log(`  load generator fell up to ${run.maxLagMs.toFixed(0)} ms behind its schedule`);

    // Stored once? Read after the server has settled (requests given up on may still finish).
    const stored = await settledCounts(databaseUrl);
    const answered = new Set<string>();
    timed.forEach((p, i) => run.codes[i] === 200 && answered.add(p.sid));
    const sids = new Set(timed.map((p) => p.sid));
    let once = 0;
    let duplicates = 0;
    let lost = 0;
    for (const sid of sids) {
      const n = stored.get(sid) ?? 0;
      if (n === 1) once++;
      if (n > 1) duplicates++;
      if (n === 0 && answered.has(sid)) lost++;
    }
    const retryIdx = timed.map((p, i) => (p.retry ? i : -1)).filter((i) => i >= 0);

    let capacity = NaN;
    if (capacityPlan.length > 0) capacity = summarize(await closed(capacityPlan)).perSecond;

    // The bare handler, with the servers stopped: the same bodies, the same schedule.
    await Promise.all(servers.map((s) => stopProcess(s.child)));
    const bareDb = options.databaseUrl ? databaseUrl : `file:${path.join(dir, 'bare', 'bare.db')}`;
    const bareHandlers = await startBareHandlers(bareDb, servers.length);
    let bare: ReturnType<typeof summarize>;
    let bareCapacity = NaN;
    try {
      const toBare = (r: LoadRequest): LoadRequest => ({ ...r, url: bareHandlers.urls[servers.findIndex((s) => r.url.startsWith(s.url))] + '/inbound' });
      await open(warmup, toBare);
      const bareRun: LoadResult = await open(timed, toBare);
      bare = summarize(bareRun);
      if (bare.errors > 0) console.log(`  bare handler errors: ${bare.errorKinds}; e.g. ${bareRun.samples[0]}`);
      if (capacityPlan.length > 0) bareCapacity = summarize(await closed(capacityPlan, toBare)).perSecond;
    } finally {
      await bareHandlers.stop();
    }

    return {
      label: options.label ?? 'SQLite, 1 instance',
      offered: timed.length / (timed[timed.length - 1].at / 1000 + 1 / RATE),
      answered: figures.perSecond,
      p50: figures.p50,
      p99: figures.p99,
      errors: figures.errors,
      errorKinds: figures.errorKinds,
      storedOnce: once / sids.size,
      duplicates,
      lost,
      retriesOk: `${retryIdx.filter((i) => run.codes[i] === 200).length}/${retryIdx.length}`,
      capacity,
      bareAnswered: bare.perSecond,
      bareP50: bare.p50,
      bareP99: bare.p99,
      bareErrors: bare.errors,
      bareCapacity,
    };
  } finally {
    await Promise.all(servers.map((s) => stopProcess(s.child)));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Inbound messages per provider message id, read directly in the database once the count stops moving. */
async function settledCounts(databaseUrl: string): Promise<Map<string, number>> {
  const rows = await readSettled<{ sid: string; n: number }>(
    databaseUrl,
    `SELECT "providerMessageId" AS sid, CAST(count(*) AS integer) AS n FROM "Message" WHERE direction = 'INBOUND' GROUP BY "providerMessageId"`,
    (rows) => rows.reduce((s, r) => s + r.n, 0),
  );
  return new Map(rows.map((r) => [r.sid, r.n]));
}

export function printInbound(rows: InboundFigures[]) {
  return rows.map((r) => ({
    run: r.label,
    'offered/s': fmt(r.offered, 0),
    'answered/s': fmt(r.answered, 0),
    'p50 ms': fmt(r.p50),
    'p99 ms': fmt(r.p99),
    errors: r.errors,
    'stored once': fmt(r.storedOnce, 3),
    'dup': r.duplicates,
    lost: r.lost,
    'retries 200': r.retriesOk,
    'bare answered/s': fmt(r.bareAnswered, 0),
    'bare p50/p99 ms': `${fmt(r.bareP50)}/${fmt(r.bareP99)}`,
    ratio: fmt(r.answered / r.bareAnswered, 2),
    'max/s (c=64)': fmt(r.capacity, 0),
    'bare max/s': fmt(r.bareCapacity, 0),
    'max ratio': fmt(r.capacity / r.bareCapacity, 2),
  }));
}
