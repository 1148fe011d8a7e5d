import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from './gql';
import { ok } from './support/client';
import { SharedAddPhoneNumber, SharedCreateAssistant } from './support/documents';
import { createOrganizationFixture, makeCredentials, NUMBERS, type OrganizationFixture } from './support/fixtures';
import { ADMIN_TOKEN, eventually, startServer, type TestServer } from './support/server';
import { telnyxKeyPair } from './fakes/signing';

const RestMessage = graphql(`
  query RestMessage($id: ID!) {
    message(id: $id) { id status provider from to body mediaUrls providerMessageId errorCode }
  }
`);

const RestDeliveryLog = graphql(`
  query RestDeliveryLog {
    messages(first: 100) { edges { node { id } } }
  }
`);

let server: TestServer;
let org: OrganizationFixture;
let unassigned: string;
let vonageWithoutConfig: string;

beforeAll(async () => {
  server = await startServer();
  org = await createOrganizationFixture(server);

  unassigned = '+14155552801';
  const added = (await ok(org.request(SharedAddPhoneNumber, { input: { phoneNumber: unassigned, provider: 'TELNYX' } }))).addPhoneNumber;
  expect(added.__typename).toBe('AddPhoneNumberPayload');

  const telnyxOnly = (
    await ok(org.request(SharedCreateAssistant, { input: { name: 'Telnyx only', telnyxConfig: makeCredentials(telnyxKeyPair().publicKeyBase64).telnyx } }))
  ).createAssistant;
  if (telnyxOnly.__typename !== 'CreateAssistantPayload') throw new Error(JSON.stringify(telnyxOnly));
  vonageWithoutConfig = '+14155552802';
  const vonage = (
    await ok(org.request(SharedAddPhoneNumber, { input: { phoneNumber: vonageWithoutConfig, provider: 'VONAGE', assistantId: telnyxOnly.assistant.id } }))
  ).addPhoneNumber;
  expect(vonage.__typename).toBe('AddPhoneNumberPayload');
});
afterAll(() => server?.stop());

async function post(body: unknown, options: { apiKey?: string | null; raw?: string } = {}) {
  const apiKey = options.apiKey === undefined ? org.apiKey : options.apiKey;
  const response = await fetch(`${server.url}/sms/send`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(apiKey !== null && { authorization: `Bearer ${apiKey}` }) },
    body: options.raw ?? JSON.stringify(body),
  });
  return { status: response.status, contentType: response.headers.get('content-type'), body: (await response.json()) as Record<string, unknown> };
}

async function finished(id: string) {
  return eventually(async () => {
    const { message } = await ok(org.request(RestMessage, { id }));
    return message && ['SENT', 'FAILED'].includes(message.status) ? message : null;
  });
}

async function deliveryLog() {
  const { messages } = await ok(org.request(RestDeliveryLog));
  return messages.edges.map((e) => e.node.id).sort();
}

/** Expects the error answer, and that nothing was stored and no provider was called. */
async function expectError(body: unknown, httpStatus: number, code: string, options: { apiKey?: string | null; raw?: string } = {}) {
  const logBefore = await deliveryLog();
  const requestsBefore = server.fake.requestCount;
  const answer = await post(body, options);
  expect(answer.status).toBe(httpStatus);
  expect(answer.contentType).toMatch(/^application\/json/);
  expect(answer.body).toEqual({ success: false, error: { code, message: expect.any(String) }, detail: expect.any(String) });
  expect((answer.body.error as { message: string }).message.length).toBeGreaterThan(0);
  expect(answer.body.detail).toBe((answer.body.error as { message: string }).message);
  expect(await deliveryLog()).toEqual(logBefore);
  expect(server.fake.requestCount).toBe(requestsBefore);
}

describe('POST /sms/send', () => {
  it.each([
    ['twilio', 'TWILIO'],
    ['telnyx', 'TELNYX'],
    ['vonage', 'VONAGE'],
  ] as const)('sends an SMS through %s: 200 with the documented body, then the message ends SENT', async (key, provider) => {
    const to = NUMBERS.customer;
    const answer = await post({ from_phone_number: org.numbers[key].phoneNumber, to_phone_number: to, message: `Hello via ${key}` });
    expect(answer.status).toBe(200);
    expect(answer.contentType).toMatch(/^application\/json/);
    expect(answer.body).toEqual({ success: true, message_id: expect.any(String), message: expect.any(String), provider: key, status: 'queued' });
    expect((answer.body.message as string).length).toBeGreaterThan(0);

    const message = await finished(answer.body.message_id as string);
    expect(message).toMatchObject({ id: answer.body.message_id, status: 'SENT', provider, from: org.numbers[key].phoneNumber, to, body: `Hello via ${key}` });
    const request = server.fake.sentTo(to).find((r) => r.outcome.providerMessageId === message.providerMessageId);
    expect(request?.provider).toBe(key);
  });

  it('sends an MMS with media_urls', async () => {
    const to = '+14155552810';
    const media_urls = ['https://cdn.example.com/menu.jpg', 'https://cdn.example.com/map.png'];
    const answer = await post({ from_phone_number: org.numbers.telnyx.phoneNumber, to_phone_number: to, message: 'Menu attached', media_urls });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ success: true, provider: 'telnyx', status: 'queued' });
    const message = await finished(answer.body.message_id as string);
    expect(message).toMatchObject({ status: 'SENT', mediaUrls: media_urls });
    expect(server.fake.sentTo(to)[0].body).toMatchObject({ text: 'Menu attached', media_urls });
  });

  it('sends an MMS without a message', async () => {
    const to = '+14155552811';
    const answer = await post({ from_phone_number: org.numbers.twilio.phoneNumber, to_phone_number: to, media_urls: ['https://cdn.example.com/a.jpg'] });
    expect(answer.status).toBe(200);
    expect((await finished(answer.body.message_id as string)).status).toBe('SENT');
  });

  it('the same idempotency_key answers the same message_id and sends once', async () => {
    const to = '+14155552812';
    const body = { from_phone_number: org.numbers.twilio.phoneNumber, to_phone_number: to, message: 'Once only', idempotency_key: 'rest-key-1' };
    const first = await post(body);
    const second = await post(body);
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ success: true, message_id: first.body.message_id, provider: 'twilio' });
    await finished(first.body.message_id as string);
    const third = await post(body);
    expect(third.body).toMatchObject({ success: true, message_id: first.body.message_id });
    expect(server.fake.requests.filter((r) => r.to === to)).toHaveLength(1);
  });

  describe('errors', () => {
    const valid = () => ({ from_phone_number: org.numbers.twilio.phoneNumber, to_phone_number: NUMBERS.customer2, message: 'Hi' });

    it('401 UNAUTHENTICATED without a key, with a bad key, and with the admin token', async () => {
      await expectError(valid(), 401, 'UNAUTHENTICATED', { apiKey: null });
      await expectError(valid(), 401, 'UNAUTHENTICATED', { apiKey: 'sb_not_a_real_key' });
      await expectError(valid(), 401, 'UNAUTHENTICATED', { apiKey: ADMIN_TOKEN });
      // Bad key and bad body: authentication is answered first.
      await expectError(null, 401, 'UNAUTHENTICATED', { apiKey: 'sb_not_a_real_key', raw: '{not json' });
    });

    it.each([
      ['a recipient without the plus', { to_phone_number: '14155552680' }],
      ['a recipient that is no real number', { to_phone_number: '+1555' }],
      ['a recipient with letters', { to_phone_number: '+1415555CALL' }],
      ['a sender that is no real number', { from_phone_number: '+1555' }],
    ])('400 INVALID_PHONE_NUMBER for %s', async (_why, change) => {
      await expectError({ ...valid(), ...change }, 400, 'INVALID_PHONE_NUMBER');
    });

    it('400 EMPTY_MESSAGE for an empty, a blank or a missing message', async () => {
      await expectError({ ...valid(), message: '' }, 400, 'EMPTY_MESSAGE');
      await expectError({ ...valid(), message: '  \n ' }, 400, 'EMPTY_MESSAGE');
      const { message: _omitted, ...withoutMessage } = valid();
      await expectError(withoutMessage, 400, 'EMPTY_MESSAGE');
    });

    it('400 MESSAGE_TOO_LONG for 1601 characters', async () => {
      await expectError({ ...valid(), message: 'a'.repeat(1601) }, 400, 'MESSAGE_TOO_LONG');
    });

    it('400 INVALID_MEDIA for an http media URL or too many media', async () => {
      await expectError({ ...valid(), media_urls: ['http://cdn.example.com/a.jpg'] }, 400, 'INVALID_MEDIA');
      await expectError({ ...valid(), media_urls: Array.from({ length: 11 }, (_, i) => `https://cdn.example.com/${i}.jpg`) }, 400, 'INVALID_MEDIA');
      await expectError({ ...valid(), media_urls: 'https://cdn.example.com/a.jpg' }, 400, 'INVALID_MEDIA');
    });

    it('400 INVALID_INPUT for malformed JSON, a non-object body, or missing numbers', async () => {
      await expectError(null, 400, 'INVALID_INPUT', { raw: '{"from_phone_number": ' });
      await expectError(null, 400, 'INVALID_INPUT', { raw: '["+14155552671"]' });
      await expectError(null, 400, 'INVALID_INPUT', { raw: '' });
      const { to_phone_number: _omitted, ...withoutTo } = valid();
      await expectError(withoutTo, 400, 'INVALID_INPUT');
      await expectError({ ...valid(), message: 42 }, 400, 'INVALID_INPUT');
    });

    it('404 NUMBER_NOT_FOUND for a sender this organization does not own', async () => {
      await expectError({ ...valid(), from_phone_number: '+14155552899' }, 404, 'NUMBER_NOT_FOUND');
    });

    it('404 NO_ASSISTANT for a number not assigned to an assistant', async () => {
      await expectError({ ...valid(), from_phone_number: unassigned }, 404, 'NO_ASSISTANT');
    });

    it("422 PROVIDER_NOT_CONFIGURED when the number's assistant has no credentials for its provider", async () => {
      await expectError({ ...valid(), from_phone_number: vonageWithoutConfig }, 422, 'PROVIDER_NOT_CONFIGURED');
    });

    it('409 RECIPIENT_OPTED_OUT once the provider has reported the recipient opted out of that number', async () => {
      const to = '+14155552820';
      server.fake.failFor(to, { kind: 'opted-out' });
      const first = await post({ from_phone_number: org.numbers.twilio.phoneNumber, to_phone_number: to, message: 'Hello?' });
      expect(first.status).toBe(200);
      const failed = await finished(first.body.message_id as string);
      expect(failed).toMatchObject({ status: 'FAILED', errorCode: '21610' });

      await expectError({ from_phone_number: org.numbers.twilio.phoneNumber, to_phone_number: to, message: 'Hello again' }, 409, 'RECIPIENT_OPTED_OUT');
      // The opt-out is per sending number: another of our numbers may still write.
      const other = await post({ from_phone_number: org.numbers.telnyx.phoneNumber, to_phone_number: to, message: 'From the other line' });
      expect(other.status).toBe(200);
    });
  });
});
