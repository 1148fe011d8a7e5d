// Prisma CLI configuration: picks the dialect's schema from DATABASE_URL.
// Only `prisma generate` and `prisma migrate diff` are used (see scripts/); migrations are
// applied by Switchboard's own runner (src/db/migrate.ts), so no native engine is ever needed.
import path from 'node:path';
import { defineConfig } from 'prisma/config';

process.env.DATABASE_URL ||= 'file:./data/switchboard.db';
const dialect = /^postgres(ql)?:\/\//.test(process.env.DATABASE_URL) ? 'postgresql' : 'sqlite';

export default defineConfig({
  engine: 'js',
  experimental: { adapter: true },
  schema: path.join('prisma', dialect, 'schema.prisma'),
  migrations: { path: path.join('prisma', dialect, 'migrations') },
  async adapter() {
    if (dialect === 'sqlite') {
      const { PrismaBetterSQLite3 } = await import('@prisma/adapter-better-sqlite3');
      return new PrismaBetterSQLite3({ url: process.env.DATABASE_URL! });
    }
    const { PrismaPg } = await import('@prisma/adapter-pg');
    return new PrismaPg({ connectionString: process.env.DATABASE_URL! });
  },
});
