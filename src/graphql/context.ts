import { GraphQLError } from 'graphql';
import type { Services } from '../services';
import type { Caller } from '../tenancy/api-keys';

export interface Context {
  services: Services;
  caller: Caller | null;
  /** Set when one execution serves several WebSocket subscribers (realtime/fan-out.ts): how many, now. */
  subscribers?: () => number;
}

export function unauthenticated(message = 'A valid API key is required: Authorization: Bearer <key>') {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
}

/** The caller's organization; everything an API key touches is scoped to it. */
export function organizationOf(context: Context): string {
  if (context.caller?.kind !== 'organization') throw unauthenticated();
  return context.caller.organizationId;
}

export function requireAdmin(context: Context) {
  // No key, or one that names nothing: the same UNAUTHENTICATED as everywhere else.
  if (!context.caller) throw unauthenticated('ADMIN_TOKEN is required: Authorization: Bearer <ADMIN_TOKEN>');
  if (context.caller.kind !== 'admin') {
    throw new GraphQLError('This mutation needs ADMIN_TOKEN', { extensions: { code: 'FORBIDDEN', http: { status: 403 } } });
  }
}
