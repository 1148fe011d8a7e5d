import type { Services } from '../services';
import type { Prisma } from '../db/client';
import { sqlDialect } from '../db/dialects';
import { filterWhere, normalizeFilter, type MessageFilter } from './message-filter';

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
 * The filter's where (filterWhere) for a page of the log (or its stats), with `search` planned for its frequency.
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
  const dialect = sqlDialect(services.dialect);
  const normalized = normalizeFilter(organizationId, filter);
  const { search } = normalized;
  const where = filterWhere(dialect, normalized);
  if (!search) return where;
  // Prisma's `contains` passes % and _ to LIKE as wildcards: text with them goes through the
  // escaped lookup by id (up to 10,000 matches; past that the plain condition over-matches).
  const wildcards = /[\\%_]/.test(search);
  if (!wildcards && [...search].length < 3) return where;
  const throughIndex = { ...where, organizationId: { in: [organizationId, organizationId] } };
  const plan = planKey(organizationId, search);
  const planned = wildcards ? undefined : services.searchPlans.get(plan);
  if (planned) return planned === 'walk' ? where : throughIndex;
  const match = dialect.likeMatch(search);
  if (!wildcards && (await dialect.countNewestMatches(services.db, organizationId, match, PROBE_ROWS)) >= PROBE_COMMON) {
    services.searchPlans.set(plan, 'walk');
    return where;
  }
  const limit = wildcards ? 10 * SEARCH_CANDIDATES : SEARCH_CANDIDATES;
  const byId = wildcards || !dialect.likeUsesTextIndex || /\d{3}/.test(search);
  // The newest-matches probe stays a statement of its own: its planning, folded into the
  // look-up, would cost every search for common text a fifth of a millisecond, run or not.
  const found = await dialect.lookUpText(services.db, { organizationId, search, match, limit, idsUpTo: byId ? limit : FEW_MATCHES, readsPerMatch: READS_PER_MATCH });
  if (found.matches > limit) {
    if (!wildcards) services.searchPlans.set(plan, 'walk');
    return where;
  }
  if (found.ids) return { ...filterWhere(dialect, { ...normalized, search: null }), id: { in: found.ids } };
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
