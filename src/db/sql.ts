import type BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import type { Dialect } from '../config';

/**
 * The messages' hot path (send intake, queue claims and steps, inbound, delivery statuses)
 * runs its SQL here, through the drivers themselves: a Prisma call costs 0.3–0.7 ms of
 * JavaScript, a prepared better-sqlite3 statement a few microseconds. Prisma stays the schema,
 * the migrations and the GraphQL read side.
 *
 * A transaction is a generator that yields its statements (`yield* tx.all(…)`) and gets their
 * rows back. On PostgreSQL each statement is a round trip on a pooled connection between BEGIN
 * and COMMIT. On SQLite the generator is driven synchronously inside one better-sqlite3
 * transaction on the connection Prisma uses too: the transaction can never yield to the event
 * loop, so nothing else can write in the middle of it, and no second connection can meet
 * this one in SQLite's busy handler (two connections writing from one thread block the
 * thread until busy_timeout). Prisma's own interactive transactions on that connection and
 * these take turns through one `WriteLock` (see openDatabase in client.ts).
 *
 * Statements are written once with `?` placeholders; PostgreSQL gets them numbered. Values go
 * in as JavaScript values (Dates, booleans, arrays through `list`) and are stored the way
 * Prisma stores them, so Prisma reads what this layer writes and the other way round.
 */

/** One statement a transaction yields: `all` answers its rows, `run` the number of rows it changed. */
export interface Statement {
  sql: string;
  params: readonly unknown[];
  mode: 'all' | 'run';
}

export type Work<R> = Generator<Statement, R, unknown>;

export type Row = Record<string, unknown>;

export interface SqlTx {
  readonly dialect: Dialect;
  all<T = Row>(sql: string, params?: readonly unknown[]): Work<T[]>;
  run(sql: string, params?: readonly unknown[]): Work<number>;
  /** `column IN (…)` for a list passed as one parameter, `list(values)`: one statement text for any length. */
  inList(column: string): string;
  list(values: readonly string[]): unknown;
}

const tx = (dialect: Dialect): SqlTx => ({
  dialect,
  inList: (column) => (dialect === 'sqlite' ? `${column} IN (SELECT value FROM json_each(?))` : `${column} = ANY(?::text[])`),
  list: (values) => (dialect === 'sqlite' ? JSON.stringify(values) : [...values]),
  *all<T>(sql: string, params: readonly unknown[] = []) {
    return (yield { sql, params, mode: 'all' }) as T[];
  },
  *run(sql: string, params: readonly unknown[] = []) {
    return (yield { sql, params, mode: 'run' }) as number;
  },
});

/** One writer at a time on the embedded database: holders take turns in the order they asked. */
export class WriteLock {
  #tail: Promise<void> = Promise.resolve();

  /** Resolves with the function that releases the lock, once every earlier holder released it. */
  acquire(): Promise<() => void> {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const acquired = this.#tail.then(() => release);
    this.#tail = this.#tail.then(() => held);
    return acquired;
  }
}

export interface Sql {
  readonly dialect: Dialect;
  /** Runs `body` as one transaction; a thrown error (or a failed statement) rolls it back. */
  transaction<R>(body: (tx: SqlTx) => Work<R>): Promise<R>;
  /** One statement outside a transaction. */
  all<T = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  run(sql: string, params?: readonly unknown[]): Promise<number>;
  close(): Promise<void>;
}

/** Prisma's better-sqlite3 adapter stores a DateTime as this text; comparisons are textual, so the form must match. */
export function sqliteDate(date: Date): string {
  return date.toISOString().replace('Z', '+00:00');
}

function sqliteValue(value: unknown): unknown {
  if (value instanceof Date) return sqliteDate(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value === undefined) return null;
  return value;
}

export function sqliteSql(db: BetterSqlite3.Database, lock: WriteLock): Sql {
  const statements = new Map<string, BetterSqlite3.Statement>();
  const prepare = (sql: string) => {
    let statement = statements.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      // The connection is Prisma's, which reads integers as BigInt; these are small counts.
      if (statement.reader) statement.safeIntegers(false);
      statements.set(sql, statement);
    }
    return statement;
  };
  const execute = ({ sql, params, mode }: Statement): unknown => {
    const statement = prepare(sql);
    const values = params.map(sqliteValue);
    if (mode === 'all') return statement.reader ? statement.all(...values) : (statement.run(...values), []);
    return statement.run(...values).changes;
  };
  const drive = <R>(work: Work<R>): R => {
    let step = work.next();
    while (!step.done) {
      let result: unknown;
      try {
        result = execute(step.value);
      } catch (error) {
        step = work.throw(error);
        continue;
      }
      step = work.next(result);
    }
    return step.value;
  };
  const sqlite: Sql = {
    dialect: 'sqlite',
    async transaction(body) {
      const release = await lock.acquire();
      try {
        return db.transaction(() => drive(body(tx('sqlite')))).immediate();
      } finally {
        release();
      }
    },
    all: async (sql, params = []) => sqlite.transaction((t) => t.all(sql, params)),
    run: async (sql, params = []) => sqlite.transaction((t) => t.run(sql, params)),
    close: async () => {},
  };
  return sqlite;
}

/** `timestamp(3)` (without time zone, as Prisma creates it) holds UTC. */
const parseUtcTimestamp = (text: string) => new Date(`${text.replace(' ', 'T')}Z`);

export function postgresSql(connectionString: string, max = 10): Sql {
  const pool = new pg.Pool({
    connectionString,
    max,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
        if (oid === 1114) return parseUtcTimestamp;
        if (oid === 20) return Number; // counts
        return pg.types.getTypeParser(oid, format);
      }) as typeof pg.types.getTypeParser,
    },
  });
  // A connection dropped by the server while idle must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  const numbered = new Map<string, string>();
  const text = (sql: string) => {
    let out = numbered.get(sql);
    if (!out) {
      let n = 0;
      out = sql.replace(/\?/g, () => `$${++n}`);
      numbered.set(sql, out);
    }
    return out;
  };
  const value = (v: unknown) => (v instanceof Date ? v.toISOString() : v === undefined ? null : v);
  const execute = async (client: pg.PoolClient | pg.Pool, { sql, params, mode }: Statement) => {
    const result = await client.query(text(sql), params.map(value));
    return mode === 'all' ? result.rows : (result.rowCount ?? 0);
  };
  const postgres: Sql = {
    dialect: 'postgresql',
    async transaction(body) {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query('BEGIN');
        const work = body(tx('postgresql'));
        let step = work.next();
        while (!step.done) {
          let result: unknown;
          try {
            result = await execute(client, step.value);
          } catch (error) {
            step = work.throw(error);
            continue;
          }
          step = work.next(result);
        }
        await client.query('COMMIT');
        return step.value;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => (broken = true));
        throw error;
      } finally {
        client.release(broken);
      }
    },
    all: async (sql, params = []) => (await execute(pool, { sql, params, mode: 'all' })) as never,
    run: async (sql, params = []) => (await execute(pool, { sql, params, mode: 'run' })) as number,
    close: () => pool.end(),
  };
  return postgres;
}
