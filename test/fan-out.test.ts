/**
 * Live push to many subscribers: subscribers of the same operation share one execution per
 * event yet each receives every event under its own subscription id; subscribers of another
 * organization or with other arguments never see it; and a subscriber that stops reading is
 * closed with 1013 while the others keep receiving.
 */
import { once } from 'node:events';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from 'graphql-ws';
import { print } from 'graphql';
import WebSocket from 'ws';
import { graphql } from './gql';
import { collect, ok, wsClient } from './support/client';
import { createOrganizationFixture, type OrganizationFixture } from './support/fixtures';
import { eventually, startServer, type TestServer } from './support/server';
import { closeRedis, organizationTopic, post, signedInbound, subscribersReady, subscriptionTopic, type ProviderKey } from './support/inbound';

const FanOutMessageReceived = graphql(`
  subscription FanOutMessageReceived($assistantId: ID) {
    messageReceived(assistantId: $assistantId) { id body assistant { id } }
  }
`);

const FanOutCreateAssistant = graphql(`
  mutation FanOutCreateAssistant($input: CreateAssistantInput!) {
    createAssistant(input: $input) {
      ... on CreateAssistantPayload { assistant { id } }
      ... on Error { code message }
    }
  }
`);

const FanOutAssignNumber = graphql(`
  mutation FanOutAssignNumber($input: AssignPhoneNumberInput!) {
    assignPhoneNumber(input: $input) {
      ... on AssignPhoneNumberPayload { phoneNumber { id } }
      ... on Error { code message }
    }
  }
`);

/** Small, so a stalled reader passes it after a few large events. */
const MAX_BUFFERED_BYTES = 64 * 1024;

let server: TestServer;
let org: OrganizationFixture;
let other: OrganizationFixture;
/** A second assistant of `org`, answering on its Vonage number. */
let secondAssistantId: string;
const clients: Client[] = [];
const sockets: WebSocket[] = [];

beforeAll(async () => {
  server = await startServer({ env: { WS_MAX_BUFFERED_BYTES: String(MAX_BUFFERED_BYTES) } });
  org = await createOrganizationFixture(server);
  other = await createOrganizationFixture(server, { name: 'Other', numberOffset: 1 });
  const created = (await ok(org.request(FanOutCreateAssistant, { input: { name: 'Night desk', vonageConfig: org.credentials.vonage } }))).createAssistant;
  if (!('assistant' in created)) throw new Error(JSON.stringify(created));
  secondAssistantId = created.assistant.id;
  await ok(org.request(FanOutAssignNumber, { input: { phoneNumberId: org.numbers.vonage.id, assistantId: secondAssistantId } }));
});
afterAll(async () => {
  await server?.stop();
  await closeRedis();
});
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate();
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
  await eventually(() => server.app.services.events.activeSubscriptions() === 0);
});

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.slice(name.length + 1)) : 0;
}

let customerSeq = 0;
/** A customer's text to `fixture`'s number at `key`, answered 200. */
async function inbound(fixture: OrganizationFixture, key: ProviderKey, body: string) {
  const hook = signedInbound(server, fixture, key, { from: `+1415555${String(4000 + ++customerSeq)}`, body });
  expect((await post(server, hook.path, hook.signed)).status).toBe(200);
}

/** `count` subscribers, each on a socket of its own, of FanOutMessageReceived with these variables. */
function subscribers(fixture: OrganizationFixture, count: number, variables: { assistantId?: string } = {}) {
  return Array.from({ length: count }, () => {
    const client = wsClient(server.url, fixture.apiKey);
    clients.push(client);
    return collect(client, FanOutMessageReceived, variables);
  });
}

const bodies = (s: ReturnType<typeof subscribers>[number]) => s.events.map((e) => e.messageReceived.body);

/** A graphql-ws conversation by hand, to see frames as they are and to stop reading at will. */
async function rawSubscriber(apiKey: string, id: string, query: string) {
  const socket = new WebSocket(`${server.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
  sockets.push(socket);
  const frames: { id?: string; type: string; payload?: any }[] = [];
  let closeCode: number | null = null;
  socket.on('message', (data) => frames.push(JSON.parse(String(data))));
  socket.on('close', (code) => (closeCode = code));
  await once(socket, 'open');
  socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${apiKey}` } }));
  await eventually(() => frames.some((f) => f.type === 'connection_ack'));
  socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query } }));
  return {
    socket,
    frames,
    get closeCode() {
      return closeCode;
    },
  };
}

describe('subscribers of one operation', () => {
  it('each receive every event once, under their own id, from one execution per event', async () => {
    const many = subscribers(org, 20);
    // Two subscriptions on one socket: the same frame, told apart only by id.
    const shared = wsClient(server.url, org.apiKey);
    clients.push(shared);
    const both = [collect(shared, FanOutMessageReceived, {}), collect(shared, FanOutMessageReceived, {})];
    const raw = await rawSubscriber(org.apiKey, 'mine', print(FanOutMessageReceived));
    const all = [...many, ...both];
    await subscribersReady(server, all.length + 1, [organizationTopic('received', org)]);

    const executionsBefore = await metric('switchboard_subscription_executions_total');
    for (const body of ['one', 'two', 'three']) await inbound(org, 'twilio', body);

    await eventually(() => all.every((s) => s.events.length >= 3) && raw.frames.filter((f) => f.type === 'next').length >= 3);
    for (const s of all) {
      expect(bodies(s)).toEqual(['one', 'two', 'three']);
      expect(s.errors).toEqual([]);
    }
    const next = raw.frames.filter((f) => f.type === 'next');
    expect(next.map((f) => [f.id, f.payload.data.messageReceived.body])).toEqual([
      ['mine', 'one'],
      ['mine', 'two'],
      ['mine', 'three'],
    ]);
    // 23 subscribers, three events: three executions.
    expect((await metric('switchboard_subscription_executions_total')) - executionsBefore).toBe(3);
  });
  it('a subscriber arriving as the last one of its operation leaves still gets the events', async () => {
    const client = wsClient(server.url, org.apiKey);
    clients.push(client);
    const leaving = collect(client, FanOutMessageReceived, {});
    await subscribersReady(server, 1, [organizationTopic('received', org)]);
    // On one socket: the server reads the `complete` and then the new `subscribe` back to back.
    leaving.dispose();
    const arriving = collect(client, FanOutMessageReceived, {});
    // Until it listens, an event can pass it by: text until one arrives.
    for (let n = 0; arriving.events.length === 0 && !arriving.completed; n++) {
      if (n === 100) throw new Error('the new subscriber never received an event');
      await inbound(org, 'twilio', `after ${n}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(arriving.completed).toBe(false);
    expect(arriving.errors).toEqual([]);
  });
});

describe('tenancy', () => {
  it('other organizations and other assistantId arguments never see the event, though the document is the same', async () => {
    const firstDesk = subscribers(org, 3, { assistantId: org.assistantId });
    const secondDesk = subscribers(org, 3, { assistantId: secondAssistantId });
    const everything = subscribers(org, 2);
    // The other organization, with the very same document and variables as `firstDesk`.
    const spies = subscribers(other, 3, { assistantId: org.assistantId });
    const theirs = subscribers(other, 2);
    await subscribersReady(server, 13, [
      subscriptionTopic('received', org, { assistantId: org.assistantId }),
      subscriptionTopic('received', org, { assistantId: secondAssistantId }),
      organizationTopic('received', org),
      organizationTopic('received', other),
    ]);

    await inbound(org, 'twilio', 'for the front desk');
    await inbound(org, 'vonage', 'for the night desk');
    await inbound(other, 'twilio', 'for the other organization');

    await eventually(
      () =>
        [...firstDesk, ...secondDesk, ...theirs].every((s) => s.events.length >= 1) && everything.every((s) => s.events.length >= 2),
    );
    for (const s of firstDesk) expect(bodies(s)).toEqual(['for the front desk']);
    for (const s of secondDesk) expect(bodies(s)).toEqual(['for the night desk']);
    for (const s of everything) expect(bodies(s).sort()).toEqual(['for the front desk', 'for the night desk']);
    for (const s of theirs) expect(bodies(s)).toEqual(['for the other organization']);
    // Published before `theirs` got its event, on the topic the spies listen on: never delivered.
    for (const s of spies) expect(s.events).toEqual([]);
    for (const s of [...firstDesk, ...secondDesk, ...everything, ...spies, ...theirs]) expect(s.errors).toEqual([]);
  });
});

describe('a subscriber that stops reading', () => {
  it('is closed with 1013 once its backlog passes WS_MAX_BUFFERED_BYTES; the others keep receiving, and /metrics counts it', async () => {
    const [healthy] = subscribers(org, 1);
    // Each event is ~135 KB to this subscriber (90 copies of a 1,500-character body, within the
    // query limits' 100 aliases), so the socket's buffers fill after a few.
    const fat = `subscription FanOutFat { messageReceived { ${Array.from({ length: 90 }, (_, i) => `b${i}: body`).join(' ')} } }`;
    const stalled = await rawSubscriber(org.apiKey, 'stalled', fat);
    await subscribersReady(server, 2, [organizationTopic('received', org)]);
    const closedBefore = await metric('switchboard_subscribers_closed_too_far_behind_total');
    (stalled.socket as unknown as { _socket: { pause(): void } })._socket.pause();

    const body = (n: number) => `${n} ${'x'.repeat(1500)}`;
    let sent = 0;
    // However large the kernel's socket buffers, they fill up: keep texting until it is closed.
    while ((await metric('switchboard_subscribers_closed_too_far_behind_total')) === closedBefore) {
      if (sent === 500) throw new Error('a stalled subscriber was never closed');
      await inbound(org, 'twilio', body(sent++));
    }
    // Later events still reach the subscriber that reads.
    for (let i = 0; i < 3; i++) await inbound(org, 'twilio', body(sent++));
    await eventually(() => healthy.events.length === sent);
    expect(bodies(healthy)).toEqual(Array.from({ length: sent }, (_, n) => body(n)));
    expect(healthy.errors).toEqual([]);
    expect((await metric('switchboard_subscribers_closed_too_far_behind_total')) - closedBefore).toBe(1);

    // Reading again, it gets what was already on its way, then the close frame.
    (stalled.socket as unknown as { _socket: { resume(): void } })._socket.resume();
    await eventually(() => stalled.closeCode);
    expect(stalled.closeCode).toBe(1013);
    const delivered = stalled.frames.filter((f) => f.type === 'next');
    expect(delivered.length).toBeGreaterThan(0);
    expect(delivered.length).toBeLessThan(sent);
    expect(delivered.every((f) => f.id === 'stalled')).toBe(true);
  });
});
