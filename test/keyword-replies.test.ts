/**
 * Keyword replies and the opt-out footer: a reply per keyword event through the send queue to
 * the provider (never twice for a provider's retry of the webhook, never where the provider
 * answers keywords itself), and the append-only consent history after STOP, START and an
 * opt-in by API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeGlobalID } from '@pothos/plugin-relay';
import { graphql } from './gql';
import { collect, ok, wsClient } from './support/client';
import { createOrganizationFixture, type OrganizationFixture } from './support/fixtures';
import {
  post,
  sendAndWaitSent,
  signedInbound,
  signedStatus,
  startInboundSuite,
  stopInboundSuite,
  subscribersReady,
  type ProviderKey,
  type Sink,
} from './support/inbound';
import { bodyOf } from './support/queue';
import { eventually, type TestServer } from './support/server';
import {
  assistantCompliance,
  ComplianceRecordOptIn,
  ComplianceUpdatePhoneNumber,
  consentHistory,
  messagesTo,
  sendSms,
} from './support/compliance';

const KeywordThreadUpdated = graphql(`
  subscription KeywordThreadUpdated {
    conversationUpdated {
      change
      conversation { customerPhoneNumber unreadCount lastMessage { id direction sentBy { kind agent { id } apiKeyName } } }
    }
  }
`);

let server: TestServer;
let sink: Sink;
let org: OrganizationFixture;
let customerSeq = 0;
const nextCustomer = () => `+1415555${3500 + ++customerSeq}`;

beforeAll(async () => {
  ({ server, sink, org } = await startInboundSuite());
  await assistantCompliance(org, { keywordReplies: true, businessName: 'Acme Dental' });
});
afterAll(() => stopInboundSuite({ server, sink }));

async function inbound(key: ProviderKey, from: string, body: string) {
  const hook = signedInbound(server, org, key, { from, body });
  expect((await post(server, hook.path, hook.signed)).status).toBe(200);
  return hook;
}

/** Keyword replies stored for this customer (they are in the delivery log as soon as the webhook is answered). */
async function repliesTo(customer: string) {
  return (await messagesTo(org, customer)).filter((m) => m.direction === 'OUTBOUND' && m.category === 'COMPLIANCE');
}

describe('keyword replies', () => {
  it('STOP is answered once, even when the provider retries the webhook; HELP is answered too; the opt-out still holds for other sends', async () => {
    const customer = nextCustomer();
    const stop = await inbound('twilio', customer, 'stop');
    // The provider delivers the same webhook again.
    expect((await post(server, stop.path, stop.signed)).status).toBe(200);
    expect(await repliesTo(customer)).toHaveLength(1);

    const [reply] = await eventually(() => (server.fake.sentTo(customer).length === 1 ? server.fake.sentTo(customer) : null));
    expect(reply.provider).toBe('twilio');
    expect(bodyOf(reply)).toBe('Acme Dental: You are unsubscribed and will receive no more messages. Reply START to resubscribe.');

    // The keyword reply goes out despite the opt-out it answers; anything else is refused.
    expect(await sendSms(org, org.numbers.twilio.phoneNumber, customer)).toMatchObject({ code: 'RECIPIENT_OPTED_OUT' });

    await inbound('twilio', customer, 'HELP');
    await eventually(() => server.fake.sentTo(customer).length === 2);
    expect(server.fake.sentTo(customer).map(bodyOf)).toEqual([
      'Acme Dental: You are unsubscribed and will receive no more messages. Reply START to resubscribe.',
      'Acme Dental: Reply STOP to opt out, START to opt back in. Msg & data rates may apply.',
    ]);
    expect(await repliesTo(customer)).toHaveLength(2);
  });

  it('a console sees the reply live as the thread’s newest message, sent by Switchboard itself', async () => {
    const client = wsClient(server.url, org.apiKey);
    try {
      const before = server.app.services.events.activeSubscriptions();
      const updates = collect(client, KeywordThreadUpdated, {});
      await subscribersReady(server, before + 1, [`conversation:organization:${decodeGlobalID(org.organizationId).id}`]);
      const customer = nextCustomer();
      await inbound('twilio', customer, 'STOP');
      const [reply] = await repliesTo(customer);
      const pushed = await eventually(() => updates.events.find((e) => e.conversationUpdated.conversation.customerPhoneNumber === customer));
      expect(pushed.conversationUpdated).toMatchObject({
        change: 'CREATED',
        conversation: { unreadCount: 1, lastMessage: { id: reply.id, direction: 'OUTBOUND', sentBy: { kind: 'SWITCHBOARD', agent: null, apiKeyName: null } } },
      });
    } finally {
      await client.dispose();
    }
  });

  it.each([['telnyx'], ['vonage']] as const)('START to a %s number is answered from that number with the assistant’s own text', async (key) => {
    await assistantCompliance(org, { startReply: 'Welcome back to Acme Dental! Reply STOP to opt out.' });
    const customer = nextCustomer();
    await inbound(key, customer, 'START');
    const [reply] = await eventually(() => (server.fake.sentTo(customer).length ? server.fake.sentTo(customer) : null));
    expect(reply.provider).toBe(key);
    expect(bodyOf(reply)).toBe('Welcome back to Acme Dental! Reply STOP to opt out.');
    await assistantCompliance(org, { startReply: null });
  });

  it('no reply from a number whose provider answers keywords itself, and none once keyword replies are off', async () => {
    const answered = (await ok(org.request(ComplianceUpdatePhoneNumber, { input: { id: org.numbers.telnyx.id, providerAnswersKeywords: true } }))).updatePhoneNumber;
    expect(answered).toMatchObject({ phoneNumber: { providerAnswersKeywords: true } });
    const customer = nextCustomer();
    await inbound('telnyx', customer, 'STOP');
    await inbound('telnyx', customer, 'HELP');
    await ok(org.request(ComplianceUpdatePhoneNumber, { input: { id: org.numbers.telnyx.id, providerAnswersKeywords: false } }));

    await assistantCompliance(org, { keywordReplies: false });
    await inbound('vonage', customer, 'STOP');
    await assistantCompliance(org, { keywordReplies: true });

    // The keywords still changed the consent; only the replies were left out.
    expect(await repliesTo(customer)).toEqual([]);
    expect((await consentHistory(org, { customerPhoneNumber: customer })).map((e) => [e.kind, e.phoneNumberId])).toEqual([
      ['OPT_OUT', org.numbers.telnyx.id],
      ['OPT_OUT', org.numbers.vonage.id],
    ]);
    // A reply to a later keyword shows the queue is running: nothing else was sent to them.
    await inbound('twilio', customer, 'HELP');
    await eventually(() => server.fake.sentTo(customer).length === 1);
    expect(server.fake.sentTo(customer).map((r) => r.provider)).toEqual(['twilio']);
  });
});

describe('consent history', () => {
  it('STOP, START and an opt-in by API are appended in order, earlier entries unchanged', async () => {
    const customer = nextCustomer();
    const stop = await inbound('vonage', customer, 'STOP');
    const afterStop = await consentHistory(org, { customerPhoneNumber: customer });
    expect(afterStop).toMatchObject([{ kind: 'OPT_OUT', method: 'KEYWORD', keyword: 'STOP', phoneNumberId: org.numbers.vonage.id }]);
    expect(afterStop[0].messageId).toBeTruthy();
    const [stopMessage] = (await messagesTo(org, org.numbers.vonage.phoneNumber)).filter((m) => m.direction === 'INBOUND' && m.id === afterStop[0].messageId);
    expect(stopMessage).toMatchObject({ body: 'STOP' });
    expect(stop.providerMessageId).toBeTruthy();

    await inbound('vonage', customer, 'start');
    const optIn = (
      await ok(
        org.request(ComplianceRecordOptIn, {
          input: { customerPhoneNumber: customer, source: 'web signup', evidence: 'I agree to receive appointment reminders', phoneNumberIds: [org.numbers.twilio.id] },
        }),
      )
    ).recordOptIn;
    expect(optIn.__typename).toBe('RecordOptInPayload');

    const history = await consentHistory(org, { customerPhoneNumber: customer });
    expect(history.map((e) => [e.kind, e.method, e.keyword, e.phoneNumberId, e.source, e.evidence])).toEqual([
      ['OPT_OUT', 'KEYWORD', 'STOP', org.numbers.vonage.id, null, null],
      ['OPT_IN', 'KEYWORD', 'START', org.numbers.vonage.id, null, null],
      ['OPT_IN', 'API', null, org.numbers.twilio.id, 'web signup', 'I agree to receive appointment reminders'],
    ]);
    expect(history[0]).toEqual(afterStop[0]);
    // Narrowed to a number: its own entries (and organization-wide ones).
    expect((await consentHistory(org, { customerPhoneNumber: customer, phoneNumberId: org.numbers.twilio.id })).map((e) => e.method)).toEqual(['API']);

    // Exported oldest first, as CSV or JSON lines, with the API key; another organization's key exports none of it.
    const exported = async (apiKey: string, format: string) => {
      const response = await fetch(`${server.url}/export/consent?format=${format}&customerPhoneNumber=${encodeURIComponent(customer)}`, {
        headers: { authorization: `Bearer ${apiKey}` },
      });
      expect(response.status).toBe(200);
      return (await response.text()).trim().split(/\r?\n/);
    };
    const csv = await exported(org.apiKey, 'csv');
    expect(csv[0]).toBe('id,customerPhoneNumber,kind,method,phoneNumberId,assistantId,keyword,source,evidence,messageId,at,createdAt');
    expect(csv.slice(1).map((line) => line.split(',').slice(1, 4))).toEqual([
      [customer, 'OPT_OUT', 'KEYWORD'],
      [customer, 'OPT_IN', 'KEYWORD'],
      [customer, 'OPT_IN', 'API'],
    ]);
    const jsonl = (await exported(org.apiKey, 'jsonl')).map((line) => JSON.parse(line));
    expect(jsonl.map((e) => e.id)).toEqual(history.map((e) => e.id));
    expect(jsonl[2]).toMatchObject({ source: 'web signup', evidence: 'I agree to receive appointment reminders', phoneNumberId: org.numbers.twilio.id });
    const stranger = await createOrganizationFixture(server, { name: 'Stranger', numberOffset: 1 });
    expect(await exported(stranger.apiKey, 'csv')).toHaveLength(1);

    // The database itself refuses to change or remove an entry.
    const { sql } = server.app.services;
    await expect(sql.run(`UPDATE "ConsentEvent" SET "source" = 'rewritten' WHERE "customerPhoneNumber" = ?`, [customer])).rejects.toThrow(/append-only/);
    await expect(sql.run(`DELETE FROM "ConsentEvent" WHERE "customerPhoneNumber" = ?`, [customer])).rejects.toThrow(/append-only/);
    expect(await consentHistory(org, { customerPhoneNumber: customer })).toEqual(history);
  });
});

describe('provider refusals', () => {
  it('a carrier opt-out reported in a status callback is appended to the history, with the provider’s words', async () => {
    const customer = nextCustomer();
    const sent = await sendAndWaitSent(org, org.numbers.twilio.phoneNumber, customer, 'Hello?');
    const status = signedStatus(server, org, 'twilio', {
      providerMessageId: sent.providerMessageId,
      from: org.numbers.twilio.phoneNumber,
      to: customer,
      status: 'failed',
      errorCode: '21610',
      errorMessage: 'Attempt to send to unsubscribed recipient',
    });
    expect((await post(server, status.path, status.signed)).status).toBe(200);
    expect(await consentHistory(org, { customerPhoneNumber: customer })).toMatchObject([
      { kind: 'OPT_OUT', method: 'PROVIDER_REFUSAL', phoneNumberId: org.numbers.twilio.id, source: 'TWILIO failed: 21610' },
    ]);
  });
});

describe('opt-out footer', () => {
  it('goes on the first message of a new thread only, counted in its segments', async () => {
    await assistantCompliance(org, { optOutFooter: 'Reply STOP to opt out' });
    const customer = nextCustomer();
    const first = await sendSms(org, org.numbers.twilio.phoneNumber, customer, { message: 'Your appointment is on Friday at 10:00.' });
    const second = await sendSms(org, org.numbers.twilio.phoneNumber, customer, { message: 'See you then.' });
    await assistantCompliance(org, { optOutFooter: null });
    expect(first).toMatchObject({ outboundMessage: { body: 'Your appointment is on Friday at 10:00.\n\nReply STOP to opt out', segments: 1 } });
    expect(second).toMatchObject({ outboundMessage: { body: 'See you then.' } });
    await eventually(() => server.fake.sentTo(customer).length === 2);
    expect(server.fake.sentTo(customer).map(bodyOf).sort()).toEqual(['See you then.', 'Your appointment is on Friday at 10:00.\n\nReply STOP to opt out']);
  });
});
