import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface GraphQLResponse<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
  status: number;
}

/** A typed GraphQL-over-HTTP client for the codegen documents (test/gql). */
export function graphqlClient(baseUrl: string, apiKey: string | null) {
  return async function request<TResult, TVariables>(
    document: TypedDocumentNode<TResult, TVariables>,
    ...[variables]: TVariables extends Record<string, never> ? [] : [TVariables]
  ): Promise<GraphQLResponse<TResult>> {
    const response = await fetch(`${baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(apiKey && { authorization: `Bearer ${apiKey}` }) },
      body: JSON.stringify({ query: print(document), variables }),
    });
    const body = (await response.json()) as Omit<GraphQLResponse<TResult>, 'status'>;
    return { ...body, status: response.status };
  };
}

export type Request = ReturnType<typeof graphqlClient>;

/** Like request(), but fails the test on any GraphQL error and returns data. */
export async function ok<T>(response: Promise<GraphQLResponse<T>>): Promise<T> {
  const { data, errors } = await response;
  if (errors?.length || !data) throw new Error(`GraphQL errors: ${JSON.stringify(errors)}`);
  return data;
}

/** A real graphql-ws client over a real socket. */
export function wsClient(baseUrl: string, apiKey: string | null, options: { lazy?: boolean } = {}): Client {
  return createClient({
    url: `${baseUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
    lazy: options.lazy ?? true,
    retryAttempts: 0,
  });
}

/** Subscribes and collects events; `ready` resolves once the server has acknowledged the subscription. */
export function collect<TResult, TVariables>(client: Client, document: TypedDocumentNode<TResult, TVariables>, variables?: TVariables) {
  const events: TResult[] = [];
  const errors: unknown[] = [];
  let completed = false;
  const dispose = client.subscribe<TResult>(
    { query: print(document), variables: variables as Record<string, unknown> | undefined },
    {
      next: (value) => {
        if (value.data) events.push(value.data as TResult);
        if (value.errors) errors.push(...value.errors);
      },
      error: (error) => errors.push(error),
      complete: () => {
        completed = true;
      },
    },
  );
  return {
    events,
    errors,
    get completed() {
      return completed;
    },
    dispose,
  };
}
