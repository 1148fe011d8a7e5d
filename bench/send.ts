/**
 * send: 20,000 sendSms over HTTP at concurrency 64 against the embedded default (SQLite), the
 * fake provider answering at once. Prints accepted/s with p50/p99 latency and dispatched/s, and
 * beside it a bare node:http handler that parses the same JSON and inserts the same row with
 * the same driver (Prisma + better-sqlite3), and the ratio of the two.
 * Server, fake provider and bare handler each run in their own process; this one only loads.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { addTwilioNumber, createBenchOrganization, createTwilioAssistant, fmt, freePort, gql, percentile, runConcurrent, startProcess, startServers, stopProcess, type BenchServer } from './lib';

const TOTAL = Number(process.env.BENCH_SENDS ?? 20_000);
const CONCURRENCY = 64;

export interface SendFigures {
  label: string;
  accepted: number;
  p50: number;
  p99: number;
  dispatched: number;
  bare: number;
}

export async function benchSend(options: { databaseUrl?: (dir: string) => string; redisUrl?: string; instances?: number; label?: string } = {}): Promise<SendFigures> {
  const dir = mkdtempSync(path.join(tmpdir(), 'switchboard-bench-'));
  const fake = await startProcess('test/fakes/provider-server.ts', { FAKE_PROVIDERS_RECORD: '0' }, /baseUrls/);
  const { baseUrls } = JSON.parse(fake.line);
  const servers: BenchServer[] = [];
  try {
    await startServers(servers, { instances: options.instances, dir, databaseUrl: options.databaseUrl?.(dir), redisUrl: options.redisUrl, env: () => ({ TWILIO_API_BASE_URL: baseUrls.twilio }) });
    const url = servers[0].url;
    const { apiKey: key } = await createBenchOrganization(url, 'Bench');
    const assistantId = await createTwilioAssistant(url, key, 'Bench');
    const from = '+14155552671';
    await addTwilioNumber(url, key, { phoneNumber: from, assistantId, messagesPerSecond: 1000 });
    const sendQuery = `mutation($input: SendSmsInput!) { sendSms(input: $input) { ... on SendMessagePayload { outboundMessage { id status } } ... on Error { code message } } }`;
    const send = (i: number) =>
      fetch(`${servers[i % servers.length].url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ query: sendQuery, variables: { input: { fromPhoneNumber: from, toPhoneNumber: `+1415555${String(2000 + (i % 7000)).padStart(4, '0')}`, message: `Your code is ${i}` } } }),
      }).then(async (r) => {
        const body = (await r.json()) as any;
        if (!body.data?.sendSms?.outboundMessage) throw new Error(JSON.stringify(body));
      });

    await runConcurrent(500, CONCURRENCY, send); // warm-up (JIT, caches, connections)
    const sentBefore = await sentCount(url, key);
    const started = performance.now();
    const { latencies, seconds } = await runConcurrent(TOTAL, CONCURRENCY, send);
    // Dispatched: from the first send until the last of them is SENT.
    for (;;) {
      const sent = await sentCount(url, key);
      if (sent - sentBefore >= TOTAL) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const dispatchSeconds = (performance.now() - started) / 1000;
    const bare = await benchBareHandler(dir, options.databaseUrl);
    return {
      label: options.label ?? 'SQLite, 1 instance',
      accepted: TOTAL / seconds,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      dispatched: TOTAL / dispatchSeconds,
      bare,
    };
  } finally {
    await Promise.all(servers.map((s) => stopProcess(s.child)));
    fake.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

async function sentCount(url: string, key: string): Promise<number> {
  const { messageStats } = await gql(url, key, `{ messageStats { byStatus { key count } } }`);
  return messageStats.byStatus.find((s: { key: string }) => s.key === 'SENT')?.count ?? 0;
}

/** The bare handler: same JSON, same row, same driver, nothing else. Returns requests/s. */
async function benchBareHandler(dir: string, databaseUrl?: (dir: string) => string): Promise<number> {
  const port = await freePort();
  const bareDir = path.join(dir, 'bare');
  const url = databaseUrl?.(bareDir) ?? `file:${path.join(bareDir, 'bare.db')}`;
  const server = await startProcess('bench/bare-handler.ts', { PORT: String(port), DATABASE_URL: url }, /ready/);
  try {
    const body = (i: number) =>
      JSON.stringify({ query: 'mutation', variables: { input: { fromPhoneNumber: '+14155552671', toPhoneNumber: `+1415555${String(2000 + (i % 7000)).padStart(4, '0')}`, message: `Your code is ${i}` } } });
    const post = (i: number) =>
      fetch(`http://127.0.0.1:${port}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body(i) }).then((r) => r.arrayBuffer()).then(() => undefined);
    await runConcurrent(500, CONCURRENCY, post);
    const { seconds } = await runConcurrent(TOTAL, CONCURRENCY, post);
    return TOTAL / seconds;
  } finally {
    server.child.kill('SIGKILL');
  }
}

export function printSend(rows: SendFigures[]) {
  return rows.map((r) => ({
    run: r.label,
    'accepted/s': fmt(r.accepted, 0),
    'p50 ms': fmt(r.p50),
    'p99 ms': fmt(r.p99),
    'dispatched/s': fmt(r.dispatched, 0),
    'bare handler/s': fmt(r.bare, 0),
    'ratio': fmt(r.accepted / r.bare, 2),
  }));
}
