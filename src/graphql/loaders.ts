import DataLoader from 'dataloader';
import type { Agent, PhoneNumber, Prisma, SenderRegistration } from '../db/client';
import { messagePageWhere } from '../messaging/delivery-log';
import type { MessageFilter } from '../messaging/message-filter';
import { groupBy } from '../db/rows';
import type { Context } from './context';

/**
 * Per request, rows asked for by id while one level of the response resolves, read together in
 * one query per kind: a page of threads names its agents, a page of messages its senders' keys,
 * numbers their registrations and registrations their numbers, and those are plain id columns
 * rather than relations. Always within the caller's organization.
 */
interface Loaders {
  agents: DataLoader<string, Agent | null>;
  apiKeyNames: DataLoader<string, string | null>;
  registrations: DataLoader<string, SenderRegistration | null>;
  numbersOfRegistration: DataLoader<string, PhoneNumber[]>;
  /** A delivery-log filter's where (with a text search, a look-up of its own): once for the page and its totalCount. */
  messagePageWheres: DataLoader<MessageFilter, Prisma.MessageWhereInput, string>;
}

const byId = <T extends { id: string }, R>(rows: T[], ids: readonly string[], pick: (row: T) => R): (R | null)[] => {
  const found = new Map(rows.map((row) => [row.id, row]));
  return ids.map((id) => {
    const row = found.get(id);
    return row ? pick(row) : null;
  });
};

const loaders = new WeakMap<Context, Loaders>();

function loadersOf(ctx: Context): Loaders {
  let found = loaders.get(ctx);
  if (!found) {
    const { db } = ctx.services;
    const { organizationId } = ctx;
    found = {
      agents: new DataLoader(async (ids) => byId(await db.agent.findMany({ where: { id: { in: [...ids] }, organizationId } }), ids, (agent) => agent)),
      apiKeyNames: new DataLoader(async (ids) =>
        byId(await db.apiKey.findMany({ where: { id: { in: [...ids] }, organizationId }, select: { id: true, name: true } }), ids, (key) => key.name),
      ),
      registrations: new DataLoader(async (ids) =>
        byId(await db.senderRegistration.findMany({ where: { id: { in: [...ids] }, organizationId } }), ids, (registration) => registration),
      ),
      numbersOfRegistration: new DataLoader(async (ids) => {
        const numbers = await db.phoneNumber.findMany({
          where: { registrationId: { in: [...ids] }, organizationId },
          orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        });
        const byRegistration = groupBy(numbers, (number) => number.registrationId!);
        return ids.map((id) => byRegistration.get(id) ?? []);
      }),
      messagePageWheres: new DataLoader((filters) => Promise.all(filters.map((filter) => messagePageWhere(ctx.services, organizationId, filter))), {
        cacheKeyFn: (filter) => JSON.stringify(filter),
      }),
    };
    loaders.set(ctx, found);
  }
  return found;
}

export const loadAgent = (ctx: Context, id: string | null | undefined) => (id ? loadersOf(ctx).agents.load(id) : null);
export const loadApiKeyName = (ctx: Context, id: string | null | undefined) => (id ? loadersOf(ctx).apiKeyNames.load(id) : null);
export const loadRegistration = (ctx: Context, id: string | null | undefined) => (id ? loadersOf(ctx).registrations.load(id) : null);
export const loadNumbersOfRegistration = (ctx: Context, registrationId: string) => loadersOf(ctx).numbersOfRegistration.load(registrationId);
export const loadMessagePageWhere = (ctx: Context, filter: MessageFilter) => loadersOf(ctx).messagePageWheres.load(filter);
