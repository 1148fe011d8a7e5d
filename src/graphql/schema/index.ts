import { lexicographicSortSchema, type GraphQLSchema } from 'graphql';
import { builder } from '../builder';
import './errors';
import './enums';
import './agent';
import './organization';
import './assistant';
import './message';
import './conversation';
import './subscriptions';
import './opt-out';
import './forwarding';
import './export';

/**
 * Every root field must say who may call it (authScopes): a new query, mutation or
 * subscription without that decision stops the server from starting.
 */
function requireScopeDecisions(built: GraphQLSchema): GraphQLSchema {
  for (const root of [built.getQueryType(), built.getMutationType(), built.getSubscriptionType()]) {
    for (const field of Object.values(root?.getFields() ?? {})) {
      const options = field.extensions?.pothosOptions as { authScopes?: unknown } | undefined;
      if (!options?.authScopes) throw new Error(`${root!.name}.${field.name} has no authScopes: decide which API key scopes may use it`);
    }
  }
  return built;
}

export const schema = requireScopeDecisions(lexicographicSortSchema(builder.toSchema()));
