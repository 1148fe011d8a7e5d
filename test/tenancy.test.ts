/**
 * Tenancy: an API key sees and touches only its own organization. Another
 * organization's objects behave as if they did not exist — for reads, lists, mutations, sends
 * and live subscription events.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from './gql';
import { ok, wsClient, collect } from './support/client';
import {
  SharedAddPhoneNumber as AddPhoneNumber,
  SharedCancelMessage as CancelMessage,
  SharedRotateWebhookSecret as RotateWebhookSecret,
  SharedUpdatePhoneNumber as UpdatePhoneNumber,
} from './support/documents';
import { createOrganizationFixture, NUMBERS, type OrganizationFixture } from './support/fixtures';
import { eventually, startServer, usesServices, type TestServer } from './support/server';
import { twilioInboundParams, twilioWebhookRequest } from './fakes/signing';

const SendSms = graphql(`
  mutation TenancySendSms($input: SendSmsInput!) {
    sendSms(input: $input) {
      __typename
      ... on SendMessagePayload { outboundMessage { id status conversation { id } } }
      ... on Error { code message }
    }
  }
`);

const SendMms = graphql(`
  mutation TenancySendMms($input: SendMmsInput!) {
    sendMms(input: $input) {
      __typename
      ... on SendMessagePayload { outboundMessage { id } }
      ... on Error { code message }
    }
  }
`);

const MessageStatus = graphql(`
  query TenancyMessageStatus($id: ID!) {
    message(id: $id) { id status conversation { id } }
  }
`);

const ReadById = graphql(`
  query TenancyReadById($assistantId: ID!, $messageId: ID!, $conversationId: ID!) {
    assistant(id: $assistantId) { id name }
    message(id: $messageId) { id body }
    conversation(id: $conversationId) { id customerPhoneNumber }
  }
`);

const NodeById = graphql(`
  query TenancyNode($id: ID!) {
    node(id: $id) { __typename id }
  }
`);

const NodesByIds = graphql(`
  query TenancyNodes($ids: [ID!]!) {
    nodes(ids: $ids) { __typename id }
  }
`);

const Lists = graphql(`
  query TenancyLists($foreignAssistantId: ID!, $foreignConversationId: ID!) {
    organization { id }
    assistants(first: 100) { edges { node { id phoneNumbers { id } } } }
    phoneNumbers(first: 100) { edges { node { id phoneNumber assistant { id } } } }
    messages(first: 100) { edges { node { id from to } } }
    conversations(first: 100) { edges { node { id } } }
    archivedConversations: conversations(first: 100, filter: { archived: true }) { edges { node { id } } }
    messageStats { total byProvider { key count } byDirection { key count } }
    apiKeys { id prefix }
    byForeignAssistant: messages(first: 100, filter: { assistantId: $foreignAssistantId }) { edges { node { id } } }
    byForeignConversation: messages(first: 100, filter: { conversationId: $foreignConversationId }) { edges { node { id } } }
    statsForForeignAssistant: messageStats(filter: { assistantId: $foreignAssistantId }) { total }
    conversationsOfForeignAssistant: conversations(first: 100, filter: { assistantId: $foreignAssistantId }) { edges { node { id } } }
  }
`);

const ApiKeys = graphql(`
  query TenancyApiKeys {
    apiKeys { id name prefix revokedAt }
  }
`);

const AssistantState = graphql(`
  query TenancyAssistantState($id: ID!) {
    assistant(id: $id) { id name smsWebhookUrl configuredProviders updatedAt phoneNumbers { id } }
  }
`);

const PhoneNumberState = graphql(`
  query TenancyPhoneNumberState($id: ID!) {
    node(id: $id) { ... on PhoneNumber { id phoneNumber messagesPerSecond assistant { id } } }
  }
`);

const ConversationState = graphql(`
  query TenancyConversationState($id: ID!) {
    conversation(id: $id) { id archived }
  }
`);

const UpdateAssistant = graphql(`
  mutation TenancyUpdateAssistant($input: UpdateAssistantInput!) {
    updateAssistant(input: $input) {
      __typename
      ... on UpdateAssistantPayload { assistant { id name } }
      ... on Error { code message }
    }
  }
`);

const AssignPhoneNumber = graphql(`
  mutation TenancyAssignPhoneNumber($input: AssignPhoneNumberInput!) {
    assignPhoneNumber(input: $input) {
      __typename
      ... on AssignPhoneNumberPayload { phoneNumber { id assistant { id } } }
      ... on Error { code message }
    }
  }
`);

const ArchiveConversation = graphql(`
  mutation TenancyArchiveConversation($id: ID!) {
    archiveConversation(id: $id) {
      __typename
      ... on ArchiveConversationPayload { conversation { id archived } }
      ... on Error { code message }
    }
  }
`);

const RevokeApiKey = graphql(`
  mutation TenancyRevokeApiKey($id: ID!) {
    revokeApiKey(id: $id) {
      __typename
      ... on RevokeApiKeyPayload { apiKey { id revokedAt } }
      ... on Error { code message }
    }
  }
`);

const MessageReceived = graphql(`
  subscription TenancyMessageReceived($assistantId: ID, $conversationId: ID) {
    messageReceived(assistantId: $assistantId, conversationId: $conversationId) { id body from to }
  }
`);

const MessageStatusChanged = graphql(`
  subscription TenancyMessageStatusChanged($assistantId: ID, $messageId: ID) {
    messageStatusChanged(assistantId: $assistantId, messageId: $messageId) { id status }
  }
`);

let server: TestServer;
let a: OrganizationFixture;
let b: OrganizationFixture;
/** A's objects, created in beforeAll. */
const aObjects = {
  apiKeyId: '',
  sentMessageId: '',
  sentConversationId: '',
  inboundMessageId: '',
  inboundConversationId: '',
  scheduledMessageId: '',
};
const bObjects = { sentMessageId: '', sentConversationId: '' };

const inHour = () => new Date(Date.now() + 3600_000).toISOString();

async function send(org: OrganizationFixture, fromPhoneNumber: string, toPhoneNumber: string, message: string, sendAt?: string) {
  const result = (await ok(org.request(SendSms, { input: { fromPhoneNumber, toPhoneNumber, message, sendAt } }))).sendSms;
  if (result.__typename !== 'SendMessagePayload') throw new Error(`sendSms refused: ${JSON.stringify(result)}`);
  return result.outboundMessage;
}

async function untilSent(org: OrganizationFixture, id: string) {
  return eventually(async () => {
    const { message } = await ok(org.request(MessageStatus, { id }));
    return message?.status === 'SENT' ? message : null;
  });
}

/** A customer texts one of the organization's Twilio numbers (a correctly signed webhook). */
async function inbound(org: OrganizationFixture, from: string, body: string) {
  const url = `${server.config.publicUrl}/webhooks/twilio/messages`;
  const params = twilioInboundParams({ from, to: org.numbers.twilio.phoneNumber, body, accountSid: org.credentials.twilio.accountSid });
  const response = await fetch(`${server.url}/webhooks/twilio/messages`, twilioWebhookRequest({ url, authToken: org.credentials.twilio.authToken, params }));
  expect(response.status).toBeLessThan(300);
}

async function inboundMessage(org: OrganizationFixture, body: string) {
  const Find = graphql(`
    query TenancyFindInbound($search: String!) {
      messages(first: 5, filter: { direction: INBOUND, search: $search }) { edges { node { id conversation { id } } } }
    }
  `);
  return eventually(async () => (await ok(org.request(Find, { search: body }))).messages.edges[0]?.node);
}

beforeAll(async () => {
  server = await startServer();
  a = await createOrganizationFixture(server, { name: 'Org A' });
  b = await createOrganizationFixture(server, { name: 'Org B', numberOffset: 1 });

  const aKeys = (await ok(a.request(ApiKeys))).apiKeys;
  aObjects.apiKeyId = aKeys[0].id;

  const sent = await send(a, a.numbers.twilio.phoneNumber, NUMBERS.customer, 'A: your order shipped');
  aObjects.sentMessageId = sent.id;
  aObjects.sentConversationId = sent.conversation!.id;
  await untilSent(a, sent.id);

  await inbound(a, NUMBERS.uk, 'A: inbound hello');
  const received = await inboundMessage(a, 'A: inbound hello');
  aObjects.inboundMessageId = received.id;
  aObjects.inboundConversationId = received.conversation!.id;

  aObjects.scheduledMessageId = (await send(a, a.numbers.telnyx.phoneNumber, NUMBERS.customer, 'A: see you tomorrow', inHour())).id;

  const bSent = await send(b, b.numbers.twilio.phoneNumber, NUMBERS.customer, 'B: hello');
  bObjects.sentMessageId = bSent.id;
  bObjects.sentConversationId = bSent.conversation!.id;
  await untilSent(b, bSent.id);
});
afterAll(() => server?.stop());

describe('reading another organization’s objects', () => {
  it('assistant(id), message(id) and conversation(id) with A’s IDs answer null for B, and the objects for A', async () => {
    for (const messageId of [aObjects.sentMessageId, aObjects.inboundMessageId, aObjects.scheduledMessageId]) {
      for (const conversationId of [aObjects.sentConversationId, aObjects.inboundConversationId]) {
        const variables = { assistantId: a.assistantId, messageId, conversationId };
        const asB = await b.request(ReadById, variables);
        expect(asB.errors).toBeUndefined();
        expect(asB.data).toEqual({ assistant: null, message: null, conversation: null });
        const asA = await ok(a.request(ReadById, variables));
        expect(asA.assistant?.id).toBe(a.assistantId);
        expect(asA.message?.id).toBe(messageId);
        expect(asA.conversation?.id).toBe(conversationId);
      }
    }
  });

  it('node(id) and nodes(ids) answer null for every kind of A’s global ID', async () => {
    const ids = {
      Assistant: a.assistantId,
      PhoneNumber: a.numbers.twilio.id,
      Message: aObjects.sentMessageId,
      Conversation: aObjects.sentConversationId,
      ApiKey: aObjects.apiKeyId,
      Organization: a.organizationId,
    };
    for (const [typename, id] of Object.entries(ids)) {
      const asB = await b.request(NodeById, { id });
      expect(asB.errors, typename).toBeUndefined();
      expect(asB.data?.node, typename).toBeNull();
      // The same ID does resolve for its owner: the null above is tenancy, not a bad ID.
      expect((await ok(a.request(NodeById, { id }))).node, typename).toEqual({ __typename: typename, id });
    }
    const all = [...Object.values(ids), a.numbers.telnyx.id, a.numbers.vonage.id, aObjects.inboundMessageId, aObjects.scheduledMessageId];
    const asB = await b.request(NodesByIds, { ids: all });
    expect(asB.errors).toBeUndefined();
    expect(asB.data?.nodes).toEqual(all.map(() => null));
  });

  it('lists (assistants, phoneNumbers, messages, conversations, messageStats, apiKeys) hold only the caller’s own objects', async () => {
    const lists = await ok(
      b.request(Lists, { foreignAssistantId: a.assistantId, foreignConversationId: aObjects.sentConversationId }),
    );
    const ids = (connection: { edges: { node: { id: string } }[] }) => connection.edges.map((e) => e.node.id);

    expect(lists.organization.id).toBe(b.organizationId);
    expect(ids(lists.assistants)).toEqual([b.assistantId]);
    expect(lists.assistants.edges[0].node.phoneNumbers.map((n) => n.id).sort()).toEqual(
      [b.numbers.twilio.id, b.numbers.telnyx.id, b.numbers.vonage.id].sort(),
    );
    expect(ids(lists.phoneNumbers).sort()).toEqual([b.numbers.twilio.id, b.numbers.telnyx.id, b.numbers.vonage.id].sort());
    expect(lists.phoneNumbers.edges.every((e) => e.node.assistant?.id === b.assistantId)).toBe(true);
    expect(ids(lists.messages)).toEqual([bObjects.sentMessageId]);
    expect(ids(lists.conversations)).toEqual([bObjects.sentConversationId]);
    expect(ids(lists.archivedConversations)).toEqual([]);
    expect(lists.messageStats).toEqual({
      total: 1,
      byProvider: [{ key: 'TWILIO', count: 1 }],
      byDirection: [{ key: 'OUTBOUND', count: 1 }],
    });
    const bKeys = (await ok(b.request(ApiKeys))).apiKeys;
    expect(lists.apiKeys.map((k) => k.id)).toEqual(bKeys.map((k) => k.id));
    expect(lists.apiKeys.map((k) => k.id)).not.toContain(aObjects.apiKeyId);
    expect(lists.apiKeys.every((k) => !a.apiKey.startsWith(k.prefix))).toBe(true);

    // Filtering by A's assistant or conversation does not reach into A's data.
    expect(ids(lists.byForeignAssistant)).toEqual([]);
    expect(ids(lists.byForeignConversation)).toEqual([]);
    expect(lists.statsForForeignAssistant.total).toBe(0);
    expect(ids(lists.conversationsOfForeignAssistant)).toEqual([]);

    // A, for its part, sees its three messages and not B's.
    const aLists = await ok(a.request(Lists, { foreignAssistantId: b.assistantId, foreignConversationId: bObjects.sentConversationId }));
    expect(ids(aLists.messages).sort()).toEqual([aObjects.sentMessageId, aObjects.inboundMessageId, aObjects.scheduledMessageId].sort());
    expect(aLists.messageStats.total).toBe(3);
    expect(ids(aLists.byForeignAssistant)).toEqual([]);
    expect(ids(aLists.byForeignConversation)).toEqual([]);
  });
});

describe('mutating another organization’s objects', () => {
  const expectNotFound = (result: { __typename: string } & Record<string, unknown>) => {
    expect(result).toMatchObject({ __typename: 'ApiError', code: 'NOT_FOUND' });
  };

  it('updateAssistant and rotateWebhookSecret on A’s assistant → NOT_FOUND, and A’s assistant is unchanged', async () => {
    const before = (await ok(a.request(AssistantState, { id: a.assistantId }))).assistant;
    expect(before).not.toBeNull();

    const update = await ok(
      b.request(UpdateAssistant, {
        input: {
          id: a.assistantId,
          name: 'Hijacked',
          smsWebhookUrl: 'https://attacker.example.com/hook',
          twilioConfig: { accountSid: `AC${'f'.repeat(32)}`, authToken: 'attacker-token' },
          telnyxConfig: null,
        },
      }),
    );
    expectNotFound(update.updateAssistant);
    expectNotFound((await ok(b.request(RotateWebhookSecret, { assistantId: a.assistantId }))).rotateWebhookSecret);

    const after = (await ok(a.request(AssistantState, { id: a.assistantId }))).assistant;
    expect(after).toEqual(before);
    expect(after?.configuredProviders).toHaveLength(3);
  });

  it('assignPhoneNumber with A’s number or A’s assistant → NOT_FOUND, and no number changes hands', async () => {
    const aNumber = a.numbers.vonage.id;
    const bNumber = b.numbers.vonage.id;
    const aNumberBefore = (await ok(a.request(PhoneNumberState, { id: aNumber }))).node;
    const bNumberBefore = (await ok(b.request(PhoneNumberState, { id: bNumber }))).node;

    expectNotFound((await ok(b.request(AssignPhoneNumber, { input: { phoneNumberId: aNumber, assistantId: b.assistantId } }))).assignPhoneNumber);
    expectNotFound((await ok(b.request(AssignPhoneNumber, { input: { phoneNumberId: bNumber, assistantId: a.assistantId } }))).assignPhoneNumber);
    expectNotFound((await ok(b.request(AssignPhoneNumber, { input: { phoneNumberId: aNumber, assistantId: a.assistantId } }))).assignPhoneNumber);
    // Nor can B attach a new number of its own to A's assistant.
    expectNotFound(
      (await ok(b.request(AddPhoneNumber, { input: { phoneNumber: '+14155552699', provider: 'TWILIO', assistantId: a.assistantId } }))).addPhoneNumber,
    );

    expect((await ok(a.request(PhoneNumberState, { id: aNumber }))).node).toEqual(aNumberBefore);
    expect((await ok(b.request(PhoneNumberState, { id: bNumber }))).node).toEqual(bNumberBefore);
    const aAssistant = (await ok(a.request(AssistantState, { id: a.assistantId }))).assistant;
    expect(aAssistant?.phoneNumbers.map((n) => n.id).sort()).toEqual([a.numbers.twilio.id, a.numbers.telnyx.id, a.numbers.vonage.id].sort());
  });

  it('updatePhoneNumber on A’s number → NOT_FOUND, and its rate is unchanged', async () => {
    const before = (await ok(a.request(PhoneNumberState, { id: a.numbers.twilio.id }))).node;
    expectNotFound((await ok(b.request(UpdatePhoneNumber, { input: { id: a.numbers.twilio.id, messagesPerSecond: 0.01 } }))).updatePhoneNumber);
    expect((await ok(a.request(PhoneNumberState, { id: a.numbers.twilio.id }))).node).toEqual(before);
  });

  it('cancelMessage on A’s scheduled message → NOT_FOUND, and it stays SCHEDULED', async () => {
    expectNotFound((await ok(b.request(CancelMessage, { id: aObjects.scheduledMessageId }))).cancelMessage);
    expect((await ok(a.request(MessageStatus, { id: aObjects.scheduledMessageId }))).message?.status).toBe('SCHEDULED');
  });

  it('archiveConversation on A’s conversation → NOT_FOUND, and it stays open', async () => {
    expectNotFound((await ok(b.request(ArchiveConversation, { id: aObjects.sentConversationId }))).archiveConversation);
    expect((await ok(a.request(ConversationState, { id: aObjects.sentConversationId }))).conversation).toEqual({
      id: aObjects.sentConversationId,
      archived: false,
    });
  });

  it('revokeApiKey on A’s key → NOT_FOUND, and A’s key keeps working', async () => {
    expectNotFound((await ok(b.request(RevokeApiKey, { id: aObjects.apiKeyId }))).revokeApiKey);
    const aKeys = (await ok(a.request(ApiKeys))).apiKeys;
    expect(aKeys.find((k) => k.id === aObjects.apiKeyId)?.revokedAt).toBeNull();
  });

  it('sending from A’s number as B → NUMBER_NOT_FOUND (GraphQL and REST), and nothing reaches the provider', async () => {
    const to = '+14155552677';
    const sms = (await ok(b.request(SendSms, { input: { fromPhoneNumber: a.numbers.twilio.phoneNumber, toPhoneNumber: to, message: 'spoof' } }))).sendSms;
    expect(sms).toMatchObject({ __typename: 'ApiError', code: 'NUMBER_NOT_FOUND' });
    const mms = (
      await ok(
        b.request(SendMms, {
          input: { fromPhoneNumber: a.numbers.telnyx.phoneNumber, toPhoneNumber: to, message: 'spoof', mediaUrls: ['https://cdn.example.com/x.jpg'] },
        }),
      )
    ).sendMms;
    expect(mms).toMatchObject({ __typename: 'ApiError', code: 'NUMBER_NOT_FOUND' });

    const rest = await fetch(`${server.url}/sms/send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${b.apiKey}` },
      body: JSON.stringify({ from_phone_number: a.numbers.vonage.phoneNumber, to_phone_number: to, message: 'spoof' }),
    });
    expect(rest.status).toBe(404);
    expect(await rest.json()).toMatchObject({ success: false, error: { code: 'NUMBER_NOT_FOUND' } });

    // A control send from B's own number to the same recipient goes through; the spoofs never did.
    const control = await send(b, b.numbers.telnyx.phoneNumber, to, 'B: control');
    await untilSent(b, control.id);
    expect(server.fake.requests.filter((r) => r.to === to).map((r) => r.body)).toEqual([
      expect.objectContaining({ from: b.numbers.telnyx.phoneNumber, text: 'B: control' }),
    ]);
  });

  it('the same idempotencyKey in two organizations gives each its own message', async () => {
    const key = 'order-1234';
    const to = '+14155552678';
    const fromA = (await ok(a.request(SendSms, { input: { fromPhoneNumber: a.numbers.twilio.phoneNumber, toPhoneNumber: to, message: 'A: order', idempotencyKey: key } }))).sendSms;
    const fromB = (await ok(b.request(SendSms, { input: { fromPhoneNumber: b.numbers.twilio.phoneNumber, toPhoneNumber: to, message: 'B: order', idempotencyKey: key } }))).sendSms;
    if (fromA.__typename !== 'SendMessagePayload' || fromB.__typename !== 'SendMessagePayload') throw new Error(JSON.stringify({ fromA, fromB }));
    expect(fromB.outboundMessage.id).not.toBe(fromA.outboundMessage.id);
    expect((await ok(b.request(MessageStatus, { id: fromA.outboundMessage.id }))).message).toBeNull();
    await untilSent(a, fromA.outboundMessage.id);
    await untilSent(b, fromB.outboundMessage.id);
  });
});

describe('subscriptions', () => {
  it('B’s subscribers receive none of A’s events — unfiltered or filtered with A’s IDs — while A’s receive them', async () => {
    const aClient = wsClient(server.url, a.apiKey);
    const bClient = wsClient(server.url, b.apiKey);
    const subscriptions: ReturnType<typeof collect>[] = [];
    try {
      // A message A will cancel later: its CANCELED status is one of A's events.
      const toCancel = await send(a, a.numbers.vonage.phoneNumber, NUMBERS.customer2, 'A: maybe later', inHour());

      const baseline = server.app.services.events.activeSubscriptions();
      const sub = <S extends ReturnType<typeof collect>>(s: S): S => {
        subscriptions.push(s);
        return s;
      };
      const aReceived = sub(collect(aClient, MessageReceived, {}));
      const aReceivedByAssistant = sub(collect(aClient, MessageReceived, { assistantId: a.assistantId }));
      const aReceivedByConversation = sub(collect(aClient, MessageReceived, { conversationId: aObjects.inboundConversationId }));
      const aStatus = sub(collect(aClient, MessageStatusChanged, {}));
      const aStatusByAssistant = sub(collect(aClient, MessageStatusChanged, { assistantId: a.assistantId }));
      const aStatusByMessage = sub(collect(aClient, MessageStatusChanged, { messageId: toCancel.id }));

      const bReceived = sub(collect(bClient, MessageReceived, {}));
      const bReceivedByAAssistant = sub(collect(bClient, MessageReceived, { assistantId: a.assistantId }));
      const bReceivedByAConversation = sub(collect(bClient, MessageReceived, { conversationId: aObjects.inboundConversationId }));
      const bStatus = sub(collect(bClient, MessageStatusChanged, {}));
      const bStatusByAAssistant = sub(collect(bClient, MessageStatusChanged, { assistantId: a.assistantId }));
      const bStatusByAMessage = sub(collect(bClient, MessageStatusChanged, { messageId: toCancel.id }));

      await eventually(() => server.app.services.events.activeSubscriptions() >= baseline + subscriptions.length);
      // Under Redis the SUBSCRIBE itself takes a moment after the listener is attached.
      if (usesServices) await new Promise((r) => setTimeout(r, 150));

      // A's events: an outbound message going QUEUED → SENDING → SENT, an inbound message, a cancel.
      const sent = await send(a, a.numbers.telnyx.phoneNumber, NUMBERS.customer2, 'A: status events');
      await inbound(a, NUMBERS.uk, 'A: live inbound');
      const cancel = (await ok(a.request(CancelMessage, { id: toCancel.id }))).cancelMessage;
      expect(cancel).toMatchObject({ __typename: 'CancelMessagePayload', canceled: { status: 'CANCELED' } });

      await eventually(() => aStatus.events.some((e) => e.messageStatusChanged.id === sent.id && e.messageStatusChanged.status === 'SENT'));
      await eventually(() => aStatusByAssistant.events.some((e) => e.messageStatusChanged.id === sent.id && e.messageStatusChanged.status === 'SENT'));
      await eventually(() => aStatus.events.some((e) => e.messageStatusChanged.id === toCancel.id));
      await eventually(() => aStatusByMessage.events.some((e) => e.messageStatusChanged.status === 'CANCELED'));
      for (const s of [aReceived, aReceivedByAssistant, aReceivedByConversation]) {
        await eventually(() => s.events.some((e) => e.messageReceived.body === 'A: live inbound'));
      }

      // Then B's own events: once B's subscribers have these, anything of A's published earlier would be there too.
      const bSent = await send(b, b.numbers.twilio.phoneNumber, NUMBERS.customer2, 'B: status events');
      await inbound(b, NUMBERS.uk, 'B: live inbound');
      await eventually(() => bStatus.events.some((e) => e.messageStatusChanged.id === bSent.id && e.messageStatusChanged.status === 'SENT'));
      await eventually(() => bReceived.events.some((e) => e.messageReceived.body === 'B: live inbound'));
      // A's same-topic subscribers saw B's events? No — and they have all of A's by now.
      await eventually(() => aStatusByAssistant.events.some((e) => e.messageStatusChanged.id === toCancel.id));

      expect(bStatus.events.every((e) => e.messageStatusChanged.id === bSent.id)).toBe(true);
      expect(bReceived.events.map((e) => e.messageReceived.body)).toEqual(['B: live inbound']);
      expect(bReceivedByAAssistant.events).toEqual([]);
      expect(bReceivedByAConversation.events).toEqual([]);
      expect(bStatusByAAssistant.events).toEqual([]);
      expect(bStatusByAMessage.events).toEqual([]);
      expect(aStatus.events.some((e) => e.messageStatusChanged.id === bSent.id)).toBe(false);
      expect(aReceived.events.map((e) => e.messageReceived.body)).toEqual(['A: live inbound']);
      for (const s of subscriptions) expect(s.errors).toEqual([]);
    } finally {
      for (const s of subscriptions) s.dispose();
      await Promise.all([aClient.dispose(), bClient.dispose()]);
    }
  });
});
