import { Prisma, type Direction, type MessageStatus } from '../db/client';
import type { ProviderName } from '../providers/types';
import type { Services } from '../services';
import { sqlDialect, type SqlDialect } from '../db/dialects';
import { parseE164 } from './phone-number';

/** What the delivery log, its stats and exports filter messages by (GraphQL's MessageFilter, or an export URL's query). */
export interface MessageFilter {
  direction?: Direction | null;
  status?: MessageStatus | null;
  provider?: ProviderName | null;
  /** undefined: any; "" (an ID that did not decode): none. */
  assistantId?: string;
  conversationId?: string;
  from?: string | null;
  to?: string | null;
  search?: string | null;
  createdAfter?: Date | null;
  createdBefore?: Date | null;
}

/**
 * A filter in the one form every query is built from: scoped to an organization, the numbers
 * in E.164 where they parse (as typed otherwise), the search text trimmed, every absent
 * condition null (an assistant or a conversation: undefined, as "" matches nothing).
 */
export interface NormalizedFilter {
  organizationId: string;
  direction: Direction | null;
  status: MessageStatus | null;
  provider: ProviderName | null;
  assistantId: string | undefined;
  conversationId: string | undefined;
  from: string | null;
  to: string | null;
  search: string | null;
  createdAfter: Date | null;
  createdBefore: Date | null;
}

export function normalizeFilter(organizationId: string, filter: MessageFilter = {}): NormalizedFilter {
  return {
    organizationId,
    direction: filter.direction || null,
    status: filter.status || null,
    provider: filter.provider || null,
    assistantId: filter.assistantId,
    conversationId: filter.conversationId,
    from: filter.from ? (parseE164(filter.from) ?? filter.from) : null,
    to: filter.to ? (parseE164(filter.to) ?? filter.to) : null,
    search: filter.search?.trim() || null,
    createdAfter: filter.createdAfter || null,
    createdBefore: filter.createdBefore || null,
  };
}

/** The filter's conditions on what kind of message it is, which the hourly tallies keep too (src/messaging/stats.ts). */
export function kindWhere(filter: NormalizedFilter) {
  return {
    organizationId: filter.organizationId,
    ...(filter.direction && { direction: filter.direction }),
    ...(filter.status && { status: filter.status }),
    ...(filter.provider && { provider: filter.provider }),
    ...(filter.assistantId !== undefined && { assistantId: filter.assistantId }),
  };
}

/** The filter as a Prisma where on Message; the search text by `contains` (any case in the body). */
export function filterWhere(dialect: SqlDialect, filter: NormalizedFilter): Prisma.MessageWhereInput {
  const { search } = filter;
  return {
    ...kindWhere(filter),
    ...(filter.conversationId !== undefined && { conversationId: filter.conversationId }),
    ...(filter.from && { from: filter.from }),
    ...(filter.to && { to: filter.to }),
    ...((filter.createdAfter || filter.createdBefore) && {
      createdAt: { ...(filter.createdAfter && { gte: filter.createdAfter }), ...(filter.createdBefore && { lt: filter.createdBefore }) },
    }),
    ...(search && {
      OR: [{ body: dialect.containsText(search) }, { from: { contains: search } }, { to: { contains: search } }],
    }),
  };
}

/** filterWhere for a filter as given, in the services' dialect. */
export function messageWhere(services: Pick<Services, 'dialect'>, organizationId: string, filter: MessageFilter = {}): Prisma.MessageWhereInput {
  return filterWhere(sqlDialect(services.dialect), normalizeFilter(organizationId, filter));
}

/**
 * The same conditions as parameterized SQL, for the queries Prisma cannot express (on Message,
 * or, with the kind conditions only, on MessageTally). The search text goes through the
 * dialect's text index where it can.
 */
export function filterSql(dialect: SqlDialect, filter: NormalizedFilter): Prisma.Sql {
  const conditions: Prisma.Sql[] = [Prisma.sql`"organizationId" = ${filter.organizationId}`];
  if (filter.direction) conditions.push(Prisma.sql`"direction" = ${dialect.enumValue(filter.direction, 'Direction')}`);
  if (filter.status) conditions.push(Prisma.sql`"status" = ${dialect.enumValue(filter.status, 'MessageStatus')}`);
  if (filter.provider) conditions.push(Prisma.sql`"provider" = ${filter.provider}`);
  if (filter.assistantId !== undefined) conditions.push(Prisma.sql`"assistantId" = ${filter.assistantId}`);
  if (filter.conversationId !== undefined) conditions.push(Prisma.sql`"conversationId" = ${filter.conversationId}`);
  if (filter.from) conditions.push(Prisma.sql`"from" = ${filter.from}`);
  if (filter.to) conditions.push(Prisma.sql`"to" = ${filter.to}`);
  if (filter.createdAfter) conditions.push(Prisma.sql`"createdAt" >= ${filter.createdAfter}`);
  if (filter.createdBefore) conditions.push(Prisma.sql`"createdAt" < ${filter.createdBefore}`);
  if (filter.search) conditions.push(dialect.indexedMatch(filter.search));
  return Prisma.join(conditions, ' AND ');
}

/** The kind conditions only (the hourly tallies keep nothing else). */
export const kindOnly = (filter: NormalizedFilter): NormalizedFilter => ({
  ...filter,
  conversationId: undefined,
  from: null,
  to: null,
  search: null,
  createdAfter: null,
  createdBefore: null,
});
