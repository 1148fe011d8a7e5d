/**
 * Telnyx messaging webhooks: one JSON route for inbound messages and delivery statuses,
 * told apart by data.event_type, signed with Ed25519 over "<telnyx-timestamp>|<raw body>".
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { InboundMedia, NormalizedEvent, VerifyResult, WebhookRequest } from '../types.js';
import type { TelnyxCredentials } from './credentials.js';
import {
  MalformedWebhookError,
  SIGNATURE_OK,
  codeField,
  header,
  isFresh,
  isRecord,
  missingSignature,
  parseJsonObject,
  rejectedSignature,
  requireString,
  stringField,
  tryParseJsonObject,
} from '../webhook-helpers.js';
import { mapStatus } from './status.js';

const PROVIDER = 'Telnyx';

/** A message a customer sent to one of our numbers. */
const INBOUND_EVENT = 'message.received';
/** Delivery progress of a message we sent: handed to the carrier, then its final outcome. */
const STATUS_EVENTS = new Set(['message.sent', 'message.finalized']);

/** The route is the same for both kinds, so the event type says where our number is. */
export function ourNumber(request: WebhookRequest, _route: 'inbound' | 'status'): string | null {
  const event = parseEvent(tryParseJsonObject(request.rawBody));
  if (!event) return null;
  const { eventType, payload } = event;
  if (eventType === INBOUND_EVENT) return firstRecipient(payload)?.phoneNumber ?? null;
  if (STATUS_EVENTS.has(eventType)) return stringField(payload.from, 'phone_number') ?? null;
  return null;
}

export function verifyWebhook(credentials: TelnyxCredentials, request: WebhookRequest, now: Date = new Date()): VerifyResult {
  const signature = header(request, 'telnyx-signature-ed25519');
  if (!signature) return missingSignature('missing telnyx-signature-ed25519 header');
  const timestamp = header(request, 'telnyx-timestamp');
  // The timestamp is half of what was signed: a signature without one is malformed, not absent.
  if (!timestamp) return rejectedSignature('missing telnyx-timestamp header');
  if (!/^\d{1,12}$/.test(timestamp)) return rejectedSignature('telnyx-timestamp is not a unix time');
  if (!isFresh(Number(timestamp), now)) return rejectedSignature('telnyx-timestamp is outside the 300 s window');

  const signatureBytes = Buffer.from(signature, 'base64');
  if (signatureBytes.length !== 64) return rejectedSignature('telnyx-signature-ed25519 is not a base64 Ed25519 signature');

  const publicKey = ed25519PublicKey(credentials.publicKey);
  // A bad key is our configuration's fault, but the request still cannot be trusted.
  if (!publicKey) return rejectedSignature('configured Telnyx public key is not a base64 32-byte Ed25519 key');

  const signed = Buffer.from(`${timestamp}|${request.rawBody}`, 'utf8');
  return verify(null, signed, publicKey, signatureBytes)
    ? SIGNATURE_OK
    : rejectedSignature('telnyx-signature-ed25519 does not match the timestamp and body');
}

export function normalizeWebhook(request: WebhookRequest, _route: 'inbound' | 'status'): NormalizedEvent[] {
  const event = parseEvent(parseJsonObject(PROVIDER, request.rawBody));
  if (!event) throw new MalformedWebhookError(PROVIDER, 'missing data.event_type');
  const { eventType, payload, raw } = event;
  // Telnyx sends other event types to the same URL if the profile asks for them: acknowledge, ignore.
  if (eventType !== INBOUND_EVENT && !STATUS_EVENTS.has(eventType)) return [];

  const providerMessageId = requireString(PROVIDER, payload, 'id');
  const recipient = firstRecipient(payload);
  const from = stringField(payload.from, 'phone_number');

  if (eventType === INBOUND_EVENT) {
    if (!from || !recipient?.phoneNumber) throw new MalformedWebhookError(PROVIDER, 'missing from or to phone_number');
    return [
      {
        kind: 'inbound',
        provider: 'TELNYX',
        providerMessageId,
        from,
        to: recipient.phoneNumber,
        body: stringField(payload, 'text') ?? '',
        media: inboundMedia(payload.media),
        raw,
      },
    ];
  }

  const providerStatus = recipient?.status;
  if (!providerStatus) throw new MalformedWebhookError(PROVIDER, 'missing to[0].status');
  const firstError = Array.isArray(payload.errors) ? payload.errors[0] : undefined;
  return [
    {
      kind: 'status',
      provider: 'TELNYX',
      providerMessageId,
      providerStatus,
      status: mapStatus(providerStatus),
      errorCode: codeField(firstError, 'code') ?? null,
      errorMessage: stringField(firstError, 'detail') || stringField(firstError, 'title') || null,
      ourNumber: from ?? null,
      raw,
    },
  ];
}

/**
 * The `{ data: { event_type, payload } }` envelope, or null without an event type. A missing
 * payload reads as empty, so an event we ignore need not carry one and one we handle fails on
 * the first field it lacks.
 */
function parseEvent(body: Record<string, unknown> | null): { eventType: string; payload: Record<string, unknown>; raw: unknown } | null {
  if (!body || !isRecord(body.data)) return null;
  const eventType = stringField(body.data, 'event_type');
  if (!eventType) return null;
  const payload = isRecord(body.data.payload) ? body.data.payload : {};
  return { eventType, payload, raw: body };
}

/**
 * Telnyx lists recipients in `to[]`, each with its own status. Switchboard sends to one
 * recipient per message, and an inbound SMS has one, so the first is the one that matters.
 */
function firstRecipient(payload: Record<string, unknown>): { phoneNumber?: string; status?: string } | null {
  const first = Array.isArray(payload.to) ? payload.to[0] : undefined;
  if (!isRecord(first)) return null;
  return { phoneNumber: stringField(first, 'phone_number'), status: stringField(first, 'status') };
}

function inboundMedia(media: unknown): InboundMedia[] {
  if (!Array.isArray(media)) return [];
  return media.flatMap((item): InboundMedia[] => {
    const url = stringField(item, 'url');
    return url ? [{ url, contentType: stringField(item, 'content_type') ?? null }] : [];
  });
}

/** Telnyx shows the key as 32 raw bytes in base64; node:crypto takes it as an OKP JWK. */
function ed25519PublicKey(rawBase64: string): KeyObject | null {
  const raw = Buffer.from(rawBase64 ?? '', 'base64');
  if (raw.length !== 32) return null;
  try {
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
  } catch {
    return null;
  }
}
