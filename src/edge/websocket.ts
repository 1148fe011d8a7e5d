import type { Server } from 'node:http';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import type { SubscribePayload } from 'graphql-ws';
import { GraphQLError, type ExecutionArgs } from 'graphql';
import type { YogaServerInstance } from 'graphql-yoga';
import { checkCost } from '../graphql/limits';
import { schema } from '../graphql/schema';
import { contextFor, type Context } from '../graphql/context';
import type { Services } from '../services';
import { authenticate, type Caller } from '../tenancy/api-keys';
import { LiveConnections } from '../realtime/connections';
import { FanOut, type Subscriber } from '../realtime/fan-out';
import type { ServerContext } from './graphql-http';
import { rateLimitedMessage } from '../security/rate-limit';


/** The close code for a WebSocket connection over WS_MAX_CONNECTIONS_PER_KEY (4429, after HTTP's 429). */
export const TOO_MANY_CONNECTIONS = 4429;

/**
 * GraphQL over WebSocket (graphql-ws) on the HTTP server's `/graphql`. graphql-ws speaks the
 * protocol; each operation is parsed and validated through Yoga's plugins, so the query limits
 * of HTTP apply here too; subscriptions run through FanOut, so subscribers of the same
 * operation share one execution per event.
 */
export function createLiveServer(server: Server, services: Services, yoga: YogaServerInstance<ServerContext, Context>) {
  const { limits } = services.config;
  // A frame over maxPayload closes the connection (1009) before it is buffered or parsed.
  const wss = new WebSocketServer({ server, path: '/graphql', maxPayload: limits.wsMaxPayloadBytes });
  const liveConnections = new LiveConnections(services);
  const connectionsPerKey = new Map<string, number>();
  const fanOut = new FanOut(services);
  // graphql-ws hands `subscribe` only the execution arguments: the context says whose subscription it is.
  const subscribers = new WeakMap<Context, Subscriber & { group: string }>();

  const wsServer = useServer<Record<string, unknown>, { caller?: Caller }>(
    {
      schema,
      // A connection without a live API key is refused with 4403 Forbidden.
      onConnect: async (ctx) => {
        const authorization = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
        if (typeof authorization !== 'string') return false;
        const caller = await authenticate(services, authorization);
        if (caller?.kind !== 'organization') return false;
        const open = connectionsPerKey.get(caller.apiKeyId) ?? 0;
        if (limits.wsMaxConnectionsPerKey > 0 && open >= limits.wsMaxConnectionsPerKey) {
          ctx.extra.socket.close(TOO_MANY_CONNECTIONS, `Too many connections for this API key (${limits.wsMaxConnectionsPerKey})`);
          return false;
        }
        connectionsPerKey.set(caller.apiKeyId, open + 1);
        ctx.extra.socket.once('close', () => {
          const left = (connectionsPerKey.get(caller.apiKeyId) ?? 1) - 1;
          if (left > 0) connectionsPerKey.set(caller.apiKeyId, left);
          else connectionsPerKey.delete(caller.apiKeyId);
        });
        ctx.extra.caller = caller;
        // Closed with 4403 as soon as the key is revoked.
        liveConnections.add(ctx.extra.socket, authorization, caller.organizationId);
        return true;
      },
      /**
       * Each operation is parsed and validated through Yoga's plugins (yoga.getEnveloped), then
       * counted against the key's rate limit and the connection's cap on operations in flight.
       * The context is left to `context` below, which files the subscriber for FanOut.
       */
      onSubscribe: async (ctx, _id, payload): Promise<Omit<ExecutionArgs, 'contextValue'> | readonly GraphQLError[]> => {
        // graphql-ws lists this operation in ctx.subscriptions before calling here.
        if (limits.wsMaxSubscriptionsPerConnection > 0 && Object.keys(ctx.subscriptions).length > limits.wsMaxSubscriptionsPerConnection) {
          return [new GraphQLError(`At most ${limits.wsMaxSubscriptionsPerConnection} operations at once on one connection`, { extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' } })];
        }
        const caller = ctx.extra.caller;
        if (caller?.kind === 'organization') {
          const budget = await services.rateLimiter.take(caller.apiKeyId);
          if (!budget.allowed) {
            return [new GraphQLError(rateLimitedMessage(budget), { extensions: { code: 'RATE_LIMITED', retryAfter: budget.retryAfterSeconds } })];
          }
        }
        const enveloped = yoga.getEnveloped({ req: ctx.extra.request, socket: ctx.extra.socket, params: payload });
        // The limits throw their typed errors from parse (tokens) and validate (depth, aliases…).
        let document;
        try {
          document = enveloped.parse(payload.query);
          const errors = enveloped.validate(enveloped.schema, document);
          if (errors.length > 0) return errors;
        } catch (error) {
          if (error instanceof GraphQLError) return [error];
          throw error;
        }
        const variables = payload.variables ?? undefined;
        const tooCostly = checkCost(enveloped.schema, document, payload.operationName, variables, limits.query);
        if (tooCostly) return [tooCostly];
        return { schema: enveloped.schema, document, operationName: payload.operationName, variableValues: variables };
      },
      context: (ctx, id, payload): Context => {
        const context = contextFor(services, ctx.extra.caller ?? null);
        subscribers.set(context, { socket: ctx.extra.socket, id, group: groupKey(context.caller, payload) });
        return context;
      },
      subscribe: (args) => {
        const subscriber = subscribers.get(args.contextValue as Context)!;
        return fanOut.join(subscriber.group, args, subscriber);
      },
    },
    wss,
  );

  return {
    start: () => liveConnections.start(),
    /** Closes every connection (1001 Going Away) and the WebSocket server. */
    async stop() {
      liveConnections.stop();
      await wsServer.dispose();
    },
  };
}

/**
 * Subscribers with the same key get the same result for every event, so they share one
 * execution: the same document, operation and variables, for the same kind of caller of the
 * same organization.
 */
function groupKey(caller: Caller | null, payload: SubscribePayload): string {
  // The key's scopes and agent too: they decide what the operation may do.
  const who = caller?.kind === 'organization' ? [caller.kind, caller.organizationId, caller.scopes.join(','), caller.agentId] : [caller?.kind ?? null];
  // No variables and `{}` are the same to GraphQL.
  return JSON.stringify([...who, payload.operationName ?? null, payload.variables ?? {}, payload.query]);
}
