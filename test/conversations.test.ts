/**
 * Conversations newest activity first with every filter
 * and page boundary, the last message, unread counts and markConversationRead, messages oldest
 * first paged both ways, archive (a new thread on the next message, the old one still listed
 * with archived: true) and deleteConversation. The data set is built through the real API:
 * signed inbound webhooks and sendSms.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from './gql';
import { ok } from './support/client';
import { createOrganizationFixture, type OrganizationFixture } from './support/fixtures';
import { eventually, startServer, type TestServer } from './support/server';
import { decodeGlobalID } from '@pothos/plugin-relay';
import { post, signedInbound, startSink, type ProviderKey, type Sink } from './support/inbound';

const ConvList = graphql(`
  query ConvList($filter: ConversationFilter, $first: Int, $after: String, $last: Int, $before: String) {
    conversations(filter: $filter, first: $first, after: $after, last: $last, before: $before) {
      edges {
        cursor
        node {
          id customerPhoneNumber archived lastMessageAt unreadCount lastReadAt
          assistant { id } phoneNumber { phoneNumber }
          lastMessage { id body direction }
        }
      }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
`);

const ConvThread = graphql(`
  query ConvThread($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
    conversation(id: $id) {
      id archived unreadCount lastReadAt
      lastMessage { id }
      messages(first: $first, after: $after, last: $last, before: $before) {
        edges { cursor node { id body direction readAt events { status } } }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      }
    }
  }
`);

const ConvMarkRead = graphql(`
  mutation ConvMarkRead($id: ID!) {
    markConversationRead(id: $id) {
      __typename
      ... on MarkConversationReadPayload { conversation { id unreadCount lastReadAt } }
      ... on Error { code message }
    }
  }
`);

const ConvArchive = graphql(`
  mutation ConvArchive($id: ID!) {
    archiveConversation(id: $id) {
      __typename
      ... on ArchiveConversationPayload { conversation { id archived } }
      ... on Error { code message }
    }
  }
`);

const ConvDelete = graphql(`
  mutation ConvDelete($id: ID!) {
    deleteConversation(id: $id) {
      __typename
      ... on DeleteConversationPayload { deletedConversationId deletedMessages }
      ... on Error { code message }
    }
  }
`);

const ConvSend = graphql(`
  mutation ConvSend($input: SendSmsInput!) {
    sendSms(input: $input) {
      __typename
      ... on SendMessagePayload { outboundMessage { id conversation { id } } }
      ... on Error { code message }
    }
  }
`);

const ConvMessage = graphql(`
  query ConvMessage($id: ID!) {
    message(id: $id) { id body conversation { id archived } }
  }
`);

const ConvCreateAssistant = graphql(`
  mutation ConvCreateAssistant($input: CreateAssistantInput!) {
    createAssistant(input: $input) {
      ... on CreateAssistantPayload { assistant { id } }
      ... on Error { code message }
    }
  }
`);

const ConvAssign = graphql(`
  mutation ConvAssign($input: AssignPhoneNumberInput!) {
    assignPhoneNumber(input: $input) {
      ... on AssignPhoneNumberPayload { phoneNumber { id } }
      ... on Error { code message }
    }
  }
`);

let server: TestServer;
let sink: Sink;
let org: OrganizationFixture;
let other: OrganizationFixture;
let secondAssistantId: string;

let seq = 0;
const nextCustomer = () => `+1415555${String(4000 + ++seq)}`;

/** A customer's message to our number through the provider's signed webhook. */
async function inbound(from: string, body: string, key: ProviderKey = 'twilio', providerMessageId?: string, fixture = org) {
  const hook = signedInbound(server, fixture, key, { from, body, providerMessageId });
  const response = await post(server, hook.path, hook.signed);
  expect(response.status).toBe(200);
  return hook;
}

async function send(to: string, message: string, from = org.numbers.twilio.phoneNumber) {
  const result = (await ok(org.request(ConvSend, { input: { fromPhoneNumber: from, toPhoneNumber: to, message } }))).sendSms;
  if (result.__typename !== 'SendMessagePayload') throw new Error(JSON.stringify(result));
  return result.outboundMessage;
}

async function list(variables: Parameters<typeof listRaw>[0] = {}) {
  return (await listRaw(variables)).conversations;
}
function listRaw(variables: { filter?: Record<string, unknown>; first?: number; after?: string; last?: number; before?: string }) {
  return ok(org.request(ConvList, { first: 50, ...variables }));
}
async function threadOf(customer: string, filter: Record<string, unknown> = {}) {
  const { edges } = await list({ filter: { customerPhoneNumber: customer, ...filter } });
  expect(edges).toHaveLength(1);
  return edges[0].node;
}
async function thread(id: string, page: { first?: number; after?: string; last?: number; before?: string } = { first: 50 }) {
  const { conversation } = await ok(org.request(ConvThread, { id, ...page }));
  if (!conversation) throw new Error(`conversation ${id} not found`);
  return conversation;
}

/** The known data set: five customers in this order, then B again; E talks to the second assistant's number. */
const customers = { A: '', B: '', C: '', D: '', E: '' };

beforeAll(async () => {
  server = await startServer();
  sink = await startSink();
  org = await createOrganizationFixture(server, { smsWebhookUrl: sink.url });
  other = await createOrganizationFixture(server, { name: 'Other', numberOffset: 1 });
  const created = (await ok(org.request(ConvCreateAssistant, { input: { name: 'Night desk', vonageConfig: org.credentials.vonage } }))).createAssistant;
  if (!('assistant' in created)) throw new Error(JSON.stringify(created));
  secondAssistantId = created.assistant.id;
  await ok(org.request(ConvAssign, { input: { phoneNumberId: org.numbers.vonage.id, assistantId: secondAssistantId } }));

  for (const name of ['A', 'B', 'C', 'D'] as const) {
    customers[name] = nextCustomer();
    await inbound(customers[name], `hello from ${name}`, name === 'D' ? 'telnyx' : 'twilio');
  }
  customers.E = nextCustomer();
  await inbound(customers.E, 'hello from E', 'vonage');
  await inbound(customers.B, 'B again');
  // Another organization's thread never shows.
  await inbound(nextCustomer(), 'elsewhere', 'twilio', undefined, other);
});
afterAll(async () => {
  await server?.stop();
  await sink?.close();
});

describe('conversations', () => {
  it('lists open threads newest activity first, with number, assistant and last message', async () => {
    const { edges, pageInfo } = await list({ filter: { customerPhoneNumber: null } });
    const mine = edges.map((e) => e.node.customerPhoneNumber).filter((c) => Object.values(customers).includes(c));
    expect(mine).toEqual([customers.B, customers.E, customers.D, customers.C, customers.A]);
    const times = edges.map((e) => Date.parse(e.node.lastMessageAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(pageInfo.hasNextPage).toBe(false);

    const b = edges.find((e) => e.node.customerPhoneNumber === customers.B)!.node;
    expect(b).toMatchObject({ archived: false, phoneNumber: { phoneNumber: org.numbers.twilio.phoneNumber }, assistant: { id: org.assistantId } });
    expect(b.lastMessage).toMatchObject({ body: 'B again', direction: 'INBOUND' });
    const e = edges.find((x) => x.node.customerPhoneNumber === customers.E)!.node;
    expect(e).toMatchObject({ phoneNumber: { phoneNumber: org.numbers.vonage.phoneNumber }, assistant: { id: secondAssistantId } });
    expect(e.lastMessage?.body).toBe('hello from E');
    // The other organization's thread is not there.
    expect(edges.every((x) => x.node.phoneNumber.phoneNumber !== other.numbers.twilio.phoneNumber)).toBe(true);
  });

  it('filters by assistant, customer number, archived and last-message date range', async () => {
    const bySecond = await list({ filter: { assistantId: secondAssistantId } });
    expect(bySecond.edges.map((e) => e.node.customerPhoneNumber)).toEqual([customers.E]);
    const byFirst = await list({ filter: { assistantId: org.assistantId } });
    expect(byFirst.edges.map((e) => e.node.customerPhoneNumber)).not.toContain(customers.E);
    expect(byFirst.edges.map((e) => e.node.customerPhoneNumber)).toEqual(expect.arrayContaining([customers.A, customers.B, customers.C, customers.D]));
    // Another organization's assistant, or an ID that is not one: nothing.
    expect((await list({ filter: { assistantId: other.assistantId } })).edges).toEqual([]);
    expect((await list({ filter: { assistantId: 'not-an-id' } })).edges).toEqual([]);

    const c = customers.C;
    expect((await list({ filter: { customerPhoneNumber: c } })).edges.map((e) => e.node.customerPhoneNumber)).toEqual([c]);
    expect((await list({ filter: { customerPhoneNumber: '+14155559999' } })).edges).toEqual([]);

    const all = (await list()).edges.map((e) => e.node);
    const cAt = all.find((n) => n.customerPhoneNumber === c)!.lastMessageAt;
    // lastMessageAfter includes its instant; lastMessageBefore excludes it.
    const after = (await list({ filter: { lastMessageAfter: cAt } })).edges.map((e) => e.node.customerPhoneNumber);
    expect(after).toEqual(all.filter((n) => Date.parse(n.lastMessageAt) >= Date.parse(cAt)).map((n) => n.customerPhoneNumber));
    expect(after.slice(-1)).toEqual([c]);
    const before = (await list({ filter: { lastMessageBefore: cAt } })).edges.map((e) => e.node.customerPhoneNumber);
    expect(before).toEqual(all.filter((n) => Date.parse(n.lastMessageAt) < Date.parse(cAt)).map((n) => n.customerPhoneNumber));
    expect(before).not.toContain(c);
    expect(before).toContain(customers.A);
    const dAt = all.find((n) => n.customerPhoneNumber === customers.D)!.lastMessageAt;
    const between = await list({ filter: { lastMessageAfter: cAt, lastMessageBefore: dAt } });
    expect(between.edges.map((e) => e.node.customerPhoneNumber)).toEqual([c]);
    const combined = await list({ filter: { lastMessageAfter: cAt, assistantId: secondAssistantId } });
    expect(combined.edges.map((e) => e.node.customerPhoneNumber)).toEqual([customers.E]);
  });

  it('pages through threads forwards and backwards without gaps or repeats', async () => {
    const everything = (await list()).edges.map((e) => e.node.id);
    expect(everything.length).toBeGreaterThanOrEqual(5);
    const forward: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await list({ first: 2, after });
      forward.push(...page.edges.map((e) => e.node.id));
      expect(page.edges.length).toBeLessThanOrEqual(2);
      if (!page.pageInfo.hasNextPage) break;
      expect(page.edges).toHaveLength(2);
      after = page.pageInfo.endCursor!;
    }
    expect(forward).toEqual(everything);

    const backward: string[] = [];
    let before: string | undefined;
    for (;;) {
      const page = await list({ first: undefined, last: 2, before });
      backward.unshift(...page.edges.map((e) => e.node.id));
      if (!page.pageInfo.hasPreviousPage) break;
      before = page.pageInfo.startCursor!;
    }
    expect(backward).toEqual(everything);
  });

  it('counts unread inbound messages once each, and markConversationRead clears them', async () => {
    const customer = nextCustomer();
    const first = await inbound(customer, 'one');
    await inbound(customer, 'two');
    // The provider retries the first webhook: not a new message, not a new unread one.
    await inbound(customer, 'one', 'twilio', first.providerMessageId);
    await send(customer, 'our answer');
    const threadBefore = await threadOf(customer);
    expect(threadBefore.unreadCount).toBe(2);
    expect(threadBefore.lastReadAt).toBeNull();
    expect(threadBefore.lastMessage).toMatchObject({ body: 'our answer', direction: 'OUTBOUND' });

    const marked = (await ok(org.request(ConvMarkRead, { id: threadBefore.id }))).markConversationRead;
    if (marked.__typename !== 'MarkConversationReadPayload') throw new Error(JSON.stringify(marked));
    expect(marked.conversation.unreadCount).toBe(0);
    expect(Date.now() - Date.parse(marked.conversation.lastReadAt!)).toBeLessThan(60_000);
    const read = await thread(threadBefore.id);
    expect(read.unreadCount).toBe(0);
    const inboundMessages = read.messages.edges.map((e) => e.node).filter((m) => m.direction === 'INBOUND');
    expect(inboundMessages).toHaveLength(2);
    for (const m of inboundMessages) expect(m.readAt).toBe(marked.conversation.lastReadAt);
    expect(read.messages.edges.find((e) => e.node.direction === 'OUTBOUND')!.node.readAt).toBeNull();

    await inbound(customer, 'three');
    expect((await threadOf(customer)).unreadCount).toBe(1);

    // Another organization's thread, or a malformed ID: NOT_FOUND, and nothing changes.
    const foreign = (await ok(other.request(ConvMarkRead, { id: threadBefore.id }))).markConversationRead;
    expect(foreign).toMatchObject({ __typename: 'ApiError', code: 'NOT_FOUND' });
    expect((await ok(org.request(ConvMarkRead, { id: 'nope' }))).markConversationRead).toMatchObject({ code: 'NOT_FOUND' });
    expect((await threadOf(customer)).unreadCount).toBe(1);
  });

  it('lists a thread oldest first, paged forwards (first/after) and backwards (last/before)', async () => {
    const customer = nextCustomer();
    const bodies: string[] = [];
    for (let i = 1; i <= 7; i++) {
      bodies.push(`m${i}`);
      if (i % 3 === 0) await send(customer, `m${i}`);
      else await inbound(customer, `m${i}`);
    }
    const { id } = await threadOf(customer);
    const whole = await thread(id);
    expect(whole.messages.edges.map((e) => e.node.body)).toEqual(bodies);
    expect(whole.lastMessage?.id).toBe(whole.messages.edges[6].node.id);
    expect(whole.messages.edges[0].node.events.map((e) => e.status)).toEqual(['RECEIVED']);

    const p1 = await thread(id, { first: 3 });
    expect(p1.messages.edges.map((e) => e.node.body)).toEqual(['m1', 'm2', 'm3']);
    expect(p1.messages.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const p2 = await thread(id, { first: 3, after: p1.messages.pageInfo.endCursor! });
    expect(p2.messages.edges.map((e) => e.node.body)).toEqual(['m4', 'm5', 'm6']);
    expect(p2.messages.pageInfo.hasNextPage).toBe(true);
    const p3 = await thread(id, { first: 3, after: p2.messages.pageInfo.endCursor! });
    expect(p3.messages.edges.map((e) => e.node.body)).toEqual(['m7']);
    expect(p3.messages.pageInfo.hasNextPage).toBe(false);
    // Exactly at the end: an empty page.
    const p4 = await thread(id, { first: 3, after: p3.messages.pageInfo.endCursor! });
    expect(p4.messages.edges).toEqual([]);
    expect(p4.messages.pageInfo.hasNextPage).toBe(false);

    const b1 = await thread(id, { last: 3 });
    expect(b1.messages.edges.map((e) => e.node.body)).toEqual(['m5', 'm6', 'm7']);
    expect(b1.messages.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false });
    const b2 = await thread(id, { last: 3, before: b1.messages.pageInfo.startCursor! });
    expect(b2.messages.edges.map((e) => e.node.body)).toEqual(['m2', 'm3', 'm4']);
    const b3 = await thread(id, { last: 3, before: b2.messages.pageInfo.startCursor! });
    expect(b3.messages.edges.map((e) => e.node.body)).toEqual(['m1']);
    expect(b3.messages.pageInfo.hasPreviousPage).toBe(false);
    // A cursor from the middle works both ways.
    const mid = whole.messages.edges[3].cursor;
    expect((await thread(id, { first: 2, after: mid })).messages.edges.map((e) => e.node.body)).toEqual(['m5', 'm6']);
    expect((await thread(id, { last: 2, before: mid })).messages.edges.map((e) => e.node.body)).toEqual(['m2', 'm3']);
  });

  it('keeps lastMessage on the newest message when messages arrive at once, and when an older one is stored late', async () => {
    const customer = nextCustomer();
    await inbound(customer, 'first');
    await Promise.all([
      ...[1, 2, 3, 4, 5].map((i) => inbound(customer, `in ${i}`)),
      ...[1, 2, 3].map((i) => send(customer, `out ${i}`)),
    ]);
    const { id, lastMessage } = await threadOf(customer);
    const whole = (await thread(id)).messages.edges.map((e) => e.node);
    expect(whole).toHaveLength(9);
    expect(lastMessage?.id).toBe(whole[8].id);
    expect((await thread(id, { last: 1 })).messages.edges.map((e) => e.node.id)).toEqual([whole[8].id]);

    // A writer that computed its time before another one committed (an inbound webhook whose
    // transaction waited for the thread's row) stores a message older than the newest: it goes
    // in its place in the thread, and lastMessage stays the newest.
    const { db } = server.app.services;
    const newest = await db.message.findUniqueOrThrow({ where: { id: decodeGlobalID(whole[8].id).id } });
    const { id: _id, providerMessageId: _p, idempotencyKey: _k, ...fields } = newest;
    await db.message.create({ data: { ...fields, body: 'stored late', createdAt: new Date(newest.createdAt.getTime() - 1000) } });
    expect((await threadOf(customer)).lastMessage?.id).toBe(whole[8].id);
    const bodies = (await thread(id)).messages.edges.map((e) => e.node.body);
    expect(bodies).toContain('stored late');
    expect(bodies.at(-1)).toBe(newest.body);
    await db.message.create({ data: { ...fields, body: 'newer', createdAt: new Date(newest.createdAt.getTime() + 1000) } });
    expect((await threadOf(customer)).lastMessage).toMatchObject({ body: 'newer' });
  });

  it("does not show one organization's thread to another", async () => {
    const { id } = await threadOf(customers.A);
    const { conversation } = await ok(other.request(ConvThread, { id, first: 5 }));
    expect(conversation).toBeNull();
    const { conversations } = await ok(other.request(ConvList, { first: 50, filter: { customerPhoneNumber: customers.A } }));
    expect(conversations.edges).toEqual([]);
  });
});

describe('archive', () => {
  it('hides the thread; the next inbound message starts a new one; the archived one is still listed with archived: true and readable', async () => {
    const customer = nextCustomer();
    await inbound(customer, 'before archive 1');
    await inbound(customer, 'before archive 2');
    const old = await threadOf(customer);
    const archived = (await ok(org.request(ConvArchive, { id: old.id }))).archiveConversation;
    expect(archived).toMatchObject({ __typename: 'ArchiveConversationPayload', conversation: { id: old.id, archived: true } });
    expect((await list({ filter: { customerPhoneNumber: customer } })).edges).toEqual([]);

    await inbound(customer, 'after archive');
    const fresh = await threadOf(customer);
    expect(fresh.id).not.toBe(old.id);
    expect(fresh).toMatchObject({ archived: false, unreadCount: 1, lastMessage: { body: 'after archive' } });
    const freshThread = await thread(fresh.id);
    expect(freshThread.messages.edges.map((e) => e.node.body)).toEqual(['after archive']);

    const listedArchived = await threadOf(customer, { archived: true });
    expect(listedArchived).toMatchObject({ id: old.id, archived: true, lastMessage: { body: 'before archive 2' } });
    const oldThread = await thread(old.id);
    expect(oldThread.archived).toBe(true);
    expect(oldThread.messages.edges.map((e) => e.node.body)).toEqual(['before archive 1', 'before archive 2']);
    // Each message and its timeline are still reachable by ID.
    const { message } = await ok(org.request(ConvMessage, { id: oldThread.messages.edges[0].node.id }));
    expect(message).toMatchObject({ body: 'before archive 1', conversation: { id: old.id, archived: true } });
    expect(oldThread.messages.edges[0].node.events.map((e) => e.status)).toEqual(['RECEIVED']);

    // An outbound message after archiving also goes to the open thread, not the archived one.
    const sent = await send(customer, 'reply');
    expect(sent.conversation?.id).toBe(fresh.id);
    expect((await ok(other.request(ConvArchive, { id: fresh.id }))).archiveConversation).toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('deleteConversation', () => {
  it('erases the messages with their timelines and forwards, says how many, and the next message opens a new thread', async () => {
    const customer = nextCustomer();
    await inbound(customer, 'delete me 1');
    const sent = await send(customer, 'delete me 2');
    await inbound(customer, 'delete me 3');
    const doomed = await threadOf(customer);
    await eventually(async () => (await thread(doomed.id)).messages.edges.some((e) => e.node.events.some((x) => x.status === 'SENT')));
    const ids = (await thread(doomed.id)).messages.edges.map((e) => e.node.id);
    expect(ids).toHaveLength(3);
    const { db } = server.app.services;
    const raw = ids.map((id) => decodeGlobalID(id).id);
    expect(await db.webhookForward.count({ where: { messageId: { in: raw } } })).toBe(2);
    expect(await db.messageEvent.count({ where: { messageId: { in: raw } } })).toBeGreaterThanOrEqual(4);

    // Not someone else's to delete.
    expect((await ok(other.request(ConvDelete, { id: doomed.id }))).deleteConversation).toMatchObject({ __typename: 'ApiError', code: 'NOT_FOUND' });
    expect((await thread(doomed.id)).messages.edges).toHaveLength(3);

    const result = (await ok(org.request(ConvDelete, { id: doomed.id }))).deleteConversation;
    expect(result).toEqual({ __typename: 'DeleteConversationPayload', deletedConversationId: doomed.id, deletedMessages: 3 });
    expect((await ok(org.request(ConvThread, { id: doomed.id, first: 5 }))).conversation).toBeNull();
    for (const id of [...ids, sent.id]) expect((await ok(org.request(ConvMessage, { id }))).message).toBeNull();
    expect((await list({ filter: { customerPhoneNumber: customer } })).edges).toEqual([]);
    expect((await list({ filter: { customerPhoneNumber: customer, archived: true } })).edges).toEqual([]);
    // Nothing of them is left in the database: no timeline rows, no forwarding records.
    expect(await db.messageEvent.count({ where: { messageId: { in: raw } } })).toBe(0);
    expect(await db.webhookForward.count({ where: { messageId: { in: raw } } })).toBe(0);
    expect(await db.message.count({ where: { id: { in: raw } } })).toBe(0);

    // Again: it is gone.
    expect((await ok(org.request(ConvDelete, { id: doomed.id }))).deleteConversation).toMatchObject({ code: 'NOT_FOUND' });

    await inbound(customer, 'a new start');
    const fresh = await threadOf(customer);
    expect(fresh.id).not.toBe(doomed.id);
    expect(fresh.unreadCount).toBe(1);
  });
});
