import DataLoader from 'dataloader';
import type { Agent } from '../db/client';
import type { Context } from './context';

/**
 * Per request, rows asked for by id while one level of the response resolves, read together in
 * one query per kind: a page of threads names its agents, a page of messages its senders' keys,
 * and those are plain id columns rather than relations. Always within the caller's organization.
 */
interface Loaders {
  agents: DataLoader<string, Agent | null>;
  apiKeyNames: DataLoader<string, string | null>;
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
    };
    loaders.set(ctx, found);
  }
  return found;
}

export const loadAgent = (ctx: Context, id: string | null | undefined) => (id ? loadersOf(ctx).agents.load(id) : null);
export const loadApiKeyName = (ctx: Context, id: string | null | undefined) => (id ? loadersOf(ctx).apiKeyNames.load(id) : null);
