/**
 * status: provider delivery-status callbacks, most of a deployment's webhook traffic (two or three
 * per outbound message).
 *
 * Setup: a Twilio assistant with 8 numbers (1,000 messages/s each), the fake provider
 * (test/fakes/provider-server.ts) answering at once; 2 × (500 + BENCH_STATUS_MESSAGES (5,000))
 * sendSms, waited for until SENT, and each message's provider id (the fake's SM… sid), sender
 * and recipient read in the database: one half for our servers (500 to warm up, the rest timed),
 * the other for the bare handler. The servers are then restarted on the same database, so that
 * a CPU profile (BENCH_PROFILE=<dir>) holds the callbacks only, not the sends.
 *
 * Measured: one signed Twilio status callback (the real form body, X-Twilio-Signature over the
 * instance's PUBLIC_URL + the status path the Twilio descriptor declares) with MessageStatus
 * `delivered` for every timed message, closed loop at concurrency 64 from bench/load.ts in its own
 * process, round-robin over the instances; about 1% (every 100th) are posted again 640 requests
 * later (ten rounds of the concurrency, once the first has been answered), as a provider retries,
 * with the same body, to the next instance (signed for it, as behind a load balancer).
 * answered/s (200s, retries included, ÷ time from the first POST to the last answer), p50/p99,
 * errors (non-200, connection errors, no answer within 30 s), and, read in the database once the
 * server has settled: the fraction of timed messages DELIVERED with exactly one DELIVERED step in
 * their timeline, duplicates (more than one: a retry recorded again) and lost (answered 200 but
 * not DELIVERED, or no step).
 *
 * Baseline, with the servers stopped, on the same database, the other half's messages, the same
 * bodies at the same concurrency: bench/bare-handler.ts in BARE_ROW=status mode, as many processes
 * as instances: node:http parsing the form, then through better-sqlite3 or pg, no ORM, no
 * signature check, one UPDATE "Message" SET status = 'DELIVERED' (where it is not yet, which also
 * keeps a retry from adding a second step) and one INSERT of the "MessageEvent" timeline row, in
 * one transaction. The timeline row is part of the floor because ours writes one per callback and
 * the exactly-once figure is about it. ratio = ours ÷ bare.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { twilio } from '../src/providers/twilio';
import { twilioStatusParams, twilioWebhookRequest } from '../test/fakes/signing';
import {
  addTwilioNumber,
  createBenchOrganization,
  createTwilioAssistant,
  fmt,
  openReader,
  readSettled,
  SENT_ANSWER,
  sendSmsRequest,
  startBareHandlers,
  startProcess,
  startServers,
  stopProcess,
  waitForStatusCount,
  type BenchServer,
} from './lib';
import { runLoad, summarize, warmedRun, type LoadRequest } from './load';

const MESSAGES = Number(process.env.BENCH_STATUS_MESSAGES ?? 5000);
const WARMUP = Math.min(500, MESSAGES);
const CONCURRENCY = 64;
const SENDERS = 8;
const RETRY_EVERY = 100;
/** A retry leaves this many requests after its first post: ten rounds of the concurrency. */
const RETRY_LAG = 10 * CONCURRENCY;
const STATUS_PATH = twilio.statusCallbackPath;
const TWIML = '<Response/>';

export interface StatusFigures {
  label: string;
  /** Timed messages (each given one `delivered`). */
  messages: number;
  /** Callbacks posted in the timed run, retries included. */
  callbacks: number;
  answered: number;
  p50: number;
  p99: number;
  errors: number;
  errorKinds: string;
  /** Timed messages DELIVERED with exactly one DELIVERED step in their timeline ÷ all of them. */
  deliveredOnce: number;
  /** Timed messages with more than one DELIVERED step. */
  duplicates: number;
  /** Timed messages answered 200 but not DELIVERED once or more. */
  lost: number;
  /** Retries: answered 200 / posted. */
  retriesOk: string;
  bareAnswered: number;
  bareP50: number;
  bareP99: number;
  bareErrors: number;
}

interface SentMessage {
  id: string;
  organizationId: string;
  from: string;
  to: string;
  body: string;
  sid: string;
}

interface Planned {
  /** Index of the instance (or bare handler) it goes to. */
  instance: number;
  request: LoadRequest;
  sid: string;
  retry: boolean;
}

export async function benchStatus(options: { databaseUrl?: (dir: string) => string; redisUrl?: string; instances?: number; label?: string } = {}): Promise<StatusFigures> {
  const label = options.label ?? 'SQLite, 1 instance';
  const dir = mkdtempSync(path.join(tmpdir(), 'switchboard-status-'));
  const databaseUrl = options.databaseUrl?.(dir) ?? `file:${path.join(dir, 'switchboard.db')}`;
  const fake = await startProcess('test/fakes/provider-server.ts', { FAKE_PROVIDERS_RECORD: '0' }, /baseUrls/);
  const { baseUrls } = JSON.parse(fake.line) as { baseUrls: { twilio: string } };
  // One secrets key for both starts: the restarted servers open the credentials the first stored.
  const secretsKey = randomBytes(32).toString('hex');
  const serverEnv = (url: string) => ({ PUBLIC_URL: url, TWILIO_API_BASE_URL: baseUrls.twilio, SECRETS_KEY: secretsKey });
  let servers: BenchServer[] = [];
  try {
    await startServers(servers, { instances: options.instances, dir, databaseUrl, redisUrl: options.redisUrl, env: serverEnv });
    const url = servers[0].url;
    const { apiKey } = await createBenchOrganization(url, 'Status');
    const accountSid = 'AC' + 'c'.repeat(32);
    const authToken = 'status-bench-token';
    const assistantId = await createTwilioAssistant(url, apiKey, 'Status', { accountSid, authToken });
    const senders = Array.from({ length: SENDERS }, (_, i) => `+1415555${2671 + i}`);
    for (const phoneNumber of senders) await addTwilioNumber(url, apiKey, { phoneNumber, assistantId, messagesPerSecond: 1000 });

    // 1. The messages the callbacks are about, sent and SENT; one half for us, one for the bare handler.
    const setupStarted = performance.now();
    const perHalf = WARMUP + MESSAGES;
    const sends = ['ours', 'bare'].flatMap((half) =>
      Array.from({ length: perHalf }, (_, i) =>
        sendSmsRequest(servers[i % servers.length].url, apiKey, {
          fromPhoneNumber: senders[i % SENDERS],
          toPhoneNumber: `+1312555${String(1000 + (i % 9000)).padStart(4, '0')}`,
          message: `Your order ${half} ${i} has shipped`,
        }),
      ),
    );
    const sendRun = await runLoad({ requests: sends, concurrency: CONCURRENCY, expect: SENT_ANSWER });
    const accepted = summarize(sendRun);
    if (accepted.errors > 0) console.log(`  setup: ${accepted.errors} sends refused (${accepted.errorKinds}); e.g. ${sendRun.samples[0]}`);
    const sent = await waitForStatusCount(url, apiKey, 'SENT', accepted.ok, 15_000, 300_000);
    if (sent < accepted.ok) console.log(`  setup: ${sent} of ${accepted.ok} accepted messages SENT; the callbacks go to those`);
    const halves = await sentMessages(databaseUrl);
    const setupSeconds = (performance.now() - setupStarted) / 1000;

    // Restarted on the same database: a profile then holds the callbacks only.
    await Promise.all(servers.map((s) => stopProcess(s.child)));
    servers = [];
    await startServers(servers, { instances: options.instances, dir, databaseUrl, redisUrl: options.redisUrl, env: serverEnv });

    /**
     * One `delivered` per message, round-robin over `instances` targets (`base(i)`, signed for
     * `signedUrl(i)`); every RETRY_EVERY-th posted again RETRY_LAG requests later to the next.
     */
    const plan = (messages: SentMessage[], instances: number, base: (i: number) => string, signedUrl: (i: number) => string, retries: boolean): Planned[] => {
      const slots: { order: number; planned: Planned }[] = [];
      messages.forEach((m, i) => {
        const params = twilioStatusParams({ messageSid: m.sid, status: 'delivered', from: m.from, to: m.to, accountSid });
        const signed = (instance: number, token?: string) => {
          const s = twilioWebhookRequest({ url: signedUrl(instance) + STATUS_PATH, authToken, params });
          return { url: base(instance), headers: token ? { ...s.headers, 'i-twilio-idempotency-token': token } : s.headers, body: s.body };
        };
        const instance = i % instances;
        const request = signed(instance);
        slots.push({ order: i, planned: { instance, request, sid: m.sid, retry: false } });
        if (retries && i % RETRY_EVERY === RETRY_EVERY / 2 && i + RETRY_LAG < messages.length) {
          const next = (instance + 1) % instances;
          const retry = next === instance ? request : signed(next, request.headers['i-twilio-idempotency-token']);
          slots.push({ order: i + RETRY_LAG + 0.5, planned: { instance: next, request: retry, sid: m.sid, retry: true } });
        }
      });
      return slots.sort((a, b) => a.order - b.order).map((s) => s.planned);
    };
    const closed = (planned: Planned[]) => runLoad({ requests: planned.map((p) => p.request), concurrency: CONCURRENCY, timeoutMs: 30_000, expect: TWIML });

    const signStarted = performance.now();
    const onServers = (messages: SentMessage[], retries: boolean) =>
      plan(messages, servers.length, (i) => servers[i].url + STATUS_PATH, (i) => servers[i].url, retries);
    const warmup = onServers(halves.ours.slice(0, WARMUP), false);
    const timedMessages = halves.ours.slice(WARMUP);
    const timed = onServers(timedMessages, true);
    console.log(
      `  ${label}: ${accepted.ok.toLocaleString('en')} messages sent and ${sent.toLocaleString('en')} SENT in ${setupSeconds.toFixed(1)} s; ` +
        `${warmup.length + timed.length} callbacks signed in ${((performance.now() - signStarted) / 1000).toFixed(1)} s`,
    );

    // 2. Warm-up, then the timed run.
    const { run, figures } = await warmedRun((which) => closed(which === 'warmup' ? warmup : timed), servers, 'status');

    const answered = new Set<string>();
    timed.forEach((p, i) => run.codes[i] === 200 && answered.add(p.sid));
    const ours = deliveredOnce(timedMessages, await deliveredSteps(databaseUrl), answered);
    const retryIdx = timed.map((p, i) => (p.retry ? i : -1)).filter((i) => i >= 0);

    // 3. The bare handler, with the servers stopped: the other half's messages, the same plan.
    await Promise.all(servers.map((s) => stopProcess(s.child)));
    const bareHandlers = await startBareHandlers(databaseUrl, servers.length, 'status', { BARE_ORGANIZATION: halves.bare[0].organizationId });
    let bare: ReturnType<typeof summarize>;
    try {
      const onBare = (messages: SentMessage[], retries: boolean) =>
        plan(messages, bareHandlers.urls.length, (i) => bareHandlers.urls[i] + '/status', (i) => bareHandlers.urls[i], retries);
      await closed(onBare(halves.bare.slice(0, WARMUP), false));
      const bareTimed = onBare(halves.bare.slice(WARMUP), true);
      const bareRun = await closed(bareTimed);
      bare = summarize(bareRun);
      if (bare.errors > 0) console.log(`  bare handler errors: ${bare.errorKinds}; e.g. ${bareRun.samples[0]}`);
      const bareAnswered = new Set(bareTimed.filter((_, i) => bareRun.codes[i] === 200).map((p) => p.sid));
      const bareOnce = deliveredOnce(halves.bare.slice(WARMUP), await deliveredSteps(databaseUrl), bareAnswered);
      if (bareOnce.fraction < 1) console.log(`  bare handler: ${fmt(bareOnce.fraction, 3)} DELIVERED once (${bareOnce.duplicates} duplicated, ${bareOnce.lost} lost)`);
    } finally {
      await bareHandlers.stop();
    }

    return {
      label,
      messages: timedMessages.length,
      callbacks: timed.length,
      answered: figures.perSecond,
      p50: figures.p50,
      p99: figures.p99,
      errors: figures.errors,
      errorKinds: figures.errorKinds,
      deliveredOnce: ours.fraction,
      duplicates: ours.duplicates,
      lost: ours.lost,
      retriesOk: `${retryIdx.filter((i) => run.codes[i] === 200).length}/${retryIdx.length}`,
      bareAnswered: bare.perSecond,
      bareP50: bare.p50,
      bareP99: bare.p99,
      bareErrors: bare.errors,
    };
  } finally {
    await Promise.all(servers.map((s) => stopProcess(s.child)));
    await stopProcess(fake.child);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The SENT outbound messages with their provider ids, by half ('ours' first sent), in the order they were sent. */
async function sentMessages(databaseUrl: string): Promise<{ ours: SentMessage[]; bare: SentMessage[] }> {
  const reader = await openReader(databaseUrl);
  try {
    const rows = await reader.all<SentMessage>(
      `SELECT "id", "organizationId", "from", "to", "body", "providerMessageId" AS sid FROM "Message" WHERE "direction" = 'OUTBOUND' AND "status" = 'SENT' AND "providerMessageId" IS NOT NULL`,
    );
    const index = (m: SentMessage) => Number(m.body.split(' ')[3]);
    const half = (name: string) => rows.filter((m) => m.body.split(' ')[2] === name).sort((a, b) => index(a) - index(b));
    return { ours: half('ours'), bare: half('bare') };
  } finally {
    await reader.close();
  }
}

/** Per outbound message: its status and its DELIVERED steps, read once their count stops moving. */
async function deliveredSteps(databaseUrl: string): Promise<Map<string, { status: string; n: number }>> {
  const rows = await readSettled<{ id: string; status: string; n: number }>(
    databaseUrl,
    `SELECT m."id", m."status", CAST((SELECT count(*) FROM "MessageEvent" e WHERE e."messageId" = m."id" AND e."status" = 'DELIVERED') AS integer) AS n
     FROM "Message" m WHERE m."direction" = 'OUTBOUND'`,
    (rows) => rows.reduce((s, r) => s + r.n, 0),
  );
  return new Map(rows.map((r) => [r.id, r]));
}

function deliveredOnce(messages: SentMessage[], steps: Map<string, { status: string; n: number }>, answered: Set<string>) {
  let once = 0;
  let duplicates = 0;
  let lost = 0;
  for (const m of messages) {
    const { status, n } = steps.get(m.id) ?? { status: 'missing', n: 0 };
    if (status === 'DELIVERED' && n === 1) once++;
    if (n > 1) duplicates++;
    if ((status !== 'DELIVERED' || n === 0) && answered.has(m.sid)) lost++;
  }
  return { fraction: once / messages.length, duplicates, lost };
}

export function printStatus(rows: StatusFigures[]) {
  return rows.map((r) => ({
    run: r.label,
    callbacks: `${r.callbacks} (${r.messages} msgs)`,
    'answered/s': fmt(r.answered, 0),
    'p50 ms': fmt(r.p50),
    'p99 ms': fmt(r.p99),
    errors: r.errors,
    'DELIVERED once': fmt(r.deliveredOnce, 3),
    dup: r.duplicates,
    lost: r.lost,
    'retries 200': r.retriesOk,
    'bare answered/s': fmt(r.bareAnswered, 0),
    'bare p50/p99 ms': `${fmt(r.bareP50)}/${fmt(r.bareP99)}`,
    'bare errors': r.bareErrors,
    ratio: fmt(r.answered / r.bareAnswered, 2),
  }));
}
