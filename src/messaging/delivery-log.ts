import type { Services } from '../services';
import { Prisma, type Direction, type MessageStatus } from '../db/client';
import type { ProviderName } from '../providers/types';
import { parseE164 } from './phone-number';

export interface MessageFilter {
  direction?: Direction | null;
  status?: MessageStatus | null;
  provider?: ProviderName | null;
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

/** The filter's conditions on what kind of message it is, which the hourly tallies keep too (src/messaging/stats.ts). */
export function messageKindWhere(organizationId: string, filter: MessageFilter) {
  return {
    organizationId,
    ...(filter.direction && { direction: filter.direction }),
    ...(filter.status && { status: filter.status }),
    ...(filter.provider && { provider: filter.provider }),
    ...(filter.assistantId !== undefined && { assistantId: filter.assistantId }),
  };
}

export function messageWhere(services: Services, organizationId: string, filter: MessageFilter = {}): Prisma.MessageWhereInput {
  const search = filter.search?.trim();
  return {
    ...messageKindWhere(organizationId, filter),
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
/** PostgreSQL: rare text is paged by id when in at most this many messages (see messagePageWhere)… */
const FEW_MATCHES = 100;
/** …or when the text index holds more than this many matches per match of the organization's. */
const READS_PER_MATCH = 4;

/**
 * messageWhere for a page of the log (or its stats), with `search` planned for its frequency.
 * Common text (at least 25 of the organization's newest 1,000 messages) keeps the plain
 * condition: walking the newest-first index meets a page of matches within a few thousand
 * rows. Rarer text is looked up in the text index first (SQLite: the trigram FTS5 table
 * "MessageSearch"; PostgreSQL: the pg_trgm GIN index; migration *_log_indexes_search). Found in
 * at most 1,000 of the organization's messages, the page comes from those matches, however old:
 * - by id (`id IN (…)`, primary-key lookups) on SQLite, whose LIKE cannot use the FTS5 table;
 *   on PostgreSQL when the matches are few (FEW_MATCHES), when other organizations' matches
 *   outnumber them (READS_PER_MATCH), or when the text has three digits in a row (trigrams of
 *   every phone number, slow to look up twice). Prisma spends 10-20 µs of CPU on each id it is
 *   given: for a few hundred ids that is more than reading the trigram index again.
 * - otherwise on PostgreSQL through the trigram index again: the plain condition, with the
 *   organization as `IN (id, id)`. An IN list is no equality, so the newest-first index no
 *   longer gives the order and the planner cannot choose to walk it (which its guess for ILIKE,
 *   from a sample of bodies, has it do for a text it happened to sample, reading every message
 *   of the organization); it reads the matches from the trigram index and sorts them.
 * The plan (the walk, or through the index; not ids) is kept for a minute (SearchPlan).
 * Under 3 characters the indexes cannot help. The same messages either way: the text, any
 * case, in the body or either number.
 */
export async function messagePageWhere(services: Services, organizationId: string, filter: MessageFilter = {}): Promise<Prisma.MessageWhereInput> {
  const search = filter.search?.trim();
  const where = messageWhere(services, organizationId, filter);
  if (!search) return where;
  // Prisma's `contains` passes % and _ to LIKE as wildcards: text with them goes through the
  // escaped lookup by id (up to 10,000 matches; past that the plain condition over-matches).
  const wildcards = /[\\%_]/.test(search);
  if (!wildcards && [...search].length < 3) return where;
  const throughIndex = { ...where, organizationId: { in: [organizationId, organizationId] } };
  const plan = planKey(organizationId, search);
  const planned = wildcards ? undefined : services.searchPlans.get(plan);
  if (planned) return planned === 'walk' ? where : throughIndex;
  if (!wildcards && (await newestMatches(services, organizationId, search)) >= PROBE_COMMON) {
    services.searchPlans.set(plan, 'walk');
    return where;
  }
  const limit = wildcards ? 10 * SEARCH_CANDIDATES : SEARCH_CANDIDATES;
  const byId = wildcards || services.dialect === 'sqlite' || /\d{3}/.test(search);
  const found = await lookUp(services, organizationId, search, limit, byId ? limit : FEW_MATCHES);
  if (found.matches > limit) {
    if (!wildcards) services.searchPlans.set(plan, 'walk');
    return where;
  }
  if (found.ids) return { ...messageWhere(services, organizationId, { ...filter, search: null }), id: { in: found.ids } };
  services.searchPlans.set(plan, 'index');
  return throughIndex;
}

/**
 * The plan chosen lately for a text in an organization (Services.searchPlans, keyed by
 * planKey), so that the same search again (the next page, the stats of the same filter, a
 * refresh) skips the probe and the lookup: 'walk' (the plain condition) or 'index' (through the
 * trigram index). Plans only, never ids: the answers are read afresh every time, only their cost
 * can change with the messages stored since (for at most SEARCH_PLAN_TTL_MS).
 */
export type SearchPlan = 'walk' | 'index';
export const SEARCH_PLAN_TTL_MS = 60_000;
export const SEARCH_PLAN_ENTRIES = 1000;
const planKey = (organizationId: string, search: string) => `${organizationId}\n${search}`;

/** FTS5 phrase: with the trigram tokenizer, "text" matches the substring in any case. */
export const ftsPhrase = (text: string) => `"${text.replace(/"/g, '""')}"`;
const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** messageWhere's search condition in SQL, with % _ \ taken literally. */
function matchSql(services: Services, search: string): Prisma.Sql {
  const pattern = likePattern(search);
  const body = services.dialect === 'postgresql' ? Prisma.sql`"body" ILIKE ${pattern} ESCAPE '\\'` : Prisma.sql`"body" LIKE ${pattern} ESCAPE '\\'`;
  return Prisma.sql`(${body} OR "from" LIKE ${pattern} ESCAPE '\\' OR "to" LIKE ${pattern} ESCAPE '\\')`;
}

/**
 * How many of the organization's newest messages contain the text (only to choose a plan).
 * PostgreSQL: COUNT(*) FILTER rather than WHERE, which spares the planner estimating the
 * condition from the column statistics (a fifth of the statement's time).
 */
async function newestMatches(services: Services, organizationId: string, search: string): Promise<number> {
  const match = matchSql(services, search);
  const newest = Prisma.sql`
    SELECT "body", "from", "to" FROM "Message" WHERE "organizationId" = ${organizationId}
    ORDER BY "createdAt" DESC, "id" DESC LIMIT ${PROBE_ROWS}`;
  const [row] =
    services.dialect === 'postgresql'
      ? await services.db.$queryRaw<{ n: unknown }[]>`SELECT COUNT(*) FILTER (WHERE ${match}) AS "n" FROM (${newest}) AS "newest"`
      : await services.db.$queryRaw<{ n: unknown }[]>`SELECT COUNT(*) AS "n" FROM (${newest}) AS "newest" WHERE ${match}`;
  return Number(row?.n ?? 0);
}

/**
 * The organization's messages with the text, from the text index where it helps: how many
 * (up to `limit` + 1), and their ids when at most `idsUpTo`. One row.
 * PostgreSQL: the trigram index holds every organization's messages. The lookup reads matches
 * until it has `limit` + 1 of the organization's (a running count with a run condition stops
 * the scan there), counting all it read: what paging through the index would read again. More
 * than READS_PER_MATCH per match of the organization's, it returns the ids whatever their
 * number. No condition on the organization in the scan: with one, the planner could walk the
 * organization's rows instead, on its guess for ILIKE (all of them, for a rare text).
 * The probe (newestMatches) stays a statement of its own: this one's planning, folded into it,
 * would cost every search for common text a fifth of a millisecond, run or not.
 */
async function lookUp(services: Services, organizationId: string, search: string, limit: number, idsUpTo: number): Promise<{ matches: number; ids?: string[] }> {
  const match = matchSql(services, search);
  if (services.dialect === 'postgresql') {
    const [row] = await services.db.$queryRaw<{ matches: unknown; read: unknown; ids: string[] | null }[]>`
      SELECT "matches", "read", CASE WHEN "matches" <= ${limit} AND ("matches" <= ${idsUpTo} OR "read" > ${READS_PER_MATCH} * "matches") THEN "ids" END AS "ids"
      FROM (
        SELECT COUNT(*) FILTER (WHERE "mine") AS "matches", COUNT(*) AS "read", COALESCE(array_agg("id") FILTER (WHERE "mine"), '{}') AS "ids"
        FROM (
          SELECT "id", "mine", COUNT(*) FILTER (WHERE "mine") OVER (ROWS UNBOUNDED PRECEDING) AS "seen"
          FROM (SELECT "id", "organizationId" = ${organizationId} AS "mine" FROM "Message" WHERE ${match}) AS "matching"
        ) AS "counted"
        WHERE "seen" <= ${limit + 1}
      ) AS "found"`;
    return { matches: Number(row?.matches ?? 0), ids: row?.ids ?? undefined };
  }
  const found =
    [...search].length < 3
      ? Prisma.sql`SELECT "id" FROM "Message" WHERE "organizationId" = ${organizationId} AND ${match} LIMIT ${limit + 1}`
      : Prisma.sql`
          SELECT m."id" FROM "MessageSearch" JOIN "Message" m ON m.rowid = "MessageSearch".rowid
          WHERE "MessageSearch" MATCH ${ftsPhrase(search)} AND m."organizationId" = ${organizationId} LIMIT ${limit + 1}`;
  const [row] = await services.db.$queryRaw<{ matches: unknown; ids: string | null }[]>`
    SELECT COUNT(*) AS "matches", CASE WHEN COUNT(*) <= ${idsUpTo} THEN json_group_array("id") END AS "ids" FROM (${found}) AS "found"`;
  return { matches: Number(row?.matches ?? 0), ids: row?.ids ? (JSON.parse(row.ids) as string[]) : undefined };
}
