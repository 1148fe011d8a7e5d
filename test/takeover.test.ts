/**
 * A person takes a thread over from its assistant: inbound messages are still stored and
 * pushed live but not forwarded to the assistant (the forwarding record says why); the
 * assistant's own sends into the thread are refused unless forced; an agent's replies go out
 * and move the automatic hand-back on; after the hand-back (by hand or by the sweep) the next
 * inbound message is forwarded again. Every change is on the thread's timeline.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from 'graphql-ws';
import { decodeGlobalID } from '@pothos/plugin-relay';
import { graphql } from './gql';
import { collect, graphqlClient, ok, wsClient } from './support/client';
import { createOrganizationFixture, type OrganizationFixture } from './support/fixtures';
import { eventually, startServer, type TestServer } from './support/server';
import {
  closeRedis,
  InboundSuiteMessageReceived,
  inboundWithProviderId,
  messageDetails,
  post,
  signedInbound,
  startSink,
  subscribersReady,
  subscriptionTopic,
  verifySwitchboardSignature,
  type Sink,
} from './support/inbound';
import { createAgent, createKey, type ScopedKey } from './support/console';

const TakeOver = graphql(`
  mutation TakeoverTakeOver($input: TakeOverConversationInput!) {
    takeOverConversation(input: $input) {
      __typename
      ... on TakeOverConversationPayload { conversation { id mode takenOverAt handBackAt takenOverBy { id name } } }
      ... on Error { code message }
    }
  }
`);

const HandBack = graphql(`
  mutation TakeoverHandBack($input: HandBackConversationInput!) {
    handBackConversation(input: $input) {
      __typename
      ... on HandBackConversationPayload { conversation { id mode takenOverBy { id } takenOverAt handBackAt } }
      ... on Error { code message }
    }
  }
`);

const Assign = graphql(`
  mutation TakeoverAssign($input: AssignConversationInput!) {
    assignConversation(input: $input) {
      __typename
      ... on AssignConversationPayload { conversation { id assignee { id name } } }
      ... on Error { code message }
    }
  }
`);

const Thread = graphql(`
  query TakeoverThread($id: ID!) {
    conversation(id: $id) {
      id mode handBackAt takenOverBy { name } assignee { name }
      timeline { kind at agent { id name } apiKeyName }
      messages(first: 50) { totalCount edges { node { id direction body sentBy { kind agent { name } apiKeyName } } } }
    }
  }
`);

const Send = graphql(`
  mutation TakeoverSend($input: SendSmsInput!) {
    sendSms(input: $input) {
      __typename
      ... on SendMessagePayload { outboundMessage { id status sentBy { kind agent { id name } apiKeyName } } }
      ... on ApiError { code message field }
    }
  }
`);

let server: TestServer;
let sink: Sink;
let org: OrganizationFixture;
let agentKey: ScopedKey;
let agent: { id: string; name: string };
const clients: Client[] = [];

beforeAll(async () => {
  // The hand-back sweep runs often here, so a thread whose handBackAt passed goes back quickly.
  server = await startServer({ env: { HAND_BACK_SWEEP_MS: '100' } });
  sink = await startSink();
  org = await createOrganizationFixture(server, { smsWebhookUrl: sink.url });
  agent = await createAgent(org, 'Dana');
  agentKey = await createKey(server, org, 'Dana at the console', ['AGENT'], agent.id);
});
afterAll(async () => {
  await server?.stop();
  await sink?.close();
  await closeRedis();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
});

let customerSeq = 0;
const nextCustomer = () => `+1415555${String(5100 + ++customerSeq)}`;

async function receive(from: string, body: string) {
  const hook = signedInbound(server, org, 'twilio', { from, body });
  expect((await post(server, hook.path, hook.signed)).status).toBe(200);
  const [stored] = await inboundWithProviderId(org, hook.providerMessageId);
  return stored;
}

async function takeOver(conversationId: string, handBackAfterMinutes?: number) {
  const result = (await ok(agentKey.request(TakeOver, { input: { conversationId, handBackAfterMinutes } }))).takeOverConversation;
  if (result.__typename !== 'TakeOverConversationPayload') throw new Error(JSON.stringify(result));
  return result.conversation;
}

async function thread(id: string) {
  const { conversation } = await ok(org.request(Thread, { id }));
  if (!conversation) throw new Error(`conversation ${id} not found`);
  return conversation;
}

const send = (request: ScopedKey['request'], to: string, message: string, force?: boolean) =>
  ok(request(Send, { input: { fromPhoneNumber: org.numbers.twilio.phoneNumber, toPhoneNumber: to, message, force } })).then((d) => d.sendSms);

describe('taking a thread over', () => {
  it('stores and pushes inbound messages but does not forward them while a person handles the thread; after the hand-back the next one is forwarded', async () => {
    const customer = nextCustomer();
    const first = await receive(customer, 'Hello assistant');
    await eventually(() => sink.for(first.id).length === 1);
    const conversationId = first.conversation!.id;

    const taken = await takeOver(conversationId);
    expect(taken).toMatchObject({ mode: 'HUMAN', takenOverBy: { id: agent.id, name: 'Dana' }, handBackAt: null, takenOverAt: expect.any(String) });

    const client = wsClient(server.url, org.apiKey);
    clients.push(client);
    const received = collect(client, InboundSuiteMessageReceived, { conversationId });
    await subscribersReady(server, 1, [subscriptionTopic('received', org, { conversationId })]);

    const during = await receive(customer, 'Is anyone there?');
    expect(during.conversation!.id).toBe(conversationId);
    await eventually(() => received.events.some((e) => e.messageReceived.id === during.id));
    const details = await messageDetails(org, during.id);
    expect(details.forwards).toEqual([expect.objectContaining({ state: 'SKIPPED', attempts: 0, attemptLog: [] })]);
    const { message } = await ok(org.request(ForwardReason, { id: during.id }));
    expect(message?.forwards[0]).toMatchObject({ kind: 'sms_received', reason: 'conversation handled by a person' });

    const back = (await ok(agentKey.request(HandBack, { input: { conversationId } }))).handBackConversation;
    expect(back).toMatchObject({ conversation: { mode: 'ASSISTANT', takenOverBy: null, takenOverAt: null, handBackAt: null } });

    const after = await receive(customer, 'Thanks!');
    await eventually(() => sink.for(after.id).length === 1);
    const [delivery] = sink.for(after.id);
    expect(delivery.json.type).toBe('sms_received');
    expect(verifySwitchboardSignature(delivery.headers['x-switchboard-signature'], delivery.body, org.webhookSecret)).toBe(true);
    // The message received during the takeover never reached the assistant.
    expect(sink.for(during.id)).toEqual([]);
    expect((await messageDetails(org, during.id)).forwards[0].state).toBe('SKIPPED');

    const { timeline } = await thread(conversationId);
    expect(timeline.map((e) => e.kind)).toEqual(['TAKEN_OVER', 'HANDED_BACK']);
    expect(timeline[0]).toMatchObject({ agent: { id: agent.id }, apiKeyName: 'Dana at the console' });
    expect(timeline[1]).toMatchObject({ agent: null, apiKeyName: 'Dana at the console' });
  });

  it("refuses the assistant's sends into the thread (CONVERSATION_TAKEN_OVER) unless forced; the agent's own go out, recorded as the agent's", async () => {
    const customer = nextCustomer();
    const first = await receive(customer, 'I need a person');
    const conversationId = first.conversation!.id;
    await takeOver(conversationId);
    const requestsBefore = server.fake.requests.length;

    // The organization's first key has no agent: it is the assistant's backend.
    const refused = await send(org.request, customer, 'Automated reply');
    expect(refused).toMatchObject({ __typename: 'ApiError', code: 'CONVERSATION_TAKEN_OVER', field: 'toPhoneNumber' });

    const forced = await send(org.request, customer, 'Forced reply', true);
    if (forced.__typename !== 'SendMessagePayload') throw new Error(JSON.stringify(forced));
    expect(forced.outboundMessage.sentBy).toEqual({ kind: 'ASSISTANT', agent: null, apiKeyName: 'default' });

    const byAgent = await send(agentKey.request, customer, 'Hi, Dana here');
    if (byAgent.__typename !== 'SendMessagePayload') throw new Error(JSON.stringify(byAgent));
    expect(byAgent.outboundMessage.sentBy).toEqual({ kind: 'AGENT', agent: { id: agent.id, name: 'Dana' }, apiKeyName: 'Dana at the console' });

    // Exactly the two accepted messages reach the provider; the refused one was never stored.
    await eventually(() => server.fake.requests.length - requestsBefore >= 2);
    const sent = server.fake.requests.slice(requestsBefore).map((r) => String(r.body.Body));
    expect(sent.sort()).toEqual(['Forced reply', 'Hi, Dana here']);
    const view = await thread(conversationId);
    expect(view.mode).toBe('HUMAN');
    expect(view.messages.totalCount).toBe(3);
    expect(view.messages.edges.map((e) => e.node.body)).not.toContain('Automated reply');
    expect(view.messages.edges.find((e) => e.node.direction === 'INBOUND')?.node.sentBy).toBeNull();
  });

  it('hands the thread back by itself once handBackAt passes; an agent reply moves handBackAt on', async () => {
    const customer = nextCustomer();
    const first = await receive(customer, 'Can a person help?');
    const conversationId = first.conversation!.id;
    const taken = await takeOver(conversationId, 30);
    const due = new Date(taken.handBackAt!).getTime();
    expect(due - new Date(taken.takenOverAt!).getTime()).toBe(30 * 60_000);

    // A reply from the agent starts the 30 minutes again.
    const reply = await send(agentKey.request, customer, 'Looking into it');
    expect(reply.__typename).toBe('SendMessagePayload');
    const moved = new Date((await thread(conversationId)).handBackAt!).getTime();
    expect(moved).toBeGreaterThanOrEqual(due);
    expect(moved).toBeGreaterThan(Date.now() + 29 * 60_000);

    // Thirty quiet minutes, as the database will see them: handBackAt in the past.
    await server.app.services.db.conversation.update({ where: { id: decodeGlobalID(conversationId).id }, data: { handBackAt: new Date(Date.now() - 1000) } });
    await eventually(async () => (await thread(conversationId)).mode === 'ASSISTANT');
    const view = await thread(conversationId);
    expect(view).toMatchObject({ handBackAt: null, takenOverBy: null });
    expect(view.timeline.map((e) => e.kind)).toEqual(['TAKEN_OVER', 'AUTO_HANDED_BACK']);
    expect(view.timeline[1]).toMatchObject({ agent: null, apiKeyName: null });

    // The assistant has the thread again: its sends go out, and the next inbound message is forwarded.
    expect((await send(org.request, customer, 'Back to the assistant')).__typename).toBe('SendMessagePayload');
    const after = await receive(customer, 'ok');
    await eventually(() => sink.for(after.id).length === 1);
  });
});

describe('assignment and bad input', () => {
  it('assigns the thread to an agent and back to nobody, on the timeline; refuses what cannot be', async () => {
    const customer = nextCustomer();
    const conversationId = (await receive(customer, 'Hi')).conversation!.id;

    const assigned = (await ok(agentKey.request(Assign, { input: { conversationId, agentId: agent.id } }))).assignConversation;
    expect(assigned).toMatchObject({ conversation: { assignee: { id: agent.id, name: 'Dana' } } });
    const unassigned = (await ok(agentKey.request(Assign, { input: { conversationId, agentId: null } }))).assignConversation;
    expect(unassigned).toMatchObject({ conversation: { assignee: null } });
    expect((await thread(conversationId)).timeline.map((e) => [e.kind, e.agent?.name ?? null])).toEqual([
      ['ASSIGNED', 'Dana'],
      ['UNASSIGNED', null],
    ]);

    // Handing back a thread nobody took over; a hand-back period out of range; another organization's agent.
    expect((await ok(agentKey.request(HandBack, { input: { conversationId } }))).handBackConversation).toMatchObject({ code: 'INVALID_STATE' });
    expect((await ok(agentKey.request(TakeOver, { input: { conversationId, handBackAfterMinutes: 0 } }))).takeOverConversation).toMatchObject({
      code: 'INVALID_INPUT',
    });
    const other = await createOrganizationFixture(server, { name: 'Other', numberOffset: 3 });
    const stranger = await createAgent(other, 'Eve');
    expect((await ok(agentKey.request(Assign, { input: { conversationId, agentId: stranger.id } }))).assignConversation).toMatchObject({ code: 'NOT_FOUND' });
    // Another organization cannot take this thread over: it does not exist for it.
    const outsider = graphqlClient(server.url, other.apiKey);
    expect((await ok(outsider(TakeOver, { input: { conversationId } }))).takeOverConversation).toMatchObject({ code: 'NOT_FOUND' });
    // Nothing of that changed the thread.
    expect(await thread(conversationId)).toMatchObject({ mode: 'ASSISTANT', assignee: null });
    expect((await thread(conversationId)).timeline).toHaveLength(2);
  });
});

const ForwardReason = graphql(`
  query TakeoverForwardReason($id: ID!) {
    message(id: $id) { forwards { kind state reason } }
  }
`);
