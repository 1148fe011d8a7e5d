/**
 * Nested selections cost a bounded number of database operations, whatever
 * the page size. Every Prisma operation is counted in /metrics (switchboard_db_operations_total,
 * the same counter production exposes), so the test reads it before and after each query.
 *
 * The data set (60 threads of 4 messages with their timelines, 12 assistants with 3 numbers
 * each) is inserted through `server.app.services.db`, the server's real database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Prisma } from '../src/db/client';
import { graphql } from './gql';
import { ok } from './support/client';
import { createOrganizationFixture, shift, type OrganizationFixture } from './support/fixtures';
import { startServer, type TestServer } from './support/server';
import { randomUUID } from 'node:crypto';
import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';

const QueryCountConversations = graphql(`
  query QueryCountConversations($first: Int!) {
    conversations(first: $first) {
      edges {
        node {
          id unreadCount customerPhoneNumber
          assistant { id name phoneNumbers { id phoneNumber } }
          phoneNumber { id phoneNumber }
          lastMessage { id body events { status payload } }
          messages(first: 3) { edges { node { id body events { status providerStatus payload } forwards { id } } } }
        }
      }
    }
  }
`);

const QueryCountConversationList = graphql(`
  query QueryCountConversationList($first: Int!) {
    conversations(first: $first) {
      edges { node { id unreadCount lastMessageAt lastMessage { id direction body status createdAt } assistant { id name } phoneNumber { phoneNumber provider } } }
    }
  }
`);

const QueryCountConsoleList = graphql(`
  query QueryCountConsoleList($first: Int!) {
    conversations(first: $first) {
      totalCount
      edges {
        node {
          id mode takenOverBy { id name } assignee { id name } timeline { kind agent { name } apiKeyName }
          messages(first: 4) { edges { node { id sentBy { kind agent { name } apiKeyName } } } }
        }
      }
    }
  }
`);

const QueryCountAssistants = graphql(`
  query QueryCountAssistants($first: Int!) {
    assistants(first: $first) { edges { node { id name phoneNumbers { id phoneNumber assistant { id } } } } }
  }
`);

const QueryCountThread = graphql(`
  query QueryCountThread($id: ID!, $first: Int, $last: Int) {
    conversation(id: $id) {
      id lastMessage { id }
      messages(first: $first, last: $last) { edges { node { id events { status payload } forwards { id } phoneNumber { id } } } }
    }
  }
`);

const QueryCountMessages = graphql(`
  query QueryCountMessages($first: Int!) {
    messages(first: $first) {
      edges { node { id events { status payload } conversation { id lastMessage { id } } assistant { id } phoneNumber { id } forwards { id attemptLog { at } } } }
    }
  }
`);

const QueryCountSearch = graphql(`
  query QueryCountSearch($search: String!) {
    messages(first: 10, filter: { search: $search }) { edges { node { id } } }
  }
`);

const QueryCountSearchTotal = graphql(`
  query QueryCountSearchTotal($search: String!) {
    messages(first: 10, filter: { search: $search }) { totalCount edges { node { id } } }
  }
`);

let server: TestServer;
let org: OrganizationFixture;
let longThreadId: string;

const conversationsPage = (first: number) => ok(org.request(QueryCountConversations, { first }));
const total = (spent: Record<string, number>) => Object.values(spent).reduce((a, b) => a + b, 0);

beforeAll(async () => {
  // Background workers idle: only the queries under test touch the database.
  server = await startServer({ env: { QUEUE_POLL_INTERVAL_MS: '3600000', FORWARD_RETRY_BASE_MS: '3600000' } });
  org = await createOrganizationFixture(server);
  const { db } = server.app.services;
  const organizationId = decodeGlobalID(org.organizationId).id;
  const assistantId = decodeGlobalID(org.assistantId).id;
  const phoneNumberId = decodeGlobalID(org.numbers.twilio.id).id;
  const start = Date.parse('2026-11-01T00:00:00Z');
  const assistants = Array.from({ length: 12 }, (_, a) => ({ id: randomUUID(), organizationId, name: `Desk ${a}`, webhookSecretSealed: 'x' }));
  await db.assistant.createMany({ data: assistants });
  await db.phoneNumber.createMany({
    data: assistants.flatMap((assistant, a) =>
      [0, 1, 2].map((n) => ({ organizationId, assistantId: assistant.id, phoneNumber: shift('+14155550100', a * 3 + n), provider: 'TWILIO' as const })),
    ),
  });
  const conversations: { id: string; organizationId: string; assistantId: string; phoneNumberId: string; customerPhoneNumber: string; openThreadKey: string; lastMessageAt: Date }[] = [];
  const messages: Prisma.MessageCreateManyInput[] = [];
  const events: { messageId: string; status: 'RECEIVED' | 'SENT' | 'DELIVERED'; providerStatus?: string; payload?: string; at: Date }[] = [];
  const thread = (customer: string, lastMessageAt: Date) => {
    const conversation = { id: randomUUID(), organizationId, assistantId, phoneNumberId, customerPhoneNumber: customer, openThreadKey: `${phoneNumberId}|${customer}`, lastMessageAt };
    conversations.push(conversation);
    return conversation.id;
  };
  const message = (conversationId: string, customer: string, inbound: boolean, body: string, at: Date) => {
    const id = randomUUID();
    messages.push({
      id, organizationId, assistantId, phoneNumberId, conversationId,
      direction: inbound ? 'INBOUND' : 'OUTBOUND',
      from: inbound ? customer : org.numbers.twilio.phoneNumber,
      to: inbound ? org.numbers.twilio.phoneNumber : customer,
      body, provider: 'TWILIO', status: inbound ? 'RECEIVED' : 'DELIVERED', segments: 1, encoding: 'GSM7', createdAt: at,
    });
    return id;
  };
  // 60 threads of 4 messages, each message with a timeline of two steps.
  for (let c = 0; c < 60; c++) {
    const customer = shift('+14155551000', c);
    const conversationId = thread(customer, new Date(start + c * 60_000 + 3_000));
    for (let m = 0; m < 4; m++) {
      const at = new Date(start + c * 60_000 + m * 1_000);
      const inbound = m % 2 === 0;
      const id = message(conversationId, customer, inbound, `thread ${c} message ${m}`, at);
      events.push({ messageId: id, status: inbound ? 'RECEIVED' : 'SENT', at }, { messageId: id, status: inbound ? 'RECEIVED' : 'DELIVERED', providerStatus: 'delivered', payload: '{}', at });
    }
  }
  // One long thread of 60 messages, older than the others.
  const customer = '+14155559000';
  const long = thread(customer, new Date(start - 1000));
  longThreadId = encodeGlobalID('Conversation', long);
  for (let m = 0; m < 60; m++) {
    const at = new Date(start - 100_000 + m * 1000);
    events.push({ messageId: message(long, customer, true, `long ${m}`, at), status: 'RECEIVED', providerStatus: 'received', at });
  }
  await db.conversation.createMany({ data: conversations });
  await db.message.createMany({ data: messages });
  await db.messageEvent.createMany({ data: events });
});
afterAll(() => server?.stop());

async function operations(): Promise<Map<string, number>> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^switchboard_db_operations_total\{model="([^"]*)",operation="([^"]*)"\} (\d+)/.exec(line);
    // The scrape itself reads the queue depth (a Message groupBy), and an API key is looked up
    // at most once per request (then cached): neither depends on what the query selects.
    if (match && match[2] !== 'groupBy' && match[1] !== 'ApiKey') counts.set(`${match[1]}.${match[2]}`, Number(match[3]));
  }
  return counts;
}

/** The operations one request costs, by model and operation. */
async function cost(run: () => Promise<unknown>) {
  const before = await operations();
  await run();
  const after = await operations();
  const spent: Record<string, number> = {};
  for (const [key, value] of after) if (value - (before.get(key) ?? 0) > 0) spent[key] = value - (before.get(key) ?? 0);
  return spent;
}

describe('database operations per request', () => {
  beforeAll(async () => {
    // The first request of a key looks it up; later ones may not. Both measured requests come after.
    await ok(org.request(QueryCountAssistants, { first: 1 }));
  });

  it('conversations → assistant → numbers, number, last message → events, messages → events and forwards: the same for 5 and 50 threads', async () => {
    let large: Awaited<ReturnType<typeof conversationsPage>> | undefined;
    const five = await cost(() => conversationsPage(5));
    const fifty = await cost(async () => {
      large = await conversationsPage(50);
    });
    expect(fifty).toEqual(five);
    expect(total(fifty)).toBeLessThanOrEqual(3); // the threads (with their includes and last messages), the page ids, the pages
    // And the answer is complete: 50 threads, each with its number, assistant, newest message and timelines.
    const nodes = large!.conversations.edges.map((e) => e.node);
    expect(nodes).toHaveLength(50);
    for (const node of nodes) {
      expect(node.assistant?.phoneNumbers.length).toBeGreaterThan(0);
      expect(node.lastMessage?.body).toMatch(/message 3$/);
      expect(node.lastMessage?.events).toHaveLength(2);
      expect(node.messages.edges.map((e) => e.node.body)).toEqual([0, 1, 2].map((m) => node.lastMessage!.body.replace(/3$/, String(m))));
      expect(node.messages.edges.every((e) => e.node.events.length === 2)).toBe(true);
    }
  });

  it('the conversation list with last message, assistant and number (an agent console): one operation for 5 and 50 threads', async () => {
    const five = await cost(() => ok(org.request(QueryCountConversationList, { first: 5 })));
    const fifty = await cost(() => ok(org.request(QueryCountConversationList, { first: 50 })));
    expect(fifty).toEqual(five);
    expect(fifty).toEqual({ 'Conversation.findMany': 1 });
  });

  it('assistants → numbers → assistant: the same for 5 and 13 assistants', async () => {
    const five = await cost(() => ok(org.request(QueryCountAssistants, { first: 5 })));
    const all = await cost(() => ok(org.request(QueryCountAssistants, { first: 13 })));
    expect(all).toEqual(five);
    expect(total(all)).toBe(1);
  });

  it('the delivery log with timelines, threads, last messages and forwards: the same for 5 and 50 messages', async () => {
    const five = await cost(() => ok(org.request(QueryCountMessages, { first: 5 })));
    const fifty = await cost(() => ok(org.request(QueryCountMessages, { first: 50 })));
    expect(fifty).toEqual(five);
    expect(total(fifty)).toBeLessThanOrEqual(3);
  });

  it('a text search with its totalCount looks the text up once: the count is the only operation it adds', async () => {
    // Rare text (four messages each) with digits is looked up by id, each search afresh.
    const page = await cost(() => ok(org.request(QueryCountSearch, { search: 'thread 1 message' })));
    let totalCount = 0;
    const withTotal = await cost(async () => {
      totalCount = (await ok(org.request(QueryCountSearchTotal, { search: 'thread 2 message' }))).messages.totalCount;
    });
    expect(withTotal).toEqual({ ...page, 'Message.count': (page['Message.count'] ?? 0) + 1 });
    expect(totalCount).toBe(4);
  });

  it('one thread, paged forwards and backwards: the same for 5 and 50 messages', async () => {
    const id = longThreadId;
    const five = await cost(() => ok(org.request(QueryCountThread, { id, first: 5 })));
    const fifty = await cost(() => ok(org.request(QueryCountThread, { id, first: 50 })));
    const lastFifty = await cost(() => ok(org.request(QueryCountThread, { id, last: 50 })));
    expect(fifty).toEqual(five);
    expect(lastFifty).toEqual(five);
    expect(total(fifty)).toBeLessThanOrEqual(3);
    const page = await ok(org.request(QueryCountThread, { id, last: 50 }));
    expect(page.conversation?.messages.edges).toHaveLength(50);
  });

  it('the console list with takeover, assignee, timeline and each message\'s sender: the same for 5 and 50 threads', async () => {
    const { db } = server.app.services;
    const organizationId = decodeGlobalID(org.organizationId).id;
    const agents = ['Ana', 'Ben', 'Cy'].map((name) => ({ id: randomUUID(), organizationId, name }));
    await db.agent.createMany({ data: agents });
    const apiKey = await db.apiKey.findFirstOrThrow({ where: { organizationId } });
    const threads = await db.conversation.findMany({ where: { organizationId }, select: { id: true } });
    for (const [i, { id }] of threads.entries()) {
      const agent = agents[i % agents.length];
      await db.conversation.update({ where: { id }, data: { mode: 'HUMAN', takenOverByAgentId: agent.id, assigneeAgentId: agents[(i + 1) % agents.length].id } });
      await db.conversationEvent.create({ data: { organizationId, conversationId: id, kind: 'TAKEN_OVER', agentId: agent.id, apiKeyId: apiKey.id, apiKeyName: apiKey.name } });
      await db.message.updateMany({ where: { conversationId: id, direction: 'OUTBOUND' }, data: { sentByKind: 'AGENT', sentByAgentId: agent.id, sentByApiKeyId: apiKey.id } });
    }
    const consoleList = (first: number) => ok(org.request(QueryCountConsoleList, { first }));
    const five = await cost(() => consoleList(5));
    let page: Awaited<ReturnType<typeof consoleList>> | undefined;
    const fifty = await cost(async () => {
      page = await consoleList(50);
    });
    expect(fifty).toEqual(five);
    // The threads with their timelines, the total, the page ids, the pages, the agents (one query for all of them).
    expect(total(fifty)).toBeLessThanOrEqual(6);
    expect(fifty['Agent.findMany']).toBe(1);
    const nodes = page!.conversations.edges.map((e) => e.node);
    expect(nodes).toHaveLength(50);
    for (const node of nodes) {
      expect(node.takenOverBy?.name).toMatch(/^(Ana|Ben|Cy)$/);
      expect(node.assignee?.name).toMatch(/^(Ana|Ben|Cy)$/);
      expect(node.timeline).toHaveLength(1);
      const senders = node.messages.edges.flatMap((e) => (e.node.sentBy ? [e.node.sentBy] : []));
      expect(senders.length).toBeGreaterThan(0);
      for (const sender of senders) expect(sender).toMatchObject({ agent: { name: node.takenOverBy!.name }, apiKeyName: 'default' });
    }
  });
});
