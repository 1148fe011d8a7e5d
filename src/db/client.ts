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

export async function openDatabase(databaseUrl: string, dialect: Dialect): Promise<Database> {
  if (dialect === 'sqlite') {
    const adapter = new PrismaBetterSQLite3({ url: `file:${sqliteFilePath(databaseUrl)}` });
    const db = new SqliteClient({ adapter });
    // NORMAL is durable in WAL mode against a process crash (only a power loss can lose the
    // last commits) and several times faster than FULL. busy_timeout: another process (a CLI,
    // a second server during a restart) may hold the write lock briefly.
    await db.$queryRawUnsafe('PRAGMA synchronous = NORMAL');
    await db.$queryRawUnsafe('PRAGMA busy_timeout = 5000');
    await db.$queryRawUnsafe('PRAGMA foreign_keys = ON');
    return { db, dialect, close: () => db.$disconnect() };
  }
  const adapter = new PrismaPg({ connectionString: databaseUrl, max: 20 });
  const db = new PostgresClient({ adapter }) as unknown as Db;
  return { db, dialect, close: () => db.$disconnect() };
}
