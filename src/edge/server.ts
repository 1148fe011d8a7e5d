import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Services } from '../services';
import { createGraphqlHttp } from './graphql-http';
import { createLiveServer } from './websocket';
import { createRouter, type Route } from './router';
import { sendJson } from './io';

export interface Edge {
  server: Server;
  /** Listens on `port` (0: one the system picks) and starts the WebSocket server; returns the port. */
  listen(port: number, host: string): Promise<number>;
  /** Stops taking connections and closes the WebSocket ones; `close` then ends the HTTP ones left. */
  stopAccepting(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Every transport on one port: the HTTP routes of `routes`, GraphQL over HTTP for the rest,
 * and GraphQL over WebSocket (graphql-ws) on /graphql, whose operations run through the same
 * Yoga instance's plugins.
 */
export function createEdge(services: Services, routes: readonly Route[]): Edge {
  const { log } = services;
  const graphql = createGraphqlHttp(services);
  const route = createRouter(routes, (req, res) => graphql.handle(req, res));
  const server: Server = createServer((req, res) => {
    route(req, res).catch((error) => {
      log.error({ err: error, path: req.url }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });
  // Longer than clients' idle keep-alive, so the server never closes a connection a client is
  // just reusing (which surfaces as ECONNRESET on the client).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const live = createLiveServer(server, services, graphql.yoga);

  let closed: Promise<void> | null = null;
  return {
    server,
    async listen(port, host) {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve());
      });
      live.start();
      return (server.address() as AddressInfo).port;
    },
    async stopAccepting() {
      closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await live.stop();
    },
    async close() {
      server.closeAllConnections();
      await closed;
    },
  };
}
