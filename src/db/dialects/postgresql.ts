import { Prisma, type Db } from '../client';
import type { SeriesQuery, SeriesRow, SqlDialect, TextLookUp } from './index';
import { bucketStart, likeContains } from './common';

/**
 * PostgreSQL: several instances write at once, so picks skip locked rows and senders' rows are
 * locked while their slots are reserved; ILIKE matches any case, served by the pg_trgm GIN
 * index (migration *_log_indexes_search); timestamps are `timestamp(3)` in UTC.
 */
export const postgresqlDialect: SqlDialect = {
  containsText: (text) => ({ contains: text, mode: 'insensitive' }) as Prisma.StringFilter,

  likeMatch(text) {
    const pattern = likeContains(text);
    return Prisma.sql`("body" ILIKE ${pattern} ESCAPE '\\' OR "from" LIKE ${pattern} ESCAPE '\\' OR "to" LIKE ${pattern} ESCAPE '\\')`;
  },

  likeUsesTextIndex: true,

  // The trigram index serves ILIKE and LIKE themselves.
  indexedMatch: (text) => postgresqlDialect.likeMatch(text),

  enumValue: (value, type) => Prisma.sql`CAST(${value} AS ${Prisma.raw(`"${type}"`)})`,

  /**
   * COUNT(*) FILTER rather than WHERE, which spares the planner estimating the condition from
   * the column statistics (a fifth of the statement's time).
   */
  async countNewestMatches(db, organizationId, match, rows) {
    const [row] = await db.$queryRaw<{ n: unknown }[]>`
      SELECT COUNT(*) FILTER (WHERE ${match}) AS "n" FROM (
        SELECT "body", "from", "to" FROM "Message" WHERE "organizationId" = ${organizationId}
        ORDER BY "createdAt" DESC, "id" DESC LIMIT ${rows}) AS "newest"`;
    return Number(row?.n ?? 0);
  },

  /**
   * The trigram index holds every organization's messages. The look-up reads matches until it
   * has `limit` + 1 of the organization's (a running count with a run condition stops the scan
   * there), counting all it read: what paging through the index would read again. More than
   * `readsPerMatch` per match of the organization's, it returns the ids whatever their number.
   * No condition on the organization in the scan: with one, the planner could walk the
   * organization's rows instead, on its guess for ILIKE (all of them, for a rare text).
   */
  async lookUpText(db: Db, { organizationId, match, limit, idsUpTo, readsPerMatch }: TextLookUp) {
    const [row] = await db.$queryRaw<{ matches: unknown; read: unknown; ids: string[] | null }[]>`
      SELECT "matches", "read", CASE WHEN "matches" <= ${limit} AND ("matches" <= ${idsUpTo} OR "read" > ${readsPerMatch} * "matches") THEN "ids" END AS "ids"
      FROM (
        SELECT COUNT(*) FILTER (WHERE "mine") AS "matches", COUNT(*) AS "read", COALESCE(array_agg("id") FILTER (WHERE "mine"), '{}') AS "ids"
        FROM (
          SELECT "id", "mine", COUNT(*) FILTER (WHERE "mine") OVER (ROWS UNBOUNDED PRECEDING) AS "seen"
          FROM (SELECT "id", "organizationId" = ${organizationId} AS "mine" FROM "Message" WHERE ${match}) AS "matching"
        ) AS "counted"
        WHERE "seen" <= ${limit + 1}
      ) AS "found"`;
    return { matches: Number(row?.matches ?? 0), ids: row?.ids ?? undefined };
  },

  /**
   * As on SQLite, the buckets between the first and the last matching message, each counted
   * over its range of the covering index (organizationId, createdAt, id, status, provider,
   * direction, segments), index-only. (GROUP BY date_trunc(…) reads the same rows but then
   * sorts them all: the planner cannot tell that a day has thousands of messages.)
   */
  async messageSeries(db: Db, { where, inner, createdAfter, createdBefore, interval }: SeriesQuery): Promise<SeriesRow[]> {
    const unit = interval === 'HOUR' ? 'hour' : 'day';
    const step = Prisma.raw(`interval '1 ${unit}'`);
    // As on SQLite: the filter's date range folded into each bucket's bounds.
    const from = createdAfter ? Prisma.sql`GREATEST("buckets"."start", ${createdAfter})` : Prisma.sql`"buckets"."start"`;
    const to = createdBefore ? Prisma.sql`LEAST("buckets"."start" + ${step}, ${createdBefore})` : Prisma.sql`"buckets"."start" + ${step}`;
    const rows = await db.$queryRaw<{ start: Date | string; c: unknown[] }[]>`
      SELECT "buckets"."start", "counts"."c"
      FROM (SELECT MIN("createdAt") AS "first", MAX("createdAt") AS "last" FROM "Message" WHERE ${where}) AS "bounds",
           generate_series(date_trunc(${Prisma.raw(`'${unit}'`)}, "bounds"."first"), "bounds"."last", ${step}) AS "buckets"("start"),
           LATERAL (
             SELECT ARRAY[COUNT(*),
                          COUNT(*) FILTER (WHERE "direction" = 'INBOUND'),
                          COUNT(*) FILTER (WHERE "status" = 'DELIVERED'),
                          COUNT(*) FILTER (WHERE "status" = 'UNDELIVERED'),
                          COUNT(*) FILTER (WHERE "status" = 'FAILED'),
                          COALESCE(SUM("segments") FILTER (WHERE "direction" = 'OUTBOUND'), 0)] AS "c"
             FROM "Message"
             WHERE ${inner} AND "createdAt" >= ${from} AND "createdAt" < ${to}) AS "counts"
      ORDER BY 1`;
    return rows.map((row) => ({ start: bucketStart(row.start), counts: row.c.map(Number) }));
  },

  tallyBucket: (interval) => Prisma.raw(interval === 'HOUR' ? '"hour"' : `date_trunc('day', "hour")`),

  pickDueMessages: `SELECT m.id, m."phoneNumberId", m."to", m."category" FROM "Message" m
                      LEFT JOIN "PhoneNumber" p ON p.id = m."phoneNumberId"
                     WHERE m.status IN ('QUEUED', 'SCHEDULED') AND m."nextAttemptAt" <= ?
                       AND (p."nextSlotAt" IS NULL OR p."nextSlotAt" <= ?)
                     ORDER BY m."nextAttemptAt" LIMIT ?
                     FOR UPDATE OF m SKIP LOCKED`,

  /**
   * NO KEY UPDATE: inserts of rows that reference these (messages referencing their number) take
   * KEY SHARE locks on them, which this lock must not wait for.
   */
  lockForUpdate: (table, idIn) => `SELECT id FROM "${table}" WHERE ${idIn} ORDER BY id FOR NO KEY UPDATE`,
};
