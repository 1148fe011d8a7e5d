/**
 * Events to the assistant's backend besides sms_received, each switched on per assistant:
 * sms_status (sent, delivered, undelivered, failed with the provider's code) and
 * conversation_mode (taken over, handed back), POSTed to a real HTTP endpoint, signed like
 * inbound forwarding and retried the same way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from './gql';
import { ok } from './support/client';
import { createOrganizationFixture, type OrganizationFixture } from './support/fixtures';
import { eventually, startServer, type TestServer } from './support/server';
import {
  closeRedis,
  inboundWithProviderId,
  messageDetails,
  post,
  sendAndWaitSent,
  signedInbound,
  signedStatus,
  startSink,
  verifySwitchboardSignature,
  type Sink,
  type SinkRequest,
} from './support/inbound';
import { createAgent, createKey, type ScopedKey } from './support/console';

const UpdateAssistant = graphql(`
  mutation StatusHooksUpdateAssistant($input: UpdateAssistantInput!) {
    updateAssistant(input: $input) {
      __typename
      ... on UpdateAssistantPayload { assistant { id webhookEvents } }
      ... on Error { code message }
    }
  }
`);

const Forwards = graphql(`
  query StatusHooksForwards($id: ID!) {
    message(id: $id) { forwards { kind state attempts } }
  }
`);

const StatusHooksSend = graphql(`
  mutation StatusHooksSend($input: SendSmsInput!) {
    sendSms(input: $input) {
      __typename
      ... on SendMessagePayload { outboundMessage { id } }
      ... on Error { code message }
    }
  }
`);

const TakeOver = graphql(`
  mutation StatusHooksTakeOver($input: TakeOverConversationInput!) {
    takeOverConversation(input: $input) { __typename }
  }
`);
const HandBack = graphql(`
  mutation StatusHooksHandBack($input: HandBackConversationInput!) {
    handBackConversation(input: $input) { __typename }
  }
`);

const ThreadMode = graphql(`
  query StatusHooksThreadMode($id: ID!) {
    conversation(id: $id) { mode timeline { kind } }
  }
`);

let server: TestServer;
let sink: Sink;
let quietSink: Sink;
let org: OrganizationFixture;
let quiet: OrganizationFixture;
let agentKey: ScopedKey;
let agent: { id: string };

beforeAll(async () => {
  server = await startServer();
  sink = await startSink();
  quietSink = await startSink();
  org = await createOrganizationFixture(server, { smsWebhookUrl: sink.url });
  const updated = (await ok(org.request(UpdateAssistant, { input: { id: org.assistantId, webhookEvents: ['SMS_RECEIVED', 'SMS_STATUS', 'CONVERSATION_MODE'] } })))
    .updateAssistant;
  expect(updated).toMatchObject({ assistant: { webhookEvents: ['SMS_RECEIVED', 'SMS_STATUS', 'CONVERSATION_MODE'] } });
  // An assistant that kept the default: inbound messages only.
  quiet = await createOrganizationFixture(server, { name: 'Quiet', numberOffset: 5, smsWebhookUrl: quietSink.url });
  agent = await createAgent(org, 'Lee');
  agentKey = await createKey(server, org, 'Lee at the console', ['AGENT'], agent.id);
});
afterAll(async () => {
  await server?.stop();
  await sink?.close();
  await quietSink?.close();
  await closeRedis();
});

let customerSeq = 0;
const nextCustomer = () => `+1415555${String(7300 + ++customerSeq)}`;

const statusEvents = (target: Sink, messageId: string) => target.for(messageId).filter((r) => r.json.type === 'sms_status');
const signed = (request: SinkRequest, secret: string) => verifySwitchboardSignature(request.headers['x-switchboard-signature'], request.body, secret);

/** A trigger that makes the database refuse new WebhookForward rows of one kind (null: none). */
async function refuseEvents(kind: 'sms_status' | 'conversation_mode' | null) {
  const refuse = kind !== null;
  const { sql } = server.app.services;
  if (sql.dialect === 'sqlite') {
    await sql.run(
      refuse
        ? `CREATE TRIGGER refuse_status_events BEFORE INSERT ON "WebhookForward" WHEN NEW."kind" = '${kind}' BEGIN SELECT RAISE(ABORT, 'refused for the test'); END`
        : 'DROP TRIGGER IF EXISTS refuse_status_events',
    );
    return;
  }
  if (refuse) {
    await sql.run(
      `CREATE OR REPLACE FUNCTION refuse_status_events() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused for the test'; END $$ LANGUAGE plpgsql`,
    );
    await sql.run(
      `CREATE TRIGGER refuse_status_events BEFORE INSERT ON "WebhookForward" FOR EACH ROW WHEN (NEW."kind" = '${kind}') EXECUTE FUNCTION refuse_status_events()`,
    );
  } else {
    await sql.run('DROP TRIGGER IF EXISTS refuse_status_events ON "WebhookForward"');
  }
}

async function reportStatus(who: OrganizationFixture, message: { providerMessageId: string; from: string; to: string }, status: string, errorCode?: string) {
  const hook = signedStatus(server, who, 'twilio', { ...message, status, errorCode, errorMessage: errorCode ? 'Unknown destination handset' : undefined });
  expect((await post(server, hook.path, hook.signed)).status).toBe(200);
}

describe('sms_status', () => {
  it('tells the assistant its message was sent, then delivered: signed, once each, listed on Message.forwards', async () => {
    const to = nextCustomer();
    const message = await sendAndWaitSent(org, org.numbers.twilio.phoneNumber, to, 'Your table is ready');
    await eventually(() => statusEvents(sink, message.id).length === 1);
    await reportStatus(org, message, 'delivered');
    await eventually(() => statusEvents(sink, message.id).length === 2);

    const [sent, delivered] = statusEvents(sink, message.id);
    expect(sent.json.data).toEqual({
      message_id: message.id,
      provider_message_id: message.providerMessageId,
      status: 'sent',
      error_code: null,
      error_message: null,
      from: org.numbers.twilio.phoneNumber,
      to,
      provider: 'twilio',
      conversation_id: message.conversation!.id,
    });
    expect(delivered.json).toMatchObject({ type: 'sms_status', id: expect.stringMatching(/^evt_/), data: { message_id: message.id, status: 'delivered' } });
    for (const request of [sent, delivered]) expect(signed(request, org.webhookSecret)).toBe(true);
    expect(sent.json.id).not.toBe(delivered.json.id);

    const { message: listed } = await ok(org.request(Forwards, { id: message.id }));
    await eventually(async () => (await ok(org.request(Forwards, { id: message.id }))).message?.forwards.every((f) => f.state === 'DELIVERED'));
    expect(listed?.forwards.map((f) => f.kind)).toEqual(['sms_status', 'sms_status']);
  });

  it('is written with the status change or not at all: when it cannot be stored, the change is refused too and the provider’s retry brings both', async () => {
    const message = await sendAndWaitSent(org, org.numbers.twilio.phoneNumber, nextCustomer(), 'All or nothing');
    await eventually(() => statusEvents(sink, message.id).length === 1);
    // The database refuses new sms_status events for a moment (as a full disk or a lost
    // connection would, but for them alone).
    await refuseEvents('sms_status');
    try {
      const hook = signedStatus(server, org, 'twilio', { providerMessageId: message.providerMessageId, from: message.from, to: message.to, status: 'delivered' });
      expect((await post(server, hook.path, hook.signed)).status).toBeGreaterThanOrEqual(500);
      expect((await messageDetails(org, message.id)).status).toBe('SENT');
      await refuseEvents(null);
      // The provider retries its callback: now the status and its event are stored together.
      expect((await post(server, hook.path, hook.signed)).status).toBe(200);
      expect((await messageDetails(org, message.id)).status).toBe('DELIVERED');
      expect((await ok(org.request(Forwards, { id: message.id }))).message?.forwards.map((f) => f.kind)).toEqual(['sms_status', 'sms_status']);
      await eventually(() => statusEvents(sink, message.id).length === 2);
      expect(statusEvents(sink, message.id).map((r) => r.json.data.status)).toEqual(['sent', 'delivered']);
    } finally {
      await refuseEvents(null);
    }
  });

  it("carries the provider's error code when the message is undelivered", async () => {
    const message = await sendAndWaitSent(org, org.numbers.twilio.phoneNumber, nextCustomer(), 'Hello');
    await reportStatus(org, message, 'undelivered', '30003');
    await eventually(() => statusEvents(sink, message.id).some((r) => r.json.data.status === 'undelivered'));
    const undelivered = statusEvents(sink, message.id).find((r) => r.json.data.status === 'undelivered')!;
    expect(undelivered.json.data).toMatchObject({ status: 'undelivered', error_code: '30003', error_message: 'Unknown destination handset' });
    expect(signed(undelivered, org.webhookSecret)).toBe(true);
  });

  it("carries the provider's error code when the provider refuses the message outright (failed)", async () => {
    const to = nextCustomer();
    server.fake.failFor(to, { kind: 'invalid-number' });
    const sent = (await ok(org.request(StatusHooksSend, { input: { fromPhoneNumber: org.numbers.twilio.phoneNumber, toPhoneNumber: to, message: 'Hello' } }))).sendSms;
    if (sent.__typename !== 'SendMessagePayload') throw new Error(JSON.stringify(sent));
    const messageId = sent.outboundMessage.id;
    await eventually(() => statusEvents(sink, messageId).length === 1);
    const [failed] = statusEvents(sink, messageId);
    expect(failed.json.data).toMatchObject({ status: 'failed', error_code: '21211', provider_message_id: null, to });
    expect(signed(failed, org.webhookSecret)).toBe(true);
  });

  it('is retried while the endpoint fails, the same event each time, until it answers 2xx', async () => {
    sink.respondWith(500);
    try {
      const message = await sendAndWaitSent(org, org.numbers.twilio.phoneNumber, nextCustomer(), 'Retry me');
      await eventually(() => statusEvents(sink, message.id).length >= 2);
      sink.respondWith(200);
      await eventually(() => statusEvents(sink, message.id).some((r) => r.answered === 200));
      const attempts = statusEvents(sink, message.id);
      expect(new Set(attempts.map((r) => r.body)).size).toBe(1);
      expect(attempts.at(-1)!.answered).toBe(200);
      expect(attempts.slice(0, -1).every((r) => r.answered === 500)).toBe(true);
      await eventually(async () => (await ok(org.request(Forwards, { id: message.id }))).message?.forwards[0]?.state === 'DELIVERED');
    } finally {
      sink.respondWith(200);
    }
  });

  it('is not sent to an assistant that did not switch it on', async () => {
    const to = nextCustomer();
    const mine = await sendAndWaitSent(org, org.numbers.twilio.phoneNumber, to, 'Both');
    const theirs = await sendAndWaitSent(quiet, quiet.numbers.twilio.phoneNumber, to, 'Both');
    await reportStatus(org, mine, 'delivered');
    await reportStatus(quiet, theirs, 'delivered');
    await eventually(() => statusEvents(sink, mine.id).length === 2);
    await eventually(async () => (await messageDetails(quiet, theirs.id)).status === 'DELIVERED');
    expect(statusEvents(quietSink, theirs.id)).toEqual([]);
    expect((await messageDetails(quiet, theirs.id)).forwards).toEqual([]);
    // Inbound messages still reach it (sms_received is on by default).
    const hook = signedInbound(server, quiet, 'twilio', { from: to, body: 'Hi' });
    expect((await post(server, hook.path, hook.signed)).status).toBe(200);
    const [inbound] = await inboundWithProviderId(quiet, hook.providerMessageId);
    await eventually(() => quietSink.for(inbound.id).length === 1);
    expect(quietSink.requests.every((r) => r.json.type === 'sms_received')).toBe(true);
  });
});

describe('conversation_mode', () => {
  it('tells the assistant when a person takes its thread over and when it is handed back, signed', async () => {
    const customer = nextCustomer();
    const hook = signedInbound(server, org, 'twilio', { from: customer, body: 'Talk to a human' });
    expect((await post(server, hook.path, hook.signed)).status).toBe(200);
    const [inbound] = await inboundWithProviderId(org, hook.providerMessageId);
    const conversationId = inbound.conversation!.id;
    const modeEvents = () => sink.requests.filter((r) => r.json.type === 'conversation_mode' && r.json.data.conversation_id === conversationId);

    await ok(agentKey.request(TakeOver, { input: { conversationId, handBackAfterMinutes: 15 } }));
    await eventually(() => modeEvents().length === 1);
    await ok(agentKey.request(HandBack, { input: { conversationId } }));
    await eventually(() => modeEvents().length === 2);

    const [taken, back] = modeEvents();
    expect(taken.json.data).toEqual({
      conversation_id: conversationId,
      change: 'taken_over',
      mode: 'human',
      taken_over_by_agent_id: agent.id,
      hand_back_at: expect.any(String),
      customer_phone_number: customer,
    });
    expect(back.json.data).toMatchObject({ conversation_id: conversationId, change: 'handed_back', mode: 'assistant', taken_over_by_agent_id: null, hand_back_at: null });
    for (const request of [taken, back]) expect(signed(request, org.webhookSecret)).toBe(true);
    // The inbound message that opened the thread was forwarded as usual.
    expect(sink.for(inbound.id).map((r) => r.json.type)).toEqual(['sms_received']);
  });

  it('is written with the takeover or not at all: when it cannot be stored, the thread stays with its assistant', async () => {
    const hook = signedInbound(server, org, 'twilio', { from: nextCustomer(), body: 'Anyone there?' });
    expect((await post(server, hook.path, hook.signed)).status).toBe(200);
    const [inbound] = await inboundWithProviderId(org, hook.providerMessageId);
    const conversationId = inbound.conversation!.id;
    await refuseEvents('conversation_mode');
    try {
      const refused = await agentKey.request(TakeOver, { input: { conversationId } });
      expect(refused.errors?.length ?? 0).toBeGreaterThan(0);
    } finally {
      await refuseEvents(null);
    }
    const { conversation } = await ok(org.request(ThreadMode, { id: conversationId }));
    expect(conversation).toMatchObject({ mode: 'ASSISTANT', timeline: [] });
    expect(sink.requests.filter((r) => r.json.type === 'conversation_mode' && r.json.data.conversation_id === conversationId)).toEqual([]);
  });
});
