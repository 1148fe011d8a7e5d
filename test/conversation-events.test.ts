/**
 * conversationUpdated, as a console sees it through a real graphql-ws client: a thread's
 * creation, each message in or out, marking it read, takeover and hand-back, assignment and
 * archiving, each pushed once with the thread as it now is; filtered by assistant, and never
 * another organization's. And the lists a console reads: totalCount, unreadOnly, the
 * organization's unread total, and viewer.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from 'graphql-ws';
import { decodeGlobalID } from '@pothos/plugin-relay';
import { graphql } from './gql';
import { collect, ok, wsClient } from './support/client';
import { createOrganizationFixture, type OrganizationFixture } from './support/fixtures';
import { eventually, startServer, type TestServer } from './support/server';
import { closeRedis, inboundWithProviderId, post, signedInbound, subscribersReady } from './support/inbound';
import { SharedCreateAssistant } from './support/documents';
import { createAgent, createKey, type ScopedKey } from './support/console';

const Updated = graphql(`
  subscription EventsConversationUpdated($assistantId: ID) {
    conversationUpdated(assistantId: $assistantId) {
      change
      conversation {
        id customerPhoneNumber unreadCount mode archived lastMessageAt
        lastMessage { id body direction }
        assignee { id name }
        takenOverBy { id name }
        assistant { id }
      }
    }
  }
`);

const Send = graphql(`
  mutation EventsSend($input: SendSmsInput!) {
    sendSms(input: $input) {
      __typename
      ... on SendMessagePayload { outboundMessage { id conversation { id } } }
      ... on Error { code message }
    }
  }
`);

const MarkRead = graphql(`
  mutation EventsMarkRead($id: ID!) {
    markConversationRead(id: $id) { __typename }
  }
`);
const TakeOver = graphql(`
  mutation EventsTakeOver($input: TakeOverConversationInput!) {
    takeOverConversation(input: $input) { __typename }
  }
`);
const HandBack = graphql(`
  mutation EventsHandBack($input: HandBackConversationInput!) {
    handBackConversation(input: $input) { __typename }
  }
`);
const Assign = graphql(`
  mutation EventsAssign($input: AssignConversationInput!) {
    assignConversation(input: $input) { __typename }
  }
`);
const Archive = graphql(`
  mutation EventsArchive($id: ID!) {
    archiveConversation(id: $id) { __typename }
  }
`);

const Lists = graphql(`
  query EventsLists($unreadOnly: Boolean) {
    conversations(first: 2, filter: { unreadOnly: $unreadOnly }) { totalCount edges { node { id unreadCount } } }
    messages(first: 1) { totalCount }
    organization { unreadConversations }
    viewer { apiKey { name scopes agent { name } } organization { id } }
  }
`);

let server: TestServer;
let org: OrganizationFixture;
let agentKey: ScopedKey;
let agent: { id: string; name: string };
const clients: Client[] = [];

beforeAll(async () => {
  server = await startServer();
  org = await createOrganizationFixture(server);
  agent = await createAgent(org, 'Sam');
  agentKey = await createKey(server, org, 'Sam at the console', ['AGENT'], agent.id);
});
afterAll(async () => {
  await server?.stop();
  await closeRedis();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
  await eventually(() => server.app.services.events.activeSubscriptions() === 0);
});

let customerSeq = 0;
const nextCustomer = () => `+1415555${String(6200 + ++customerSeq)}`;

const topic = (scope: 'organization' | 'assistant', globalId: string) => `conversation:${scope}:${decodeGlobalID(globalId).id}`;

async function subscribe(who: OrganizationFixture, apiKey: string, assistantId?: string) {
  const client = wsClient(server.url, apiKey);
  clients.push(client);
  const before = server.app.services.events.activeSubscriptions();
  const subscription = collect(client, Updated, assistantId ? { assistantId } : {});
  await subscribersReady(server, before + 1, [assistantId ? topic('assistant', assistantId) : topic('organization', who.organizationId)]);
  return subscription;
}

async function receive(who: OrganizationFixture, from: string, body: string) {
  const hook = signedInbound(server, who, 'twilio', { from, body });
  expect((await post(server, hook.path, hook.signed)).status).toBe(200);
  const [stored] = await inboundWithProviderId(who, hook.providerMessageId);
  return stored;
}

describe('conversationUpdated', () => {
  it('fires once per change with the thread as it now is: created, messages in and out, read, taken over and handed back, assigned, archived', async () => {
    const everything = await subscribe(org, agentKey.apiKey);
    const byAssistant = await subscribe(org, org.apiKey, org.assistantId);
    // Another assistant of the same organization, and another organization: neither hears of these threads.
    const otherAssistant = (await ok(org.request(SharedCreateAssistant, { input: { name: 'Night shift' } }))).createAssistant;
    if (otherAssistant.__typename !== 'CreateAssistantPayload') throw new Error(JSON.stringify(otherAssistant));
    const notMine = await subscribe(org, org.apiKey, otherAssistant.assistant.id);
    const stranger = await createOrganizationFixture(server, { name: 'Stranger', numberOffset: 4 });
    const strangers = await subscribe(stranger, stranger.apiKey);

    const customer = nextCustomer();
    const changes = () => everything.events.map((e) => e.conversationUpdated.change);
    const last = () => everything.events.at(-1)!.conversationUpdated;

    const first = await receive(org, customer, 'Hello?');
    const id = first.conversation!.id;
    await eventually(() => changes().length === 1);
    expect(last()).toMatchObject({ change: 'CREATED', conversation: { id, customerPhoneNumber: customer, unreadCount: 1, mode: 'ASSISTANT', lastMessage: { id: first.id } } });

    await receive(org, customer, 'Anyone?');
    await eventually(() => changes().length === 2);
    expect(last()).toMatchObject({ change: 'MESSAGE', conversation: { id, unreadCount: 2, lastMessage: { body: 'Anyone?', direction: 'INBOUND' } } });

    const reply = (await ok(agentKey.request(Send, { input: { fromPhoneNumber: org.numbers.twilio.phoneNumber, toPhoneNumber: customer, message: 'Yes, hi!' } }))).sendSms;
    if (reply.__typename !== 'SendMessagePayload') throw new Error(JSON.stringify(reply));
    await eventually(() => changes().length === 3);
    expect(last()).toMatchObject({ change: 'MESSAGE', conversation: { id, unreadCount: 2, lastMessage: { id: reply.outboundMessage.id, direction: 'OUTBOUND' } } });

    await ok(agentKey.request(MarkRead, { id }));
    await eventually(() => changes().length === 4);
    expect(last()).toMatchObject({ change: 'READ', conversation: { id, unreadCount: 0 } });

    await ok(agentKey.request(TakeOver, { input: { conversationId: id } }));
    await eventually(() => changes().length === 5);
    expect(last()).toMatchObject({ change: 'MODE', conversation: { id, mode: 'HUMAN', takenOverBy: { id: agent.id, name: 'Sam' } } });

    await ok(agentKey.request(HandBack, { input: { conversationId: id } }));
    await eventually(() => changes().length === 6);
    expect(last()).toMatchObject({ change: 'MODE', conversation: { id, mode: 'ASSISTANT', takenOverBy: null } });

    await ok(agentKey.request(Assign, { input: { conversationId: id, agentId: agent.id } }));
    await eventually(() => changes().length === 7);
    expect(last()).toMatchObject({ change: 'ASSIGNEE', conversation: { id, assignee: { id: agent.id, name: 'Sam' } } });

    await ok(org.request(Archive, { id }));
    await eventually(() => changes().length === 8);
    expect(last()).toMatchObject({ change: 'ARCHIVED', conversation: { id, archived: true } });

    // The same eight, in the same order, to the subscriber filtered by this thread's assistant.
    await eventually(() => byAssistant.events.length === 8);
    expect(byAssistant.events.map((e) => e.conversationUpdated.change)).toEqual(['CREATED', 'MESSAGE', 'MESSAGE', 'READ', 'MODE', 'MODE', 'ASSIGNEE', 'ARCHIVED']);
    expect(byAssistant.events.every((e) => e.conversationUpdated.conversation.assistant?.id === org.assistantId)).toBe(true);
    expect(changes()).toEqual(byAssistant.events.map((e) => e.conversationUpdated.change));
    for (const s of [everything, byAssistant, notMine, strangers]) expect(s.errors).toEqual([]);

    // The stranger's own thread reaches the stranger only.
    const theirs = await receive(stranger, nextCustomer(), 'Their message');
    await eventually(() => strangers.events.length === 1);
    expect(strangers.events[0].conversationUpdated.conversation.id).toBe(theirs.conversation!.id);
    expect(everything.events.map((e) => e.conversationUpdated.conversation.id)).not.toContain(theirs.conversation!.id);
    expect(notMine.events).toEqual([]);
  });

  it('a thread opened by several messages stored at once is CREATED once; its later events are MESSAGE', async () => {
    const subscription = await subscribe(org, org.apiKey);
    const customers = [nextCustomer(), nextCustomer(), nextCustomer()];
    // Three messages to each of three new customers at once: the intake stores them in few batches.
    const sends = customers.flatMap((to) =>
      [1, 2, 3].map((n) => ok(org.request(Send, { input: { fromPhoneNumber: org.numbers.telnyx.phoneNumber, toPhoneNumber: to, message: `Batch ${n}` } }))),
    );
    const sent = (await Promise.all(sends)).map((d) => d.sendSms);
    const threads = [...new Set(sent.map((s) => (s.__typename === 'SendMessagePayload' ? s.outboundMessage.conversation!.id : 'refused')))];
    expect(threads).toHaveLength(3);
    const eventsOf = (id: string) => subscription.events.map((e) => e.conversationUpdated).filter((u) => u.conversation.id === id);
    await eventually(() => threads.every((id) => eventsOf(id).length > 0 && eventsOf(id).at(-1)!.conversation.lastMessage !== null));
    for (const id of threads) {
      const [opened, ...later] = eventsOf(id);
      expect(opened.change).toBe('CREATED');
      expect(later.every((u) => u.change === 'MESSAGE')).toBe(true);
    }
  });
});

describe('lists a console reads', () => {
  it('totalCount, unreadOnly and the unread total count what the console shows; viewer names the calling key', async () => {
    const fresh = await createOrganizationFixture(server, { name: 'Counting', numberOffset: 6 });
    const customers = [nextCustomer(), nextCustomer(), nextCustomer()];
    for (const customer of customers) await receive(fresh, customer, 'Unread');
    const read = await receive(fresh, nextCustomer(), 'To be read');
    await ok(fresh.request(MarkRead, { id: read.conversation!.id }));

    const all = await ok(fresh.request(Lists, { unreadOnly: null }));
    expect(all.conversations.totalCount).toBe(4);
    expect(all.conversations.edges).toHaveLength(2);
    expect(all.messages.totalCount).toBe(4);
    expect(all.organization.unreadConversations).toBe(3);
    expect(all.viewer).toEqual({ apiKey: { name: 'default', scopes: ['ADMIN'], agent: null }, organization: { id: fresh.organizationId } });

    const unread = await ok(fresh.request(Lists, { unreadOnly: true }));
    expect(unread.conversations.totalCount).toBe(3);
    expect(unread.conversations.edges.every((e) => e.node.unreadCount > 0)).toBe(true);

    const mine = await ok(agentKey.request(Lists, { unreadOnly: null }));
    expect(mine.viewer).toEqual({ apiKey: { name: 'Sam at the console', scopes: ['AGENT'], agent: { name: 'Sam' } }, organization: { id: org.organizationId } });
  });
});
