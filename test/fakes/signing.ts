/**
 * Webhook requests exactly as Twilio, Telnyx and Vonage send them over HTTP: the same body
 * format, field names and signature scheme, so a test can POST them at the server and the
 * real verification code runs. Every builder returns a `SignedWebhook`, which is already a
 * fetch init:
 *
 *   const keys = telnyxKeyPair();
 *   const signed = telnyxWebhookRequest({ privateKey: keys.privateKey,
 *     event: telnyxMessageReceivedEvent({ from: '+13125550001', to: '+13125550002', text: 'hi' }) });
 *   await fetch(`${baseUrl}/webhooks/telnyx`, signed);
 *
 * Realistic payload builders fill in the fields the providers send that Switchboard ignores,
 * so a test also proves those do not get in the way.
 */
import { createHash, createHmac, generateKeyPairSync, randomBytes, randomUUID, sign, type KeyObject } from 'node:crypto';
import twilio from 'twilio';
import type { WebhookRequest } from '../../src/providers/types.js';

/** A ready-to-send webhook: `fetch(url, signed)` works as is. Header names are lower-case. */
export interface SignedWebhook {
  method: 'POST';
  headers: Record<string, string>;
  body: string;
}

/** The same request as the server's route hands it to a provider adapter, for unit tests. */
export function asWebhookRequest(url: string, signed: SignedWebhook): WebhookRequest {
  return { url, headers: { ...signed.headers }, rawBody: signed.body };
}

const unixNow = () => Math.floor(Date.now() / 1000);
const hex = (bytes: number) => randomBytes(bytes).toString('hex');

// ─── Twilio ──────────────────────────────────────────────────────────────────────────────

export type TwilioParams = Record<string, string>;

/**
 * A Twilio form POST to `url` (the full public URL Twilio was configured with, query included),
 * with X-Twilio-Signature computed by the SDK from that URL and the params.
 */
export function twilioWebhookRequest(options: { url: string; authToken: string; params: TwilioParams }): SignedWebhook {
  const { url, authToken, params } = options;
  return {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilio.getExpectedTwilioSignature(authToken, url, params),
      'i-twilio-idempotency-token': randomUUID(),
    },
    body: new URLSearchParams(params).toString(),
  };
}

export const twilioMessageSid = (mms = false) => `${mms ? 'MM' : 'SM'}${hex(16)}`;
export const twilioAccountSid = () => `AC${hex(16)}`;

/** What Twilio posts to the number's "A message comes in" URL. */
export function twilioInboundParams(options: {
  from: string;
  to: string;
  body?: string;
  media?: { url: string; contentType: string }[];
  messageSid?: string;
  accountSid?: string;
}): TwilioParams {
  const media = options.media ?? [];
  const messageSid = options.messageSid ?? twilioMessageSid(media.length > 0);
  const params: TwilioParams = {
    ToCountry: 'US',
    ToState: 'IL',
    SmsMessageSid: messageSid,
    NumMedia: String(media.length),
    ToCity: 'CHICAGO',
    FromZip: '60601',
    SmsSid: messageSid,
    FromState: 'IL',
    SmsStatus: 'received',
    FromCity: 'CHICAGO',
    Body: options.body ?? '',
    FromCountry: 'US',
    To: options.to,
    ToZip: '60601',
    NumSegments: '1',
    MessageSid: messageSid,
    AccountSid: options.accountSid ?? twilioAccountSid(),
    From: options.from,
    ApiVersion: '2010-04-01',
  };
  media.forEach((item, index) => {
    params[`MediaUrl${index}`] = item.url;
    params[`MediaContentType${index}`] = item.contentType;
  });
  return params;
}

/** What Twilio posts to a message's StatusCallback. `from` is our number. */
export function twilioStatusParams(options: {
  messageSid: string;
  status: string;
  from: string;
  to: string;
  errorCode?: string;
  errorMessage?: string;
  accountSid?: string;
}): TwilioParams {
  const params: TwilioParams = {
    SmsSid: options.messageSid,
    SmsStatus: options.status,
    MessageStatus: options.status,
    To: options.to,
    MessageSid: options.messageSid,
    AccountSid: options.accountSid ?? twilioAccountSid(),
    From: options.from,
    ApiVersion: '2010-04-01',
  };
  if (options.errorCode !== undefined) params.ErrorCode = options.errorCode;
  if (options.errorMessage !== undefined) params.ErrorMessage = options.errorMessage;
  return params;
}

// ─── Telnyx ──────────────────────────────────────────────────────────────────────────────

export interface TelnyxKeyPair {
  /** What Telnyx shows in Mission Control and Switchboard stores: the raw 32-byte key, base64. */
  publicKeyBase64: string;
  privateKey: KeyObject;
  /** base64 Ed25519 signature of "<timestamp>|<body>", as in telnyx-signature-ed25519. */
  sign(timestamp: number | string, body: string): string;
}

export function telnyxKeyPair(): TelnyxKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  // An Ed25519 SPKI DER is a fixed 12-byte prefix followed by the raw 32-byte key.
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  return {
    publicKeyBase64: raw.toString('base64'),
    privateKey,
    sign: (timestamp, body) => telnyxSignature(privateKey, timestamp, body),
  };
}

function telnyxSignature(privateKey: KeyObject, timestamp: number | string, body: string): string {
  return sign(null, Buffer.from(`${timestamp}|${body}`, 'utf8'), privateKey).toString('base64');
}

/** A Telnyx JSON POST, signed at `timestamp` (unix seconds, default now). */
export function telnyxWebhookRequest(options: { privateKey: KeyObject; event: unknown; timestamp?: number }): SignedWebhook {
  const timestamp = String(options.timestamp ?? unixNow());
  const body = JSON.stringify(options.event);
  return {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'telnyx-timestamp': timestamp,
      'telnyx-signature-ed25519': telnyxSignature(options.privateKey, timestamp, body),
    },
    body,
  };
}

function telnyxEnvelope(eventType: string, payload: Record<string, unknown>) {
  return {
    data: {
      event_type: eventType,
      id: randomUUID(),
      occurred_at: new Date().toISOString(),
      payload,
      record_type: 'event',
    },
    meta: { attempt: 1, delivered_to: 'https://switchboard.example.com/webhooks/telnyx' },
  };
}

/** `message.received`: a customer (`from`) texted our number (`to`). */
export function telnyxMessageReceivedEvent(options: {
  from: string;
  to: string;
  text?: string;
  media?: { url: string; contentType: string }[];
  messageId?: string;
}) {
  const media = options.media ?? [];
  return telnyxEnvelope('message.received', {
    cc: [],
    direction: 'inbound',
    encoding: 'GSM-7',
    errors: [],
    from: { carrier: 'T-Mobile USA', line_type: 'Wireless', phone_number: options.from },
    id: options.messageId ?? randomUUID(),
    media: media.map((item) => ({ url: item.url, content_type: item.contentType, size: 48213, hash_sha256: hex(32) })),
    messaging_profile_id: randomUUID(),
    parts: 1,
    received_at: new Date().toISOString(),
    record_type: 'message',
    text: options.text ?? '',
    to: [{ carrier: 'Telnyx', line_type: 'Wireless', phone_number: options.to, status: 'webhook_delivered' }],
    type: media.length > 0 ? 'MMS' : 'SMS',
  });
}

/**
 * `message.sent` (handed to the carrier) or `message.finalized` (final outcome) for a message
 * we sent from `from` to `to`; `status` is the recipient's `to[0].status`.
 */
export function telnyxMessageStatusEvent(options: {
  eventType?: 'message.sent' | 'message.finalized';
  messageId: string;
  from: string;
  to: string;
  status: string;
  errors?: { code: string; title: string; detail?: string }[];
}) {
  return telnyxEnvelope(options.eventType ?? 'message.finalized', {
    completed_at: new Date().toISOString(),
    cost: { amount: '0.0040', currency: 'USD' },
    direction: 'outbound',
    encoding: 'GSM-7',
    errors: options.errors ?? [],
    from: { carrier: 'Telnyx', line_type: 'Wireless', phone_number: options.from },
    id: options.messageId,
    media: [],
    parts: 1,
    record_type: 'message',
    sent_at: new Date().toISOString(),
    text: 'Your table is ready',
    to: [{ carrier: 'T-Mobile USA', line_type: 'Wireless', phone_number: options.to, status: options.status }],
    type: 'SMS',
  });
}

// ─── Vonage ──────────────────────────────────────────────────────────────────────────────

/**
 * The JWT Vonage puts in `Authorization: Bearer`: HS256 with the signature secret, carrying
 * `payload_hash` = sha256 hex of the exact body. `iat` defaults to now; pass `exp` to add one,
 * and `claims` to override or add any claim (e.g. a wrong payload_hash).
 */
export function vonageJwt(options: {
  signatureSecret: string;
  rawBody: string;
  iat?: number;
  exp?: number;
  claims?: Record<string, unknown>;
}): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
  const header = encode({ alg: 'HS256', typ: 'JWT' });
  const claims = encode({
    iat: options.iat ?? unixNow(),
    ...(options.exp !== undefined ? { exp: options.exp } : {}),
    jti: randomUUID(),
    iss: 'Vonage',
    payload_hash: createHash('sha256').update(options.rawBody, 'utf8').digest('hex'),
    api_key: 'abcd1234',
    application_id: randomUUID(),
    ...options.claims,
  });
  const signature = createHmac('sha256', options.signatureSecret).update(`${header}.${claims}`).digest('base64url');
  return `${header}.${claims}.${signature}`;
}

/** A Vonage Messages API JSON POST (inbound or status), signed as Vonage signs it. */
export function vonageWebhookRequest(options: {
  signatureSecret: string;
  body: unknown;
  iat?: number;
  exp?: number;
  claims?: Record<string, unknown>;
}): SignedWebhook {
  const body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  const { signatureSecret, iat, exp, claims } = options;
  return {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${vonageJwt({ signatureSecret, rawBody: body, iat, exp, claims })}`,
    },
    body,
  };
}

/** Vonage writes numbers as digits without "+"; builders accept either and send digits. */
const vonageDigits = (number: string) => number.replace(/^\+/, '');

/** An inbound SMS (or MMS picture, when `imageUrl` is given) from a customer to our number. */
export function vonageInboundBody(options: {
  from: string;
  to: string;
  text?: string;
  imageUrl?: string;
  caption?: string;
  messageUuid?: string;
}) {
  const common = {
    to: vonageDigits(options.to),
    from: vonageDigits(options.from),
    message_uuid: options.messageUuid ?? randomUUID(),
    timestamp: new Date().toISOString(),
  };
  if (options.imageUrl) {
    return {
      channel: 'mms',
      ...common,
      message_type: 'image',
      image: { url: options.imageUrl, ...(options.caption !== undefined ? { caption: options.caption } : {}) },
    };
  }
  return {
    channel: 'sms',
    ...common,
    message_type: 'text',
    text: options.text ?? '',
    sms: { num_messages: '1' },
    usage: { price: '0.0057', currency: 'EUR' },
  };
}

/** A status callback for a message we sent from `from` (our number) to `to`. */
export function vonageStatusBody(options: {
  messageUuid: string;
  from: string;
  to: string;
  status: string;
  error?: { code: number; detail: string };
}) {
  return {
    message_uuid: options.messageUuid,
    to: vonageDigits(options.to),
    from: vonageDigits(options.from),
    timestamp: new Date().toISOString(),
    status: options.status,
    channel: 'sms',
    usage: { currency: 'EUR', price: '0.0333' },
    ...(options.error
      ? {
          error: {
            type: `https://developer.vonage.com/api-errors/messages#${options.error.code}`,
            title: options.error.code,
            detail: options.error.detail,
            instance: randomUUID(),
          },
        }
      : {}),
  };
}
