/**
 * The console's GraphQL client: queries and mutations over HTTP (fetch, Bearer key), live
 * events over one graphql-ws socket that reconnects on its own after a drop. Operations are
 * the typed documents codegen writes into ./gql from schema.graphql.
 */
import { createClient, type Client } from 'graphql-ws';
import type { TypedDocumentString } from './gql/graphql';

export class GraphQLRequestError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly status: number,
  ) {
    super(message);
  }
}

type Variables<V> = V extends Record<string, never> ? [] : [V];

export interface LiveHandlers {
  /** The socket is connected again after a drop: what happened meanwhile must be refetched. */
  onReconnected(): void;
  /** Connected (true) or lost, retrying (false). */
  onConnection(connected: boolean): void;
  /** The server refused the key (revoked, or never valid). */
  onRefused(): void;
}

export class ConsoleApi {
  private socket: Client | null = null;

  constructor(private readonly apiKey: string) {}

  async request<R, V>(document: TypedDocumentString<R, V>, ...[variables]: Variables<V>): Promise<R> {
    const response = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', authorization: `Bearer ${this.apiKey}` },
      body: JSON.stringify({ query: document.toString(), variables }),
    });
    let body: { data?: R | null; errors?: { message: string; extensions?: { code?: string } }[] };
    try {
      body = await response.json();
    } catch {
      throw new GraphQLRequestError(`The server answered ${response.status} ${response.statusText}`, undefined, response.status);
    }
    const error = body.errors?.[0];
    if (error || !body.data) throw new GraphQLRequestError(error?.message ?? 'No data in the answer', error?.extensions?.code, response.status);
    return body.data;
  }

  /** Opens the socket; `handlers` hear of drops and reconnections. */
  connect(handlers: LiveHandlers): void {
    let connectedBefore = false;
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
    this.socket = createClient({
      url,
      connectionParams: { authorization: `Bearer ${this.apiKey}` },
      lazy: false,
      // A dead connection (a laptop waking up, a proxy dropping it) is noticed within seconds.
      keepAlive: 10_000,
      retryAttempts: Number.POSITIVE_INFINITY,
      shouldRetry: (event) => !isRefusal(event),
      retryWait: async (retries) => new Promise((resolve) => setTimeout(resolve, Math.min(1_000 * 2 ** retries, 15_000) * (0.5 + Math.random() / 2))),
      on: {
        connected: () => {
          handlers.onConnection(true);
          if (connectedBefore) handlers.onReconnected();
          connectedBefore = true;
        },
        closed: (event) => {
          if (isRefusal(event)) handlers.onRefused();
          else handlers.onConnection(false);
        },
      },
    });
  }

  /** A live operation; returns the function that ends it. */
  subscribe<R, V>(document: TypedDocumentString<R, V>, variables: V, next: (data: R) => void): () => void {
    if (!this.socket) throw new Error('connect() first');
    return this.socket.subscribe<R>(
      { query: document.toString(), variables: variables as Record<string, unknown> },
      {
        next: (result) => result.data && next(result.data as R),
        error: (error) => console.warn('subscription ended', error),
        complete: () => {},
      },
    );
  }

  close(): void {
    void this.socket?.dispose();
    this.socket = null;
  }
}

/** 4403: the server refused the key (see src/realtime/ws-server.ts); retrying would not help. */
function isRefusal(event: unknown): boolean {
  return typeof event === 'object' && event !== null && 'code' in event && (event as CloseEvent).code === 4403;
}
