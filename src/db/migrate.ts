import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { Dialect } from '../config';

/**
 * Applies prisma/<dialect>/migrations/<name>/migration.sql in name order, each once, each in a
 * transaction, recorded in _switchboard_migrations. The SQL is Prisma's own (written by
 * `npm run db:migration`); running it here keeps `npm start` free of Prisma's native engines.
 * On PostgreSQL an advisory lock lets several instances start at once.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export function pendingMigrationFiles(dialect: Dialect, dir = path.join(root, 'prisma', dialect, 'migrations')): Migration[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

/** `directory`: another folder of migrations than prisma/<dialect>/migrations (tests). */
export async function migrate(databaseUrl: string, dialect: Dialect, directory?: string): Promise<string[]> {
  const migrations = pendingMigrationFiles(dialect, directory);
  return dialect === 'sqlite' ? migrateSqlite(databaseUrl, migrations) : migratePostgres(databaseUrl, migrations);
}

export function sqliteFilePath(databaseUrl: string): string {
  const file = databaseUrl.slice('file:'.length).split('?')[0];
  return path.resolve(file);
}

function checkApplied(applied: Map<string, string>, migrations: Migration[]): Migration[] {
  for (const m of migrations) {
    const checksum = applied.get(m.name);
    if (checksum && checksum !== m.checksum) {
      throw new Error(`migration ${m.name} was changed after it was applied; add a new migration instead`);
    }
  }
  return migrations.filter((m) => !applied.has(m.name));
}

function migrateSqlite(databaseUrl: string, migrations: Migration[]): string[] {
  const file = sqliteFilePath(databaseUrl);
  mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  try {
    // WAL lets readers run beside the writer and makes autocommit inserts ~4x faster.
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE IF NOT EXISTS _switchboard_migrations (name TEXT PRIMARY KEY, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)');
    const applied = new Map(
      db.prepare('SELECT name, checksum FROM _switchboard_migrations').all().map((r: any) => [r.name, r.checksum] as const),
    );
    const pending = checkApplied(applied, migrations);
    const record = db.prepare('INSERT INTO _switchboard_migrations (name, checksum, applied_at) VALUES (?, ?, ?)');
    // Prisma changes a SQLite table by rebuilding it (create a copy, drop the old one, rename).
    // With foreign keys enforced, dropping the old table would cascade: set the children's keys
    // to null, or delete them. PRAGMA foreign_keys cannot change inside a transaction (Prisma's
    // own PRAGMA in the migration is a no-op there), so it is off around them, as SQLite's
    // documented procedure for altering a table has it, and each migration must leave every
    // foreign key valid before it commits.
    db.pragma('foreign_keys = OFF');
    for (const m of pending) {
      db.transaction(() => {
        db.exec(m.sql);
        const broken = db.pragma('foreign_key_check') as { table: string; parent: string }[];
        if (broken.length > 0) {
          throw new Error(`migration ${m.name} leaves ${broken.length} foreign key(s) broken, e.g. ${broken[0].table} → ${broken[0].parent}`);
        }
        record.run(m.name, m.checksum, new Date().toISOString());
      })();
    }
    return pending.map((m) => m.name);
  } finally {
    db.close();
  }
}

async function migratePostgres(databaseUrl: string, migrations: Migration[]): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock(727274)');
    await client.query(
      'CREATE TABLE IF NOT EXISTS _switchboard_migrations (name TEXT PRIMARY KEY, checksum TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())',
    );
    const { rows } = await client.query('SELECT name, checksum FROM _switchboard_migrations');
    const pending = checkApplied(new Map(rows.map((r) => [r.name, r.checksum])), migrations);
    for (const m of pending) {
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO _switchboard_migrations (name, checksum) VALUES ($1, $2)', [m.name, m.checksum]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    }
    return pending.map((m) => m.name);
  } finally {
    await client.query('SELECT pg_advisory_unlock(727274)').catch(() => {});
    await client.end();
  }
}
