import type { Services } from '../services';
import { Prisma, type MessageStatus } from '../db/client';
import { parseE164 } from './phone-number';

export interface MessageFilter {
  direction?: 'INBOUND' | 'OUTBOUND' | null;
  status?: MessageStatus | null;
  provider?: 'TWILIO' | 'TELNYX' | 'VONAGE' | null;
  assistantId?: string;
  conversationId?: string;
  from?: string | null;
  to?: string | null;
  search?: string | null;
  createdAfter?: Date | null;
  createdBefore?: Date | null;
}

/** Case-insensitive `contains` on both databases (SQLite's LIKE already is, for ASCII). */
export function containsText(services: Services, text: string): Prisma.StringFilter {
  return services.dialect === 'postgresql'
    ? ({ contains: text, mode: 'insensitive' } as Prisma.StringFilter)
    : { contains: text };
}

export function messageWhere(services: Services, organizationId: string, filter: MessageFilter = {}): Prisma.MessageWhereInput {
  const search = filter.search?.trim();
  return {
    organizationId,
    ...(filter.direction && { direction: filter.direction }),
    ...(filter.status && { status: filter.status }),
    ...(filter.provider && { provider: filter.provider }),
    ...(filter.assistantId !== undefined && { assistantId: filter.assistantId }),
    ...(filter.conversationId !== undefined && { conversationId: filter.conversationId }),
    ...(filter.from && { from: parseE164(filter.from) ?? filter.from }),
    ...(filter.to && { to: parseE164(filter.to) ?? filter.to }),
    ...((filter.createdAfter || filter.createdBefore) && {
      createdAt: { ...(filter.createdAfter && { gte: filter.createdAfter }), ...(filter.createdBefore && { lt: filter.createdBefore }) },
    }),
    ...(search && {
      OR: [{ body: containsText(services, search) }, { from: { contains: search } }, { to: { contains: search } }],
    }),
  };
}

/** Matches among an organization's newest messages above which `search` walks newest-first. */
const PROBE_ROWS = 1000;
const PROBE_COMMON = 25;
/** More matches than this and `search` is left to the newest-first walk (see messagePageWhere). */
const SEARCH_CANDIDATES = 1000;

/**
 * messageWhere for a page of the log (or its stats), with `search` planned for its frequency.
 * Common text (at least 25 of the organization's newest 1,000 messages) keeps the plain
 * condition: walking the newest-first index meets a page of matches within a few thousand
 * rows. Rarer text is looked up in the text index first (SQLite: the trigram FTS5 table
 * "MessageSearch"; PostgreSQL: the pg_trgm GIN index; migration *_log_indexes_search): found in
 * at most 1,000 of the organization's messages it becomes `id IN (…)`, a page of primary-key
 * lookups however old the matches are. Under 3 characters the indexes cannot help.
 * The same messages either way: the text, any case, in the body or either number.
 */
export async function messagePageWhere(services: Services, organizationId: string, filter: MessageFilter = {}): Promise<Prisma.MessageWhereInput> {
  const search = filter.search?.trim();
  const where = messageWhere(services, organizationId, filter);
  if (!search) return where;
  // Prisma's `contains` passes % and _ to LIKE as wildcards: text with them goes through the
  // escaped lookup (up to 10,000 matches; past that the plain condition over-matches).
  const wildcards = /[\\%_]/.test(search);
  if (!wildcards && [...search].length < 3) return where;
  if (!wildcards && (await newestMatches(services, organizationId, search)) >= PROBE_COMMON) return where;
  const limit = wildcards ? 10 * SEARCH_CANDIDATES : SEARCH_CANDIDATES;
  const ids = await searchCandidates(services, organizationId, search, limit + 1);
  if (ids.length > limit) return where;
  return { ...messageWhere(services, organizationId, { ...filter, search: null }), id: { in: ids } };
}

/** How many of the organization's newest messages contain the text (only to choose a plan). */
async function newestMatches(services: Services, organizationId: string, search: string): Promise<number> {
  const pattern = likePattern(search);
  const body = services.dialect === 'postgresql' ? Prisma.sql`"body" ILIKE ${pattern} ESCAPE '\\'` : Prisma.sql`"body" LIKE ${pattern} ESCAPE '\\'`;
  const [row] = await services.db.$queryRaw<{ n: unknown }[]>`
    SELECT COUNT(*) AS "n" FROM (
      SELECT "body", "from", "to" FROM "Message" WHERE "organizationId" = ${organizationId}
      ORDER BY "createdAt" DESC, "id" DESC LIMIT ${PROBE_ROWS}
    ) AS "newest"
    WHERE ${body} OR "from" LIKE ${pattern} ESCAPE '\\' OR "to" LIKE ${pattern} ESCAPE '\\'`;
  return Number(row?.n ?? 0);
}

/** FTS5 phrase: with the trigram tokenizer, "text" matches the substring in any case. */
export const ftsPhrase = (text: string) => `"${text.replace(/"/g, '""')}"`;
const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

async function searchCandidates(services: Services, organizationId: string, search: string, limit: number): Promise<string[]> {
  const rows =
    services.dialect === 'sqlite' && [...search].length < 3
      ? await services.db.$queryRaw<{ id: string }[]>`
          SELECT "id" FROM "Message"
          WHERE "organizationId" = ${organizationId}
            AND ("body" LIKE ${likePattern(search)} ESCAPE '\\' OR "from" LIKE ${likePattern(search)} ESCAPE '\\' OR "to" LIKE ${likePattern(search)} ESCAPE '\\')
          LIMIT ${limit}`
      : services.dialect === 'sqlite'
      ? await services.db.$queryRaw<{ id: string }[]>`
          SELECT m."id" FROM "MessageSearch" JOIN "Message" m ON m.rowid = "MessageSearch".rowid
          WHERE "MessageSearch" MATCH ${ftsPhrase(search)} AND m."organizationId" = ${organizationId} LIMIT ${limit}`
      : // `"organizationId" || ''` keeps the planner on the trigram index: its estimate for ILIKE
        // is a fixed guess, and walking the organization's rows for a rare text reads them all.
        await services.db.$queryRaw<{ id: string }[]>`
          SELECT "id" FROM "Message"
          WHERE ("body" ILIKE ${likePattern(search)} ESCAPE '\\' OR "from" LIKE ${likePattern(search)} ESCAPE '\\' OR "to" LIKE ${likePattern(search)} ESCAPE '\\')
            AND "organizationId" || '' = ${organizationId}
          LIMIT ${limit}`;
  return rows.map((row) => row.id);
}
