/**
 * One API key must not be able to take the server down: query limits on HTTP and WebSocket
 * (depth, aliases, tokens, cost, page size), per-key rate limits, WebSocket caps, body caps,
 * and early answers that leave the connection usable (or close it cleanly).
 *
 * `npx vitest run test/limits.test.ts`; with DATABASE_URL/REDIS_URL set, the shared bucket
 * across two instances runs too.
 */
import net from 'node:net';
import { Lexer, Source, TokenKind } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Client } from 'graphql-ws';
import { wsClient } from './support/client';
import { ADMIN_TOKEN, startServer, usesServices, type TestServer } from './support/server';

interface Answer {
  status: number;
  headers: Headers;
  body: { data?: unknown; errors?: { message: string; extensions?: { code?: string; limit?: string } }[] } & Record<string, unknown>;
  ms: number;
}

async function post(url: string, key: string | null, query: string, variables?: Record<string, unknown>): Promise<Answer> {
  const started = performance.now();
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key && { authorization: `Bearer ${key}` }) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as Answer['body'];
  return { status: response.status, headers: response.headers, body, ms: performance.now() - started };
}

async function newOrganization(server: TestServer, name = 'Limits'): Promise<string> {
  const { body } = await post(server.url, ADMIN_TOKEN, `mutation($name: String!) { createOrganization(input: { name: $name }) { ... on CreateOrganizationPayload { apiKey } } }`, { name });
  return (body.data as { createOrganization: { apiKey: string } }).createOrganization.apiKey;
}

/** `messages → conversation → messages …` nested to `depth` fields, the last one a leaf. */
function nestedQuery(depth: number, first = 1): string {
  const open: string[] = [];
  let level = 0;
  const steps = ['messages', 'edges', 'node', 'conversation'];
  let i = 0;
  while (level < depth - 1) {
    const step = steps[i++ % steps.length];
    open.push(step === 'messages' ? `messages(first: ${first}) {` : `${step} {`);
    level++;
  }
  return `query { ${open.join(' ')} id ${'}'.repeat(open.length)} }`;
}

function tokenCount(query: string): number {
  const lexer = new Lexer(new Source(query));
  let n = 0;
  while (lexer.advance().kind !== TokenKind.EOF) n++;
  return n;
}

const codes = (answer: { body: Answer['body'] }) => (answer.body.errors ?? []).map((e) => e.extensions?.code);

/** Runs one operation over a graphql-ws client: its result, or the errors it was refused with. */
function overWs(client: Client, query: string, variables?: Record<string, unknown>) {
  return new Promise<{ data?: unknown; errors?: { message: string; extensions?: { code?: string; limit?: string } }[] }>((resolve) => {
    let result: { data?: unknown; errors?: never[] } = {};
    client.subscribe(
      { query, variables },
      {
        next: (value) => (result = value as typeof result),
        error: (error) => resolve({ errors: Array.isArray(error) ? error : [{ message: String(error) }] }),
        complete: () => resolve(result),
      },
    );
  });
}

describe('query limits', () => {
  let server: TestServer;
  let key: string;

  beforeAll(async () => {
    server = await startServer();
    key = await newOrganization(server);
  });
  afterAll(() => server?.stop());

  const healthy = async () => {
    const answer = await post(server.url, key, '{ organization { id } }');
    expect(answer.body.errors).toBeUndefined();
  };

  it('refuses a depth-15 query at once with QUERY_TOO_COMPLEX, and the server is fine after', async () => {
    const answer = await post(server.url, key, nestedQuery(15, 5));
    expect(codes(answer)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(answer.body.errors![0].extensions!.limit).toBe('depth');
    expect(answer.body.data ?? null).toBeNull();
    // Refused before execution: milliseconds, with a wide margin for a loaded machine.
    expect(answer.ms).toBeLessThan(1000);
    await healthy();
  });

  it('refuses 2,000 aliases at once', async () => {
    // Cheap aliases (under the token limit) meet the alias limit; heavier ones may meet the token limit first.
    for (const [query, limits] of [
      [`{ organization { ${Array.from({ length: 2000 }, (_, i) => `a${i}: id`).join(' ')} } }`, ['aliases']],
      [`{ ${Array.from({ length: 2000 }, (_, i) => `a${i}: organization { id }`).join(' ')} }`, ['aliases', 'tokens']],
    ] as const) {
      const answer = await post(server.url, key, query);
      expect(codes(answer)).toEqual(['QUERY_TOO_COMPLEX']);
      expect(limits).toContain(answer.body.errors![0].extensions!.limit);
      expect(answer.ms).toBeLessThan(1000);
    }
    await healthy();
  });

  it('refuses a shallow query whose pages multiply (cost), counting page sizes given as variables', async () => {
    const shallow = `query($n: Int) { messages(first: $n) { edges { node { conversation { messages(first: $n) { edges { node { id } } } } } } } }`;
    const refused = await post(server.url, key, shallow, { n: 100 });
    expect(codes(refused)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(refused.body.errors![0].extensions!.limit).toBe('cost');
    const admitted = await post(server.url, key, shallow, { n: 10 });
    expect(admitted.body.errors).toBeUndefined();
  });

  it('refuses more tokens than the limit', async () => {
    const answer = await post(server.url, key, `{ organization { ${'id '.repeat(20_000)} } }`);
    expect(codes(answer)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(answer.body.errors![0].extensions!.limit).toBe('tokens');
  });

  it('admits a 12-level Relay query, 50 aliases, 5,000 tokens and a first page of 100', async () => {
    const twelve = `query { conversations(first: 5) { edges { node { messages(first: 5) { edges { node { conversation { messages(first: 2) { edges { node { conversation { id } } } } } } } } } } } }`;
    expect((await post(server.url, key, twelve)).body.errors).toBeUndefined();

    const aliases = `{ ${Array.from({ length: 50 }, (_, i) => `a${i}: organization { id name }`).join(' ')} }`;
    expect((await post(server.url, key, aliases)).body.errors).toBeUndefined();

    // A long but ordinary document: 90 aliased, filtered pages, over 5,000 tokens in all.
    const fields = 'id direction from to body mediaUrls provider providerMessageId status errorCode errorMessage segments encoding createdAt updatedAt';
    const tokens = `query Long($after: String) { ${Array.from(
      { length: 90 },
      (_, i) => `page${i}: messages(first: 2, after: $after, filter: { direction: OUTBOUND, status: SENT, search: "order ${i}" }) { edges { cursor node { ${fields} events { status providerStatus at } conversation { id customerPhoneNumber } } } pageInfo { hasNextPage endCursor } }`,
    ).join(' ')} }`;
    expect(tokenCount(tokens)).toBeGreaterThan(5_000);
    expect((await post(server.url, key, tokens)).body.errors).toBeUndefined();

    const page = `query($n: Int) { messages(first: $n) { edges { node { id body status events { status at } conversation { id } } } pageInfo { hasNextPage } } }`;
    expect((await post(server.url, key, page, { n: 100 })).body.errors).toBeUndefined();
    expect((await post(server.url, key, `{ messages(first: 100) { edges { node { id } } } }`)).body.errors).toBeUndefined();
  });

  it('refuses a page over 100, a negative page and mixed paging directions with a typed error, before anything runs', async () => {
    const codes = (body: { errors?: { extensions?: { code?: string; argument?: string } }[] }) =>
      body.errors?.map((e) => `${e.extensions?.code}:${e.extensions?.argument}`);
    const big = await post(server.url, key, `query($n: Int) { messages(first: $n) { edges { node { id } } } }`, { n: 5000 });
    expect(codes(big.body)).toEqual(['BAD_USER_INPUT:first']);
    expect(big.body.errors![0].message).toMatch(/messages: first must be from 0 to 100; got 5000/);
    expect(big.body.data ?? null).toBeNull();
    // Nested connections are checked too, literal or variable.
    const nested = `query($n: Int) { conversations(first: 1) { edges { node { messages(last: $n) { edges { node { id } } } } } } }`;
    expect(codes((await post(server.url, key, nested, { n: 101 })).body)).toEqual(['BAD_USER_INPUT:last']);
    expect(codes((await post(server.url, key, `{ messages(first: -1) { edges { node { id } } } }`)).body)).toEqual(['BAD_USER_INPUT:first']);
    expect(codes((await post(server.url, key, `{ messages(first: 2, before: "x") { edges { node { id } } } }`)).body)).toEqual(['BAD_USER_INPUT:first']);
    expect(codes((await post(server.url, key, `{ messages(first: 2, last: 2) { edges { node { id } } } }`)).body)).toEqual(['BAD_USER_INPUT:last']);
    // A null variable is no argument at all.
    const page = `query($n: Int, $before: String) { messages(first: $n, before: $before) { edges { node { id } } } }`;
    expect((await post(server.url, key, page, { n: 100, before: null })).body.errors).toBeUndefined();
  });

  it('applies the same limits over WebSocket', async () => {
    const client = wsClient(server.url, key);
    try {
      const deep = await overWs(client, nestedQuery(15, 5));
      expect(deep.errors?.map((e) => e.extensions?.code)).toEqual(['QUERY_TOO_COMPLEX']);
      const aliases = await overWs(client, `{ organization { ${Array.from({ length: 2000 }, (_, i) => `a${i}: id`).join(' ')} } }`);
      expect(aliases.errors?.[0].extensions?.limit).toBe('aliases');
      const tokens = await overWs(client, `{ organization { ${'id '.repeat(20_000)} } }`);
      expect(tokens.errors?.[0].extensions?.limit).toBe('tokens');
      const costly = await overWs(client, `query($n: Int) { messages(first: $n) { edges { node { conversation { messages(first: $n) { edges { node { id } } } } } } } }`, { n: 100 });
      expect(costly.errors?.[0].extensions?.limit).toBe('cost');
      const tooLarge = await overWs(client, `query($n: Int) { messages(first: $n) { edges { node { id } } } }`, { n: 101 });
      expect(tooLarge.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
      const subscription = await overWs(client, `subscription { messageReceived { ${'id '.repeat(20_000)} } }`);
      expect(subscription.errors?.[0].extensions?.code).toBe('QUERY_TOO_COMPLEX');
      // And what is within the limits runs.
      const fine = await overWs(client, `{ organization { id } messages(first: 100) { edges { node { id } } } }`);
      expect(fine.errors).toBeUndefined();
      expect(fine.data).toBeTruthy();
    } finally {
      await client.dispose();
    }
  });
});

describe('rate limits', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer({ env: { RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '3' } });
  });
  afterAll(() => server?.stop());

  /** Requests until the first refusal; how many were allowed and the refusal. */
  async function untilRefused(next: () => Promise<{ refused: boolean }>, max = 20) {
    for (let allowed = 0; allowed < max; allowed++) {
      const result = await next();
      if (result.refused) return { allowed, result };
    }
    throw new Error(`no refusal in ${max} requests`);
  }

  it('answers HTTP GraphQL over the burst with 429, Retry-After and RATE_LIMITED', async () => {
    const key = await newOrganization(server, 'Rate http');
    let refusal: Answer | undefined;
    const { allowed } = await untilRefused(async () => {
      const answer = await post(server.url, key, '{ organization { id } }');
      refusal = answer;
      return { refused: answer.status === 429 };
    });
    // The burst of 3, plus at most what refilled meanwhile (1/s).
    expect(allowed).toBeGreaterThanOrEqual(3);
    expect(allowed).toBeLessThan(8);
    expect(codes(refusal!)).toEqual(['RATE_LIMITED']);
    expect(Number(refusal!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Admin calls are not an organization's key: not limited.
    const admin = await post(server.url, ADMIN_TOKEN, '{ __typename }');
    expect(admin.status).toBe(200);
  });

  it('answers POST /sms/send over the burst with 429 RATE_LIMITED', async () => {
    const key = await newOrganization(server, 'Rate rest');
    let last: { status: number; body: { error?: { code: string } }; retryAfter: string | null } | undefined;
    await untilRefused(async () => {
      const response = await fetch(`${server.url}/sms/send`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ from_phone_number: '+14155550100', to_phone_number: '+14155550101', message: 'hi' }),
      });
      last = { status: response.status, body: (await response.json()) as never, retryAfter: response.headers.get('retry-after') };
      return { refused: response.status === 429 };
    });
    expect(last!.body.error?.code).toBe('RATE_LIMITED');
    expect(Number(last!.retryAfter)).toBeGreaterThanOrEqual(1);
  });

  it('refuses WebSocket operations over the burst with RATE_LIMITED', async () => {
    const key = await newOrganization(server, 'Rate ws');
    const client = wsClient(server.url, key);
    try {
      let refusal: Awaited<ReturnType<typeof overWs>> | undefined;
      const { allowed } = await untilRefused(async () => {
        refusal = await overWs(client, '{ organization { id } }');
        return { refused: refusal.errors !== undefined };
      });
      expect(allowed).toBeGreaterThanOrEqual(3);
      expect(refusal!.errors?.[0].extensions?.code).toBe('RATE_LIMITED');
    } finally {
      await client.dispose();
    }
  });

  it.skipIf(!usesServices)('shares one bucket per key across instances through Redis', async () => {
    const second = await startServer({ database: server.database, fake: server.fake, env: { SECRETS_KEY: server.env.SECRETS_KEY, RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '4' } });
    try {
      const key = await newOrganization(server, 'Rate shared');
      const urls = [server.url, second.url];
      let n = 0;
      const { allowed } = await untilRefused(async () => ({ refused: (await post(urls[n++ % 2], key, '{ organization { id } }')).status === 429 }));
      // Separate buckets would allow 3 + 4 before any refusal; one shared bucket about 4.
      expect(allowed).toBeGreaterThanOrEqual(3);
      expect(allowed).toBeLessThan(7);
    } finally {
      await second.stop();
    }
  });
});

describe('WebSocket caps', () => {
  let server: TestServer;
  let key: string;

  beforeAll(async () => {
    server = await startServer({ env: { WS_MAX_CONNECTIONS_PER_KEY: '2', WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: '2' } });
    key = await newOrganization(server, 'Caps');
  });
  afterAll(() => server?.stop());

  /** A raw graphql-ws connection: resolves with the close code, or 'acked' once accepted. */
  function connect(apiKey: string) {
    const socket = new WebSocket(`${server.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
    const outcome = new Promise<number | 'acked'>((resolve) => {
      socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${apiKey}` } })));
      socket.on('message', (data) => {
        if (JSON.parse(String(data)).type === 'connection_ack') resolve('acked');
      });
      socket.on('close', (code) => resolve(code));
      socket.on('error', () => {});
    });
    const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
    return { socket, outcome, closed };
  }

  it('refuses a connection over WS_MAX_CONNECTIONS_PER_KEY with 4429, and frees the slot when one closes', async () => {
    const a = connect(key);
    const b = connect(key);
    expect(await a.outcome).toBe('acked');
    expect(await b.outcome).toBe('acked');
    const c = connect(key);
    expect(await c.outcome).toBe(4429);
    a.socket.close();
    await a.closed;
    // The server counts the close when it sees it: try until the freed slot is taken.
    let d: ReturnType<typeof connect> | undefined;
    for (let attempt = 0; attempt < 50; attempt++) {
      d = connect(key);
      if ((await d.outcome) === 'acked') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await d!.outcome).toBe('acked');
    b.socket.close();
    d!.socket.close();
  });

  it('refuses a subscription over WS_MAX_SUBSCRIPTIONS_PER_CONNECTION on one connection', async () => {
    const other = await newOrganization(server, 'Caps subscriptions');
    const { socket, outcome } = connect(other);
    expect(await outcome).toBe('acked');
    const replies: { id: string; type: string; payload?: { extensions?: { code?: string } }[] }[] = [];
    socket.on('message', (data) => replies.push(JSON.parse(String(data))));
    for (const id of ['1', '2', '3']) {
      socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query: 'subscription { messageReceived { id } }' } }));
    }
    const deadline = Date.now() + 5000;
    while (!replies.some((r) => r.id === '3') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const third = replies.find((r) => r.id === '3');
    expect(third?.type).toBe('error');
    expect(third?.payload?.[0].extensions?.code).toBe('TOO_MANY_SUBSCRIPTIONS');
    // The first two are still open (no error, no complete for them).
    expect(replies.filter((r) => r.id !== '3')).toEqual([]);
    // Completing one makes room for another.
    socket.send(JSON.stringify({ id: '1', type: 'complete' }));
    socket.send(JSON.stringify({ id: '4', type: 'subscribe', payload: { query: 'subscription { messageReceived { id } }' } }));
    await new Promise((r) => setTimeout(r, 300));
    expect(replies.find((r) => r.id === '4')).toBeUndefined();
    socket.close();
  });

  it('closes a connection whose connection_init is over maxPayload (1009) without reading it, unauthenticated', async () => {
    const socket = new WebSocket(`${server.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
    socket.on('error', () => {});
    await new Promise((resolve) => socket.on('open', resolve));
    const code = new Promise<number>((resolve) => socket.on('close', (c) => resolve(c)));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { filler: 'x'.repeat(1024 * 1024) } }));
    expect(await code).toBe(1009);
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
  });
});

/**
 * Raw HTTP/1.1 over one TCP connection: what the server answered (status, headers, body, in
 * order) and whether it closed the connection.
 */
function rawConnection(url: string) {
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  let buffer = Buffer.alloc(0);
  const responses: { status: number; headers: Record<string, string>; body: string }[] = [];
  let closed = false;
  socket.on('data', (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const lines = buffer.subarray(0, end).toString('latin1').split('\r\n');
      const headers = Object.fromEntries(lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      const length = Number(headers['content-length'] ?? 0);
      if (buffer.length < end + 4 + length) return;
      responses.push({ status: Number(lines[0].split(' ')[1]), headers, body: buffer.subarray(end + 4, end + 4 + length).toString() });
      buffer = buffer.subarray(end + 4 + length);
    }
  });
  socket.on('error', () => {}); // a reset after the server closed is fine; the answers are what count
  socket.on('close', () => (closed = true));
  const until = async (check: () => boolean, ms = 5000) => {
    const deadline = Date.now() + ms;
    while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    return check();
  };
  return { socket, responses, until, get closed() {
    return closed;
  } };
}

const request = (method: string, path: string, headers: Record<string, string | number>, body = '') =>
  `${method} ${path} HTTP/1.1\r\nhost: localhost\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n${body}`;

describe('body caps and early answers on a keep-alive connection', () => {
  let server: TestServer;
  let key: string;

  beforeAll(async () => {
    server = await startServer({ env: { RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '1' } });
    key = await newOrganization(server, 'Bodies');
  });
  afterAll(() => server?.stop());

  /** The connection after an early answer: the next request answered, or `Connection: close` and closed. */
  async function expectUsableOrClosed(conn: ReturnType<typeof rawConnection>) {
    const first = conn.responses[0];
    if (first.headers.connection === 'close') {
      expect(await conn.until(() => conn.closed)).toBe(true);
    } else {
      expect(await conn.until(() => conn.responses.length >= 2)).toBe(true);
      expect(conn.responses[1].status).toBe(200);
    }
  }

  it('answers a 10 MB /graphql body 413 from its Content-Length, before reading it, and closes the connection cleanly', async () => {
    const conn = rawConnection(server.url);
    // Headers and the first kilobyte only: the answer must not wait for the rest.
    conn.socket.write(request('POST', '/graphql', { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'content-length': 10 * 1024 * 1024 }, '{"query":"' + 'x'.repeat(1024)));
    expect(await conn.until(() => conn.responses.length >= 1)).toBe(true);
    expect(conn.responses[0].status).toBe(413);
    expect(JSON.parse(conn.responses[0].body).errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
    expect(conn.responses[0].headers.connection).toBe('close');
    expect(await conn.until(() => conn.closed)).toBe(true);
  });

  it('counts a chunked /graphql body as it streams and answers 413 once it passes the cap', async () => {
    const conn = rawConnection(server.url);
    conn.socket.write(request('POST', '/graphql', { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }));
    const chunk = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 8 && conn.responses.length === 0; i++) {
      conn.socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await conn.until(() => conn.responses.length >= 1)).toBe(true);
    expect(conn.responses[0].status).toBe(413);
    await expectUsableOrClosed(conn);
  });

  it('answers the next request on the connection after a 401, 405, 400 or 429', async () => {
    const json = JSON.stringify({ from_phone_number: '+14155550100', to_phone_number: '+14155550101', message: 'hi' });
    const health = request('GET', '/healthz', {});
    const cases = [
      // 401: the REST route refuses the key without reading the body.
      request('POST', '/sms/send', { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json), authorization: 'Bearer nope' }, json),
      // 405: a webhook route asked with PUT and a body.
      request('PUT', '/webhooks/twilio/messages', { 'content-type': 'application/x-www-form-urlencoded', 'content-length': 5 }, 'a=b&c'),
      // 400: not JSON.
      request('POST', '/sms/send', { 'content-type': 'application/json', 'content-length': 3, authorization: `Bearer ${key}` }, 'xyz'),
    ];
    for (const first of cases) {
      const conn = rawConnection(server.url);
      conn.socket.write(first + health);
      expect(await conn.until(() => conn.responses.length >= 1)).toBe(true);
      expect([400, 401, 405, 429]).toContain(conn.responses[0].status);
      await expectUsableOrClosed(conn);
      conn.socket.destroy();
    }
    // 429: the burst of one is spent by the 400 above (or by this first request).
    const conn = rawConnection(server.url);
    const body = JSON.stringify({ query: '{ organization { id } }' });
    const graphql = request('POST', '/graphql', { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${key}` }, body);
    conn.socket.write(graphql + graphql + health);
    expect(await conn.until(() => conn.responses.length >= 3 || conn.closed)).toBe(true);
    expect(conn.responses.map((r) => r.status)).toContain(429);
    expect(conn.responses.at(-1)!.status).toBe(200);
    conn.socket.destroy();
  });

  it('answers 413 on a webhook body over its cap and keeps answering', async () => {
    const conn = rawConnection(server.url);
    const big = 'a='.concat('x'.repeat(2 * 1024 * 1024));
    conn.socket.write(request('POST', '/webhooks/twilio/messages', { 'content-type': 'application/x-www-form-urlencoded', 'transfer-encoding': 'chunked' }));
    conn.socket.write(`${big.length.toString(16)}\r\n${big}\r\n0\r\n\r\n` + request('GET', '/healthz', {}));
    expect(await conn.until(() => conn.responses.length >= 1)).toBe(true);
    expect(conn.responses[0].status).toBe(413);
    await expectUsableOrClosed(conn);
    conn.socket.destroy();
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});
