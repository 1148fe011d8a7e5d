import type { Services } from '../services';
import { Prisma } from '../db/client';
import { parseE164 } from './phone-number';
import { ftsPhrase, messagePageWhere, type MessageFilter } from './delivery-log';

export async function messageStats(services: Services, organizationId: string, filter: MessageFilter = {}) {
  // One pass: grouped by all three keys at once (at most 9 × 3 × 2 rows), which the covering
  // index (organizationId, status, provider, direction, segments, createdAt) answers alone.
  const groups = await services.db.message.groupBy({
    by: ['status', 'provider', 'direction'],
    where: await messagePageWhere(services, organizationId, filter),
    _count: { _all: true },
    _sum: { segments: true },
  });
  const tally = (key: (row: (typeof groups)[number]) => string) => {
    const counts = new Map<string, number>();
    for (const row of groups) counts.set(key(row), (counts.get(key(row)) ?? 0) + row._count._all);
    return [...counts].map(([k, count]) => ({ key: k, count })).sort(byKey);
  };
  const byStatus = tally((row) => row.status);
  const count = (status: string) => byStatus.find((row) => row.key === status)?.count ?? 0;
  const finished = count('DELIVERED') + count('UNDELIVERED') + count('FAILED');
  return {
    total: groups.reduce((sum, row) => sum + row._count._all, 0),
    byStatus,
    byProvider: tally((row) => row.provider),
    byDirection: tally((row) => row.direction),
    segments: groups.reduce((sum, row) => sum + (row.direction === 'OUTBOUND' ? (row._sum.segments ?? 0) : 0), 0),
    successRate: finished === 0 ? null : count('DELIVERED') / finished,
  };
}

const byKey = (a: { key: string }, b: { key: string }) => a.key.localeCompare(b.key);

export type StatsInterval = 'HOUR' | 'DAY';

export interface StatsBucket {
  /** The start of the hour or day (UTC). */
  start: Date;
  total: number;
  inbound: number;
  outbound: number;
  delivered: number;
  undelivered: number;
  failed: number;
  /** Segments of the outbound messages in the bucket. */
  segments: number;
}

/**
 * Message counts per hour or day (UTC) for charts, grouped in the database over the same
 * filter as the delivery log; buckets without messages are left out. Oldest bucket first.
 * The SQL is parameterized: every value of the filter is a bound parameter.
 */
export async function messageSeries(services: Services, organizationId: string, filter: MessageFilter, interval: StatsInterval): Promise<StatsBucket[]> {
  const rows = services.dialect === 'postgresql' ? await postgresSeries(services, organizationId, filter, interval) : await sqliteSeries(services, organizationId, filter, interval);
  return rows.flatMap(({ start, counts: [total, inbound, delivered, undelivered, failed, segments] }) =>
    total > 0 ? [{ start, total, inbound, outbound: total - inbound, delivered, undelivered, failed, segments }] : [],
  );
}

/** Per bucket: total, inbound, delivered, undelivered, failed, outbound segments. */
type SeriesRow = { start: Date; counts: number[] };

/**
 * PostgreSQL: like SQLite below, the buckets between the first and the last matching message,
 * each counted over its range of the covering index (organizationId, createdAt, id, status,
 * provider, direction, segments), index-only. (GROUP BY date_trunc(…) reads the same rows but
 * then sorts them all: the planner cannot tell that a day has thousands of messages.)
 */
async function postgresSeries(services: Services, organizationId: string, filter: MessageFilter, interval: StatsInterval): Promise<SeriesRow[]> {
  const where = () => sqlWhere(services, organizationId, filter);
  const unit = interval === 'HOUR' ? 'hour' : 'day';
  const step = Prisma.raw(`interval '1 ${unit}'`);
  // As on SQLite: the filter's date range folded into each bucket's bounds.
  const inner = sqlWhere(services, organizationId, { ...filter, createdAfter: null, createdBefore: null });
  const from = filter.createdAfter ? Prisma.sql`GREATEST("buckets"."start", ${filter.createdAfter})` : Prisma.sql`"buckets"."start"`;
  const to = filter.createdBefore
    ? Prisma.sql`LEAST("buckets"."start" + ${step}, ${filter.createdBefore})`
    : Prisma.sql`"buckets"."start" + ${step}`;
  const rows = await services.db.$queryRaw<{ start: Date; c: unknown[] }[]>`
    SELECT "buckets"."start", "counts"."c"
    FROM (SELECT MIN("createdAt") AS "first", MAX("createdAt") AS "last" FROM "Message" WHERE ${where()}) AS "bounds",
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
  return rows.map((row) => ({ start: toUtcDate(row.start), counts: row.c.map(Number) }));
}

/**
 * SQLite keeps a DateTime as UTC text, `toISOString()` with "+00:00" for "Z" (Prisma's
 * better-sqlite3 adapter), so a bucket is a prefix of it: "2026-11-27" (day), "2026-11-27T10"
 * (hour), and the messages of a bucket are a range of the index on (organizationId,
 * createdAt, …). Grouping by an expression would sort every message in a temporary B-tree;
 * instead the buckets between the first and the last matching message are generated, and
 * each is counted over its own index range: one statement, no sort, every row read once.
 */
async function sqliteSeries(services: Services, organizationId: string, filter: MessageFilter, interval: StatsInterval): Promise<SeriesRow[]> {
  const where = () => sqlWhere(services, organizationId, filter);
  // Inside a bucket the date range of the filter is folded into the bucket's own bounds, so
  // that each count seeks its bucket's range rather than the filter's.
  const inner = sqlWhere(services, organizationId, { ...filter, createdAfter: null, createdBefore: null });
  const from = filter.createdAfter ? Prisma.sql`max("buckets"."start", ${filter.createdAfter})` : Prisma.sql`"buckets"."start"`;
  const to = filter.createdBefore ? Prisma.sql`min("buckets"."end", ${filter.createdBefore})` : Prisma.sql`"buckets"."end"`;
  const [length, next] = interval === 'HOUR' ? [13, `strftime('%Y-%m-%dT%H', "start" || ':00:00', '+1 hour')`] : [10, `date("start", '+1 day')`];
  const rows = await services.db.$queryRaw<{ start: string; counts: string }[]>`
    WITH RECURSIVE
      "bounds"("first", "last") AS (
        SELECT substr((SELECT MIN("createdAt") FROM "Message" WHERE ${where()}), 1, ${length}),
               substr((SELECT MAX("createdAt") FROM "Message" WHERE ${where()}), 1, ${length})),
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
}

/** A timestamp without time zone (PostgreSQL) or ISO text (SQLite) as the UTC instant it stands for. */
function toUtcDate(value: Date | string): Date {
  if (value instanceof Date) return value;
  return new Date(/(Z|[+-]\d\d:?\d\d)$/.test(value) ? value : `${value.replace(' ', 'T')}Z`);
}

/** The WHERE clause of messageWhere as parameterized SQL, for the queries Prisma cannot express. */
function sqlWhere(services: Services, organizationId: string, filter: MessageFilter): Prisma.Sql {
  const pg = services.dialect === 'postgresql';
  const cast = (value: string, type: string) => (pg ? Prisma.sql`CAST(${value} AS ${Prisma.raw(`"${type}"`)})` : Prisma.sql`${value}`);
  const conditions: Prisma.Sql[] = [Prisma.sql`"organizationId" = ${organizationId}`];
  if (filter.direction) conditions.push(Prisma.sql`"direction" = ${cast(filter.direction, 'Direction')}`);
  if (filter.status) conditions.push(Prisma.sql`"status" = ${cast(filter.status, 'MessageStatus')}`);
  if (filter.provider) conditions.push(Prisma.sql`"provider" = ${cast(filter.provider, 'Provider')}`);
  if (filter.assistantId !== undefined) conditions.push(Prisma.sql`"assistantId" = ${filter.assistantId}`);
  if (filter.conversationId !== undefined) conditions.push(Prisma.sql`"conversationId" = ${filter.conversationId}`);
  if (filter.from) conditions.push(Prisma.sql`"from" = ${parseE164(filter.from) ?? filter.from}`);
  if (filter.to) conditions.push(Prisma.sql`"to" = ${parseE164(filter.to) ?? filter.to}`);
  if (filter.createdAfter) conditions.push(Prisma.sql`"createdAt" >= ${filter.createdAfter}`);
  if (filter.createdBefore) conditions.push(Prisma.sql`"createdAt" < ${filter.createdBefore}`);
  const search = filter.search?.trim();
  if (search && !pg && [...search].length >= 3) {
    // SQLite: the trigram index (case-insensitive substring of the body or either number).
    conditions.push(Prisma.sql`rowid IN (SELECT rowid FROM "MessageSearch" WHERE "MessageSearch" MATCH ${ftsPhrase(search)})`);
  } else if (search) {
    // Like messageWhere's search: the body case-insensitively, the numbers as typed.
    const pattern = `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    conditions.push(
      pg
        ? Prisma.sql`("body" ILIKE ${pattern} ESCAPE '\\' OR "from" LIKE ${pattern} ESCAPE '\\' OR "to" LIKE ${pattern} ESCAPE '\\')`
        : Prisma.sql`("body" LIKE ${pattern} ESCAPE '\\' OR "from" LIKE ${pattern} ESCAPE '\\' OR "to" LIKE ${pattern} ESCAPE '\\')`,
    );
  }
  return Prisma.join(conditions, ' AND ');
}
