/**
 * With PostgreSQL and Redis (`npm run test:services`): two server instances on one
 * database. Webhooks landing on one instance reach subscribers on the other exactly once,
 * subscribers of another organization receive nothing, and each inbound message is forwarded
 * once although both instances run a forwarder. Meaningless on SQLite (one server per file): skipped.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from 'graphql-ws';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { collect, graphqlClient, ok, wsClient } from './support/client';
import { graphql } from './gql';
import { createOrganizationFixture, type OrganizationFixture } from './support/fixtures';
import { eventually, startServer, usesServices, type TestServer } from './support/server';
import {
  closeRedis,
  inboundWithProviderId,
  InboundSuiteMessageReceived,
  messageDetails,
  InboundSuiteMessageStatusChanged,
  post,
  sendAndWaitSent,
  signedInbound,
  signedStatus,
  startSink,
  subscribersReady,
  subscriptionTopic,
  type Sink,
} from './support/inbound';

const MultiCreateApiKey = graphql(`
  mutation MultiCreateApiKey($input: CreateApiKeyInput!) {
    createApiKey(input: $input) { ... on CreateApiKeyPayload { apiKey apiKeyId } }
  }
`);

const MultiRevokeApiKey = graphql(`
  mutation MultiRevokeApiKey($id: ID!) {
    revokeApiKey(id: $id) { ... on RevokeApiKeyPayload { apiKey { revokedAt } } }
  }
`);

let a: TestServer;
let b: TestServer;
let sink: Sink;
let org: OrganizationFixture;
let other: OrganizationFixture;
const clients: Client[] = [];

beforeAll(async () => {
  if (!usesServices) return;
  a = await startServer();
  // The same database, the same secrets key (credentials are sealed with it), the same fake providers.
  b = await startServer({ database: a.database, fake: a.fake, env: { SECRETS_KEY: a.env.SECRETS_KEY } });
  sink = await startSink();
  org = await createOrganizationFixture(a, { smsWebhookUrl: sink.url });
  other = await createOrganizationFixture(b, { name: 'Other', numberOffset: 1, smsWebhookUrl: sink.url });
});
afterAll(async () => {
  await b?.stop();
  await a?.stop();
  await sink?.close();
  await closeRedis();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
  if (usesServices) await eventually(() => a.app.services.events.activeSubscriptions() + b.app.services.events.activeSubscriptions() === 0);
});

function listen<TResult, TVariables>(server: TestServer, who: OrganizationFixture, document: TypedDocumentNode<TResult, TVariables>, variables?: TVariables) {
  const client = wsClient(server.url, who.apiKey);
  clients.push(client);
  return collect(client, document, variables);
}

let customerSeq = 0;
const nextCustomer = () => `+1415555${String(4800 + ++customerSeq)}`;

describe('two instances on one database', () => {
  it.skipIf(!usesServices)('a webhook posted to instance A reaches a subscriber on instance B exactly once, and another organization nothing', async () => {
    const onB = listen(b, org, InboundSuiteMessageReceived, {});
    const onA = listen(a, org, InboundSuiteMessageReceived, {});
    const otherOnB = listen(b, other, InboundSuiteMessageReceived, {});
    const otherSpyOnB = listen(b, other, InboundSuiteMessageReceived, { assistantId: org.assistantId });
    await subscribersReady(b, 3, [subscriptionTopic('received', org), subscriptionTopic('received', other), subscriptionTopic('received', other, { assistantId: org.assistantId })]);
    await subscribersReady(a, 1, [subscriptionTopic('received', org)]);

    const customer = nextCustomer();
    const toA = signedInbound(a, org, 'twilio', { from: customer, body: 'Posted to A' });
    expect((await post(a, toA.path, toA.signed)).status).toBe(200);
    // Then one posted to B: once it has arrived everywhere, the first can no longer be on its way twice.
    const toB = signedInbound(b, org, 'telnyx', { from: customer, body: 'Posted to B' });
    expect((await post(b, toB.path, toB.signed)).status).toBe(200);
    // The other organization's own message, on A, proves its subscribers were listening.
    const theirs = signedInbound(a, other, 'vonage', { from: customer, body: 'Theirs' });
    expect((await post(a, theirs.path, theirs.signed)).status).toBe(200);

    await eventually(() => onB.events.length >= 2 && onA.events.length >= 2 && otherOnB.events.length >= 1);
    expect(onB.events.map((e) => e.messageReceived.body)).toEqual(['Posted to A', 'Posted to B']);
    expect(onA.events.map((e) => e.messageReceived.body)).toEqual(['Posted to A', 'Posted to B']);
    expect(otherOnB.events.map((e) => e.messageReceived.body)).toEqual(['Theirs']);
    expect(otherSpyOnB.events).toEqual([]);
    expect(onB.errors).toEqual([]);

    // Both instances forward; each message reaches the endpoint once.
    const ids = await Promise.all([toA, toB].map(async (h) => (await inboundWithProviderId(org, h.providerMessageId))[0].id));
    await eventually(() => ids.every((id) => sink.for(id).length === 1));
  });

  it.skipIf(!usesServices)('a provider retrying the same webhook on both instances at once is stored and published once', async () => {
    const onB = listen(b, org, InboundSuiteMessageReceived, {});
    await subscribersReady(b, 1, [subscriptionTopic('received', org)]);
    const customer = nextCustomer();
    const hook = signedInbound(a, org, 'vonage', { from: customer, body: 'Retried everywhere' });
    const responses = await Promise.all([a, b, a, b].map((s) => post(s, hook.path, hook.signed)));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const later = signedInbound(a, org, 'vonage', { from: customer, body: 'Next' });
    expect((await post(b, later.path, later.signed)).status).toBe(200);
    await eventually(() => onB.events.length >= 2);
    expect(onB.events.map((e) => e.messageReceived.body)).toEqual(['Retried everywhere', 'Next']);
    const stored = await inboundWithProviderId(org, hook.providerMessageId);
    expect(stored).toHaveLength(1);
    await eventually(() => sink.for(stored[0].id).length === 1);
  });

  it.skipIf(!usesServices)('a delivery status posted to B fires messageStatusChanged on A once', async () => {
    const customer = nextCustomer();
    const sent = await sendAndWaitSent(org, org.numbers.telnyx.phoneNumber, customer, 'Track me');
    const onA = listen(a, org, InboundSuiteMessageStatusChanged, { messageId: sent.id });
    const otherOnA = listen(a, other, InboundSuiteMessageStatusChanged, {});
    await subscribersReady(a, 2, [subscriptionTopic('status', org), subscriptionTopic('status', other)]);
    const delivered = signedStatus(b, org, 'telnyx', { providerMessageId: sent.providerMessageId, from: org.numbers.telnyx.phoneNumber, to: customer, status: 'delivered' });
    expect((await post(b, delivered.path, delivered.signed)).status).toBe(200);
    // Retried on A: no second change, no second event.
    expect((await post(a, delivered.path, delivered.signed)).status).toBe(200);
    // The other organization's own change proves it was listening.
    const theirs = await sendAndWaitSent({ ...other, request: graphqlClient(b.url, other.apiKey) }, other.numbers.twilio.phoneNumber, customer, 'Theirs');
    await eventually(() => otherOnA.events.some((e) => e.messageStatusChanged.id === theirs.id));
    await eventually(() => onA.events.length >= 1);
    expect(onA.events.map((e) => e.messageStatusChanged.status)).toEqual(['DELIVERED']);
    expect(otherOnA.events.map((e) => e.messageStatusChanged.id)).not.toContain(sent.id);
  });

  it.skipIf(!usesServices)('the same delivery status posted to both instances at once goes on each message’s timeline once', async () => {
    const sent = await Promise.all(
      Array.from({ length: 20 }, () => {
        const customer = nextCustomer();
        return sendAndWaitSent(org, org.numbers.telnyx.phoneNumber, customer, 'Both at once');
      }),
    );
    // Telnyx signs the body alone (Twilio signs the URL too), so one signed callback is valid on both.
    const hooks = sent.map((m) => signedStatus(a, org, 'telnyx', { providerMessageId: m.providerMessageId, from: m.from, to: m.to, status: 'delivered' }));
    const answers = await Promise.all(hooks.flatMap((hook) => [a, b].map((s) => post(s, hook.path, hook.signed))));
    expect(answers.every((r) => r.status === 200)).toBe(true);
    for (const m of sent) {
      const { status, events } = await messageDetails(org, m.id);
      expect(status).toBe('DELIVERED');
      expect(events.filter((e) => e.status === 'DELIVERED'), m.id).toHaveLength(1);
    }
  });

  it.skipIf(!usesServices)('a key revoked through A closes the WebSocket connections opened with it on B (4403), within the key cache’s 5 s', async () => {
    const created = (await ok(org.request(MultiCreateApiKey, { input: { name: 'console on B' } }))).createApiKey;
    if (!('apiKey' in created)) throw new Error(JSON.stringify(created));
    const client = wsClient(b.url, created.apiKey);
    clients.push(client);
    const before = b.app.services.events.activeSubscriptions();
    const onB = collect(client, InboundSuiteMessageReceived, {});
    await eventually(() => b.app.services.events.activeSubscriptions() > before);
    const revoked = (await ok(org.request(MultiRevokeApiKey, { id: created.apiKeyId }))).revokeApiKey;
    expect(revoked).toMatchObject({ apiKey: { revokedAt: expect.any(String) } });
    const revokedAt = Date.now();
    await eventually(() => onB.errors.length > 0, 10_000, 50);
    expect((onB.errors[0] as { code: number }).code).toBe(4403);
    expect(Date.now() - revokedAt).toBeLessThan(7_500);
  }, 20_000);
});
