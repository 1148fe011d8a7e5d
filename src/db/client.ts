import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import type BetterSqlite3 from 'better-sqlite3';
import type { Dialect } from '../config';
import { PrismaClient as SqliteClient } from './generated/sqlite/client';
import { PrismaClient as PostgresClient } from './generated/postgresql/client';
import { sqliteFilePath } from './migrate';
import { postgresSql, sqliteSql, WriteLock, type Sql } from './sql';
import { startCheckpointer } from './checkpointer';

/**
 * The one Prisma client type the code is written against. Both dialects are generated from
 * the same models (prisma/models.prisma), so the PostgreSQL client has the same shape; the
 * single cast below is where that is asserted.
 */
export type Db = SqliteClient;
export { Prisma } from './generated/sqlite/client';
export type * from './generated/sqlite/client';
/** The Prisma enums' values (the same in both dialects' clients): lists of statuses, directions… come from here, never by hand; providers from the registry (src/providers). */
export { ConsentKind, ConsentMethod, Direction, Encoding, MessageCategory, MessageStatus, RegistrationKind, RegistrationStatus } from './generated/sqlite/enums';

export interface Database {
  db: Db;
  /** The hot path's SQL, on its own pool (PostgreSQL) or on Prisma's connection (SQLite). */
  sql: Sql;
  dialect: Dialect;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** Called once per Prisma operation (a model call or a raw query), e.g. to count them in /metrics. */
  onOperation?: (model: string, operation: string) => void;
  /** PostgreSQL: connections this instance may open in all (DATABASE_POOL_SIZE), half for Prisma, half for the hot path's SQL. */
  poolSize?: number;
}

/** Every operation goes through `onOperation` first; the extended client keeps the `Db` shape. */
function counted(db: Db, onOperation: DatabaseOptions['onOperation']): Db {
  if (!onOperation) return db;
  return db.$extends({
    query: {
      $allOperations({ model, operation, args, query }) {
        onOperation(model ?? '', operation);
        return query(args);
      },
    },
  }) as unknown as Db;
}

export async function openDatabase(databaseUrl: string, dialect: Dialect, options: DatabaseOptions = {}): Promise<Database> {
  if (dialect === 'sqlite') {
    const factory = new PrismaBetterSQLite3({ url: `file:${sqliteFilePath(databaseUrl)}` });
    const shared = shareConnection(factory);
    const base = new SqliteClient({ adapter: factory });
    // NORMAL is durable in WAL mode against a process crash (only a power loss can lose the
    // last commits) and several times faster than FULL. busy_timeout: another process (a CLI,
    // a second server during a restart) may hold the write lock briefly.
    await base.$queryRawUnsafe('PRAGMA synchronous = NORMAL');
    await base.$queryRawUnsafe('PRAGMA busy_timeout = 5000');
    await base.$queryRawUnsafe('PRAGMA foreign_keys = ON');
    const connection = await shared.connection;
    const sql = sqliteSql(connection, shared.lock);
    const checkpointer = startCheckpointer(connection, sqliteFilePath(databaseUrl));
    return {
      db: counted(base, options.onOperation),
      sql,
      dialect,
      close: async () => {
        await checkpointer.stop();
        await base.$disconnect();
      },
    };
  }
  // The instance's connections (twenty by default) split between Prisma and the hot path's SQL (src/db/sql.ts).
  const poolSize = Math.max(2, options.poolSize ?? 20);
  const adapter = new PrismaPg({ connectionString: databaseUrl, max: Math.ceil(poolSize / 2) });
  const base = new PostgresClient({ adapter }) as unknown as Db;
  const sql = postgresSql(databaseUrl, Math.floor(poolSize / 2));
  return {
    db: counted(base, options.onOperation),
    sql,
    dialect,
    close: async () => {
      await base.$disconnect();
      await sql.close();
    },
  };
}

/** What shareConnection uses of the adapter's connection (`client` is a public field of its class). */
interface SqliteAdapter {
  client: BetterSqlite3.Database;
  startTransaction(isolationLevel?: unknown): Promise<{ commit(): Promise<void>; rollback(): Promise<void> }>;
}

/**
 * One SQLite connection per process, shared by Prisma and the hot path's SQL (src/db/sql.ts):
 * the adapter opens it, and we take it from there. Prisma's interactive transactions hold the
 * shared WriteLock from BEGIN until commit or rollback, so the hot path's transactions (which
 * take the same lock) never start inside one; Prisma's single statements run synchronously in
 * the driver and cannot fall inside one of ours.
 */
function shareConnection(factory: PrismaBetterSQLite3): { connection: Promise<BetterSqlite3.Database>; lock: WriteLock } {
  const lock = new WriteLock();
  let resolve!: (db: BetterSqlite3.Database) => void;
  const connection = new Promise<BetterSqlite3.Database>((r) => (resolve = r));
  const connect = factory.connect.bind(factory);
  factory.connect = async () => {
    const connected = await connect();
    const adapter = connected as unknown as SqliteAdapter;
    const startTransaction = adapter.startTransaction.bind(adapter);
    adapter.startTransaction = async (isolationLevel) => {
      const release = await lock.acquire();
      try {
        const transaction = await startTransaction(isolationLevel);
        const commit = transaction.commit.bind(transaction);
        const rollback = transaction.rollback.bind(transaction);
        transaction.commit = () => commit().finally(release);
        transaction.rollback = () => rollback().finally(release);
        return transaction;
      } catch (error) {
        release();
        throw error;
      }
    };
    resolve(adapter.client);
    return connected;
  };
  return { connection, lock };
}
