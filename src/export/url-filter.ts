import { SwitchboardError } from '../errors';
import { Direction, MessageStatus } from '../db/client';
import { allProviders } from '../providers';
import type { MessageFilter } from '../messaging/message-filter';

// Filters in a URL: the same names as GraphQL's MessageFilter, IDs global, dates ISO 8601.

export const FILTER_PARAMS: readonly (keyof MessageFilter)[] = ['direction', 'status', 'provider', 'assistantId', 'conversationId', 'from', 'to', 'search', 'createdAfter', 'createdBefore'];

/** The values each enum filter takes: the Prisma enums', and the registered providers' names. */
const ENUMS: Record<'direction' | 'status' | 'provider', () => readonly string[]> = {
  direction: () => Object.values(Direction),
  status: () => Object.values(MessageStatus),
  provider: () => allProviders().map((provider) => provider.name),
};

/** The filter a query string names; `decodeId` turns global IDs into raw ones (one that does not decode should find nothing). */
export function filterFromParams(params: URLSearchParams, decodeId: (typename: string, globalId: string) => string): MessageFilter {
  const filter: MessageFilter = {};
  for (const name of ['direction', 'status', 'provider'] as const) {
    const value = params.get(name);
    if (!value) continue;
    const upper = value.toUpperCase();
    const values = ENUMS[name]();
    if (!values.includes(upper)) throw new SwitchboardError('INVALID_INPUT', `${name} must be one of ${values.join(', ')}`, name);
    (filter as Record<string, string>)[name] = upper;
  }
  const assistantId = params.get('assistantId');
  if (assistantId) filter.assistantId = decodeId('Assistant', assistantId);
  const conversationId = params.get('conversationId');
  if (conversationId) filter.conversationId = decodeId('Conversation', conversationId);
  for (const name of ['from', 'to', 'search'] as const) {
    const value = params.get(name);
    if (value) filter[name] = value;
  }
  for (const name of ['createdAfter', 'createdBefore'] as const) {
    const date = dateParam(params, name);
    if (date) filter[name] = date;
  }
  return filter;
}

/** The ISO 8601 date-time a query parameter names, undefined when absent or empty; anything else is INVALID_INPUT. */
export function dateParam(params: URLSearchParams, name: string): Date | undefined {
  const value = params.get(name);
  if (!value) return undefined;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new SwitchboardError('INVALID_INPUT', `${name} must be an ISO 8601 date-time`, name);
  return date;
}

/** The query string for a GraphQL MessageFilter (IDs kept global, dates as ISO 8601). */
export function paramsFromFilter(filter: Record<string, unknown> | null | undefined): Record<string, string> {
  const params: Record<string, string> = {};
  for (const name of FILTER_PARAMS) {
    const value = filter?.[name];
    if (value === null || value === undefined || value === '') continue;
    params[name] = value instanceof Date ? value.toISOString() : String(value);
  }
  return params;
}
