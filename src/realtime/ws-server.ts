import type { Server } from 'node:http';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import type { SubscribePayload } from 'graphql-ws';
import { schema } from '../graphql/schema';
import type { Context } from '../graphql/context';
import type { Services } from '../services';
import { authenticate, type Caller } from '../tenancy/api-keys';
import { LiveConnections } from './connections';
import { FanOut, type Subscriber } from './fan-out';

/**
 * GraphQL over WebSocket (graphql-ws) on the HTTP server's `/graphql`. graphql-ws speaks the
 * protocol; subscriptions run through FanOut, so subscribers of the same operation share one
 * execution per event.
 */
export function createLiveServer(server: Server, services: Services) {
  const wss = new WebSocketServer({ server, path: '/graphql' });
  const liveConnections = new LiveConnections(services);
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
        ctx.extra.caller = caller;
        // Closed with 4403 as soon as the key is revoked.
        liveConnections.add(ctx.extra.socket, authorization, caller.organizationId);
        return true;
      },
      context: (ctx, id, payload): Context => {
        const context: Context = { services, caller: ctx.extra.caller ?? null };
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
  const who = caller?.kind === 'organization' ? [caller.kind, caller.organizationId] : [caller?.kind ?? null];
  // No variables and `{}` are the same to GraphQL.
  return JSON.stringify([...who, payload.operationName ?? null, payload.variables ?? {}, payload.query]);
}
