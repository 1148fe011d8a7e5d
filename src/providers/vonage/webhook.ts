/**
 * Vonage Messages API webhooks: JSON bodies with `Authorization: Bearer <JWT>`, HS256-signed
 * with the account's signature secret. The JWT's `payload_hash` claim (sha256 hex of the body)
 * is what binds the token to this body; without checking it a captured token could be replayed
 * over any body, so it is checked here (the SDK's verifySignature does not).
 */
import { createHash, createHmac } from 'node:crypto';
import { withPlus } from '../../messaging/phone-number.js';
import type { InboundMedia, NormalizedEvent, VerifyResult, WebhookRequest } from '../types.js';
import type { VonageCredentials } from './credentials.js';
import {
  SIGNATURE_OK,
  bytesEqual,
  codeField,
  header,
  SIGNATURE_TOLERANCE_SECONDS,
  isRecord,
  missingSignature,
  parseJsonObject,
  rejectedSignature,
  requireString,
  stringField,
  tryParseJsonObject,
} from '../webhook-helpers.js';
import { mapStatus } from './status.js';

const PROVIDER = 'Vonage';
/** How far ahead of our clock a token's iat may be (the two clocks are never quite equal). */
const FUTURE_SKEW_SECONDS = 60;

/** Inbound: the customer wrote to our `to`. Status: we sent from our `from`. Vonage drops the "+". */
export function ourNumber(request: WebhookRequest, route: 'inbound' | 'status'): string | null {
  const number = stringField(tryParseJsonObject(request.rawBody), route === 'inbound' ? 'to' : 'from');
  return number ? withPlus(number) : null;
}

export function verifyWebhook(credentials: VonageCredentials, request: WebhookRequest, now: Date = new Date()): VerifyResult {
  const authorization = header(request, 'authorization');
  if (!authorization) return missingSignature('missing Authorization header');
  const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
  if (!token) return rejectedSignature('Authorization is not a Bearer token');

  const parts = token.split('.');
  if (parts.length !== 3) return rejectedSignature('Bearer token is not a JWT');
  const [encodedHeader, encodedClaims, encodedSignature] = parts as [string, string, string];

  // Only HS256: accepting the header's choice of algorithm ("none", RS256…) is the classic JWT hole.
  if (decodeJwtPart(encodedHeader)?.alg !== 'HS256') return rejectedSignature('JWT is not HS256');
  const expected = createHmac('sha256', credentials.signatureSecret).update(`${encodedHeader}.${encodedClaims}`).digest();
  if (!bytesEqual(Buffer.from(encodedSignature, 'base64url'), expected)) {
    return rejectedSignature('JWT signature does not match the signature secret');
  }

  const claims = decodeJwtPart(encodedClaims);
  if (!claims) return rejectedSignature('JWT claims are not a JSON object');
  const bodyHash = createHash('sha256').update(request.rawBody, 'utf8').digest('hex');
  const claimedHash = typeof claims.payload_hash === 'string' ? claims.payload_hash.toLowerCase() : '';
  if (!bytesEqual(Buffer.from(claimedHash), Buffer.from(bodyHash))) {
    return rejectedSignature('JWT payload_hash does not match the body');
  }
  // Vonage always sets iat. A token without one would stay valid for ever once captured, so
  // it is refused; one issued over 300 s ago, or later than a minute of clock skew, too.
  if (typeof claims.iat !== 'number' || !Number.isFinite(claims.iat)) return rejectedSignature('JWT has no iat');
  const age = now.getTime() / 1000 - claims.iat;
  if (age > SIGNATURE_TOLERANCE_SECONDS) return rejectedSignature('JWT iat is older than 300 s');
  if (age < -FUTURE_SKEW_SECONDS) return rejectedSignature('JWT iat is in the future');
  if (claims.exp !== undefined && !(typeof claims.exp === 'number' && now.getTime() / 1000 < claims.exp)) {
    return rejectedSignature('JWT has expired');
  }
  return SIGNATURE_OK;
}

export function normalizeWebhook(request: WebhookRequest, route: 'inbound' | 'status'): NormalizedEvent[] {
  const body = parseJsonObject(PROVIDER, request.rawBody);
  const providerMessageId = requireString(PROVIDER, body, 'message_uuid');
  const from = withPlus(requireString(PROVIDER, body, 'from'));

  if (route === 'inbound') {
    const media = inboundMedia(body);
    return [
      {
        kind: 'inbound',
        provider: 'VONAGE',
        providerMessageId,
        from,
        to: withPlus(requireString(PROVIDER, body, 'to')),
        // A picture message carries its words as the attachment's caption, not as text.
        body: stringField(body, 'text') ?? media.caption ?? '',
        media: media.items,
        raw: body,
      },
    ];
  }

  const providerStatus = requireString(PROVIDER, body, 'status');
  return [
    {
      kind: 'status',
      provider: 'VONAGE',
      providerMessageId,
      providerStatus,
      status: mapStatus(providerStatus),
      errorCode: errorCode(body.error),
      errorMessage: stringField(body.error, 'detail') || stringField(body.error, 'title') || null,
      ourNumber: from,
      raw: body,
    },
  ];
}

/** Attachments are one object per message, keyed by message_type: `{ image: { url, caption } }`. */
const MEDIA_MESSAGE_TYPES = ['image', 'audio', 'video', 'file', 'vcard'] as const;

function inboundMedia(body: Record<string, unknown>): { items: InboundMedia[]; caption?: string } {
  const items: InboundMedia[] = [];
  let caption: string | undefined;
  for (const type of MEDIA_MESSAGE_TYPES) {
    const attachment = body[type];
    const url = stringField(attachment, 'url');
    if (!url) continue;
    // Vonage does not say the MIME type; the route fetches or forwards the URL as is.
    items.push({ url, contentType: null });
    caption ??= stringField(attachment, 'caption');
  }
  return { items, caption };
}

/**
 * Vonage errors are RFC 7807: `type` is a URL ending in "#1320", `title` the same code.
 * The code is what a support ticket needs, so prefer the type's tail, then the title.
 */
function errorCode(error: unknown): string | null {
  const type = stringField(error, 'type');
  const tail = type?.split(/[#/]/).pop();
  return tail || codeField(error, 'title') || null;
}

function decodeJwtPart(part: string): Record<string, unknown> | null {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return isRecord(decoded) ? decoded : null;
  } catch {
    return null;
  }
}
