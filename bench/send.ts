/**
 * send: how fast sendSms is accepted, and how fast one sender's queue goes out.
 *
 *  1. dispatch (first, on an empty queue): BENCH_DISPATCH (5,000) messages from one sender whose
 *     messagesPerSecond is 1,000, queued with a sendAt a few seconds ahead so that they are all
 *     waiting when they fall due; the rate is counted at the fake provider, from its first to its
 *     last request of that sender.
 *  2. accept: BENCH_SENDS (20,000) sendSms over HTTP at concurrency 64, round-robin over the
 *     instances, from 8 senders at 1,000 messages/s each, the fake provider answering at once.
 *     accepted/s, p50/p99, errors (counted, not thrown); then the time the queue took to send the
 *     backlog after the last accept ("drain", given up when SENT stops moving for 10 s or after
 *     60 s), the fraction of accepted messages SENT by then, and SENT/s from the first accept on.
 *  3. bare handler: the same JSON bodies at concurrency 64 to bench/bare-handler.ts (node:http +
 *     one INSERT through better-sqlite3 or pg, no ORM), as many processes as server instances, on
 *     the same machine in the same run, twice: into a minimal table of its own (the strict floor),
 *     and the same Message row a send stores into the migrated schema, with the indexes and
 *     triggers any writer of that row pays for; ratio = accepted/s ÷ bare handler/s for each.
 *
 * Server(s), fake provider, bare handler(s) and the load generator (bench/load.ts) each run in
 * their own process; this one only builds the requests and counts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  addTwilioNumber,
  createBenchOrganization,
  createTwilioAssistant,
  fmt,
  SENT_ANSWER,
  sendSmsRequest,
  startBareHandlers,
  startProcess,
  startServers,
  statusCount,
  stopProcess,
  waitForStatusCount,
  type BenchServer,
} from './lib';
import { runLoad, summarize, type LoadRequest } from './load';

const TOTAL = Number(process.env.BENCH_SENDS ?? 20_000);
const DISPATCH = Number(process.env.BENCH_DISPATCH ?? 5_000);
const WARMUP = Math.min(500, TOTAL);
const CONCURRENCY = 64;
const SENDERS = 8;
const DISPATCH_RATE = 1000;

export interface SendFigures {
  label: string;
  accepted: number;
  p50: number;
  p99: number;
  errors: number;
  errorKinds: string;
  /** Seconds from the last accept until every accepted message was SENT (or the count stalled 10 s, or 60 s passed). */
  drainSeconds: number;
  /** SENT per second over 8 senders, from the first accept to the end of the drain. */
  queueOut: number;
  /** Accepted messages that reached SENT. */
  sentFraction: number;
  /** One sender at 1,000/s: provider requests per second, first to last. */
  dispatch: number;
  /** Dispatch phase: that sender's provider requests ÷ messages accepted for it. */
  dispatchReceived: number;
  /** Dispatch phase: provider requests before the last message was queued (should be 0). */
  dispatchEarly: number;
  bare: number;
  bareP50: number;
  bareP99: number;
  bareErrors: number;
  /** The bare handler storing the same Message row into the migrated schema (indexes, triggers). */
  bareMessage: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function benchSend(options: { databaseUrl?: (dir: string) => string; redisUrl?: string; instances?: number; label?: string } = {}): Promise<SendFigures> {
  const dir = mkdtempSync(path.join(tmpdir(), 'switchboard-bench-'));
  // Recording on: the dispatch phase reads the times the fake received each request.
  const fake = await startProcess('test/fakes/provider-server.ts', {}, /baseUrls/);
  const { baseUrls } = JSON.parse(fake.line) as { baseUrls: { twilio: string } };
  const control = `${baseUrls.twilio}/__fake`;
  const servers: BenchServer[] = [];
  try {
    await startServers(servers, { instances: options.instances, dir, databaseUrl: options.databaseUrl?.(dir), redisUrl: options.redisUrl, env: () => ({ TWILIO_API_BASE_URL: baseUrls.twilio }) });
    const url = servers[0].url;
    const { apiKey: key } = await createBenchOrganization(url, 'Bench');
    const assistantId = await createTwilioAssistant(url, key, 'Bench');
    const senders = Array.from({ length: SENDERS }, (_, i) => `+1415555${2671 + i}`);
    for (const phoneNumber of senders) await addTwilioNumber(url, key, { phoneNumber, assistantId, messagesPerSecond: 1000 });
    const dispatchFrom = '+14155552700';
    await addTwilioNumber(url, key, { phoneNumber: dispatchFrom, assistantId, messagesPerSecond: DISPATCH_RATE });

    const input = (i: number, from: string) => ({ fromPhoneNumber: from, toPhoneNumber: `+1312555${String(1000 + (i % 9000)).padStart(4, '0')}`, message: `Your code is ${i}` });
    const request = (base: string, i: number, extra: Record<string, unknown> = {}, from = senders[i % SENDERS]): LoadRequest =>
      sendSmsRequest(base, key, { ...input(i, from), ...extra });
    const onServers = (count: number, offset: number) => Array.from({ length: count }, (_, i) => request(servers[(offset + i) % servers.length].url, offset + i));
    const expect = SENT_ANSWER;
    const waitForSent = (target: number, stallMs: number, maxMs: number) => waitForStatusCount(url, key, 'SENT', target, stallMs, maxMs);

    // Warm-up (JIT, caches, connections); its pace sets the lead of the dispatch phase.
    const warmRun = await runLoad({ requests: onServers(WARMUP, 0), concurrency: CONCURRENCY, expect });
    const warm = summarize(warmRun);
    await waitForSent(warm.ok, 10_000, 60_000);

    // 1. dispatch, first, on an empty queue: all queued before the first falls due.
    await fetch(`${control}/clear`, { method: 'POST' });
    const leadMs = Math.max(3000, (DISPATCH / Math.max(warm.perSecond, 50)) * 1500 + 3000);
    const sendAt = new Date(Date.now() + leadMs).toISOString();
    const sentBeforeDispatch = await statusCount(url, key, 'SENT');
    const queued = summarize(
      await runLoad({
        requests: Array.from({ length: DISPATCH }, (_, i) => request(servers[i % servers.length].url, i, { sendAt }, dispatchFrom)),
        concurrency: CONCURRENCY,
        expect,
      }),
    );
    const queuedAt = Date.now();
    if (queued.errors > 0) console.log(`  dispatch phase: ${queued.errors} sends refused (${queued.errorKinds})`);
    if (queuedAt > Date.parse(sendAt)) console.log(`  dispatch phase: queueing ended ${queuedAt - Date.parse(sendAt)} ms after the messages fell due`);
    await sleep(Math.max(0, Date.parse(sendAt) - Date.now()));
    await waitForSent(sentBeforeDispatch + queued.ok, 15_000, 180_000);
    const { requests } = (await (await fetch(`${control}/requests`)).json()) as { requests: { body: { From?: string }; receivedAt: number }[] };
    const times = requests.filter((r) => r.body.From === dispatchFrom).map((r) => r.receivedAt).sort((a, b) => a - b);
    const dispatch = times.length > 1 ? (times.length - 1) / ((times[times.length - 1] - times[0]) / 1000) : NaN;
    await fetch(`${control}/clear`, { method: 'POST' });

    // 2. accept, with the queue sending what is accepted; then what the queue still has to send.
    const sentBefore = await statusCount(url, key, 'SENT');
    const acceptStart = performance.now();
    const acceptRun = await runLoad({ requests: onServers(TOTAL, WARMUP), concurrency: CONCURRENCY, expect });
    const acceptEnd = performance.now();
    const accept = summarize(acceptRun);
    if (accept.errors > 0) console.log(`  send errors: ${accept.errorKinds}; e.g. ${acceptRun.samples[0]}`);
    const sent = await waitForSent(sentBefore + accept.ok, 10_000, 60_000);
    const drainSeconds = (performance.now() - acceptEnd) / 1000;
    const queueOut = (sent - sentBefore) / ((performance.now() - acceptStart) / 1000);
    const sentFraction = (sent - sentBefore) / accept.ok;

    // 3. bare handler, with the servers stopped.
    await Promise.all(servers.map((s) => stopProcess(s.child)));
    const bareRun = async (row: 'minimal' | 'message') => {
      const bareDb = options.databaseUrl?.(dir) ?? `file:${path.join(dir, `bare-${row}`, 'bare.db')}`;
      const bareHandlers = await startBareHandlers(bareDb, servers.length, row);
      try {
        const bareRequests = (count: number, offset: number) => onServers(count, offset).map((r, i) => ({ ...r, url: `${bareHandlers.urls[(offset + i) % bareHandlers.urls.length]}/send` }));
        await runLoad({ requests: bareRequests(WARMUP, 0), concurrency: CONCURRENCY, expect });
        const run = await runLoad({ requests: bareRequests(TOTAL, WARMUP), concurrency: CONCURRENCY, expect });
        const figures = summarize(run);
        if (figures.errors > 0) console.log(`  bare handler (${row}) errors: ${figures.errorKinds}; e.g. ${run.samples[0]}`);
        return figures;
      } finally {
        await bareHandlers.stop();
      }
    };
    const bare = await bareRun('minimal');
    const bareMessage = await bareRun('message');

    return {
      label: options.label ?? 'SQLite, 1 instance',
      accepted: accept.perSecond,
      p50: accept.p50,
      p99: accept.p99,
      errors: accept.errors,
      errorKinds: accept.errorKinds,
      drainSeconds,
      queueOut,
      sentFraction,
      dispatch,
      dispatchReceived: times.length / Math.max(1, queued.ok),
      dispatchEarly: times.filter((t) => t < queuedAt).length,
      bare: bare.perSecond,
      bareP50: bare.p50,
      bareP99: bare.p99,
      bareErrors: bare.errors + bareMessage.errors,
      bareMessage: bareMessage.perSecond,
    };
  } finally {
    await Promise.all(servers.map((s) => stopProcess(s.child)));
    fake.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

export function printSend(rows: SendFigures[]) {
  return rows.map((r) => ({
    run: r.label,
    'accepted/s': fmt(r.accepted, 0),
    'p50 ms': fmt(r.p50),
    'p99 ms': fmt(r.p99),
    errors: r.errors,
    'SENT': fmt(r.sentFraction, 3),
    'drain s': fmt(r.drainSeconds),
    'SENT/s (8 senders)': fmt(r.queueOut, 0),
    'bare/s': fmt(r.bare, 0),
    'bare p50/p99 ms': `${fmt(r.bareP50, 1)}/${fmt(r.bareP99, 1)}`,
    ratio: fmt(r.accepted / r.bare, 2),
    'bare, Message row/s': fmt(r.bareMessage, 0),
    'ratio (Message row)': fmt(r.accepted / r.bareMessage, 2),
    'dispatch/s (1 sender @1000)': fmt(r.dispatch, 0),
    'dispatch received': fmt(r.dispatchReceived, 3),
    'sent before due': r.dispatchEarly,
  }));
}
