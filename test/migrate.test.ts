/**
 * The migration runner (src/db/migrate.ts) on SQLite, where Prisma changes a table by
 * rebuilding it: an upgrade must keep every row, the rows that point at the rebuilt table too.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate } from '../src/db/migrate';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function migrations(files: Record<string, string>) {
  dir = mkdtempSync(path.join(tmpdir(), 'switchboard-migrate-'));
  for (const [name, sql] of Object.entries(files)) {
    mkdirSync(path.join(dir, 'migrations', name), { recursive: true });
    writeFileSync(path.join(dir, 'migrations', name, 'migration.sql'), sql);
  }
  return { folder: path.join(dir, 'migrations'), url: `file:${path.join(dir, 'app.db')}` };
}

const INIT = `
  CREATE TABLE "Thread" ("id" TEXT NOT NULL PRIMARY KEY, "title" TEXT NOT NULL);
  CREATE TABLE "Note" ("id" TEXT NOT NULL PRIMARY KEY, "threadId" TEXT NOT NULL REFERENCES "Thread" ("id") ON DELETE CASCADE,
                       "keptId" TEXT REFERENCES "Thread" ("id") ON DELETE SET NULL);
  INSERT INTO "Thread" VALUES ('t1', 'first'), ('t2', 'second');
  INSERT INTO "Note" VALUES ('n1', 't1', 't1'), ('n2', 't2', 't2');`;

// What \`prisma migrate diff\` writes for SQLite when a column changes: a rebuilt table.
const REBUILD = `
  PRAGMA defer_foreign_keys=ON;
  PRAGMA foreign_keys=OFF;
  CREATE TABLE "new_Thread" ("id" TEXT NOT NULL PRIMARY KEY, "title" TEXT NOT NULL, "archived" BOOLEAN NOT NULL DEFAULT false);
  INSERT INTO "new_Thread" ("id", "title") SELECT "id", "title" FROM "Thread";
  DROP TABLE "Thread";
  ALTER TABLE "new_Thread" RENAME TO "Thread";
  PRAGMA foreign_keys=ON;
  PRAGMA defer_foreign_keys=OFF;`;

describe('migrations on SQLite', () => {
  it('a migration that rebuilds a table keeps the rows that point at it (no cascade, no SET NULL)', async () => {
    const { folder, url } = migrations({ '1_init': INIT, '2_rebuild': REBUILD });
    expect(await migrate(url, 'sqlite', folder)).toEqual(['1_init', '2_rebuild']);
    const db = new Database(url.slice('file:'.length));
    try {
      expect(db.prepare('SELECT "id", "threadId", "keptId" FROM "Note" ORDER BY "id"').all()).toEqual([
        { id: 'n1', threadId: 't1', keptId: 't1' },
        { id: 'n2', threadId: 't2', keptId: 't2' },
      ]);
      expect(db.prepare('SELECT COUNT(*) AS n FROM "Thread" WHERE "archived" = false').get()).toEqual({ n: 2 });
    } finally {
      db.close();
    }
  });

  it('a migration that leaves a foreign key broken is refused and rolled back', async () => {
    const { folder, url } = migrations({ '1_init': INIT, '2_orphan': `DELETE FROM "Thread" WHERE "id" = 't2';` });
    await expect(migrate(url, 'sqlite', folder)).rejects.toThrow(/2_orphan leaves 2 foreign key\(s\) broken/);
    const db = new Database(url.slice('file:'.length));
    try {
      expect(db.prepare('SELECT COUNT(*) AS n FROM "Thread"').get()).toEqual({ n: 2 });
      expect(db.prepare('SELECT "name" FROM _switchboard_migrations').all()).toEqual([{ name: '1_init' }]);
    } finally {
      db.close();
    }
  });
});
