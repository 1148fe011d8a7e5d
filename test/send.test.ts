import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from './gql';
import { ok } from './support/client';
import { SharedSendMms as SendMms } from './support/documents';
import { createOrganizationFixture, NUMBERS, type OrganizationFixture } from './support/fixtures';
import { eventually, startServer, type TestServer } from './support/server';

const SendSms = graphql(`
  mutation SendSms($input: SendSmsInput!) {
    sendSms(input: $input) {
      __typename
      ... on SendMessagePayload { outboundMessage { id status provider segments encoding from to body } }
      ... on Error { code message }
    }
  }
`);

const MessageById = graphql(`
  query MessageById($id: ID!) {
    message(id: $id) {
      id status provider providerMessageId errorCode errorMessage
      events { status providerStatus at }
      conversation { id customerPhoneNumber }
    }
  }
`);

let server: TestServer;
let org: OrganizationFixture;

beforeAll(async () => {
  server = await startServer();
  org = await createOrganizationFixture(server);
});
afterAll(() => server?.stop());

async function sendSms(from: string, to: string, message: string) {
  const result = (await ok(org.request(SendSms, { input: { fromPhoneNumber: from, toPhoneNumber: to, message } }))).sendSms;
  if (result.__typename !== 'SendMessagePayload') throw new Error(`sendSms refused: ${JSON.stringify(result)}`);
  return result.outboundMessage;
}

async function sentMessage(id: string) {
  return eventually(async () => {
    const { message } = await ok(org.request(MessageById, { id }));
    return message && ['SENT', 'FAILED'].includes(message.status) ? message : null;
  });
}

describe.each([
  ['TWILIO', 'twilio'],
  ['TELNYX', 'telnyx'],
  ['VONAGE', 'vonage'],
] as const)('sending through %s', (provider, key) => {
  it('stores the SMS QUEUED, then the provider receives it with our credentials and it ends SENT with the provider id', async () => {
    const from = org.numbers[key].phoneNumber;
    const to = NUMBERS.customer;
    const accepted = await sendSms(from, to, 'Your table for two is ready');
    expect(accepted).toMatchObject({ status: 'QUEUED', provider, segments: 1, encoding: 'GSM7', from, to });

    const message = await sentMessage(accepted.id);
    expect(message.status).toBe('SENT');
    const [request] = server.fake.sentTo(to).filter((r) => r.provider === key);
    expect(request).toBeDefined();
    expect(message.providerMessageId).toBe(request.outcome.providerMessageId);
    expect(message.events.map((e) => e.status)).toEqual(['QUEUED', 'SENDING', 'SENT']);
    expect(message.conversation?.customerPhoneNumber).toBe(to);

    if (key === 'twilio') {
      expect(request.auth).toEqual({ scheme: 'basic', username: org.credentials.twilio.accountSid, password: org.credentials.twilio.authToken });
      expect(request.body).toMatchObject({ From: from, To: to, Body: 'Your table for two is ready' });
      expect(request.body.StatusCallback).toBe(`${server.config.publicUrl}/webhooks/twilio/status`);
    } else if (key === 'telnyx') {
      expect(request.auth).toEqual({ scheme: 'bearer', token: org.credentials.telnyx.apiKey });
      expect(request.body).toMatchObject({ from, to, text: 'Your table for two is ready', webhook_url: `${server.config.publicUrl}/webhooks/telnyx` });
    } else {
      expect(request.auth).toEqual({ scheme: 'basic', username: org.credentials.vonage.apiKey, password: org.credentials.vonage.apiSecret });
      expect(request.body).toMatchObject({ from: from.slice(1), to: to.slice(1), channel: 'sms', message_type: 'text', text: 'Your table for two is ready' });
    }
    server.fake.clear();
  });

  it('sends an MMS with its media', async () => {
    const from = org.numbers[key].phoneNumber;
    const to = NUMBERS.customer2;
    const mediaUrls = key === 'vonage' ? ['https://cdn.example.com/menu.jpg'] : ['https://cdn.example.com/menu.jpg', 'https://cdn.example.com/map.png'];
    const result = (await ok(org.request(SendMms, { input: { fromPhoneNumber: from, toPhoneNumber: to, message: 'Menu attached', mediaUrls } }))).sendMms;
    if (result.__typename !== 'SendMessagePayload') throw new Error(JSON.stringify(result));
    expect(result.outboundMessage.mediaUrls).toEqual(mediaUrls);
    const message = await sentMessage(result.outboundMessage.id);
    expect(message.status).toBe('SENT');
    const [request] = server.fake.sentTo(to).filter((r) => r.provider === key);
    if (key === 'twilio') expect(request.body.MediaUrl).toEqual(mediaUrls);
    else if (key === 'telnyx') expect(request.body.media_urls).toEqual(mediaUrls);
    else expect(request.body).toMatchObject({ channel: 'mms', message_type: 'image', image: { url: mediaUrls[0], caption: 'Menu attached' } });
    server.fake.clear();
  });
});

describe('provider failures', () => {
  it('retries a 429 and a 503 with backoff and ends SENT', async () => {
    const to = '+14155552690';
    server.fake.failFor(to, { kind: 'rate-limited', times: 1 });
    const first = await sendSms(org.numbers.twilio.phoneNumber, to, 'Retry me');
    const to2 = '+14155552691';
    server.fake.failFor(to2, { kind: 'server-error', times: 2 });
    const second = await sendSms(org.numbers.telnyx.phoneNumber, to2, 'Retry me too');
    const [a, b] = [await sentMessage(first.id), await sentMessage(second.id)];
    expect(a.status).toBe('SENT');
    expect(b.status).toBe('SENT');
    expect(server.fake.requests.filter((r) => r.to === to)).toHaveLength(2);
    expect(server.fake.requests.filter((r) => r.to === to2)).toHaveLength(3);
    expect(a.events.map((e) => e.status)).toEqual(['QUEUED', 'SENDING', 'QUEUED', 'SENDING', 'SENT']);
  });

  it('ends FAILED with the provider code when the provider refuses the number', async () => {
    const to = '+14155552692';
    server.fake.failFor(to, { kind: 'invalid-number' });
    const accepted = await sendSms(org.numbers.twilio.phoneNumber, to, 'Hello');
    const message = await sentMessage(accepted.id);
    expect(message).toMatchObject({ status: 'FAILED', errorCode: '21211' });
    expect(message.errorMessage).toBeTruthy();
    expect(server.fake.requests.filter((r) => r.to === to)).toHaveLength(1);
  });

  it('gives up after the retry bound and ends FAILED, visibly', async () => {
    const to = '+14155552693';
    server.fake.failFor(to, { kind: 'server-error', times: 100 });
    const accepted = await sendSms(org.numbers.vonage.phoneNumber, to, 'Hello');
    const message = await sentMessage(accepted.id);
    expect(message.status).toBe('FAILED');
    expect(server.fake.requests.filter((r) => r.to === to)).toHaveLength(Number(server.env.SEND_MAX_ATTEMPTS));
  });
});
