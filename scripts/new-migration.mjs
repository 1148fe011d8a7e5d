// Creates a migration for both dialects from the change in prisma/models.prisma:
//   npm run db:migration -- <name>
// Each dialect keeps the schema its migrations produce in migrations/schema.snapshot.prisma;
// the SQL is `prisma migrate diff` from that snapshot to the current schema, so no database
// and no shadow database is needed.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dialects, schemaFor } from './prisma-schemas.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const name = (process.argv[2] || '').replace(/[^a-z0-9_]/gi, '_');
if (!name) throw new Error('usage: npm run db:migration -- <name>');
const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
const env = { DATABASE_URL: 'file:./data/migration-diff.db', ...process.env };

for (const dialect of dialects) {
  const dir = path.join(root, 'prisma', dialect, 'migrations');
  mkdirSync(dir, { recursive: true });
  const snapshot = path.join(dir, 'schema.snapshot.prisma');
  const current = path.join(root, 'prisma', dialect, 'schema.prisma');
  writeFileSync(current, schemaFor(dialect));
  const from = existsSync(snapshot) ? ['--from-schema-datamodel', snapshot] : ['--from-empty'];
  const sql = execFileSync('npx', ['prisma', 'migrate', 'diff', ...from, '--to-schema-datamodel', current, '--script'], {
    cwd: root,
    env: { ...env, DATABASE_URL: dialect === 'sqlite' ? 'file:./data/migration-diff.db' : (process.env.POSTGRES_URL || 'postgresql://postgres@127.0.0.1:5432/test') },
    encoding: 'utf8',
  });
  if (!/\b(CREATE|ALTER|DROP)\b/i.test(sql)) {
    writeFileSync(snapshot, readFileSync(current, 'utf8'));
    console.log(`${dialect}: no change to the database`);
    continue;
  }
  const folder = path.join(dir, `${stamp}_${name}`);
  mkdirSync(folder, { recursive: true });
  writeFileSync(path.join(folder, 'migration.sql'), sql);
  writeFileSync(snapshot, readFileSync(current, 'utf8'));
  console.log(`${dialect}: wrote ${path.relative(root, folder)}/migration.sql`);
}
