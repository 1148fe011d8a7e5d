import type { Services } from '../services';
import type { Prisma } from '../db/client';
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
