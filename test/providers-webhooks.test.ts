/**
 * Provider webhooks without a server: each adapter's verifyWebhook, ourNumber,
 * normalizeWebhook and mapStatus against requests built the way the providers build them.
 */
import { describe, expect, it } from 'vitest';
import * as telnyx from '../src/providers/telnyx/webhook.js';
import * as twilio from '../src/providers/twilio/webhook.js';
import * as vonage from '../src/providers/vonage/webhook.js';
import { mapStatus as telnyxStatus } from '../src/providers/telnyx/status.js';
import { mapStatus as twilioStatus } from '../src/providers/twilio/status.js';
import { mapStatus as vonageStatus } from '../src/providers/vonage/status.js';
import { MalformedWebhookError } from '../src/providers/webhook-helpers.js';
import type { WebhookRequest } from '../src/providers/types.js';
import {
  asWebhookRequest,
  telnyxKeyPair,
  telnyxMessageReceivedEvent,
  telnyxMessageStatusEvent,
  telnyxWebhookRequest,
  twilioInboundParams,
  twilioStatusParams,
  twilioWebhookRequest,
  vonageInboundBody,
  vonageStatusBody,
  vonageWebhookRequest,
} from './fakes/signing.js';

const CUSTOMER = '+13125550101';
const OUR_NUMBER = '+13125550199';
const NOW = new Date('2025-06-01T12:00:00Z');
const NOW_UNIX = Math.floor(NOW.getTime() / 1000);

const withHeader = (request: WebhookRequest, name: string, value: string | undefined): WebhookRequest => ({
  ...request,
  headers: { ...request.headers, [name]: value },
});

describe('Twilio webhooks', () => {
  const credentials = { accountSid: 'AC00000000000000000000000000000000', authToken: 'twilio-auth-token' };
  const inboundUrl = 'https://switchboard.example.com/webhooks/twilio/messages';
  const statusUrl = 'https://switchboard.example.com/webhooks/twilio/status';

  const inbound = (params = twilioInboundParams({ from: CUSTOMER, to: OUR_NUMBER, body: 'Hello there' })) =>
    asWebhookRequest(inboundUrl, twilioWebhookRequest({ url: inboundUrl, authToken: credentials.authToken, params }));

  it('accepts a correctly signed request', () => {
    expect(twilio.verifyWebhook(credentials, inbound())).toEqual({ ok: true });
  });

  it('accepts a signed request to a URL with a query string', () => {
    const url = `${inboundUrl}?assistant=a1`;
    const params = twilioInboundParams({ from: CUSTOMER, to: OUR_NUMBER, body: 'hi' });
    const request = asWebhookRequest(url, twilioWebhookRequest({ url, authToken: credentials.authToken, params }));
    expect(twilio.verifyWebhook(credentials, request).ok).toBe(true);
  });

  it('refuses a signature made with another auth token (403)', () => {
    const params = twilioInboundParams({ from: CUSTOMER, to: OUR_NUMBER });
    const forged = asWebhookRequest(inboundUrl, twilioWebhookRequest({ url: inboundUrl, authToken: 'not-the-token', params }));
    expect(twilio.verifyWebhook(credentials, forged)).toMatchObject({ ok: false, httpStatus: 403 });
  });

  it('refuses a tampered body (403)', () => {
    const request = inbound();
    const tampered = { ...request, rawBody: request.rawBody.replace('Hello+there', 'Send+me+money') };
    expect(tampered.rawBody).not.toBe(request.rawBody);
    expect(twilio.verifyWebhook(credentials, tampered)).toMatchObject({ ok: false, httpStatus: 403 });
  });

  it('refuses a request signed for a different URL (403)', () => {
    const request = { ...inbound(), url: 'https://attacker.example.com/webhooks/twilio/messages' };
    expect(twilio.verifyWebhook(credentials, request)).toMatchObject({ ok: false, httpStatus: 403 });
  });

  it('refuses a request without X-Twilio-Signature (401)', () => {
    const request = withHeader(inbound(), 'x-twilio-signature', undefined);
    expect(twilio.verifyWebhook(credentials, request)).toMatchObject({ ok: false, httpStatus: 401 });
  });

  it('does not echo the auth token in the reason', () => {
    const result = twilio.verifyWebhook(credentials, withHeader(inbound(), 'x-twilio-signature', 'bogus'));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).not.toContain(credentials.authToken);
  });

  it('finds our number: To on inbound, From on status', () => {
    expect(twilio.ourNumber(inbound(), 'inbound')).toBe(OUR_NUMBER);
    const params = twilioStatusParams({ messageSid: 'SM1', status: 'delivered', from: OUR_NUMBER, to: CUSTOMER });
    const status = asWebhookRequest(statusUrl, twilioWebhookRequest({ url: statusUrl, authToken: credentials.authToken, params }));
    expect(twilio.ourNumber(status, 'status')).toBe(OUR_NUMBER);
  });

  it('normalizes an inbound MMS with its media and content types', () => {
    const params = twilioInboundParams({
      from: CUSTOMER,
      to: OUR_NUMBER,
      body: 'Look at this',
      messageSid: 'MM0123456789abcdef0123456789abcdef',
      media: [
        { url: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1', contentType: 'image/jpeg' },
        { url: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME2', contentType: 'video/mp4' },
      ],
    });
    expect(twilio.normalizeWebhook(inbound(params), 'inbound')).toEqual([
      {
        kind: 'inbound',
        provider: 'TWILIO',
        providerMessageId: 'MM0123456789abcdef0123456789abcdef',
        from: CUSTOMER,
        to: OUR_NUMBER,
        body: 'Look at this',
        media: [
          { url: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1', contentType: 'image/jpeg' },
          { url: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME2', contentType: 'video/mp4' },
        ],
        raw: expect.any(Object),
      },
    ]);
  });

  it('normalizes a failed status with its error code', () => {
    const params = twilioStatusParams({
      messageSid: 'SM0123456789abcdef0123456789abcdef',
      status: 'undelivered',
      from: OUR_NUMBER,
      to: CUSTOMER,
      errorCode: '30003',
      errorMessage: 'Unreachable destination handset',
    });
    const request = asWebhookRequest(statusUrl, twilioWebhookRequest({ url: statusUrl, authToken: credentials.authToken, params }));
    expect(twilio.verifyWebhook(credentials, request).ok).toBe(true);
    expect(twilio.normalizeWebhook(request, 'status')).toEqual([
      {
        kind: 'status',
        provider: 'TWILIO',
        providerMessageId: 'SM0123456789abcdef0123456789abcdef',
        providerStatus: 'undelivered',
        status: 'UNDELIVERED',
        errorCode: '30003',
        errorMessage: 'Unreachable destination handset',
        ourNumber: OUR_NUMBER,
        raw: expect.any(Object),
      },
    ]);
  });

  it('rejects a body with no MessageSid as malformed, not a crash', () => {
    const request: WebhookRequest = { url: statusUrl, headers: {}, rawBody: 'MessageStatus=sent' };
    expect(() => twilio.normalizeWebhook(request, 'status')).toThrow(MalformedWebhookError);
    expect(twilio.ourNumber({ ...request, rawBody: '%%%' }, 'status')).toBeNull();
  });
});

describe('Telnyx webhooks', () => {
  const keys = telnyxKeyPair();
  const credentials = { apiKey: 'KEY_test', publicKey: keys.publicKeyBase64 };
  const url = 'https://switchboard.example.com/webhooks/telnyx';
  const received = telnyxMessageReceivedEvent({ from: CUSTOMER, to: OUR_NUMBER, text: 'Hello there' });
  const signed = (event: unknown = received, timestamp = NOW_UNIX) =>
    asWebhookRequest(url, telnyxWebhookRequest({ privateKey: keys.privateKey, event, timestamp }));

  it('accepts a correctly signed request', () => {
    expect(telnyx.verifyWebhook(credentials, signed(), NOW)).toEqual({ ok: true });
  });

  it('agrees with a signature made by the fake key pair', () => {
    const request = signed();
    expect(keys.sign(request.headers['telnyx-timestamp']!, request.rawBody)).toBe(request.headers['telnyx-signature-ed25519']);
  });

  it('refuses a signature from another key (403)', () => {
    const other = telnyxKeyPair();
    const forged = asWebhookRequest(url, telnyxWebhookRequest({ privateKey: other.privateKey, event: received, timestamp: NOW_UNIX }));
    expect(telnyx.verifyWebhook(credentials, forged, NOW)).toMatchObject({ ok: false, httpStatus: 403 });
  });

  it('refuses a tampered body (403)', () => {
    const request = signed();
    const tampered = { ...request, rawBody: request.rawBody.replace('Hello there', 'Send me money') };
    expect(telnyx.verifyWebhook(credentials, tampered, NOW)).toMatchObject({ ok: false, httpStatus: 403 });
  });

  it('refuses a re-signed timestamp that was not what was signed (403)', () => {
    const request = withHeader(signed(), 'telnyx-timestamp', String(NOW_UNIX + 1));
    expect(telnyx.verifyWebhook(credentials, request, NOW)).toMatchObject({ ok: false, httpStatus: 403 });
  });

  it('refuses a request without telnyx-signature-ed25519 (401)', () => {
    const request = withHeader(signed(), 'telnyx-signature-ed25519', undefined);
    expect(telnyx.verifyWebhook(credentials, request, NOW)).toMatchObject({ ok: false, httpStatus: 401 });
  });

  it('refuses a signature that is not base64 Ed25519 (403)', () => {
    const request = withHeader(signed(), 'telnyx-signature-ed25519', 'not-a-signature');
    expect(telnyx.verifyWebhook(credentials, request, NOW)).toMatchObject({ ok: false, httpStatus: 403 });
  });

  it('refuses timestamps more than 300 s old or ahead (403), accepts within', () => {
    expect(telnyx.verifyWebhook(credentials, signed(received, NOW_UNIX - 301), NOW)).toMatchObject({ ok: false, httpStatus: 403 });
    expect(telnyx.verifyWebhook(credentials, signed(received, NOW_UNIX + 301), NOW)).toMatchObject({ ok: false, httpStatus: 403 });
    expect(telnyx.verifyWebhook(credentials, signed(received, NOW_UNIX - 299), NOW)).toEqual({ ok: true });
  });

  it('defaults now to the clock', () => {
    const fresh = asWebhookRequest(url, telnyxWebhookRequest({ privateKey: keys.privateKey, event: received }));
    expect(telnyx.verifyWebhook(credentials, fresh)).toEqual({ ok: true });
  });

  it('refuses rather than throws when the configured public key is garbage (403)', () => {
    expect(telnyx.verifyWebhook({ ...credentials, publicKey: 'short' }, signed(), NOW)).toMatchObject({ ok: false, httpStatus: 403 });
  });

  it('finds our number by event type', () => {
    expect(telnyx.ourNumber(signed(), 'inbound')).toBe(OUR_NUMBER);
    const finalized = telnyxMessageStatusEvent({ messageId: 'm1', from: OUR_NUMBER, to: CUSTOMER, status: 'delivered' });
    expect(telnyx.ourNumber(signed(finalized), 'status')).toBe(OUR_NUMBER);
    expect(telnyx.ourNumber({ url, headers: {}, rawBody: 'not json' }, 'inbound')).toBeNull();
  });

  it('normalizes message.received with media', () => {
    const event = telnyxMessageReceivedEvent({
      from: CUSTOMER,
      to: OUR_NUMBER,
      text: 'Look',
      messageId: '4031a5a8-2a51-4d1d-b4fb-7d8f3a1b2c3d',
      media: [{ url: 'https://media.telnyx.com/abc.jpg', contentType: 'image/jpeg' }],
    });
    expect(telnyx.normalizeWebhook(signed(event), 'inbound')).toEqual([
      {
        kind: 'inbound',
        provider: 'TELNYX',
        providerMessageId: '4031a5a8-2a51-4d1d-b4fb-7d8f3a1b2c3d',
        from: CUSTOMER,
        to: OUR_NUMBER,
        body: 'Look',
        media: [{ url: 'https://media.telnyx.com/abc.jpg', contentType: 'image/jpeg' }],
        raw: event,
      },
    ]);
  });

  it('normalizes message.sent and message.finalized with errors', () => {
    const sent = telnyxMessageStatusEvent({ eventType: 'message.sent', messageId: 'm1', from: OUR_NUMBER, to: CUSTOMER, status: 'sent' });
    expect(telnyx.normalizeWebhook(signed(sent), 'status')).toMatchObject([
      { kind: 'status', provider: 'TELNYX', providerMessageId: 'm1', providerStatus: 'sent', status: 'SENT', errorCode: null, ourNumber: OUR_NUMBER },
    ]);
    const failed = telnyxMessageStatusEvent({
      messageId: 'm1',
      from: OUR_NUMBER,
      to: CUSTOMER,
      status: 'delivery_failed',
      errors: [{ code: '40002', title: 'Blocked as spam', detail: 'Message was blocked by the carrier as spam.' }],
    });
    expect(telnyx.normalizeWebhook(signed(failed), 'status')).toMatchObject([
      {
        kind: 'status',
        providerStatus: 'delivery_failed',
        status: 'UNDELIVERED',
        errorCode: '40002',
        errorMessage: 'Message was blocked by the carrier as spam.',
      },
    ]);
  });

  it('acknowledges and ignores event types it does not handle', () => {
    const other = { data: { event_type: 'number_order.complete', id: 'e1', payload: { id: 'o1' } } };
    expect(telnyx.normalizeWebhook(signed(other), 'status')).toEqual([]);
    expect(telnyx.ourNumber(signed(other), 'status')).toBeNull();
  });

  it('rejects malformed bodies with a MalformedWebhookError', () => {
    const request: WebhookRequest = { url, headers: {}, rawBody: '{"data":' };
    expect(() => telnyx.normalizeWebhook(request, 'inbound')).toThrow(MalformedWebhookError);
    const noRecipient = { data: { event_type: 'message.finalized', payload: { id: 'm1', from: { phone_number: OUR_NUMBER }, to: [] } } };
    expect(() => telnyx.normalizeWebhook(signed(noRecipient), 'status')).toThrow(/to\[0\]\.status/);
  });
});

describe('Vonage webhooks', () => {
  const credentials = { apiKey: 'abcd1234', apiSecret: 'api-secret', signatureSecret: 'vonage-signature-secret' };
  const url = 'https://switchboard.example.com/webhooks/vonage/inbound';
  const inboundBody = vonageInboundBody({ from: CUSTOMER, to: OUR_NUMBER, text: 'Hello there' });
  const signed = (body: unknown = inboundBody, options: { iat?: number; exp?: number; claims?: Record<string, unknown> } = {}) =>
    asWebhookRequest(url, vonageWebhookRequest({ signatureSecret: credentials.signatureSecret, body, iat: NOW_UNIX, ...options }));

  it('accepts a correctly signed request', () => {
    expect(vonage.verifyWebhook(credentials, signed(), NOW)).toEqual({ ok: true });
  });

  it('refuses a JWT signed with another secret (403)', () => {
    const forged = asWebhookRequest(url, vonageWebhookRequest({ signatureSecret: 'guess', body: inboundBody, iat: NOW_UNIX }));
    expect(vonage.verifyWebhook(credentials, forged, NOW)).toMatchObject({ ok: false, httpStatus: 403 });
  });

  it('refuses a tampered body even though the JWT itself is valid (403)', () => {
    const request = signed();
    const tampered = { ...request, rawBody: request.rawBody.replace('Hello there', 'Send me money') };
    expect(vonage.verifyWebhook(credentials, tampered, NOW)).toMatchObject({ ok: false, httpStatus: 403, reason: expect.stringMatching(/payload_hash/) });
  });

  it('refuses a validly signed JWT without payload_hash (403)', () => {
    const request = signed(inboundBody, { claims: { payload_hash: undefined } });
    expect(vonage.verifyWebhook(credentials, request, NOW)).toMatchObject({ ok: false, httpStatus: 403 });
  });

  it('refuses an unsigned "alg: none" token (403)', () => {
    const request = signed();
    const [, claims] = request.headers.authorization!.replace('Bearer ', '').split('.');
    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    expect(vonage.verifyWebhook(credentials, withHeader(request, 'authorization', `Bearer ${none}.${claims}.`), NOW)).toMatchObject({
      ok: false,
      httpStatus: 403,
    });
  });

  it('refuses a request without Authorization (401), and a non-Bearer one (403)', () => {
    expect(vonage.verifyWebhook(credentials, withHeader(signed(), 'authorization', undefined), NOW)).toMatchObject({ ok: false, httpStatus: 401 });
    expect(vonage.verifyWebhook(credentials, withHeader(signed(), 'authorization', 'Basic YWI6Y2Q='), NOW)).toMatchObject({ ok: false, httpStatus: 403 });
    expect(vonage.verifyWebhook(credentials, withHeader(signed(), 'authorization', 'Bearer not.a-jwt'), NOW)).toMatchObject({ ok: false, httpStatus: 403 });
  });

  it('refuses a stale or future iat and an expired exp (403)', () => {
    expect(vonage.verifyWebhook(credentials, signed(inboundBody, { iat: NOW_UNIX - 301 }), NOW)).toMatchObject({ ok: false, httpStatus: 403 });
    expect(vonage.verifyWebhook(credentials, signed(inboundBody, { iat: NOW_UNIX + 301 }), NOW)).toMatchObject({ ok: false, httpStatus: 403 });
    expect(vonage.verifyWebhook(credentials, signed(inboundBody, { exp: NOW_UNIX - 1 }), NOW)).toMatchObject({ ok: false, httpStatus: 403 });
    expect(vonage.verifyWebhook(credentials, signed(inboundBody, { exp: NOW_UNIX + 60 }), NOW)).toEqual({ ok: true });
  });

  it('refuses a token without iat, or with iat over 5 minutes old or ahead of the clock (403); admits a little skew', () => {
    const noIat = signed(inboundBody, { claims: { iat: undefined } });
    expect(JSON.parse(Buffer.from(noIat.headers.authorization!.split('.')[1], 'base64url').toString())).not.toHaveProperty('iat');
    expect(vonage.verifyWebhook(credentials, noIat, NOW)).toMatchObject({ ok: false, httpStatus: 403, reason: expect.stringMatching(/iat/) });
    expect(vonage.verifyWebhook(credentials, signed(inboundBody, { claims: { iat: String(NOW_UNIX) } }), NOW)).toMatchObject({ ok: false, httpStatus: 403 });
    expect(vonage.verifyWebhook(credentials, signed(inboundBody, { iat: NOW_UNIX - 6 * 60 }), NOW)).toMatchObject({ ok: false, httpStatus: 403 });
    expect(vonage.verifyWebhook(credentials, signed(inboundBody, { iat: NOW_UNIX + 120 }), NOW)).toMatchObject({ ok: false, httpStatus: 403 });
    expect(vonage.verifyWebhook(credentials, signed(inboundBody, { iat: NOW_UNIX - 299 }), NOW)).toEqual({ ok: true });
    expect(vonage.verifyWebhook(credentials, signed(inboundBody, { iat: NOW_UNIX + 30 }), NOW)).toEqual({ ok: true });
  });

  it('finds our number with a "+": to on inbound, from on status', () => {
    expect(vonage.ourNumber(signed(), 'inbound')).toBe(OUR_NUMBER);
    const status = vonageStatusBody({ messageUuid: 'u1', from: OUR_NUMBER, to: CUSTOMER, status: 'delivered' });
    expect(vonage.ourNumber(signed(status), 'status')).toBe(OUR_NUMBER);
  });

  it('normalizes an inbound SMS to E.164', () => {
    const body = vonageInboundBody({ from: CUSTOMER, to: OUR_NUMBER, text: 'Hi', messageUuid: 'aaaaaaaa-bbbb-cccc-dddd-0123456789ab' });
    expect(JSON.stringify(body)).not.toContain('+');
    expect(vonage.normalizeWebhook(signed(body), 'inbound')).toEqual([
      {
        kind: 'inbound',
        provider: 'VONAGE',
        providerMessageId: 'aaaaaaaa-bbbb-cccc-dddd-0123456789ab',
        from: CUSTOMER,
        to: OUR_NUMBER,
        body: 'Hi',
        media: [],
        raw: body,
      },
    ]);
  });

  it('normalizes an inbound MMS picture with its caption as the body', () => {
    const body = vonageInboundBody({ from: CUSTOMER, to: OUR_NUMBER, imageUrl: 'https://api.nexmo.com/v3/media/abc', caption: 'Our menu' });
    expect(vonage.normalizeWebhook(signed(body), 'inbound')).toMatchObject([
      { kind: 'inbound', body: 'Our menu', media: [{ url: 'https://api.nexmo.com/v3/media/abc', contentType: null }] },
    ]);
  });

  it('normalizes a rejected status with its error code', () => {
    const body = vonageStatusBody({
      messageUuid: 'u1',
      from: OUR_NUMBER,
      to: CUSTOMER,
      status: 'rejected',
      error: { code: 1320, detail: 'The message failed due to Throttled' },
    });
    expect(vonage.normalizeWebhook(signed(body), 'status')).toEqual([
      {
        kind: 'status',
        provider: 'VONAGE',
        providerMessageId: 'u1',
        providerStatus: 'rejected',
        status: 'UNDELIVERED',
        errorCode: '1320',
        errorMessage: 'The message failed due to Throttled',
        ourNumber: OUR_NUMBER,
        raw: body,
      },
    ]);
  });

  it('rejects malformed bodies with a MalformedWebhookError', () => {
    expect(() => vonage.normalizeWebhook({ url, headers: {}, rawBody: '[]' }, 'inbound')).toThrow(MalformedWebhookError);
    expect(() => vonage.normalizeWebhook({ url, headers: {}, rawBody: '{"message_uuid":"u1","from":"1"}' }, 'status')).toThrow(/status/);
    expect(vonage.ourNumber({ url, headers: {}, rawBody: 'nope' }, 'inbound')).toBeNull();
  });
});

describe('mapStatus', () => {
  it.each([
    ['accepted', 'SENT'],
    ['scheduled', 'SENT'],
    ['queued', 'SENT'],
    ['sending', 'SENT'],
    ['sent', 'SENT'],
    ['delivered', 'DELIVERED'],
    ['read', 'DELIVERED'],
    ['undelivered', 'UNDELIVERED'],
    ['failed', 'FAILED'],
    ['canceled', 'CANCELED'],
    ['received', null],
    ['something-new', null],
  ])('Twilio %s → %s', (word, status) => expect(twilioStatus(word)).toBe(status));

  it.each([
    ['queued', 'SENT'],
    ['sending', 'SENT'],
    ['sent', 'SENT'],
    ['delivered', 'DELIVERED'],
    ['delivery_failed', 'UNDELIVERED'],
    ['expired', 'UNDELIVERED'],
    ['sending_failed', 'FAILED'],
    ['delivery_unconfirmed', 'SENT'],
    ['webhook_delivered', null],
  ])('Telnyx %s → %s', (word, status) => expect(telnyxStatus(word)).toBe(status));

  it.each([
    ['submitted', 'SENT'],
    ['delivered', 'DELIVERED'],
    ['read', 'DELIVERED'],
    ['rejected', 'UNDELIVERED'],
    ['undeliverable', 'UNDELIVERED'],
    ['unknown', null],
  ])('Vonage %s → %s', (word, status) => expect(vonageStatus(word)).toBe(status));
});
