import { GraphQLError } from 'graphql';
import type { Services } from '../services';
import type { Caller, KeyCaller } from '../tenancy/api-keys';

export interface Context {
  services: Services;
  caller: Caller | null;
  /**
   * The calling key's organization: everything a key reads or writes is scoped to it. '' (which
   * names no row) for callers without one; fields that need it require a key scope (authScopes),
   * so they never run for such callers.
   */
  organizationId: string;
  /** Set when one execution serves several WebSocket subscribers (realtime/fan-out.ts): how many, now. */
  subscribers?: () => number;
}

/** The context of one request (or one WebSocket operation) for the caller its credentials named. */
export function contextFor(services: Services, caller: Caller | null, extra: Partial<Context> = {}): Context {
  return { services, caller, organizationId: caller?.kind === 'organization' ? caller.organizationId : '', ...extra };
}

export function unauthenticated(message = 'A valid API key is required: Authorization: Bearer <key>') {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
}

export function forbidden(message: string) {
  return new GraphQLError(message, { extensions: { code: 'FORBIDDEN', http: { status: 403 } } });
}

/** The calling key, for fields its scopes (authScopes) already require it on: who made a change. */
export function keyCaller(context: Context): KeyCaller {
  if (context.caller?.kind !== 'organization') throw unauthenticated();
  return context.caller;
}
