/**
 * The floor of the hardware for bench/send.ts, bench/inbound.ts and bench/status.ts, not of our
 * stack: a bare node:http handler that parses the request body and runs one INSERT (a status:
 * one UPDATE and one INSERT) through the database driver itself, no ORM, no GraphQL, no
 * signature check.
 *
 *   POST /send     JSON as sendSms posts it (variables.input)  → one INSERT, answers a JSON id
 *   POST /inbound  a Twilio form body                          → one INSERT … ON CONFLICT DO
 *                  NOTHING on the MessageSid (a retry is not stored twice), answers Twilio's TwiML
 *   POST /status   a Twilio status callback form body (BARE_ROW=status) → in one transaction,
 *                  UPDATE "Message" SET status = 'DELIVERED' where it is not yet, on the
 *                  MessageSid, and, if a row moved, INSERT its "MessageEvent" timeline row with
 *                  the form as payload (a retry moves nothing and adds no row); answers TwiML
 *
 * DATABASE_URL `file:<path>`: better-sqlite3, WAL, synchronous=NORMAL, one cached prepared
 * statement. `postgresql://…`: a pg Pool of 20 (the server's size), a parameterized query.
 * BARE_ROW=minimal (default): its own small table (bare_message), no index but the keys: the
 * strict floor. BARE_ROW=message (POST /send only): the same Message row a send stores, into
 * the migrated schema with its indexes and triggers (the hourly tallies, the thread's last
 * message, the search index): the floor of storing that row, whoever stores it.
 * BARE_ROW=status (POST /status only): the Message rows the servers sent, in their database
 * (already migrated), of the organization BARE_ORGANIZATION; the UPDATE names the message as the
 * schema's only index on "providerMessageId" does, ("organizationId", "provider",
 * "providerMessageId"): on the id alone it would scan the table.
 * Prints `ready` when listening on PORT.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import path from 'node:path';

const databaseUrl = process.env.DATABASE_URL!;
const TABLE = `CREATE TABLE IF NOT EXISTS bare_message (
  id TEXT PRIMARY KEY,
  direction TEXT NOT NULL,
  "from" TEXT NOT NULL,
  "to" TEXT NOT NULL,
  body TEXT NOT NULL,
  provider_message_id TEXT UNIQUE,
  created_at TEXT NOT NULL
)`;
const INSERT_SQL = `INSERT INTO bare_message (id, direction, "from", "to", body, provider_message_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (provider_message_id) DO NOTHING`;

type Insert = (row: [string, string, string, string, string, string | null, string]) => Promise<void> | void;

async function openInsert(): Promise<Insert> {
  if (databaseUrl.startsWith('postgres')) {
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 20 });
    await pool.query(TABLE);
    return async (row) => {
      await pool.query(INSERT_SQL, row);
    };
  }
  const { default: Database } = await import('better-sqlite3');
  const file = databaseUrl.replace(/^file:/, '');
  mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(TABLE);
  const statement = db.prepare(INSERT_SQL.replace(/\$\d/g, '?'));
  return (row) => {
    statement.run(...row);
  };
}

const mode = process.env.BARE_ROW ?? 'minimal';
const insert = mode === 'message' ? await openMessageInsert() : mode === 'minimal' ? await openInsert() : null;
const deliver = mode === 'status' ? await openDeliver() : null;

/** One INSERT of the Message row intake stores for a send, through the driver, into the migrated schema. */
async function openMessageInsert(): Promise<Insert> {
  const { migrate } = await import('../src/db/migrate');
  const postgres = databaseUrl.startsWith('postgres');
  if (!postgres) mkdirSync(path.dirname(databaseUrl.replace(/^file:/, '')), { recursive: true });
  await migrate(databaseUrl, postgres ? 'postgresql' : 'sqlite');
  const organizationId = `bare_${randomUUID()}`;
  const columns = ['id', 'organizationId', 'direction', 'from', 'to', 'body', 'mediaUrls', 'provider', 'status', 'segments', 'encoding', 'nextAttemptAt', 'createdAt', 'updatedAt'];
  const sql = `INSERT INTO "Message" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`;
  // As Prisma stores a DateTime on each database (src/db/sql.ts).
  const date = (iso: string) => (postgres ? iso : iso.replace('Z', '+00:00'));
  const values = ([id, direction, from, to, body, , now]: Parameters<Insert>[0]) => [id, organizationId, direction, from, to, body, '[]', 'TWILIO', 'QUEUED', 1, 'GSM7', date(now), date(now), date(now)];
  if (postgres) {
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 20 });
    await pool.query(`INSERT INTO "Organization" ("id", "name") VALUES ($1, 'bare')`, [organizationId]);
    return async (row) => {
      await pool.query(sql, values(row));
    };
  }
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(databaseUrl.replace(/^file:/, ''));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.prepare(`INSERT INTO "Organization" ("id", "name") VALUES (?, 'bare')`).run(organizationId);
  const statement = db.prepare(sql.replace(/\$\d+/g, '?'));
  return (row) => {
    statement.run(...values(row));
  };
}

/** The status callback's move and timeline row, as one transaction through the driver. */
async function openDeliver(): Promise<(sid: string, providerStatus: string, payload: string) => Promise<void> | void> {
  const organizationId = process.env.BARE_ORGANIZATION!;
  if (databaseUrl.startsWith('postgres')) {
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 20 });
    // One statement, so one round trip and its own transaction.
    const sql = `WITH moved AS (
        UPDATE "Message" SET "status" = 'DELIVERED', "updatedAt" = $1
        WHERE "organizationId" = $2 AND "provider" = 'TWILIO' AND "providerMessageId" = $3 AND "status" <> 'DELIVERED' RETURNING "id")
      INSERT INTO "MessageEvent" ("id", "messageId", "status", "providerStatus", "payload", "at") SELECT $4, "id", 'DELIVERED', $5, $6, $1 FROM moved`;
    return async (sid, providerStatus, payload) => {
      await pool.query(sql, [new Date().toISOString(), organizationId, sid, randomUUID(), providerStatus, payload]);
    };
  }
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(databaseUrl.replace(/^file:/, ''));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const move = db.prepare(
    `UPDATE "Message" SET "status" = 'DELIVERED', "updatedAt" = ? WHERE "organizationId" = ? AND "provider" = 'TWILIO' AND "providerMessageId" = ? AND "status" <> 'DELIVERED' RETURNING "id"`,
  );
  const step = db.prepare(`INSERT INTO "MessageEvent" ("id", "messageId", "status", "providerStatus", "payload", "at") VALUES (?, ?, 'DELIVERED', ?, ?, ?)`);
  return db.transaction((sid: string, providerStatus: string, payload: string) => {
    // As Prisma stores a DateTime on SQLite (src/db/sql.ts).
    const now = new Date().toISOString().replace('Z', '+00:00');
    const moved = move.get(now, organizationId, sid) as { id: string } | undefined;
    if (moved) step.run(randomUUID(), moved.id, providerStatus, payload, now);
  });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function handle(req: IncomingMessage, res: ServerResponse) {
  const raw = await readBody(req);
  const now = new Date().toISOString();
  const id = randomUUID();
  const twiml = () => {
    const text = '<?xml version="1.0" encoding="UTF-8"?><Response/>';
    res.writeHead(200, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  if (req.url === '/status') {
    const form = new URLSearchParams(raw);
    await deliver!(form.get('MessageSid') ?? '', form.get('MessageStatus') ?? '', JSON.stringify(Object.fromEntries(form)));
    return twiml();
  }
  if (req.url === '/inbound') {
    const form = new URLSearchParams(raw);
    await insert!([id, 'INBOUND', form.get('From') ?? '', form.get('To') ?? '', form.get('Body') ?? '', form.get('MessageSid'), now]);
    return twiml();
  }
  const input = JSON.parse(raw).variables.input;
  await insert!([id, 'OUTBOUND', input.fromPhoneNumber, input.toPhoneNumber, input.message, null, now]);
  const text = JSON.stringify({ data: { sendSms: { outboundMessage: { id, status: 'QUEUED' } } } });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const server = createServer((req, res) => {
  handle(req, res).catch((error) => {
    res.writeHead(500);
    res.end(String(error));
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('ready'));
