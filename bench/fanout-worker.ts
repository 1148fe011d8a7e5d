/**
 * One client process of the fan-out benchmark: opens real graphql-ws clients (one socket each)
 * and subscribes each to messageReceived. Driven over IPC by bench/fanout.ts:
 *   parent → { type: 'subscribe', subscribers: [{ url, apiKey, assistantId|null }] }
 *   parent → { type: 'collect' }          → { type: 'latencies', values: number[], sinceStored: number[] } (and clears)
 *   parent → { type: 'close' }            → disposes every client, then { type: 'closed' }
 * Each event's body carries the wall-clock time its webhook was posted ("… @<ms>"); the
 * latency is receipt time minus that. `sinceStored` is receipt time minus the message's
 * createdAt (the server's clock, the same machine): the live push alone, without the intake.
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

interface Subscriber {
  url: string;
  apiKey: string;
  assistantId: string | null;
}

const clients: Client[] = [];
let latencies: number[] = [];
let sinceStored: number[] = [];
let errors = 0;
const now = () => performance.timeOrigin + performance.now();

const QUERY = `subscription BenchFanout($assistantId: ID) { messageReceived(assistantId: $assistantId) { id body createdAt } }`;

function subscribe(s: Subscriber) {
  const client = createClient({
    url: `${s.url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${s.apiKey}` },
    lazy: false,
    retryAttempts: 0,
    keepAlive: 0,
  });
  clients.push(client);
  client.subscribe<{ messageReceived: { id: string; body: string; createdAt: string } }>(
    { query: QUERY, variables: s.assistantId ? { assistantId: s.assistantId } : {} },
    {
      next: (value) => {
        const body = value.data?.messageReceived.body;
        const at = body ? Number(body.slice(body.lastIndexOf('@') + 1)) : NaN;
        if (Number.isFinite(at)) latencies.push(now() - at);
        else errors++;
        const stored = Date.parse(value.data?.messageReceived.createdAt ?? '');
        if (Number.isFinite(stored)) sinceStored.push(now() - stored);
      },
      error: () => errors++,
      complete: () => {},
    },
  );
}

process.on('message', async (msg: { type: string; subscribers?: Subscriber[] }) => {
  if (msg.type === 'subscribe') {
    for (const s of msg.subscribers!) subscribe(s);
    process.send!({ type: 'subscribed', count: msg.subscribers!.length });
  } else if (msg.type === 'collect') {
    process.send!({ type: 'latencies', values: latencies, sinceStored, errors });
    latencies = [];
    sinceStored = [];
    errors = 0;
  } else if (msg.type === 'close') {
    await Promise.all(clients.splice(0).map((c) => c.dispose()));
    process.send!({ type: 'closed' });
  }
});
process.send!({ type: 'ready' });
