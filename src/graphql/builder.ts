import { GraphQLError, Kind } from 'graphql';
import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import type PrismaTypes from '../db/generated/sqlite/pothos-types';
import { getDatamodel } from '../db/generated/sqlite/pothos-types';
import { SwitchboardError } from '../errors';
import { forbidden, unauthenticated, type Context } from './context';
import { grants, type ApiKeyScope } from '../tenancy/scopes';

const capitalize = (s: string) => s[0].toUpperCase() + s.slice(1);

export const builder = new SchemaBuilder<{
  Context: Context;
  PrismaTypes: PrismaTypes;
  /**
   * operator: the ADMIN_TOKEN (createOrganization). key: an organization's API key whose scopes
   * grant the one named (ADMIN grants everything, AGENT grants READ_ONLY).
   */
  AuthScopes: { operator: boolean; key: ApiKeyScope };
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    ID: { Input: string; Output: string };
  };
  DefaultFieldNullability: false;
  DefaultEdgesNullability: { list: false; items: false };
  DefaultNodeNullability: false;
}>({
  defaultFieldNullability: false,
  // Scopes first, so a refused field runs nothing; errors before Prisma, as that plugin asks.
  plugins: [ScopeAuthPlugin, ErrorsPlugin, PrismaPlugin, RelayPlugin],
  scopeAuth: {
    // Subscriptions are checked when they start, not on each event.
    authorizeOnSubscribe: true,
    authScopes: (ctx) => ({
      operator: ctx.caller?.kind === 'admin',
      key: (scope) => ctx.caller?.kind === 'organization' && grants(ctx.caller.scopes, scope),
    }),
    // A key outside its scopes: FORBIDDEN. No key (or the ADMIN_TOKEN where a key is needed): UNAUTHENTICATED.
    unauthorizedError: (_parent, ctx, info) =>
      ctx.caller?.kind === 'organization'
        ? forbidden(`This API key's scopes (${ctx.caller.scopes.join(', ')}) do not allow ${info.parentType.name}.${info.fieldName}`)
        : ctx.caller?.kind === 'admin' || info.fieldName !== 'createOrganization'
          ? unauthenticated()
          : unauthenticated('ADMIN_TOKEN is required: Authorization: Bearer <ADMIN_TOKEN>'),
  },
  prisma: {
    client: (ctx) => ctx.services.db,
    dmmf: getDatamodel(),
    exposeDescriptions: false,
    filterConnectionTotalCount: true,
    onUnusedQuery: process.env.NODE_ENV === 'production' ? null : 'warn',
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    edgesFieldOptions: { nullable: { list: false, items: false } },
    nodeFieldOptions: { nullable: false },
    nodeQueryOptions: { authScopes: { key: 'READ_ONLY' } },
    nodesQueryOptions: { authScopes: { key: 'READ_ONLY' } },
  },
  errors: {
    defaultTypes: [SwitchboardError],
    directResult: true,
    defaultUnionOptions: { name: ({ fieldName }) => `${capitalize(fieldName)}Result` },
  },
});

// Every prismaNode is declared `nullable: true` and scopes its findUnique to the caller's
// organization: node(id) with another organization's ID answers null, as if it did not exist.
builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});

builder.scalarType('DateTime', {
  description: 'An ISO 8601 date-time, e.g. 2026-11-27T10:00:00.000Z',
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING || Number.isNaN(new Date(ast.value).getTime())) {
      throw new GraphQLError('DateTime must be an ISO 8601 date-time string, e.g. "2026-11-27T10:00:00Z"', { extensions: { code: 'BAD_USER_INPUT' } });
    }
    return new Date(ast.value);
  },
  serialize: (value) => (value instanceof Date ? value : new Date(value as string)).toISOString(),
  parseValue: (value) => {
    const date = typeof value === 'string' ? new Date(value) : null;
    if (!date || Number.isNaN(date.getTime())) {
      // A GraphQLError, so the caller sees why the variable was refused (not a masked error).
      throw new GraphQLError(`DateTime must be an ISO 8601 date-time, e.g. 2026-11-27T10:00:00Z; got ${JSON.stringify(value)}`, {
        extensions: { code: 'BAD_USER_INPUT' },
      });
    }
    return date;
  },
});
