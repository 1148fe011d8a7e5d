import { SwitchboardError } from '../errors';

/**
 * What an API key may do. ADMIN: everything in its organization. AGENT: read threads and
 * messages, send, take threads over and hand them back, mark them read, assign them.
 * READ_ONLY: read. Each includes the ones after it.
 */
export const API_KEY_SCOPES = ['ADMIN', 'AGENT', 'READ_ONLY'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

const INCLUDES: Record<ApiKeyScope, readonly ApiKeyScope[]> = {
  ADMIN: ['ADMIN', 'AGENT', 'READ_ONLY'],
  AGENT: ['AGENT', 'READ_ONLY'],
  READ_ONLY: ['READ_ONLY'],
};

/** Whether a key with `scopes` may do what `needed` allows. */
export function grants(scopes: readonly ApiKeyScope[], needed: ApiKeyScope): boolean {
  return scopes.some((scope) => INCLUDES[scope].includes(needed));
}

/** The stored column (comma-separated, SQLite has no scalar lists) as scopes; unknown names are dropped. */
export function parseScopes(column: string): ApiKeyScope[] {
  return column.split(',').filter((s): s is ApiKeyScope => (API_KEY_SCOPES as readonly string[]).includes(s));
}

export function formatScopes(scopes: readonly ApiKeyScope[] | null | undefined): string {
  const distinct = [...new Set(scopes ?? ['ADMIN'])];
  if (distinct.length === 0) throw new SwitchboardError('INVALID_INPUT', 'scopes must name at least one scope', 'scopes');
  return API_KEY_SCOPES.filter((s) => distinct.includes(s)).join(',');
}
