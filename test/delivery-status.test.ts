/**
 * Provider delivery statuses move a sent message forward only, fire
 * messageStatusChanged when (and only when) its status changes, and keep the provider's own
 * word in the timeline.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from 'graphql-ws';
import { vonageWebhookRequest } from './fakes/signing';
import { collect, ok, wsClient } from './support/client';
import { createOrganizationFixture, type OrganizationFixture } from './support/fixtures';
import { eventually, startServer, type TestServer } from './support/server';
import {
  closeRedis,
  InboundSuiteMessageStatusChanged,
  messageDetails,
  post,
  PROVIDERS,
  sendAndWaitSent,
  signedStatus,
  InboundSuiteSendSms,
  subscribersReady,
  subscriptionTopic,
  type ProviderKey,
} from './support/inbound';

let server: TestServer;
let org: OrganizationFixture;
const clients: Client[] = [];

beforeAll(async () => {
  server = await startServer();
  org = await createOrganizationFixture(server);
});
afterAll(async () => {
  await server?.stop();
  await closeRedis();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
  await eventually(() => server.app.services.events.activeSubscriptions() === 0);
});

async function subscribeStatus(who: OrganizationFixture, variables: { assistantId?: string; conversationId?: string; messageId?: string } = {}) {
  const client = wsClient(server.url, who.apiKey);
  clients.push(client);
  const before = server.app.services.events.activeSubscriptions();
  const subscription = collect(client, InboundSuiteMessageStatusChanged, variables);
  await subscribersReady(server, before + 1, [subscriptionTopic('status', who, variables)]);
  return subscription;
}

let customerSeq = 0;
const nextCustomer = () => `+1415555${String(3500 + ++customerSeq)}`;

/** Each provider's words: a delivery, a late "sent", and a failure with its own error code. */
const WORDS: Record<ProviderKey, { delivered: string; sent: string; failed: { word: string; status: 'UNDELIVERED' | 'FAILED'; code: string; message: string }[] }> = {
  twilio: {
    delivered: 'delivered',
    sent: 'sent',
    failed: [
      { word: 'undelivered', status: 'UNDELIVERED', code: '30003', message: 'Unreachable destination handset' },
      { word: 'failed', status: 'FAILED', code: '30007', message: 'Message filtered' },
    ],
  },
  telnyx: {
    delivered: 'delivered',
    sent: 'sent',
    failed: [
      { word: 'delivery_failed', status: 'UNDELIVERED', code: '40002', message: 'Message delivery failed' },
      { word: 'sending_failed', status: 'FAILED', code: '40008', message: 'Undeliverable message' },
    ],
  },
  vonage: {
    delivered: 'delivered',
    sent: 'submitted',
    failed: [
      { word: 'rejected', status: 'UNDELIVERED', code: '1320', message: 'Message already sent' },
      { word: 'undeliverable', status: 'UNDELIVERED', code: '1330', message: 'Unknown number' },
    ],
  },
};

describe.each(PROVIDERS)('delivery statuses from %s', (_provider, key) => {
  it('moves a SENT message to DELIVERED, fires messageStatusChanged, and a late "sent" is kept in the timeline only', async () => {
    const from = org.numbers[key].phoneNumber;
    const customer = nextCustomer();
    const sent = await sendAndWaitSent(org, from, customer, 'Your order shipped');
    const byMessage = await subscribeStatus(org, { messageId: sent.id });
    const byAssistant = await subscribeStatus(org, { assistantId: org.assistantId });

    const delivered = signedStatus(server, org, key, { providerMessageId: sent.providerMessageId, from, to: customer, status: WORDS[key].delivered });
    expect((await post(server, delivered.path, delivered.signed)).status).toBe(200);
    const afterDelivery = await messageDetails(org, sent.id);
    expect(afterDelivery.status).toBe('DELIVERED');
    expect(afterDelivery.events.at(-1)).toMatchObject({ status: 'DELIVERED', providerStatus: WORDS[key].delivered });
    await eventually(() => byMessage.events.length === 1);
    expect(byMessage.events[0].messageStatusChanged).toMatchObject({ id: sent.id, status: 'DELIVERED' });

    // The provider retries the same callback: nothing new.
    expect((await post(server, delivered.path, delivered.signed)).status).toBe(200);
    // A late "sent": recorded with the provider's word, status unchanged, no event.
    const late = signedStatus(server, org, key, { providerMessageId: sent.providerMessageId, from, to: customer, status: WORDS[key].sent });
    expect((await post(server, late.path, late.signed)).status).toBe(200);
    const afterLate = await messageDetails(org, sent.id);
    expect(afterLate.status).toBe('DELIVERED');
    const providerWords = afterLate.events.map((e) => e.providerStatus);
    expect(providerWords.filter((w) => w === WORDS[key].delivered)).toHaveLength(1);
    expect(providerWords.at(-1)).toBe(WORDS[key].sent);
    expect(afterLate.events.map((e) => e.status).slice(0, 3)).toEqual(['QUEUED', 'SENDING', 'SENT']);

    // A later change on another message proves no event for the late "sent" is still on its way.
    const other = await sendAndWaitSent(org, from, nextCustomer(), 'Another one');
    await eventually(() => byAssistant.events.some((e) => e.messageStatusChanged.id === other.id && e.messageStatusChanged.status === 'SENT'));
    const forFirst = byAssistant.events.map((e) => e.messageStatusChanged).filter((m) => m.id === sent.id);
    expect(forFirst.map((m) => m.status)).toEqual(['DELIVERED']);
    expect(byMessage.events).toHaveLength(1);
  });

  it('pushes an outbound message on messageStatusChanged when it is stored, QUEUED or SCHEDULED, before the queue takes it', async () => {
    const from = org.numbers[key].phoneNumber;
    const byAssistant = await subscribeStatus(org, { assistantId: org.assistantId });
    const send = async (input: { message: string; sendAt?: string }) => {
      const result = (await ok(org.request(InboundSuiteSendSms, { input: { fromPhoneNumber: from, toPhoneNumber: nextCustomer(), ...input } }))).sendSms;
      if (result.__typename !== 'SendMessagePayload') throw new Error(JSON.stringify(result));
      return result.outboundMessage.id;
    };
    const now = await send({ message: 'Now' });
    const later = await send({ message: 'Later', sendAt: new Date(Date.now() + 3_600_000).toISOString() });
    const statusesOf = (id: string) => byAssistant.events.map((e) => e.messageStatusChanged).filter((m) => m.id === id).map((m) => m.status);
    await eventually(() => statusesOf(now).includes('SENT') && statusesOf(later).length === 1);
    expect(statusesOf(now)).toEqual(['QUEUED', 'SENDING', 'SENT']);
    expect(statusesOf(later)).toEqual(['SCHEDULED']);
  });

  it('fires messageStatusChanged(conversationId:) for the messages of that conversation only', async () => {
    const from = org.numbers[key].phoneNumber;
    const customer = nextCustomer();
    const first = await sendAndWaitSent(org, from, customer, 'First in this thread');
    const conversationId = (await messageDetails(org, first.id)).conversation!.id;
    const byConversation = await subscribeStatus(org, { conversationId });
    const elsewhere = await sendAndWaitSent(org, from, nextCustomer(), 'In another thread');
    const delivered = (id: string, to: string) => signedStatus(server, org, key, { providerMessageId: id, from, to, status: WORDS[key].delivered });
    for (const hook of [delivered(elsewhere.providerMessageId, elsewhere.to), delivered(first.providerMessageId, customer)]) {
      expect((await post(server, hook.path, hook.signed)).status).toBe(200);
    }
    await eventually(() => byConversation.events.some((e) => e.messageStatusChanged.status === 'DELIVERED'));
    expect(byConversation.events.map((e) => [e.messageStatusChanged.id, e.messageStatusChanged.status, e.messageStatusChanged.conversation?.id])).toEqual([
      [first.id, 'DELIVERED', conversationId],
    ]);
  });

  it.each(WORDS[key].failed)('records "$word" with the provider error code $code', async ({ word, status, code, message }) => {
    const from = org.numbers[key].phoneNumber;
    const customer = nextCustomer();
    const sent = await sendAndWaitSent(org, from, customer, 'This will bounce');
    const byMessage = await subscribeStatus(org, { messageId: sent.id });
    const failed = signedStatus(server, org, key, { providerMessageId: sent.providerMessageId, from, to: customer, status: word, errorCode: code, errorMessage: message });
    expect((await post(server, failed.path, failed.signed)).status).toBe(200);
    const after = await messageDetails(org, sent.id);
    expect(after).toMatchObject({ status, errorCode: code });
    expect(after.errorMessage).toContain(message);
    expect(after.events.at(-1)).toMatchObject({ status, providerStatus: word });
    await eventually(() => byMessage.events.length === 1);
    expect(byMessage.events[0].messageStatusChanged).toMatchObject({ status, errorCode: code });
    // A final status is final: a delivery report arriving after it does not change it.
    const delivered = signedStatus(server, org, key, { providerMessageId: sent.providerMessageId, from, to: customer, status: WORDS[key].delivered });
    expect((await post(server, delivered.path, delivered.signed)).status).toBe(200);
    expect((await messageDetails(org, sent.id)).status).toBe(status);
  });
});

describe('delivery statuses that are not ours to apply', () => {
  it('refuses an unsigned or forged status callback and leaves the message as it was', async () => {
    const from = org.numbers.twilio.phoneNumber;
    const customer = nextCustomer();
    const sent = await sendAndWaitSent(org, from, customer, 'Status me');
    const good = signedStatus(server, org, 'twilio', { providerMessageId: sent.providerMessageId, from, to: customer, status: 'delivered' });
    const { 'x-twilio-signature': _gone, ...unsignedHeaders } = good.signed.headers;
    expect((await post(server, good.path, { ...good.signed, headers: unsignedHeaders })).status).toBe(401);
    expect((await post(server, good.path, { ...good.signed, body: good.signed.body.replace('delivered', 'failed') })).status).toBe(403);
    const vonageSent = await sendAndWaitSent(org, org.numbers.vonage.phoneNumber, customer, 'Status me too');
    const stale = signedStatus(server, org, 'vonage', { providerMessageId: vonageSent.providerMessageId, from: org.numbers.vonage.phoneNumber, to: customer, status: 'delivered' });
    const staleJwt = vonageWebhookRequest({
      signatureSecret: org.credentials.vonage.signatureSecret,
      body: stale.signed.body,
      iat: Math.floor(Date.now() / 1000) - 3600,
    });
    expect((await post(server, stale.path, staleJwt)).status).toBe(403);
    expect((await messageDetails(org, sent.id)).status).toBe('SENT');
    expect((await messageDetails(org, vonageSent.id)).status).toBe('SENT');
  });

  it("does not let another organization's credentials move our message", async () => {
    const other = await createOrganizationFixture(server, { name: 'Other', numberOffset: 1 });
    const from = org.numbers.telnyx.phoneNumber;
    const customer = nextCustomer();
    const sent = await sendAndWaitSent(org, from, customer, 'Mine');
    // Signed correctly by the other organization, from its own number, naming our provider message id.
    const sneaky = signedStatus(server, other, 'telnyx', { providerMessageId: sent.providerMessageId, from: other.numbers.telnyx.phoneNumber, to: customer, status: 'delivered' });
    expect((await post(server, sneaky.path, sneaky.signed)).status).toBe(200);
    // …or from our number, with its own key: not our signature.
    const forged = signedStatus(server, other, 'telnyx', { providerMessageId: sent.providerMessageId, from, to: customer, status: 'delivered' });
    expect((await post(server, forged.path, forged.signed)).status).toBe(403);
    const after = await messageDetails(org, sent.id);
    expect(after.status).toBe('SENT');
    expect(after.events.map((e) => e.providerStatus)).not.toContain('delivered');
  });
});
