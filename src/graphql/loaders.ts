import type { Agent } from '../db/client';
import type { Context } from './context';

/**
 * Per request, rows asked for by id while one level of the response resolves, read together in
 * one query per kind (like DataLoader): a page of threads names its agents, a page of messages
 * its senders' keys, and those are plain id columns rather than relations.
 */
class ByIdLoader<T extends { id: string }> {
  #pending: Map<string, ((row: T | null) => void)[]> | null = null;
  readonly #cache = new Map<string, Promise<T | null>>();
  constructor(private readonly read: (ids: string[]) => Promise<T[]>) {}

  load(id: string): Promise<T | null> {
    const cached = this.#cache.get(id);
    if (cached) return cached;
    if (!this.#pending) {
      const batch = (this.#pending = new Map());
      void Promise.resolve().then(() => process.nextTick(() => void this.#run(batch)));
    }
    const pending = this.#pending;
    const promise = new Promise<T | null>((resolve) => {
      const waiting = pending.get(id);
      if (waiting) waiting.push(resolve);
      else pending.set(id, [resolve]);
    });
    this.#cache.set(id, promise);
    return promise;
  }

  async #run(batch: Map<string, ((row: T | null) => void)[]>) {
    if (this.#pending === batch) this.#pending = null;
    let rows: T[] = [];
    try {
      rows = await this.read([...batch.keys()]);
    } finally {
      const byId = new Map(rows.map((row) => [row.id, row]));
      for (const [id, waiting] of batch) for (const resolve of waiting) resolve(byId.get(id) ?? null);
    }
  }
}

interface Loaders {
  agents: ByIdLoader<Agent>;
  apiKeyNames: ByIdLoader<{ id: string; name: string }>;
}

const loaders = new WeakMap<Context, Loaders>();

function loadersOf(ctx: Context): Loaders {
  let found = loaders.get(ctx);
  if (!found) {
    const { db } = ctx.services;
    // Always within the caller's organization.
    const organizationId = ctx.organizationId;
    found = {
      agents: new ByIdLoader((ids) => db.agent.findMany({ where: { id: { in: ids }, organizationId } })),
      apiKeyNames: new ByIdLoader((ids) => db.apiKey.findMany({ where: { id: { in: ids }, organizationId }, select: { id: true, name: true } })),
    };
    loaders.set(ctx, found);
  }
  return found;
}

export const loadAgent = (ctx: Context, id: string | null | undefined) => (id ? loadersOf(ctx).agents.load(id) : null);
export const loadApiKeyName = async (ctx: Context, id: string | null | undefined) => (id ? ((await loadersOf(ctx).apiKeyNames.load(id))?.name ?? null) : null);
