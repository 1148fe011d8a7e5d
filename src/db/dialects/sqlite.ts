import { Prisma, type Db } from '../client';
import type { SeriesQuery, SeriesRow, SqlDialect, TextLookUp } from './index';
import { likeContains } from './common';

/** FTS5 phrase: with the trigram tokenizer, "text" matches the substring in any case. */
const ftsPhrase = (text: string) => `"${text.replace(/"/g, '""')}"`;

/**
 * SQLite: one writer, so no row locks; LIKE is case-insensitive for ASCII; the text index is the
 * trigram FTS5 table "MessageSearch" (migration *_log_indexes_search), which serves three
 * characters or more; DateTimes are ISO 8601 text.
 */
export const sqliteDialect: SqlDialect = {
  containsText: (text) => ({ contains: text }),

  likeMatch(text) {
    const pattern = likeContains(text);
    return Prisma.sql`("body" LIKE ${pattern} ESCAPE '\\' OR "from" LIKE ${pattern} ESCAPE '\\' OR "to" LIKE ${pattern} ESCAPE '\\')`;
  },

  likeUsesTextIndex: false,

  indexedMatch(text) {
    if ([...text].length < 3) return sqliteDialect.likeMatch(text);
    // The trigram index: a case-insensitive substring of the body or either number.
    return Prisma.sql`rowid IN (SELECT rowid FROM "MessageSearch" WHERE "MessageSearch" MATCH ${ftsPhrase(text)})`;
  },

  enumValue: (value) => Prisma.sql`${value}`,

  async countNewestMatches(db, organizationId, match, rows) {
    const [row] = await db.$queryRaw<{ n: unknown }[]>`
      SELECT COUNT(*) AS "n" FROM (
        SELECT "body", "from", "to" FROM "Message" WHERE "organizationId" = ${organizationId}
        ORDER BY "createdAt" DESC, "id" DESC LIMIT ${rows}) AS "newest"
      WHERE ${match}`;
    return Number(row?.n ?? 0);
  },

  async lookUpText(db: Db, { organizationId, search, match, limit, idsUpTo }: TextLookUp) {
    const found =
      [...search].length < 3
        ? Prisma.sql`SELECT "id" FROM "Message" WHERE "organizationId" = ${organizationId} AND ${match} LIMIT ${limit + 1}`
        : Prisma.sql`
            SELECT m."id" FROM "MessageSearch" JOIN "Message" m ON m.rowid = "MessageSearch".rowid
            WHERE "MessageSearch" MATCH ${ftsPhrase(search)} AND m."organizationId" = ${organizationId} LIMIT ${limit + 1}`;
    const [row] = await db.$queryRaw<{ matches: unknown; ids: string | null }[]>`
      SELECT COUNT(*) AS "matches", CASE WHEN COUNT(*) <= ${idsUpTo} THEN json_group_array("id") END AS "ids" FROM (${found}) AS "found"`;
    return { matches: Number(row?.matches ?? 0), ids: row?.ids ? (JSON.parse(row.ids) as string[]) : undefined };
  },

  /**
   * SQLite keeps a DateTime as UTC text, `toISOString()` with "+00:00" for "Z" (Prisma's
   * better-sqlite3 adapter), so a bucket is a prefix of it: "2026-11-27" (day), "2026-11-27T10"
   * (hour), and the messages of a bucket are a range of the index on (organizationId,
   * createdAt, …). Grouping by an expression would sort every message in a temporary B-tree;
   * instead the buckets between the first and the last matching message are generated, and
   * each is counted over its own index range: one statement, no sort, every row read once.
   */
  async messageSeries(db: Db, { where, inner, createdAfter, createdBefore, interval }: SeriesQuery): Promise<SeriesRow[]> {
    // Inside a bucket the date range of the filter is folded into the bucket's own bounds, so
    // that each count seeks its bucket's range rather than the filter's.
    const from = createdAfter ? Prisma.sql`max("buckets"."start", ${createdAfter})` : Prisma.sql`"buckets"."start"`;
    const to = createdBefore ? Prisma.sql`min("buckets"."end", ${createdBefore})` : Prisma.sql`"buckets"."end"`;
    const [length, next] = interval === 'HOUR' ? [13, `strftime('%Y-%m-%dT%H', "start" || ':00:00', '+1 hour')`] : [10, `date("start", '+1 day')`];
    const rows = await db.$queryRaw<{ start: string; counts: string }[]>`
      WITH RECURSIVE
        "bounds"("first", "last") AS (
          SELECT substr((SELECT MIN("createdAt") FROM "Message" WHERE ${where}), 1, ${length}),
                 substr((SELECT MAX("createdAt") FROM "Message" WHERE ${where}), 1, ${length})),
        "buckets"("start", "end") AS (
          SELECT "first", ${Prisma.raw(next.replaceAll('"start"', '"first"'))} FROM "bounds" WHERE "first" IS NOT NULL
          UNION ALL
          SELECT "end", ${Prisma.raw(next.replaceAll('"start"', '"end"'))} FROM "buckets", "bounds" WHERE "end" <= "last")
      SELECT "start",
             (SELECT json_array(COUNT(*), SUM("direction" = 'INBOUND'), SUM("status" = 'DELIVERED'), SUM("status" = 'UNDELIVERED'),
                                SUM("status" = 'FAILED'), SUM(CASE WHEN "direction" = 'OUTBOUND' THEN "segments" ELSE 0 END))
              FROM "Message"
              WHERE ${inner} AND "createdAt" >= ${from} AND "createdAt" < ${to}) AS "counts"
      FROM "buckets"
      ORDER BY "start"`;
    return rows.map((row) => ({
      start: new Date(`${row.start}${interval === 'HOUR' ? ':00:00' : 'T00:00:00'}Z`),
      counts: (JSON.parse(row.counts) as (number | null)[]).map((n) => n ?? 0),
    }));
  },

  // "hour" is ISO 8601 text: its first 10 characters are the day.
  tallyBucket: (interval) => Prisma.raw(interval === 'HOUR' ? '"hour"' : `substr("hour", 1, 10)`),

  pickDueMessages: `SELECT m.id, m."phoneNumberId", m."to", m."category" FROM "Message" m
                      LEFT JOIN "PhoneNumber" p ON p.id = m."phoneNumberId"
                     WHERE m.status IN ('QUEUED', 'SCHEDULED') AND m."nextAttemptAt" <= ?
                       AND (p."nextSlotAt" IS NULL OR p."nextSlotAt" <= ?)
                     ORDER BY m."nextAttemptAt" LIMIT ?`,

  lockForUpdate: () => null,
};
