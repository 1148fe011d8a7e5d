/**
 * logs: 1,000,000 messages in 10,000 conversations of 3 organizations, on SQLite and on
 * PostgreSQL. Seeds with bulk inserts (rows shaped like src/messaging/send.ts and receive.ts
 * write them, over 90 days), then starts the app in-process on that database and times real
 * GraphQL requests over HTTP with an API key, one at a time: the conversation list, a thread
 * page, a filtered log page, keyset page 2 of the log, searches and messageStats. Prints p50/p95.
 *
 *   npm run bench -- logs
 *   BENCH_LOGS_DATABASES=sqlite|postgresql   one of them only (default both)
 *   BENCH_LOGS_MESSAGES=1000000              fewer for a quick look
 *   BENCH_LOGS_RUNS=50                       timed runs per query (after 5 warm-up runs)
 *   BENCH_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test   an admin connection; the
 *       bench creates its own database next to it and drops it afterwards.
 *   BENCH_LOGS_KEEP=1                        keep the seeded databases (<tmp>/switchboard-bench-logs/
 *       bench.db, database switchboard_bench_logs_keep) and reuse them on the next run with the
 *       same BENCH_LOGS_MESSAGES: pending migrations are applied, the seeding is skipped.
 *   BENCH_LOGS_ONLY=regex                    time only the queries whose label matches
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';
import { buildApp } from '../src/app';
import { loadConfig } from '../src/config';
import { migrate } from '../src/db/migrate';
import { countSegments } from '../src/messaging/segments';
import { fmt, percentile } from './lib';

const MESSAGES = Number(process.env.BENCH_LOGS_MESSAGES ?? 1_000_000);
const CONVERSATIONS = Math.max(3, Math.min(10_000, Math.round(MESSAGES / 100)));
const RUNS = Number(process.env.BENCH_LOGS_RUNS ?? 50);
const WARMUP = 5;
const KEEP = process.env.BENCH_LOGS_KEEP === '1';
const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);
const START = NOW - 90 * DAY;

// ---------------------------------------------------------------------------------------------
// The data set: deterministic (a seeded PRNG), identical on both databases.

function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const pick = <T>(r: () => number, list: readonly T[]) => list[Math.floor(r() * list.length)];

const ORGS = [
  { name: 'Northwind Clinics', share: 0.5 },
  { name: 'Contoso Retail', share: 0.3 },
  { name: 'Fabrikam Services', share: 0.2 },
];
const PROVIDERS = ['TWILIO', 'TWILIO', 'TWILIO', 'TELNYX', 'TELNYX', 'VONAGE'] as const;
const NAMES = ['Ana', 'Ben', 'Chloé', 'Dev', 'Emma', 'Farid', 'Grace', 'Hiro', 'Ines', 'Jonas', 'Kemi', 'Liam', 'Maya', 'Noor', 'Oscar', 'Priya', 'Quinn', 'Rosa', 'Sam', 'Tomás', 'Uma', 'Victor', 'Wen', 'Yusuf', 'Zoe'];
const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const ITEMS = ['blue sneakers', 'coffee grinder', 'desk lamp', 'rain jacket', 'phone case', 'yoga mat', 'backpack'];

/** Outbound and inbound bodies. "voucher" is rare (~0.05%), "appointment" common (~10%). */
function outboundBody(r: () => number): string {
  const x = r();
  const name = pick(r, NAMES);
  const n = 10000 + Math.floor(r() * 90000);
  if (x < 0.0009) return `Congratulations ${name}! Use voucher SAVE${n} for 20% off your next visit.`;
  if (x < 0.2) return `Hi ${name}, your appointment is on ${pick(r, DAYS)} at ${1 + Math.floor(r() * 11)}:${r() < 0.5 ? '00' : '30'}. Reply C to confirm or R to reschedule.`;
  if (x < 0.4) return `Your order #${n} (${pick(r, ITEMS)}) has shipped and should arrive ${pick(r, DAYS)}. Track it at https://trk.example.com/${n.toString(36)}`;
  if (x < 0.55) return `${name}, your verification code is ${String(n).slice(0, 6)}. It expires in 10 minutes.`;
  if (x < 0.65) return `Your refund of $${(n / 1000).toFixed(2)} for order #${n} was processed.`;
  if (x < 0.75) return `Thanks for reaching out, ${name}! An agent will reply shortly.`;
  if (x < 0.85) return `Reminder: your plan renews on ${pick(r, DAYS)}. Reply HELP for help or STOP to opt out.`;
  if (x < 0.93) return `Hi ${name}! Our ${pick(r, DAYS)} hours are 9am to 6pm. See you soon 🙂`;
  return `Your ${pick(r, ITEMS)} is back in stock. Order now before it sells out again: https://shop.example.com/p/${n}`;
}
function inboundBody(r: () => number): string {
  const x = r();
  if (x < 0.2) return pick(r, ['C', 'Yes', 'yes please', 'Confirmed', 'OK']);
  if (x < 0.32) return `Can I reschedule my appointment to ${pick(r, DAYS)}?`;
  if (x < 0.45) return `Where is my order? It was supposed to arrive ${pick(r, DAYS)}.`;
  if (x < 0.55) return `I need a refund for the ${pick(r, ITEMS)}, it arrived broken`;
  if (x < 0.7) return pick(r, ['Thanks!', 'Thank you so much', '👍', 'great, thanks']);
  if (x < 0.72) return 'STOP';
  if (x < 0.85) return `What time do you open on ${pick(r, DAYS)}?`;
  return `Hi, this is ${pick(r, NAMES)}. Is the ${pick(r, ITEMS)} still available in medium?`;
}

const OUTBOUND_STATUS: [string, number][] = [
  ['DELIVERED', 0.82],
  ['SENT', 0.06],
  ['FAILED', 0.05],
  ['UNDELIVERED', 0.04],
  ['CANCELED', 0.01],
  ['SCHEDULED', 0.02],
];
const ERRORS: Record<string, [string, string][]> = {
  FAILED: [['30008', 'Unknown error'], ['21610', 'Attempt to send to unsubscribed recipient'], ['21211', "Invalid 'To' Phone Number"]],
  UNDELIVERED: [['30003', 'Unreachable destination handset'], ['30005', 'Unknown destination handset'], ['30006', 'Landline or unreachable carrier']],
};

let idCounter = 0;
function cuidLike(r: () => number, at: number, seq = idCounter++): string {
  let tail = '';
  for (let i = 0; i < 10; i++) tail += Math.floor(r() * 36).toString(36);
  return `c${Math.floor(at).toString(36)}${seq.toString(36).padStart(5, '0')}${tail}`;
}
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

interface Org { id: string; name: string; apiKey: string; assistantId: string; numbers: { id: string; phoneNumber: string; provider: string }[] }
interface Conversation {
  id: string; org: number; number: number; customer: string; archived: boolean;
  start: number; end: number; count: number; lastReadAt: number; lastMessageAt: number; unread: number;
}

/** Orgs, conversations (with their message counts and time windows) and each message's (conversation, time). */
export function plan() {
  const r = rng(42);
  const orgs: Org[] = ORGS.map((o, i) => ({
    id: cuidLike(r, START),
    name: o.name,
    // Deterministic (the seeded PRNG), so that a kept database (BENCH_LOGS_KEEP) answers to the same keys.
    apiKey: `sk_live_bench${i}${Array.from({ length: 32 }, () => Math.floor(r() * 16).toString(16)).join('')}`,
    assistantId: cuidLike(r, START),
    numbers: PROVIDERS.map((provider, k) => ({ id: cuidLike(r, START), phoneNumber: `+1415555${i}${String(k).padStart(3, '0')}`, provider })),
  }));
  const conversations: Conversation[] = [];
  for (let c = 0; c < CONVERSATIONS; c++) {
    const u = r();
    const org = u < ORGS[0].share ? 0 : u < ORGS[0].share + ORGS[1].share ? 1 : 2;
    const a = START + r() * 90 * DAY;
    const b = START + r() * 90 * DAY;
    const end = r() < 0.3 ? NOW - r() * DAY : Math.max(a, b); // a third still talking today
    conversations.push({
      id: cuidLike(r, Math.min(a, b)),
      org,
      number: Math.floor(r() * PROVIDERS.length),
      customer: `+1${pick(r, ['212', '312', '415', '617', '718', '512'])}${String(2_000_000 + c).padStart(7, '0')}`,
      archived: r() < 0.1,
      start: Math.min(a, b, end - 60_000),
      end,
      count: 0,
      lastReadAt: 0,
      lastMessageAt: 0,
      unread: 0,
    });
  }
  // Message counts: heavy-tailed (most threads are short, a few run to thousands).
  const weights = conversations.map(() => Math.pow(-Math.log(1 - r() * 0.999999), 2));
  const total = weights.reduce((s, w) => s + w, 0);
  let assigned = 0;
  conversations.forEach((c, i) => {
    c.count = Math.max(1, Math.floor((weights[i] / total) * MESSAGES));
    assigned += c.count;
  });
  for (let i = 0; assigned < MESSAGES; i = (i + 1) % conversations.length, assigned++) conversations[i].count++;
  for (let i = 0; assigned > MESSAGES; i = (i + 1) % conversations.length) if (conversations[i].count > 1) (conversations[i].count--, assigned--);

  const conv = new Int32Array(MESSAGES);
  const at = new Float64Array(MESSAGES);
  let j = 0;
  conversations.forEach((c, ci) => {
    for (let k = 0; k < c.count; k++, j++) {
      conv[j] = ci;
      at[j] = Math.floor(c.start + r() * (c.end - c.start));
    }
  });
  for (const c of conversations) c.lastMessageAt = 0;
  for (let m = 0; m < MESSAGES; m++) if (at[m] > conversations[conv[m]].lastMessageAt) conversations[conv[m]].lastMessageAt = at[m];
  for (const c of conversations) c.lastReadAt = r() < 0.7 ? c.lastMessageAt : c.lastMessageAt - r() * 2 * DAY;
  for (let m = 0; m < MESSAGES; m++) {
    const c = conversations[conv[m]];
    if (isInbound(m) && at[m] > c.lastReadAt) c.unread++;
  }
  // Insert in time order, as the app would have.
  const order = new Uint32Array(MESSAGES);
  for (let m = 0; m < MESSAGES; m++) order[m] = m;
  order.sort((x, y) => at[x] - at[y] || x - y);
  return { orgs, conversations, conv, at, order };
}

const isInbound = (m: number) => rng(m * 7919 + 1)() < 0.45;

const MESSAGE_COLUMNS = [
  'id', 'organizationId', 'assistantId', 'phoneNumberId', 'conversationId', 'direction', 'from', 'to', 'body', 'mediaUrls',
  'provider', 'providerMessageId', 'status', 'errorCode', 'errorMessage', 'segments', 'encoding', 'idempotencyKey', 'sendAt',
  'nextAttemptAt', 'attempts', 'leaseExpiresAt', 'readAt', 'createdAt', 'updatedAt',
] as const;
type Row = (string | number | null)[];

/** Message m as send.ts (outbound) or receive.ts (inbound) stores it, after its last status. */
function messageRow(p: ReturnType<typeof plan>, m: number): Row {
  const r = rng(m * 7919 + 1);
  const inbound = r() < 0.45; // same first draw as isInbound(m)
  const c = p.conversations[p.conv[m]];
  const org = p.orgs[c.org];
  const number = org.numbers[c.number];
  const createdAt = p.at[m];
  const body = inbound ? inboundBody(r) : outboundBody(r);
  const { encoding, segments } = countSegments(body);
  const mms = r() < 0.02;
  let status = 'RECEIVED';
  if (!inbound) {
    let x = r();
    status = OUTBOUND_STATUS.find(([, share]) => (x -= share) < 0)?.[0] ?? 'DELIVERED';
    if (status === 'SCHEDULED' && createdAt < NOW - 2 * DAY) status = 'DELIVERED';
  }
  const error = ERRORS[status] ? pick(r, ERRORS[status]) : null;
  const sendAt = status === 'SCHEDULED' ? NOW + (1 + r() * 14) * DAY : null;
  const sent = !inbound && status !== 'SCHEDULED' && status !== 'CANCELED';
  return [
    cuidLike(r, createdAt, m),
    org.id,
    org.assistantId,
    number.id,
    c.id,
    inbound ? 'INBOUND' : 'OUTBOUND',
    inbound ? c.customer : number.phoneNumber,
    inbound ? number.phoneNumber : c.customer,
    body,
    mms ? JSON.stringify([`https://media.example.com/${m}.jpg`]) : '[]',
    number.provider,
    inbound || sent ? `${number.provider.slice(0, 2)}${m.toString(16).padStart(30, '0')}` : null,
    status,
    error?.[0] ?? null,
    error?.[1] ?? null,
    mms ? Math.max(1, segments) : segments,
    encoding,
    null,
    iso(sendAt),
    iso(sendAt),
    sent ? 1 : 0,
    null,
    inbound && createdAt <= c.lastReadAt ? iso(c.lastReadAt) : null,
    iso(createdAt),
    iso(createdAt + (inbound ? 0 : 2000 + Math.floor(r() * 8000))),
  ];
}

// ---------------------------------------------------------------------------------------------
// Writers: raw bulk inserts, no Prisma.

const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');

function parentRows(p: ReturnType<typeof plan>) {
  const created = iso(START - DAY)!;
  return {
    organizations: p.orgs.map((o) => [o.id, o.name, created]),
    apiKeys: p.orgs.map((o, i) => [`key${i}${o.id}`, o.id, 'bench', hashKey(o.apiKey), o.apiKey.slice(0, 12), created, null]),
    assistants: p.orgs.map((o) => [o.assistantId, o.id, `${o.name} front desk`, null, 'sealed:unused-by-the-bench', created, created]),
    phoneNumbers: p.orgs.flatMap((o) => o.numbers.map((n) => [n.id, o.id, o.assistantId, n.phoneNumber, n.provider, null, null, created])),
    conversations: p.conversations.map((c) => {
      const org = p.orgs[c.org];
      const number = org.numbers[c.number];
      return [
        c.id, org.id, org.assistantId, number.id, c.customer, c.archived, c.archived ? null : `${number.id}|${c.customer}`,
        iso(c.lastMessageAt), c.unread, iso(c.lastReadAt), iso(c.start),
      ];
    }),
  };
}
const PARENT_COLUMNS = {
  Organization: ['id', 'name', 'createdAt'],
  ApiKey: ['id', 'organizationId', 'name', 'keyHash', 'prefix', 'createdAt', 'revokedAt'],
  Assistant: ['id', 'organizationId', 'name', 'smsWebhookUrl', 'webhookSecretSealed', 'createdAt', 'updatedAt'],
  PhoneNumber: ['id', 'organizationId', 'assistantId', 'phoneNumber', 'provider', 'messagesPerSecond', 'nextSlotAt', 'createdAt'],
  Conversation: ['id', 'organizationId', 'assistantId', 'phoneNumberId', 'customerPhoneNumber', 'archived', 'openThreadKey', 'lastMessageAt', 'unreadCount', 'lastReadAt', 'createdAt'],
};
const q = (c: string) => `"${c}"`;

export function seedSqlite(file: string, p: ReturnType<typeof plan>) {
  const db = new Database(file);
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -262144');
  // Prisma's better-sqlite3 adapter stores DateTime as ISO 8601 with "+00:00" and booleans as 0/1.
  const sqliteValue = (v: unknown) =>
    typeof v === 'boolean' ? (v ? 1 : 0) : typeof v === 'string' && /^\d{4}-\d\d-\d\dT.*Z$/.test(v) ? v.replace('Z', '+00:00') : v;
  const insertAll = (table: string, columns: readonly string[], rows: unknown[][], batch = Math.floor(30_000 / columns.length)) => {
    const statement = (n: number) =>
      db.prepare(`INSERT INTO ${q(table)} (${columns.map(q).join(', ')}) VALUES ${Array(n).fill(`(${columns.map(() => '?').join(', ')})`).join(', ')}`);
    const full = statement(batch);
    db.transaction(() => {
      for (let i = 0; i < rows.length; i += batch) {
        const chunk = rows.slice(i, i + batch);
        (chunk.length === batch ? full : statement(chunk.length)).run(chunk.flat().map(sqliteValue));
      }
    })();
  };
  const parents = parentRows(p);
  insertAll('Organization', PARENT_COLUMNS.Organization, parents.organizations);
  insertAll('ApiKey', PARENT_COLUMNS.ApiKey, parents.apiKeys);
  insertAll('Assistant', PARENT_COLUMNS.Assistant, parents.assistants);
  insertAll('PhoneNumber', PARENT_COLUMNS.PhoneNumber, parents.phoneNumbers);
  insertAll('Conversation', PARENT_COLUMNS.Conversation, parents.conversations);
  // Bulk load: Message's indexes and full-text search triggers as the migrations made them are
  // set aside, the rows loaded, then the same SQL re-run and the full-text index rebuilt (faster
  // than maintaining them row by row; the database ends as the app would have it). The other
  // triggers stay and keep what they keep as the rows are loaded (MessageTally, lastMessageId).
  const schema = db
    .prepare(
      `SELECT type, name, sql FROM sqlite_master
       WHERE tbl_name = 'Message' AND (type = 'index' OR (type = 'trigger' AND name LIKE 'Message_search_%')) AND sql IS NOT NULL`,
    )
    .all() as { type: string; name: string; sql: string }[];
  const stat1 = db.prepare(`SELECT tbl, idx, stat FROM sqlite_stat1 WHERE tbl = 'Message'`).all() as { tbl: string; idx: string; stat: string }[];
  const fts = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%VIRTUAL TABLE%fts5%content=''Message''%'`).all() as { name: string }[]).map((r) => r.name);
  for (const entry of schema) db.exec(`DROP ${entry.type.toUpperCase()} ${q(entry.name)}`);
  const CHUNK = 50_000;
  for (let k = 0; k < MESSAGES; k += CHUNK) {
    const rows: Row[] = [];
    for (let i = k; i < Math.min(MESSAGES, k + CHUNK); i++) rows.push(messageRow(p, p.order[i]));
    insertAll('Message', MESSAGE_COLUMNS, rows);
  }
  db.transaction(() => {
    for (const entry of schema) db.exec(entry.sql);
    for (const name of fts) db.exec(`INSERT INTO ${q(name)}(${q(name)}) VALUES ('rebuild')`);
    db.prepare(`DELETE FROM sqlite_stat1 WHERE tbl = 'Message'`).run();
    const restore = db.prepare('INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)');
    for (const row of stat1) restore.run(row.tbl, row.idx, row.stat);
  })();
  db.close();
}

const PG_TYPES: Record<string, string> = {
  direction: '"Direction"', provider: 'text', status: '"MessageStatus"', encoding: '"Encoding"',
  segments: 'int', attempts: 'int', unreadCount: 'int', archived: 'boolean', messagesPerSecond: 'float8',
  sendAt: 'timestamp(3)', nextAttemptAt: 'timestamp(3)', leaseExpiresAt: 'timestamp(3)', readAt: 'timestamp(3)', createdAt: 'timestamp(3)',
  updatedAt: 'timestamp(3)', lastMessageAt: 'timestamp(3)', lastReadAt: 'timestamp(3)', nextSlotAt: 'timestamp(3)', revokedAt: 'timestamp(3)',
};

export async function seedPostgres(url: string, p: ReturnType<typeof plan>) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('SET synchronous_commit = off');
    // One statement per batch: a column of values per array, unnested server-side.
    const insertAll = async (table: string, columns: readonly string[], rows: unknown[][]) => {
      const sql = `INSERT INTO ${q(table)} (${columns.map(q).join(', ')}) SELECT * FROM unnest(${columns
        .map((c, i) => `$${i + 1}::${PG_TYPES[c] ?? 'text'}[]`)
        .join(', ')})`;
      await client.query(sql, columns.map((_, i) => rows.map((row) => row[i])));
    };
    const parents = parentRows(p);
    await insertAll('Organization', PARENT_COLUMNS.Organization, parents.organizations);
    await insertAll('ApiKey', PARENT_COLUMNS.ApiKey, parents.apiKeys);
    await insertAll('Assistant', PARENT_COLUMNS.Assistant, parents.assistants);
    await insertAll('PhoneNumber', PARENT_COLUMNS.PhoneNumber, parents.phoneNumbers);
    await insertAll('Conversation', PARENT_COLUMNS.Conversation, parents.conversations);
    // Bulk load: Message's secondary indexes as the migrations made them are set aside, the
    // rows loaded, then the same definitions re-run (faster than maintaining them row by row).
    const { rows: indexes } = await client.query<{ name: string; definition: string }>(
      `SELECT i.indexname AS name, i.indexdef AS definition FROM pg_indexes i
       WHERE i.schemaname = current_schema() AND i.tablename = 'Message'
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)`,
    );
    for (const index of indexes) await client.query(`DROP INDEX ${q(index.name)}`);
    const CHUNK = 10_000;
    for (let k = 0; k < MESSAGES; k += CHUNK) {
      const rows: Row[] = [];
      for (let i = k; i < Math.min(MESSAGES, k + CHUNK); i++) rows.push(messageRow(p, p.order[i]));
      await insertAll('Message', MESSAGE_COLUMNS, rows);
    }
    await client.query(`SET maintenance_work_mem = '256MB'`);
    for (const index of indexes) await client.query(index.definition);
    // What autovacuum does on its own soon after a bulk load: statistics and the visibility map
    // (index-only scans). Done here so that the timings do not depend on when it gets to it.
    await client.query('VACUUM ANALYZE');
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------------------------------------
// The queries, as an agent console would send them.

export const QUERIES = {
  conversations: `query BenchConversations { conversations(first: 20) { edges { cursor node { id customerPhoneNumber lastMessageAt archived
    unreadCount lastMessage { id direction body status createdAt } assistant { id name } phoneNumber { phoneNumber provider } } }
    pageInfo { hasNextPage endCursor } } }`,
  thread: `query BenchThread($id: ID!) { conversation(id: $id) { id customerPhoneNumber messages(first: 50) {
    edges { cursor node { id direction from to body status createdAt } } pageInfo { hasNextPage endCursor } } } }`,
  log: `query BenchLog($filter: MessageFilter, $after: String) { messages(first: 50, filter: $filter, after: $after) {
    edges { cursor node { id direction from to body provider status errorCode errorMessage segments createdAt } } pageInfo { hasNextPage endCursor } } }`,
  stats: `query BenchStats($filter: MessageFilter) { messageStats(filter: $filter) { total segments successRate
    byStatus { key count } byProvider { key count } byDirection { key count } } }`,
  statsSeries: `query BenchStatsSeries($filter: MessageFilter, $interval: StatsInterval! = DAY) { messageStats(filter: $filter) { total segments successRate
    byStatus { key count } byProvider { key count } byDirection { key count } series(interval: $interval) { start total delivered failed segments } } }`,
};

async function gql(url: string, key: string, query: string, variables: Record<string, unknown> = {}) {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: any; errors?: unknown };
  if (body.errors || !body.data) throw new Error(JSON.stringify(body.errors ?? body));
  return body.data;
}

async function time(run: () => Promise<unknown>) {
  for (let i = 0; i < WARMUP; i++) await run();
  const latencies: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await run();
    latencies.push(performance.now() - t0);
  }
  return latencies;
}

export interface LogFigure { database: string; query: string; rows: number; p50: number; p95: number; target: number }

async function measure(database: string, databaseUrl: string, p: ReturnType<typeof plan>): Promise<LogFigure[]> {
  const app = await buildApp(
    loadConfig({ DATABASE_URL: databaseUrl, PORT: '0', LOG_LEVEL: 'warn', SECRETS_KEY: randomBytes(32).toString('hex'), ADMIN_TOKEN: 'bench-admin' }),
  );
  await app.start();
  const figures: LogFigure[] = [];
  try {
    // The largest organization; its busiest open thread.
    const org = p.orgs[0];
    const key = org.apiKey;
    const busiest = p.conversations.filter((c) => c.org === 0 && !c.archived).sort((a, b) => b.count - a.count)[0];
    const threadId = Buffer.from(`Conversation:${busiest.id}`).toString('base64');
    const window = { createdAfter: new Date(NOW - 30 * DAY).toISOString(), createdBefore: new Date(NOW).toISOString() };
    const firstPage = await gql(app.url, key, QUERIES.log, {});
    const after = firstPage.messages.pageInfo.endCursor;

    let casings = 0;
    const cases: { query: string; target: number; run: () => Promise<number> }[] = [
      {
        query: 'conversations(first: 20) with last message',
        target: 20,
        // Counts the threads that came with their last message.
        run: async () => (await gql(app.url, key, QUERIES.conversations)).conversations.edges.filter((e: any) => e.node.lastMessage).length,
      },
      {
        query: `thread: messages(first: 50) of a ${busiest.count}-message conversation`,
        target: 20,
        run: async () => (await gql(app.url, key, QUERIES.thread, { id: threadId })).conversation.messages.edges.length,
      },
      {
        query: 'log: FAILED + TWILIO + last 30 days, first 50',
        target: 20,
        run: async () => (await gql(app.url, key, QUERIES.log, { filter: { status: 'FAILED', provider: 'TWILIO', ...window } })).messages.edges.length,
      },
      { query: 'log: page 2 (after a cursor), first 50', target: 20, run: async () => (await gql(app.url, key, QUERIES.log, { after })).messages.edges.length },
      {
        query: 'search "APPOINTMENT" (common), first 50',
        target: 20,
        run: async () => (await gql(app.url, key, QUERIES.log, { filter: { search: 'APPOINTMENT' } })).messages.edges.length,
      },
      {
        query: 'search "Voucher" (rare), first 50',
        target: 20,
        run: async () => (await gql(app.url, key, QUERIES.log, { filter: { search: 'Voucher' } })).messages.edges.length,
      },
      {
        // Another letter-casing every run: the same matches, but a text the server has not
        // planned yet (it keeps the plan of a text it searched for a minute).
        query: 'search "voucher" (rare), new casing each run',
        target: 20,
        run: async () => {
          const casing = [...'voucher'].map((c, i) => (((++casings >> i) & 1) ? c.toUpperCase() : c)).join('');
          return (await gql(app.url, key, QUERIES.log, { filter: { search: casing } })).messages.edges.length;
        },
      },
      { query: 'messageStats (all 90 days)', target: 200, run: async () => (await gql(app.url, key, QUERIES.stats)).messageStats.total },
      {
        query: 'messageStats + series(DAY), last 30 days',
        target: 200,
        run: async () => (await gql(app.url, key, QUERIES.statsSeries, { filter: window })).messageStats.total,
      },
      {
        // Both ends inside an hour: the partial hours are counted from the messages themselves.
        query: 'messageStats + series(HOUR), 6¼ days, both ends mid-hour',
        target: 200,
        run: async () =>
          (
            await gql(app.url, key, QUERIES.statsSeries, {
              filter: { createdAfter: new Date(NOW - 7 * DAY - 100 * 60_000 - 18_000).toISOString(), createdBefore: new Date(NOW + 4 * 3_600_000 + 41 * 60_000 + 5_000 - DAY).toISOString() },
              interval: 'HOUR',
            })
          ).messageStats.total,
      },
      {
        query: 'messageStats + series(DAY), all 90 days',
        target: 200,
        run: async () => (await gql(app.url, key, QUERIES.statsSeries)).messageStats.total,
      },
    ];
    const only = process.env.BENCH_LOGS_ONLY ? new RegExp(process.env.BENCH_LOGS_ONLY, 'i') : null;
    for (const c of cases) {
      if (only && !only.test(c.query)) continue;
      const rows = await c.run();
      const latencies = await time(c.run);
      figures.push({ database, query: c.query, rows, p50: percentile(latencies, 50), p95: percentile(latencies, 95), target: c.target });
    }
  } finally {
    await app.stop();
  }
  return figures;
}

export async function benchLogs(): Promise<{ figures: LogFigure[]; seeding: { database: string; seconds: number }[] }> {
  const which = (process.env.BENCH_LOGS_DATABASES ?? 'sqlite,postgresql').split(',');
  let t0 = performance.now();
  const p = plan();
  console.log(`planned ${MESSAGES.toLocaleString('en')} messages in ${CONVERSATIONS.toLocaleString('en')} conversations in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const figures: LogFigure[] = [];
  const seeding: { database: string; seconds: number }[] = [];

  if (which.includes('sqlite')) {
    const dir = KEEP ? path.join(tmpdir(), `switchboard-bench-logs-${MESSAGES}`) : mkdtempSync(path.join(tmpdir(), 'switchboard-bench-logs-'));
    const file = path.join(dir, 'bench.db');
    const url = `file:${file}`;
    try {
      const seeded = KEEP && existsSync(file);
      mkdirSync(dir, { recursive: true });
      await migrate(url, 'sqlite');
      if (seeded) {
        console.log(`SQLite: reusing ${file}`);
      } else {
        t0 = performance.now();
        seedSqlite(file, p);
        seeding.push({ database: 'SQLite', seconds: (performance.now() - t0) / 1000 });
        console.log(`SQLite: seeded in ${seeding.at(-1)!.seconds.toFixed(1)} s`);
      }
      figures.push(...(await measure('SQLite', url, p)));
    } finally {
      if (!KEEP) rmSync(dir, { recursive: true, force: true });
    }
  }

  if (which.includes('postgresql')) {
    const admin = new URL(process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/test');
    const name = KEEP ? `switchboard_bench_logs_keep_${MESSAGES}` : `switchboard_bench_logs_${process.pid}`;
    const url = new URL(admin);
    url.pathname = `/${name}`;
    const adminClient = new pg.Client({ connectionString: admin.toString() });
    await adminClient.connect();
    const seeded = KEEP && (await adminClient.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
    if (!seeded) await adminClient.query(`CREATE DATABASE ${name}`);
    try {
      await migrate(url.toString(), 'postgresql');
      if (seeded) {
        console.log(`PostgreSQL: reusing database ${name}`);
      } else {
        t0 = performance.now();
        await seedPostgres(url.toString(), p);
        seeding.push({ database: 'PostgreSQL', seconds: (performance.now() - t0) / 1000 });
        console.log(`PostgreSQL: seeded (and VACUUM ANALYZE) in ${seeding.at(-1)!.seconds.toFixed(1)} s`);
      }
      figures.push(...(await measure('PostgreSQL', url.toString(), p)));
    } finally {
      if (!KEEP) await adminClient.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await adminClient.end();
    }
  }
  return { figures, seeding };
}

export function printLogs(figures: LogFigure[]) {
  return figures.map((f) => ({
    database: f.database,
    query: f.query,
    rows: f.rows,
    'p50 ms': fmt(f.p50),
    'p95 ms': fmt(f.p95),
    target: `p95 < ${f.target} ms ${f.p95 < f.target ? 'ok' : 'MISSED'}`,
  }));
}
