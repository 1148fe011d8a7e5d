import type { Services } from '../services';
import { Prisma } from '../db/client';
import { parseE164 } from './phone-number';

export interface MessageFilter {
  direction?: 'INBOUND' | 'OUTBOUND' | null;
  status?: Prisma.MessageWhereInput['status'] & string | null;
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

export async function messageStats(services: Services, organizationId: string, filter: MessageFilter = {}) {
  const where = messageWhere(services, organizationId, filter);
  const { db } = services;
  const [byStatus, byProvider, byDirection, outbound] = await Promise.all([
    db.message.groupBy({ by: ['status'], where, _count: { _all: true } }),
    db.message.groupBy({ by: ['provider'], where, _count: { _all: true } }),
    db.message.groupBy({ by: ['direction'], where, _count: { _all: true } }),
    db.message.aggregate({ where: { ...where, direction: 'OUTBOUND' }, _sum: { segments: true } }),
  ]);
  const count = (status: string) => byStatus.find((row) => row.status === status)?._count._all ?? 0;
  const finished = count('DELIVERED') + count('UNDELIVERED') + count('FAILED');
  return {
    total: byStatus.reduce((sum, row) => sum + row._count._all, 0),
    byStatus: byStatus.map((row) => ({ key: row.status, count: row._count._all })).sort(byKey),
    byProvider: byProvider.map((row) => ({ key: row.provider, count: row._count._all })).sort(byKey),
    byDirection: byDirection.map((row) => ({ key: row.direction, count: row._count._all })).sort(byKey),
    segments: outbound._sum.segments ?? 0,
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
  const pg = services.dialect === 'postgresql';
  const bucket = pg
    ? Prisma.raw(interval === 'HOUR' ? `date_trunc('hour', "createdAt")` : `date_trunc('day', "createdAt")`)
    : // SQLite keeps a DateTime as ISO 8601 text ("2026-11-27T10:04:05.678+00:00"); strftime reads it.
      Prisma.raw(interval === 'HOUR' ? `strftime('%Y-%m-%dT%H:00:00Z', "createdAt")` : `strftime('%Y-%m-%dT00:00:00Z', "createdAt")`);
  const count = (condition: Prisma.Sql) => Prisma.sql`SUM(CASE WHEN ${condition} THEN 1 ELSE 0 END)`;
  const is = (column: string, type: string, value: string) =>
    pg ? Prisma.sql`${Prisma.raw(`"${column}"`)} = CAST(${value} AS ${Prisma.raw(`"${type}"`)})` : Prisma.sql`${Prisma.raw(`"${column}"`)} = ${value}`;
  const rows = await services.db.$queryRaw<
    { start: Date | string; total: unknown; inbound: unknown; delivered: unknown; undelivered: unknown; failed: unknown; segments: unknown }[]
  >`
    SELECT ${bucket} AS "start",
           COUNT(*) AS "total",
           ${count(is('direction', 'Direction', 'INBOUND'))} AS "inbound",
           ${count(is('status', 'MessageStatus', 'DELIVERED'))} AS "delivered",
           ${count(is('status', 'MessageStatus', 'UNDELIVERED'))} AS "undelivered",
           ${count(is('status', 'MessageStatus', 'FAILED'))} AS "failed",
           SUM(CASE WHEN ${is('direction', 'Direction', 'OUTBOUND')} THEN "segments" ELSE 0 END) AS "segments"
    FROM "Message"
    WHERE ${sqlWhere(services, organizationId, filter)}
    GROUP BY 1
    ORDER BY 1`;
  return rows.map((row) => {
    const total = Number(row.total);
    const inbound = Number(row.inbound ?? 0);
    return {
      start: toUtcDate(row.start),
      total,
      inbound,
      outbound: total - inbound,
      delivered: Number(row.delivered ?? 0),
      undelivered: Number(row.undelivered ?? 0),
      failed: Number(row.failed ?? 0),
      segments: Number(row.segments ?? 0),
    };
  });
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
  if (search) {
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
