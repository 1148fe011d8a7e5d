/**
 * Signed inbound webhooks from Twilio, Telnyx and Vonage are stored
 * once, threaded, published on messageReceived (real graphql-ws socket) and forwarded to the
 * assistant's endpoint with a signature it can verify; forged, tampered, unsigned and stale
 * webhooks change nothing.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from 'graphql-ws';
import { graphql } from './gql';
import { collect, ok, wsClient } from './support/client';
import { createOrganizationFixture, type OrganizationFixture } from './support/fixtures';
import { eventually, type TestServer } from './support/server';
import {
  inboundWithProviderId,
  InboundSuiteMessageReceived,
  messageDetails,
  organizationTopic,
  post,
  PROVIDERS,
  signedInbound,
  startInboundSuite,
  stopInboundSuite,
  subscribersReady,
  subscriptionTopic,
  verifySwitchboardSignature,
  type ProviderKey,
  type Sink,
} from './support/inbound';
import { telnyxKeyPair, telnyxMessageReceivedEvent, telnyxWebhookRequest, twilioInboundParams, twilioWebhookRequest, vonageInboundBody, vonageWebhookRequest } from './fakes/signing';

const InboundConversations = graphql(`
  query InboundConversations($filter: ConversationFilter) {
    conversations(filter: $filter, first: 20) {
      edges { node { id customerPhoneNumber phoneNumber { phoneNumber } messages(first: 20) { edges { node { id direction body } } } } }
    }
  }
`);

const InboundAssignNumber = graphql(`
  mutation InboundAssignNumber($input: AssignPhoneNumberInput!) {
    assignPhoneNumber(input: $input) {
      ... on AssignPhoneNumberPayload { phoneNumber { id assistant { id } } }
      ... on Error { code message }
    }
  }
`);
const InboundCreateAssistant = graphql(`
  mutation InboundCreateAssistant($input: CreateAssistantInput!) {
    createAssistant(input: $input) {
      ... on CreateAssistantPayload { assistant { id } }
      ... on Error { code message }
    }
  }
`);
const InboundAddNumber = graphql(`
  mutation InboundAddNumber($input: AddPhoneNumberInput!) {
    addPhoneNumber(input: $input) {
      ... on AddPhoneNumberPayload { phoneNumber { id phoneNumber } }
      ... on Error { code message }
    }
  }
`);

let server: TestServer;
let sink: Sink;
let org: OrganizationFixture;
const clients: Client[] = [];

beforeAll(async () => {
  ({ server, sink, org } = await startInboundSuite());
});
afterAll(() => stopInboundSuite({ server, sink }));
afterEach(async () => {
  // Every subscriber of the test disconnects, and the server stops listening for it.
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
  await eventually(() => server.app.services.events.activeSubscriptions() === 0);
});

/** A live messageReceived subscriber for the organization, listening before it returns. */
async function subscribe(variables: { assistantId?: string; conversationId?: string } = {}) {
  const client = wsClient(server.url, org.apiKey);
  clients.push(client);
  const before = server.app.services.events.activeSubscriptions();
  const subscription = collect(client, InboundSuiteMessageReceived, variables);
  await subscribersReady(server, before + 1, [subscriptionTopic('received', org, variables)]);
  return subscription;
}

let customerSeq = 0;
const nextCustomer = () => `+1415555${String(3000 + ++customerSeq)}`;

describe.each(PROVIDERS)('an inbound message through %s', (provider, key) => {
  it('is answered 200, stored once, listed, threaded, published and forwarded with a verifiable signature', async () => {
    const subscription = await subscribe();
    const customer = nextCustomer();
    const hook = signedInbound(server, org, key, { from: customer, body: `Is the patio open tonight? (${key})` });
    const response = await post(server, hook.path, hook.signed);
    expect(response.status).toBe(200);
    if (key === 'twilio') {
      expect(response.text).toContain('<Response/>');
      expect(response.contentType).toMatch(/xml/);
    }

    const [stored] = await inboundWithProviderId(org, hook.providerMessageId);
    expect(stored).toMatchObject({
      direction: 'INBOUND',
      from: customer,
      to: org.numbers[key].phoneNumber,
      body: `Is the patio open tonight? (${key})`,
      provider,
      status: 'RECEIVED',
      mediaUrls: [],
    });
    expect(await inboundWithProviderId(org, hook.providerMessageId)).toHaveLength(1);

    // The thread of (our number, customer), with the message in it.
    const { conversations } = await ok(org.request(InboundConversations, { filter: { customerPhoneNumber: customer } }));
    expect(conversations.edges).toHaveLength(1);
    const thread = conversations.edges[0].node;
    expect(thread.id).toBe(stored.conversation?.id);
    expect(thread.phoneNumber.phoneNumber).toBe(org.numbers[key].phoneNumber);
    expect(thread.messages.edges.map((e) => e.node.id)).toEqual([stored.id]);

    // Live, on the socket.
    const [event] = await eventually(() => (subscription.events.length > 0 ? subscription.events : null));
    expect(event.messageReceived).toMatchObject({ id: stored.id, from: customer, provider, direction: 'INBOUND', conversation: { id: thread.id } });
    expect(subscription.errors).toEqual([]);

    // Forwarded to the assistant, signed with its webhook secret, in the §6 shape.
    const [delivery] = await eventually(() => (sink.for(stored.id).length > 0 ? sink.for(stored.id) : null));
    expect(delivery.headers['content-type']).toMatch(/^application\/json/);
    expect(verifySwitchboardSignature(delivery.headers['x-switchboard-signature'], delivery.body, org.webhookSecret)).toBe(true);
    expect(verifySwitchboardSignature(delivery.headers['x-switchboard-signature'], delivery.body, 'whsec_someone-else')).toBe(false);
    expect(delivery.json).toMatchObject({
      type: 'sms_received',
      id: expect.stringMatching(/\S+/),
      data: {
        message_id: stored.id,
        provider_message_id: hook.providerMessageId,
        from: customer,
        to: org.numbers[key].phoneNumber,
        body: `Is the patio open tonight? (${key})`,
        media_urls: [],
        provider: key,
      },
    });
    expect(new Date(delivery.json.timestamp).toISOString()).toBe(delivery.json.timestamp);

    // The forwarding shows on the message, attempt by attempt.
    const detail = await eventually(async () => {
      const m = await messageDetails(org, stored.id);
      return m.forwards[0]?.state === 'DELIVERED' ? m : null;
    });
    expect(detail.forwards).toHaveLength(1);
    expect(detail.forwards[0]).toMatchObject({ url: sink.url, attempts: 1, attemptLog: [{ statusCode: 200, error: null }] });
    expect(detail.events).toMatchObject([{ status: 'RECEIVED' }]);
  });

  it('keeps the media URLs of an inbound MMS and forwards them', async () => {
    const customer = nextCustomer();
    const media =
      key === 'vonage'
        ? [{ url: 'https://api.nexmo.com/v3/media/4f1f2d4a-photo', contentType: 'image/jpeg' }]
        : [
            { url: `https://media.example.com/${key}/photo.jpg`, contentType: 'image/jpeg' },
            { url: `https://media.example.com/${key}/map.png`, contentType: 'image/png' },
          ];
    const hook = signedInbound(server, org, key, { from: customer, body: 'Look at this', media });
    expect((await post(server, hook.path, hook.signed)).status).toBe(200);
    const [stored] = await eventually(() => inboundWithProviderId(org, hook.providerMessageId).then((m) => (m.length ? m : null)));
    expect(stored.mediaUrls).toEqual(media.map((m) => m.url));
    expect(stored.body).toBe('Look at this');
    const [delivery] = await eventually(() => (sink.for(stored.id).length > 0 ? sink.for(stored.id) : null));
    expect(delivery.json.data.media_urls).toEqual(media.map((m) => m.url));
  });

  it('refuses a signed webhook whose sender is no phone number, or whose body is over 1,600 characters, and stores nothing', async () => {
    const bad = [
      signedInbound(server, org, key, { from: 'not-a-number', body: 'Hello' }),
      signedInbound(server, org, key, { from: '+1415', body: 'Hello' }),
      signedInbound(server, org, key, { from: nextCustomer(), body: 'x'.repeat(1601) }),
    ];
    for (const hook of bad) {
      const response = await post(server, hook.path, hook.signed);
      expect(response.status, response.text).toBe(400);
      expect(await inboundWithProviderId(org, hook.providerMessageId)).toEqual([]);
    }
  });

  it('stores a body without its NUL characters', async () => {
    const hook = signedInbound(server, org, key, { from: nextCustomer(), body: 'Table\u0000 for two' });
    expect((await post(server, hook.path, hook.signed)).status).toBe(200);
    const [stored] = await inboundWithProviderId(org, hook.providerMessageId);
    expect((await messageDetails(org, stored.id)).body).toBe('Table for two');
  });

  it('stores, publishes and forwards a replayed webhook once', async () => {
    const subscription = await subscribe();
    const customer = nextCustomer();
    const hook = signedInbound(server, org, key, { from: customer, body: 'Replay me' });
    const [first, second] = [await post(server, hook.path, hook.signed), await post(server, hook.path, hook.signed)];
    expect([first.status, second.status]).toEqual([200, 200]);
    // And a provider retrying while the first is still being stored.
    const concurrent = await Promise.all([1, 2, 3].map(() => post(server, hook.path, hook.signed)));
    expect(concurrent.map((r) => r.status)).toEqual([200, 200, 200]);

    const stored = await inboundWithProviderId(org, hook.providerMessageId);
    expect(stored).toHaveLength(1);
    await eventually(() => sink.for(stored[0].id).length === 1 && subscription.events.length === 1);
    // A later message proves the pipeline has moved on: the replay did not trail behind it.
    const later = signedInbound(server, org, key, { from: customer, body: 'After the replay' });
    expect((await post(server, later.path, later.signed)).status).toBe(200);
    await eventually(() => subscription.events.length === 2);
    const [laterStored] = await inboundWithProviderId(org, later.providerMessageId);
    await eventually(() => sink.for(laterStored.id).length === 1);
    expect(subscription.events.map((e) => e.messageReceived.providerMessageId)).toEqual([hook.providerMessageId, later.providerMessageId]);
    expect(sink.for(stored[0].id)).toHaveLength(1);
    const details = await messageDetails(org, stored[0].id);
    expect(details.forwards).toHaveLength(1);
    expect(details.conversation?.messages.edges.map((e) => e.node.id)).toEqual([stored[0].id, laterStored.id]);
  });

  it('refuses a forged, tampered, unsigned or stale webhook and leaves no trace', async () => {
    const subscription = await subscribe();
    const customer = nextCustomer();
    const forgedBody = 'I am not who I say';
    const refused: { name: string; status: number; path: string; init: RequestInit; providerMessageId: string }[] = [];
    const add = (name: string, status: number, built: { path: string; signed: { method: 'POST'; headers: Record<string, string>; body: string }; providerMessageId: string }) =>
      refused.push({ name, status, path: built.path, init: built.signed, providerMessageId: built.providerMessageId });

    // Forged: signed with credentials that are not the assistant's.
    add('forged', 403, forged(key, customer, forgedBody));
    // Tampered: a correctly signed webhook whose body was changed afterwards.
    const tampered = signedInbound(server, org, key, { from: customer, body: 'Original text' });
    add('tampered', 403, { ...tampered, signed: { ...tampered.signed, body: tampered.signed.body.replace('Original', 'Altered') } });
    // Unsigned: the signature header removed.
    const unsigned = signedInbound(server, org, key, { from: customer, body: 'No signature' });
    const header = { twilio: 'x-twilio-signature', telnyx: 'telnyx-signature-ed25519', vonage: 'authorization' }[key];
    const { [header]: _removed, ...rest } = unsigned.signed.headers;
    add('unsigned', 401, { ...unsigned, signed: { ...unsigned.signed, headers: rest } });
    // Stale: signed ten minutes ago (Twilio signs no time, so it has no stale form).
    if (key !== 'twilio') add('stale', 403, stale(key, customer));

    for (const attempt of refused) {
      const response = await fetch(server.url + attempt.path, attempt.init);
      expect({ name: attempt.name, status: response.status }).toEqual({ name: attempt.name, status: attempt.status });
    }
    // A valid message after them arrives alone: nothing refused was published, stored or forwarded.
    const valid = signedInbound(server, org, key, { from: customer, body: 'The real one' });
    expect((await post(server, valid.path, valid.signed)).status).toBe(200);
    await eventually(() => subscription.events.length >= 1);
    const [validStored] = await inboundWithProviderId(org, valid.providerMessageId);
    await eventually(() => sink.for(validStored.id).length === 1);
    expect(subscription.events.map((e) => e.messageReceived.providerMessageId)).toEqual([valid.providerMessageId]);
    for (const attempt of refused) expect(await inboundWithProviderId(org, attempt.providerMessageId)).toEqual([]);
    const forwardedIds = sink.requests.map((r) => r.json.data.provider_message_id);
    for (const attempt of refused) expect(forwardedIds).not.toContain(attempt.providerMessageId);
    const { conversations } = await ok(org.request(InboundConversations, { filter: { customerPhoneNumber: customer } }));
    expect(conversations.edges.flatMap((c) => c.node.messages.edges.map((e) => e.node.body))).toEqual(['The real one']);
  });
});

function forged(key: ProviderKey, from: string, body: string) {
  const to = org.numbers[key].phoneNumber;
  const path = { twilio: '/webhooks/twilio/messages', telnyx: '/webhooks/telnyx', vonage: '/webhooks/vonage/inbound' }[key];
  if (key === 'twilio') {
    const params = twilioInboundParams({ from, to, body });
    return { path, providerMessageId: params.MessageSid, signed: twilioWebhookRequest({ url: server.config.publicUrl + path, authToken: 'not-the-auth-token', params }) };
  }
  if (key === 'telnyx') {
    const event = telnyxMessageReceivedEvent({ from, to, text: body });
    return { path, providerMessageId: event.data.payload.id as string, signed: telnyxWebhookRequest({ privateKey: telnyxKeyPair().privateKey, event }) };
  }
  const inbound = vonageInboundBody({ from, to, text: body });
  return { path, providerMessageId: inbound.message_uuid, signed: vonageWebhookRequest({ signatureSecret: 'not-the-signature-secret-0123456789', body: inbound }) };
}

function stale(key: 'telnyx' | 'vonage', from: string) {
  const to = org.numbers[key].phoneNumber;
  const tenMinutesAgo = Math.floor(Date.now() / 1000) - 600;
  if (key === 'telnyx') {
    const event = telnyxMessageReceivedEvent({ from, to, text: 'Old news' });
    return { path: '/webhooks/telnyx', providerMessageId: event.data.payload.id as string, signed: telnyxWebhookRequest({ privateKey: org.telnyxKeys.privateKey, event, timestamp: tenMinutesAgo }) };
  }
  const inbound = vonageInboundBody({ from, to, text: 'Old news' });
  return {
    path: '/webhooks/vonage/inbound',
    providerMessageId: inbound.message_uuid,
    signed: vonageWebhookRequest({ signatureSecret: org.credentials.vonage.signatureSecret, body: inbound, iat: tenMinutesAgo }),
  };
}

describe('threads', () => {
  it('puts concurrent first messages from a new customer in one thread, none refused', async () => {
    const customer = nextCustomer();
    const hooks = ['one', 'two', 'three', 'four'].map((body) => signedInbound(server, org, 'telnyx', { from: customer, body }));
    const responses = await Promise.all(hooks.map((h) => post(server, h.path, h.signed)));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const { conversations } = await ok(org.request(InboundConversations, { filter: { customerPhoneNumber: customer } }));
    expect(conversations.edges).toHaveLength(1);
    expect(conversations.edges[0].node.messages.edges.map((e) => e.node.body).sort()).toEqual(['four', 'one', 'three', 'two']);
  });
});

describe('subscription arguments and tenancy', () => {
  it('delivers to a subscriber filtered by assistant or conversation, and nothing to another organization', async () => {
    const other = await createOrganizationFixture(server, { name: 'Other', numberOffset: 1 });
    const otherClient = wsClient(server.url, other.apiKey);
    clients.push(otherClient);
    const before = server.app.services.events.activeSubscriptions();
    const otherAll = collect(otherClient, InboundSuiteMessageReceived, {});
    // Naming our assistant does not let another organization listen in.
    const otherSpy = collect(otherClient, InboundSuiteMessageReceived, { assistantId: org.assistantId });
    await subscribersReady(server, before + 2, [organizationTopic('received', other), subscriptionTopic('received', other, { assistantId: org.assistantId })]);

    const customer = nextCustomer();
    const first = signedInbound(server, org, 'telnyx', { from: customer, body: 'First' });
    expect((await post(server, first.path, first.signed)).status).toBe(200);
    const [stored] = await inboundWithProviderId(org, first.providerMessageId);
    const conversationId = stored.conversation!.id;

    const byAssistant = await subscribe({ assistantId: org.assistantId });
    const byConversation = await subscribe({ conversationId });
    const elsewhere = await subscribe({ conversationId: 'Q29udmVyc2F0aW9uOm5vbmU=' });

    const second = signedInbound(server, org, 'telnyx', { from: customer, body: 'Second' });
    const unrelated = signedInbound(server, org, 'vonage', { from: nextCustomer(), body: 'Unrelated thread' });
    expect((await post(server, second.path, second.signed)).status).toBe(200);
    expect((await post(server, unrelated.path, unrelated.signed)).status).toBe(200);

    await eventually(() => byAssistant.events.length === 2 && byConversation.events.length === 1);
    // The other organization's own message reaches it: it was listening all along, yet got none of ours.
    const theirs = signedInbound(server, other, 'twilio', { from: customer, body: 'Theirs' });
    expect((await post(server, theirs.path, theirs.signed)).status).toBe(200);
    await eventually(() => otherAll.events.length >= 1);
    expect(otherAll.events.map((e) => e.messageReceived.body)).toEqual(['Theirs']);
    expect(otherSpy.events).toEqual([]);
    expect(byConversation.events.map((e) => e.messageReceived.body)).toEqual(['Second']);
    expect(byAssistant.events.map((e) => e.messageReceived.body)).toEqual(['Second', 'Unrelated thread']);
    expect(elsewhere.events).toEqual([]);
  });

  it('refuses a subscription without a valid API key', async () => {
    const client = wsClient(server.url, 'sk_not_a_key');
    clients.push(client);
    const subscription = collect(client, InboundSuiteMessageReceived, {});
    await eventually(() => subscription.errors.length > 0 || subscription.completed);
    expect(subscription.events).toEqual([]);
  });
});

describe('a number whose assistant has no smsWebhookUrl', () => {
  it('stores and publishes the inbound message, and forwards nothing', async () => {
    // A number with no assistant is verified with its organization's credentials for the
    // provider: its inbound message is stored and visible, assigned to nobody, forwarded nowhere.
    const created = (
      await ok(
        org.request(InboundCreateAssistant, {
          input: { name: 'No endpoint', twilioConfig: org.credentials.twilio, telnyxConfig: org.credentials.telnyx, vonageConfig: org.credentials.vonage },
        }),
      )
    ).createAssistant;
    if (!('assistant' in created)) throw new Error(JSON.stringify(created));
    const added = (await ok(org.request(InboundAddNumber, { input: { phoneNumber: '+14155554001', provider: 'TWILIO' } }))).addPhoneNumber;
    if (!('phoneNumber' in added)) throw new Error(JSON.stringify(added));

    const customer = nextCustomer();
    const unassigned = signedInbound(server, org, 'twilio', { from: customer, to: '+14155554001', body: 'Anyone there?' });
    expect((await post(server, unassigned.path, unassigned.signed)).status).toBe(200);
    const [orphan] = await inboundWithProviderId(org, unassigned.providerMessageId);
    expect(orphan).toMatchObject({ body: 'Anyone there?', to: '+14155554001', status: 'RECEIVED' });
    expect(orphan.conversation).not.toBeNull();

    // Signed with credentials no assistant of the organization holds: refused, nothing stored.
    const forged = signedInbound(server, { ...org, credentials: { ...org.credentials, twilio: { ...org.credentials.twilio, authToken: 'not-ours' } } }, 'twilio', {
      from: customer,
      to: '+14155554001',
      body: 'Forged',
    });
    expect((await post(server, forged.path, forged.signed)).status).toBe(403);
    expect(await inboundWithProviderId(org, forged.providerMessageId)).toEqual([]);

    const assigned = (await ok(org.request(InboundAssignNumber, { input: { phoneNumberId: added.phoneNumber.id, assistantId: created.assistant.id } }))).assignPhoneNumber;
    expect(assigned).toMatchObject({ phoneNumber: { assistant: { id: created.assistant.id } } });
    const subscription = await subscribe({ assistantId: created.assistant.id });
    const hook = signedInbound(server, org, 'twilio', { from: customer, to: '+14155554001', body: 'Anyone there now?' });
    expect((await post(server, hook.path, hook.signed)).status).toBe(200);
    const [stored] = await inboundWithProviderId(org, hook.providerMessageId);
    expect(stored).toMatchObject({ body: 'Anyone there now?', to: '+14155554001', status: 'RECEIVED' });
    expect(stored.conversation).not.toBeNull();
    await eventually(() => subscription.events.length === 1);

    // Forwarding is idle for it: a message to an assistant with an endpoint, sent after it, is
    // forwarded, while this one has no delivery at all.
    const control = signedInbound(server, org, 'twilio', { from: customer, body: 'Control' });
    expect((await post(server, control.path, control.signed)).status).toBe(200);
    const [controlStored] = await inboundWithProviderId(org, control.providerMessageId);
    await eventually(() => sink.for(controlStored.id).length === 1);
    expect(sink.for(stored.id)).toEqual([]);
    expect((await messageDetails(org, stored.id)).forwards).toEqual([]);
  });
});
