import type { Services } from '../services';
import { Prisma } from '../db/client';
import { sqlDialect, type SeriesRow } from '../db/dialects';
import { bucketStart } from '../db/dialects/common';
import { messagePageWhere } from './delivery-log';
import { filterSql, filterWhere, kindOnly, kindWhere, normalizeFilter, type MessageFilter, type NormalizedFilter } from './message-filter';
import { every, NEVER, type PeriodicTask } from '../lib/every';

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
  const normalized = normalizeFilter(organizationId, filter);
  const ranges = options.source === 'messages' ? null : tallyRanges(normalized);
  if (!ranges) {
    return summarize(await messageGroups(services, await messagePageWhere(services, organizationId, filter)));
  }
  const [tallied, ...edges] = await Promise.all([
    ranges.hours
      ? services.db.messageTally.groupBy({
          by: ['status', 'provider', 'direction'],
          where: tallyWhere(normalized, ranges.hours),
          _sum: { messages: true, segments: true },
        })
      : [],
    ...ranges.edges.map((edge) => edgeGroups(services, normalized, edge)),
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
function edgeGroups(services: Services, filter: NormalizedFilter, edge: TimeRange): Promise<Group[]> {
  return messageGroups(services, filterWhere(sqlDialect(services.dialect), { ...filter, createdAfter: edge.from, createdBefore: edge.to }));
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
function tallyRanges(filter: NormalizedFilter): { hours: { from: Date | null; to: Date | null } | null; edges: TimeRange[] } | null {
  if (filter.conversationId !== undefined || filter.from || filter.to || filter.search || filter.assistantId === '') return null;
  const after = filter.createdAfter;
  const before = filter.createdBefore;
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

function tallyWhere(filter: NormalizedFilter, hours: { from: Date | null; to: Date | null }): Prisma.MessageTallyWhereInput {
  return {
    ...kindWhere(filter),
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
  const normalized = normalizeFilter(organizationId, filter);
  const ranges = options.source === 'messages' ? null : tallyRanges(normalized);
  const rows = ranges ? await talliedSeries(services, normalized, interval, ranges) : await seriesOfMessages(services, normalized, interval);
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
  filter: NormalizedFilter,
  interval: StatsInterval,
  ranges: NonNullable<ReturnType<typeof tallyRanges>>,
): Promise<SeriesRow[]> {
  const [tallied, ...edges] = await Promise.all([
    ranges.hours ? tallySeries(services, filter, interval, ranges.hours) : [],
    ...ranges.edges.map((edge) => edgeGroups(services, filter, edge)),
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
async function tallySeries(services: Services, filter: NormalizedFilter, interval: StatsInterval, hours: { from: Date | null; to: Date | null }): Promise<SeriesRow[]> {
  const dialect = sqlDialect(services.dialect);
  const conditions = [
    filterSql(dialect, kindOnly(filter)),
    ...(hours.from ? [Prisma.sql`"hour" >= ${hours.from}`] : []),
    ...(hours.to ? [Prisma.sql`"hour" < ${hours.to}`] : []),
  ];
  const rows = await services.db.$queryRaw<{ start: Date | string; total: unknown; inbound: unknown; delivered: unknown; undelivered: unknown; failed: unknown; segments: unknown }[]>`
    SELECT ${dialect.tallyBucket(interval)} AS "start",
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
    start: bucketStart(row.start),
    counts: [row.total, row.inbound, row.delivered, row.undelivered, row.failed, row.segments].map(Number),
  }));
}

/**
 * The series from the messages themselves: the buckets between the first and the last matching
 * message, each counted over its own range of the createdAt index (the dialect's messageSeries).
 */
function seriesOfMessages(services: Services, filter: NormalizedFilter, interval: StatsInterval): Promise<SeriesRow[]> {
  const dialect = sqlDialect(services.dialect);
  return dialect.messageSeries(services.db, {
    where: filterSql(dialect, filter),
    inner: filterSql(dialect, { ...filter, createdAfter: null, createdBefore: null }),
    createdAfter: filter.createdAfter,
    createdBefore: filter.createdBefore,
    interval,
  });
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
export function startTallyCompaction(services: Services, onError: (error: unknown) => void): PeriodicTask {
  if (services.dialect !== 'postgresql') return NEVER;
  return every(TALLY_COMPACTION_MS, () => compactMessageTallies(services), onError);
}
