import type { Services } from '../services';
import { Prisma } from '../db/client';
import { parseE164 } from './phone-number';
import { ftsPhrase, messageKindWhere, messagePageWhere, messageWhere, type MessageFilter } from './delivery-log';

/** Messages of one (status, provider, direction): how many, and their segments. */
interface Group {
  status: string;
  provider: string;
  direction: string;
  messages: number;
  segments: number;
}

/**
 * Totals by status, provider and direction, outbound segments and the success rate.
 * Read from the hourly tallies (see tallyRanges) when the filter allows, else from the
 * messages themselves; `source: 'messages'` forces the latter (tests compare the two).
 */
export async function messageStats(services: Services, organizationId: string, filter: MessageFilter = {}, options: { source?: 'messages' } = {}) {
  const ranges = options.source === 'messages' ? null : tallyRanges(filter);
  if (!ranges) {
    return summarize(await messageGroups(services, await messagePageWhere(services, organizationId, filter)));
  }
  const [tallied, ...edges] = await Promise.all([
    ranges.hours
      ? services.db.messageTally.groupBy({
          by: ['status', 'provider', 'direction'],
          where: tallyWhere(organizationId, filter, ranges.hours),
          _sum: { messages: true, segments: true },
        })
      : [],
    ...ranges.edges.map((edge) => edgeGroups(services, organizationId, filter, edge)),
  ]);
  const fromTallies = tallied.map((row) => ({ ...row, messages: row._sum.messages ?? 0, segments: row._sum.segments ?? 0 }));
  return summarize([...fromTallies, ...edges.flat()]);
}

function summarize(groups: Group[]) {
  const tally = (key: (group: Group) => string) => {
    const counts = new Map<string, number>();
    for (const group of groups) counts.set(key(group), (counts.get(key(group)) ?? 0) + group.messages);
    return [...counts].filter(([, count]) => count !== 0).map(([k, count]) => ({ key: k, count })).sort(byKey);
  };
  const byStatus = tally((group) => group.status);
  const count = (status: string) => byStatus.find((row) => row.key === status)?.count ?? 0;
  const finished = count('DELIVERED') + count('UNDELIVERED') + count('FAILED');
  return {
    total: groups.reduce((sum, group) => sum + group.messages, 0),
    byStatus,
    byProvider: tally((group) => group.provider),
    byDirection: tally((group) => group.direction),
    segments: groups.reduce((sum, group) => sum + (group.direction === 'OUTBOUND' ? group.segments : 0), 0),
    successRate: finished === 0 ? null : count('DELIVERED') / finished,
  };
}

/** The messages matching `where`, grouped by status, provider and direction (at most 9 × 3 × 2 groups). */
async function messageGroups(services: Services, where: Prisma.MessageWhereInput): Promise<Group[]> {
  // Without search, from, to or a conversation the covering index (organizationId, status,
  // provider, direction, segments, createdAt) answers it alone (the edges of a date range).
  const groups = await services.db.message.groupBy({
    by: ['status', 'provider', 'direction'],
    where,
    _count: { _all: true },
    _sum: { segments: true },
  });
  return groups.map((row) => ({ ...row, messages: row._count._all, segments: row._sum.segments ?? 0 }));
}

/** The messages of one part of an hour at the edge of the filter's date range. */
function edgeGroups(services: Services, organizationId: string, filter: MessageFilter, edge: TimeRange): Promise<Group[]> {
  return messageGroups(services, messageWhere(services, organizationId, { ...filter, createdAfter: edge.from, createdBefore: edge.to }));
}

// ---------------------------------------------------------------------------------------------
// Hourly tallies (table MessageTally, kept by triggers on Message: migration *_message_tallies)

const HOUR_MS = 3_600_000;
const floorHour = (date: Date) => new Date(Math.floor(date.getTime() / HOUR_MS) * HOUR_MS);
const ceilHour = (date: Date) => new Date(Math.ceil(date.getTime() / HOUR_MS) * HOUR_MS);

interface TimeRange {
  from: Date;
  to: Date;
}

/**
 * How a filter is answered from the tallies: the whole hours inside its date range (`hours`,
 * either end open when the filter's is) from MessageTally, and the parts of hours at its edges
 * (`edges`, each inside one hour) from the messages themselves, a few minutes of them at most.
 * null when the filter names something the tallies do not keep: a conversation, a number,
 * search text, or an assistant ID that did not decode ("").
 */
function tallyRanges(filter: MessageFilter): { hours: { from: Date | null; to: Date | null } | null; edges: TimeRange[] } | null {
  if (filter.conversationId !== undefined || filter.from || filter.to || filter.search?.trim() || filter.assistantId === '') return null;
  const after = filter.createdAfter ?? null;
  const before = filter.createdBefore ?? null;
  if (after && before && after >= before) return { hours: null, edges: [] };
  const from = after && ceilHour(after);
  const to = before && floorHour(before);
  if (from && to && from >= to) {
    // Inside one hour, or across one hour boundary: the messages alone, an edge per hour.
    const boundary = floorHour(before!);
    return { hours: null, edges: boundary > after! ? [{ from: after!, to: boundary }, { from: boundary, to: before! }] : [{ from: after!, to: before! }] };
  }
  const edges: TimeRange[] = [];
  if (after && from! > after) edges.push({ from: after, to: from! });
  if (before && to! < before) edges.push({ from: to!, to: before });
  return { hours: { from, to }, edges };
}

function tallyWhere(organizationId: string, filter: MessageFilter, hours: { from: Date | null; to: Date | null }): Prisma.MessageTallyWhereInput {
  return {
    ...messageKindWhere(organizationId, filter),
    ...((hours.from || hours.to) && { hour: { ...(hours.from && { gte: hours.from }), ...(hours.to && { lt: hours.to }) } }),
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
export async function messageSeries(
  services: Services,
  organizationId: string,
  filter: MessageFilter,
  interval: StatsInterval,
  options: { source?: 'messages' } = {},
): Promise<StatsBucket[]> {
  const ranges = options.source === 'messages' ? null : tallyRanges(filter);
  const rows = ranges
    ? await talliedSeries(services, organizationId, filter, interval, ranges)
    : services.dialect === 'postgresql'
      ? await postgresSeries(services, organizationId, filter, interval)
      : await sqliteSeries(services, organizationId, filter, interval);
  return rows.flatMap(({ start, counts: [total, inbound, delivered, undelivered, failed, segments] }) =>
    total > 0 ? [{ start, total, inbound, outbound: total - inbound, delivered, undelivered, failed, segments }] : [],
  );
}

/**
 * The series from the tallies: their whole hours summed per bucket in the database, plus the
 * edges' messages added to the bucket of their hour.
 */
async function talliedSeries(
  services: Services,
  organizationId: string,
  filter: MessageFilter,
  interval: StatsInterval,
  ranges: NonNullable<ReturnType<typeof tallyRanges>>,
): Promise<SeriesRow[]> {
  const [tallied, ...edges] = await Promise.all([
    ranges.hours ? tallySeries(services, organizationId, filter, interval, ranges.hours) : [],
    ...ranges.edges.map((edge) => edgeGroups(services, organizationId, filter, edge)),
  ]);
  const buckets = new Map(tallied.map((row) => [row.start.getTime(), row]));
  const startOf = (at: Date) => (interval === 'HOUR' ? floorHour(at) : new Date(Math.floor(at.getTime() / 86_400_000) * 86_400_000));
  ranges.edges.forEach((edge, i) => {
    const start = startOf(edge.from);
    const row = buckets.get(start.getTime()) ?? { start, counts: [0, 0, 0, 0, 0, 0] };
    buckets.set(start.getTime(), row);
    for (const group of edges[i]) {
      const c = row.counts;
      c[0] += group.messages;
      if (group.direction === 'INBOUND') c[1] += group.messages;
      if (group.status === 'DELIVERED') c[2] += group.messages;
      if (group.status === 'UNDELIVERED') c[3] += group.messages;
      if (group.status === 'FAILED') c[4] += group.messages;
      if (group.direction === 'OUTBOUND') c[5] += group.segments;
    }
  });
  return [...buckets.values()].sort((a, b) => a.start.getTime() - b.start.getTime());
}

/** The tallies of the whole hours, summed per hour or day (UTC). */
async function tallySeries(
  services: Services,
  organizationId: string,
  filter: MessageFilter,
  interval: StatsInterval,
  hours: { from: Date | null; to: Date | null },
): Promise<SeriesRow[]> {
  const pg = services.dialect === 'postgresql';
  const conditions = [
    sqlWhere(services, organizationId, { direction: filter.direction, status: filter.status, provider: filter.provider, assistantId: filter.assistantId }),
    ...(hours.from ? [Prisma.sql`"hour" >= ${hours.from}`] : []),
    ...(hours.to ? [Prisma.sql`"hour" < ${hours.to}`] : []),
  ];
  // SQLite keeps "hour" as ISO 8601 text: its first 10 characters are the day.
  const bucket = Prisma.raw(interval === 'HOUR' ? '"hour"' : pg ? `date_trunc('day', "hour")` : `substr("hour", 1, 10)`);
  const rows = await services.db.$queryRaw<{ start: Date | string; total: unknown; inbound: unknown; delivered: unknown; undelivered: unknown; failed: unknown; segments: unknown }[]>`
    SELECT ${bucket} AS "start",
           SUM("messages") AS "total",
           SUM(CASE WHEN "direction" = 'INBOUND' THEN "messages" ELSE 0 END) AS "inbound",
           SUM(CASE WHEN "status" = 'DELIVERED' THEN "messages" ELSE 0 END) AS "delivered",
           SUM(CASE WHEN "status" = 'UNDELIVERED' THEN "messages" ELSE 0 END) AS "undelivered",
           SUM(CASE WHEN "status" = 'FAILED' THEN "messages" ELSE 0 END) AS "failed",
           SUM(CASE WHEN "direction" = 'OUTBOUND' THEN "segments" ELSE 0 END) AS "segments"
    FROM "MessageTally"
    WHERE ${Prisma.join(conditions, ' AND ')}
    GROUP BY 1`;
  return rows.map((row) => ({
    start: typeof row.start === 'string' && row.start.length === 10 ? new Date(`${row.start}T00:00:00Z`) : toUtcDate(row.start),
    counts: [row.total, row.inbound, row.delivered, row.undelivered, row.failed, row.segments].map(Number),
  }));
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
  if (filter.provider) conditions.push(Prisma.sql`"provider" = ${filter.provider}`);
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

// ---------------------------------------------------------------------------------------------
// Compaction (PostgreSQL): each transaction adds tally rows of its own (see the migration);
// this folds them into one row per count.

/** How often each instance folds the tallies. */
export const TALLY_COMPACTION_MS = 15_000;

/**
 * Folds the rows that transactions added into one row ("part" 0) per count, dropping counts
 * that came to zero (the QUEUED and SENDING of messages since sent). One instance at a time,
 * under an advisory lock; rows of transactions still running are not visible to it and are
 * left for the next time, so nothing is counted twice or lost. Returns the counts written.
 */
export async function compactMessageTallies(services: Services): Promise<number> {
  if (services.dialect !== 'postgresql') return 0;
  return services.db.$transaction(async (tx) => {
    const [{ locked }] = await tx.$queryRaw<{ locked: boolean }[]>`SELECT pg_try_advisory_xact_lock(727275) AS "locked"`;
    if (!locked) return 0;
    return tx.$executeRaw`
      WITH "touched" AS (SELECT DISTINCT "organizationId", "hour", "assistantId", "provider", "direction", "status" FROM "MessageTally" WHERE "part" <> 0),
           "moved" AS (
             DELETE FROM "MessageTally" t USING "touched" k
             WHERE t."organizationId" = k."organizationId" AND t."hour" = k."hour" AND t."assistantId" = k."assistantId"
               AND t."provider" = k."provider" AND t."direction" = k."direction" AND t."status" = k."status"
             RETURNING t.*)
      INSERT INTO "MessageTally" ("organizationId", "hour", "assistantId", "provider", "direction", "status", "part", "messages", "segments")
      SELECT "organizationId", "hour", "assistantId", "provider", "direction", "status", 0, SUM("messages"), SUM("segments")
      FROM "moved"
      GROUP BY 1, 2, 3, 4, 5, 6
      HAVING SUM("messages") <> 0 OR SUM("segments") <> 0`;
  });
}

/** Runs compactMessageTallies every TALLY_COMPACTION_MS on PostgreSQL; stop() waits for a run under way. */
export function startTallyCompaction(services: Services, onError: (error: unknown) => void): { stop(): Promise<void> } {
  if (services.dialect !== 'postgresql') return { stop: async () => {} };
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = compactMessageTallies(services).catch(onError);
  }, TALLY_COMPACTION_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
