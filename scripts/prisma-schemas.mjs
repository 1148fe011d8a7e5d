// Writes prisma/<dialect>/schema.prisma for SQLite and PostgreSQL from prisma/models.prisma.
// Run by `npm run prisma:schemas` (and before generate); a test fails when they are stale.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function schemaFor(dialect) {
  const models = readFileSync(path.join(root, 'prisma/models.prisma'), 'utf8');
  return `// GENERATED from prisma/models.prisma by scripts/prisma-schemas.mjs: edit that file, not this one.

generator client {
  provider     = "prisma-client"
  output       = "../../src/db/generated/${dialect}"
  engineType   = "client"
  moduleFormat = "esm"
}

generator pothos {
  provider     = "prisma-pothos-types"
  output       = "../../src/db/generated/${dialect}/pothos-types.ts"
  clientOutput = "./client.js"
}

datasource db {
  provider = "${dialect}"
  url      = env("DATABASE_URL")
}

${models}`;
}

export const dialects = ['sqlite', 'postgresql'];

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const dialect of dialects) {
    mkdirSync(path.join(root, 'prisma', dialect), { recursive: true });
    writeFileSync(path.join(root, 'prisma', dialect, 'schema.prisma'), schemaFor(dialect));
  }
}
