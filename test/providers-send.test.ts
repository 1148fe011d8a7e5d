/**
 * Each provider's real SDK against the local fake provider server: what reaches the provider,
 * and what Switchboard's queue is told when the provider refuses, throttles or is unreachable.
 */
import { spawn } from 'node:child_process';
import { createPublicKey, createVerify, generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseE164 } from '../src/messaging/phone-number.js';
import { parseRetryAfter } from '../src/providers/http-failure.js';
import { sendTelnyx } from '../src/providers/telnyx/send.js';
import { sendTwilio } from '../src/providers/twilio/send.js';
import type { OutboundMessage, SendOptions, SendResult } from '../src/providers/types.js';
import { sendVonage } from '../src/providers/vonage/send.js';
import { startFakeProviders, type FakeProvider, type FakeProviders } from './fakes/provider-server.js';

const OUR_NUMBER = '+14155552671';
const CUSTOMER = '+12025550143';
const OTHER_CUSTOMER = '+16175551212';
const STATUS_URL = 'https://switchboard.example.com/webhooks/status';
const PICTURE = 'https://cdn.example.com/cat.jpg';
const SECOND_PICTURE = 'https://cdn.example.com/dog.png';

const twilioCredentials = { accountSid: 'AC0123456789abcdef0123456789abcdef', authToken: 'twilio-auth-token-secret' };
const telnyxCredentials = { apiKey: 'KEY0123-telnyx-secret', publicKey: 'unused-for-sending', messagingProfileId: '40017f5f-3f6c-4f8e-a1d2-8a6c9b0f1e2d' };
const vonageCredentials = { apiKey: 'vonagekey', apiSecret: 'vonage-api-secret', signatureSecret: 'vonage-signature-secret' };

let fake: FakeProviders;
beforeAll(async () => {
  fake = await startFakeProviders();
});
afterAll(async () => {
  await fake?.close();
});
beforeEach(() => fake.clear());

function sms(to = CUSTOMER, body = 'Your table is ready'): OutboundMessage {
  return { from: OUR_NUMBER, to, body, mediaUrls: [], statusCallbackUrl: STATUS_URL };
}

interface ProviderUnderTest {
  provider: FakeProvider;
  send(message: OutboundMessage, options?: SendOptions): Promise<SendResult>;
  baseUrl(): string;
  invalidNumberCode: string;
  optedOutCode: string;
}

const providers: ProviderUnderTest[] = [
  {
    provider: 'twilio',
    send: (message, options) => sendTwilio(twilioCredentials, message, { baseUrl: fake.baseUrls.twilio, ...options }),
    baseUrl: () => fake.baseUrls.twilio,
    invalidNumberCode: '21211',
    optedOutCode: '21610',
  },
  {
    provider: 'telnyx',
    send: (message, options) => sendTelnyx(telnyxCredentials, message, { baseUrl: fake.baseUrls.telnyx, ...options }),
    baseUrl: () => fake.baseUrls.telnyx,
    invalidNumberCode: '40310',
    optedOutCode: '40300',
  },
  {
    provider: 'vonage',
    send: (message, options) => sendVonage(vonageCredentials, message, { baseUrl: fake.baseUrls.vonage, ...options }),
    baseUrl: () => fake.baseUrls.vonage,
    invalidNumberCode: '1020',
    optedOutCode: 'recipient-opted-out',
  },
];

it('uses phone numbers libphonenumber accepts', () => {
  for (const number of [OUR_NUMBER, CUSTOMER, OTHER_CUSTOMER]) expect(parseE164(number)).toBe(number);
});

describe('Twilio', () => {
  const options = () => ({ baseUrl: fake.baseUrls.twilio });

  it('sends an SMS with the account credentials and a status callback', async () => {
    const result = await sendTwilio(twilioCredentials, sms(), options());

    const [request] = fake.sentTo(CUSTOMER);
    expect(request.path).toBe(`/2010-04-01/Accounts/${twilioCredentials.accountSid}/Messages.json`);
    expect(request.auth).toEqual({ scheme: 'basic', username: twilioCredentials.accountSid, password: twilioCredentials.authToken });
    expect(request.body).toMatchObject({ To: CUSTOMER, From: OUR_NUMBER, Body: 'Your table is ready', StatusCallback: STATUS_URL });
    expect(result).toEqual({ ok: true, providerMessageId: request.outcome.providerMessageId, providerStatus: 'queued' });
    expect(request.outcome.providerMessageId).toMatch(/^SM[0-9a-f]{32}$/);
  });

  it('sends an MMS with every media URL', async () => {
    const result = await sendTwilio(twilioCredentials, { ...sms(), body: '', mediaUrls: [PICTURE, SECOND_PICTURE] }, options());

    expect(result.ok).toBe(true);
    const [request] = fake.sentTo(CUSTOMER);
    expect(request.body.MediaUrl).toEqual([PICTURE, SECOND_PICTURE]);
    expect(request.body).not.toHaveProperty('Body');
  });

  it('names the Messaging Service and still sends from our number', async () => {
    const credentials = { ...twilioCredentials, messagingServiceSid: 'MG0123456789abcdef0123456789abcdef' };
    await sendTwilio(credentials, sms(), options());

    expect(fake.sentTo(CUSTOMER)[0].body).toMatchObject({ MessagingServiceSid: credentials.messagingServiceSid, From: OUR_NUMBER });
  });
});

describe('Telnyx', () => {
  const options = () => ({ baseUrl: fake.baseUrls.telnyx });

  it('sends an SMS with the API key, messaging profile and per-message webhook', async () => {
    const result = await sendTelnyx(telnyxCredentials, sms(), options());

    const [request] = fake.sentTo(CUSTOMER);
    expect(request.path).toBe('/v2/messages');
    expect(request.auth).toEqual({ scheme: 'bearer', token: telnyxCredentials.apiKey });
    expect(request.body).toMatchObject({
      from: OUR_NUMBER,
      to: CUSTOMER,
      text: 'Your table is ready',
      webhook_url: STATUS_URL,
      messaging_profile_id: telnyxCredentials.messagingProfileId,
    });
    expect(result).toEqual({ ok: true, providerMessageId: request.outcome.providerMessageId, providerStatus: 'queued' });
  });

  it('sends an MMS with its media URLs', async () => {
    const result = await sendTelnyx(telnyxCredentials, { ...sms(), mediaUrls: [PICTURE, SECOND_PICTURE] }, options());

    expect(result.ok).toBe(true);
    expect(fake.sentTo(CUSTOMER)[0].body).toMatchObject({ type: 'MMS', media_urls: [PICTURE, SECOND_PICTURE], text: 'Your table is ready' });
  });
});

describe('Vonage', () => {
  const options = () => ({ baseUrl: fake.baseUrls.vonage });

  it('sends an SMS with Basic auth and numbers without "+"', async () => {
    const result = await sendVonage(vonageCredentials, sms(), options());

    const [request] = fake.sentTo(CUSTOMER);
    expect(request.path).toBe('/v1/messages');
    expect(request.auth).toEqual({ scheme: 'basic', username: vonageCredentials.apiKey, password: vonageCredentials.apiSecret });
    expect(request.body).toMatchObject({
      channel: 'sms',
      message_type: 'text',
      to: CUSTOMER.slice(1),
      from: OUR_NUMBER.slice(1),
      text: 'Your table is ready',
      webhook_url: STATUS_URL,
    });
    expect(result).toEqual({ ok: true, providerMessageId: request.outcome.providerMessageId, providerStatus: 'submitted' });
  });

  it('signs a JWT with the application key when an application is configured', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const credentials = { ...vonageCredentials, applicationId: 'aaaaaaaa-bbbb-cccc-dddd-0123456789ab', privateKey };

    expect((await sendVonage(credentials, sms(), options())).ok).toBe(true);

    const { auth } = fake.sentTo(CUSTOMER)[0];
    expect(auth?.scheme).toBe('bearer');
    const [header, claims, signature] = (auth as { token: string }).token.split('.');
    const verified = createVerify('RSA-SHA256').update(`${header}.${claims}`).verify(createPublicKey(publicKey), signature, 'base64url');
    expect(verified).toBe(true);
    expect(JSON.parse(Buffer.from(claims, 'base64url').toString())).toMatchObject({ application_id: credentials.applicationId });
  });

  it('sends an MMS as one image with the body as its caption', async () => {
    const result = await sendVonage(vonageCredentials, { ...sms(), body: 'Look', mediaUrls: [PICTURE] }, options());

    expect(result.ok).toBe(true);
    expect(fake.sentTo(CUSTOMER)[0].body).toMatchObject({ channel: 'mms', message_type: 'image', image: { url: PICTURE, caption: 'Look' } });
  });

  it('refuses an MMS with more than one media URL without calling Vonage', async () => {
    const result = await sendVonage(vonageCredentials, { ...sms(), mediaUrls: [PICTURE, SECOND_PICTURE] }, options());

    expect(result).toMatchObject({ ok: false, retryable: false, errorCode: 'INVALID_MEDIA' });
    expect(fake.requests).toHaveLength(0);
  });

  it('refuses a private key that is not a PEM key (the SDK would read it as a file path)', async () => {
    const credentials = { ...vonageCredentials, applicationId: 'aaaaaaaa-bbbb-cccc-dddd-0123456789ab', privateKey: '/etc/hostname' };
    const result = await sendVonage(credentials, sms(), options());

    expect(result).toMatchObject({ ok: false, retryable: false, errorCode: 'INVALID_CREDENTIALS' });
    expect(fake.requests).toHaveLength(0);
  });
});

describe.each(providers)('$provider refusals and failures', (p) => {
  const callsTo = (number: string) => fake.requests.filter((r) => r.to === number).length;

  it('reports an invalid number as final, with the provider code', async () => {
    fake.failFor(CUSTOMER, { kind: 'invalid-number' });
    const result = await p.send(sms());

    expect(result).toMatchObject({ ok: false, retryable: false, errorCode: p.invalidNumberCode });
    expect(result.ok === false && result.errorMessage.length).toBeGreaterThan(0);
    expect(result).not.toHaveProperty('recipientOptedOut');
  });

  it('reports a recipient who opted out as final and says so', async () => {
    fake.failFor(CUSTOMER, { kind: 'opted-out' });
    const result = await p.send(sms());

    expect(result).toMatchObject({ ok: false, retryable: false, errorCode: p.optedOutCode, recipientOptedOut: true });
    // Telnyx answers 409, which its SDK would retry by default: one call means it did not.
    expect(callsTo(CUSTOMER)).toBe(1);
  });

  it('reports 429 as retryable with the provider\'s Retry-After, and does not retry by itself', async () => {
    fake.failFor(CUSTOMER, { kind: 'rate-limited', times: 1, retryAfterSeconds: 7 });
    const first = await p.send(sms());

    expect(first).toMatchObject({ ok: false, retryable: true, retryAfterMs: 7000 });
    expect(callsTo(CUSTOMER)).toBe(1);
    expect((await p.send(sms())).ok).toBe(true);
  });

  it('reports 503 as retryable, and does not retry by itself', async () => {
    fake.failFor(CUSTOMER, { kind: 'server-error', times: 1 });
    const first = await p.send(sms());

    expect(first).toMatchObject({ ok: false, retryable: true });
    expect(first).not.toHaveProperty('retryAfterMs');
    expect(callsTo(CUSTOMER)).toBe(1);
    expect((await p.send(sms())).ok).toBe(true);
  });

  it('keeps one recipient\'s failure away from another', async () => {
    fake.failFor(CUSTOMER, { kind: 'invalid-number' });
    expect((await p.send(sms(OTHER_CUSTOMER))).ok).toBe(true);
  });

  it('reports an outage as retryable', async () => {
    fake.setOutage(true);
    expect(await p.send(sms())).toMatchObject({ ok: false, retryable: true });
    fake.setOutage(false);
    expect((await p.send(sms())).ok).toBe(true);
  });

  it('reports a closed port (ECONNREFUSED) as a retryable network failure', async () => {
    const closedOrigin = await closedPortOrigin();
    const baseUrl = p.provider === 'telnyx' ? `${closedOrigin}/v2` : closedOrigin;
    const result = await p.send(sms(), { baseUrl });

    expect(result).toMatchObject({ ok: false, retryable: true, errorCode: 'NETWORK' });
  });

  it('gives up on a provider that hangs past timeoutMs, as retryable', async () => {
    fake.failFor(CUSTOMER, { kind: 'hang', ms: 3000 });
    const started = Date.now();
    const result = await p.send(sms(), { timeoutMs: 300 });

    expect(result).toMatchObject({ ok: false, retryable: true, errorCode: 'NETWORK' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('never puts credentials into the error message', async () => {
    fake.failFor(CUSTOMER, { kind: 'invalid-number' });
    const result = await p.send(sms());
    const secrets = [twilioCredentials.authToken, telnyxCredentials.apiKey, vonageCredentials.apiSecret];

    expect(result.ok).toBe(false);
    for (const secret of secrets) expect(JSON.stringify(result)).not.toContain(secret);
  });
});

describe('Retry-After', () => {
  it('reads delay-seconds and HTTP dates', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});

describe('the fake as a separate process', () => {
  it('prints its base URLs, serves the SDKs and reports what it received', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/fakes/provider-server.ts'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
      const { baseUrls, controlUrl } = JSON.parse(line) as { baseUrls: FakeProviders['baseUrls']; controlUrl: string };

      await fetch(`${controlUrl}/fail-for`, { method: 'POST', body: JSON.stringify({ to: OTHER_CUSTOMER, failure: { kind: 'opted-out' } }) });
      expect((await sendTelnyx(telnyxCredentials, sms(), { baseUrl: baseUrls.telnyx })).ok).toBe(true);
      expect(await sendTwilio(twilioCredentials, sms(OTHER_CUSTOMER), { baseUrl: baseUrls.twilio })).toMatchObject({ recipientOptedOut: true });

      const { requests } = (await (await fetch(`${controlUrl}/requests`)).json()) as { requests: Array<{ provider: string; to: string }> };
      expect(requests.map((r) => [r.provider, r.to])).toEqual([
        ['telnyx', CUSTOMER],
        ['twilio', OTHER_CUSTOMER],
      ]);
    } finally {
      child.kill('SIGTERM');
    }
  });
});

/** An origin nothing listens on: a port we held a moment ago. */
async function closedPortOrigin(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
