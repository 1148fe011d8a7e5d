import { readFileSync } from 'node:fs';
import { printSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../src/graphql/schema';
// @ts-expect-error: a plain .mjs script without types
import { dialects, schemaFor } from '../scripts/prisma-schemas.mjs';

describe('one source of truth', () => {
  it('schema.graphql is the schema the code builds (run `npm run schema` after changing it)', () => {
    expect(readFileSync('schema.graphql', 'utf8')).toBe(`${printSchema(schema)}\n`);
  });

  it.each(dialects as string[])('prisma/%s/schema.prisma is generated from prisma/models.prisma (run `npm run prisma:generate`)', (dialect) => {
    expect(readFileSync(`prisma/${dialect}/schema.prisma`, 'utf8')).toBe(schemaFor(dialect));
  });

  it.each(dialects as string[])('the %s migrations produce prisma/models.prisma (run `npm run db:migration -- <name>`)', (dialect) => {
    expect(readFileSync(`prisma/${dialect}/migrations/schema.snapshot.prisma`, 'utf8')).toBe(schemaFor(dialect));
  });
});
