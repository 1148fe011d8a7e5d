import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import type { Dialect } from '../config';
import { PrismaClient as SqliteClient } from './generated/sqlite/client';
import { PrismaClient as PostgresClient } from './generated/postgresql/client';
import { sqliteFilePath } from './migrate';

/**
 * The one Prisma client type the code is written against. Both dialects are generated from
 * the same models (prisma/models.prisma), so the PostgreSQL client has the same shape; the
 * single cast below is where that is asserted.
 */
export type Db = SqliteClient;
export { Prisma } from './generated/sqlite/client';
export type * from './generated/sqlite/client';

export interface Database {
  db: Db;
  dialect: Dialect;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** Called once per Prisma operation (a model call or a raw query), e.g. to count them in /metrics. */
  onOperation?: (model: string, operation: string) => void;
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
    const adapter = new PrismaBetterSQLite3({ url: `file:${sqliteFilePath(databaseUrl)}` });
    const base = new SqliteClient({ adapter });
    // NORMAL is durable in WAL mode against a process crash (only a power loss can lose the
    // last commits) and several times faster than FULL. busy_timeout: another process (a CLI,
    // a second server during a restart) may hold the write lock briefly.
    await base.$queryRawUnsafe('PRAGMA synchronous = NORMAL');
    await base.$queryRawUnsafe('PRAGMA busy_timeout = 5000');
    await base.$queryRawUnsafe('PRAGMA foreign_keys = ON');
    return { db: counted(base, options.onOperation), dialect, close: () => base.$disconnect() };
  }
  const adapter = new PrismaPg({ connectionString: databaseUrl, max: 20 });
  const base = new PostgresClient({ adapter }) as unknown as Db;
  return { db: counted(base, options.onOperation), dialect, close: () => base.$disconnect() };
}
