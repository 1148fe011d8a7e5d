/**
 * Twilio messaging webhooks: form-encoded POSTs signed with X-Twilio-Signature
 * (HMAC-SHA1 of the full URL plus the sorted form fields, keyed by the auth token).
 */
import twilio from 'twilio';
import type { InboundMedia, NormalizedEvent, VerifyResult, WebhookRequest } from '../types.js';
import type { TwilioCredentials } from './credentials.js';
import {
  MalformedWebhookError,
  SIGNATURE_OK,
  formField,
  header,
  missingSignature,
  parseForm,
  rejectedSignature,
} from '../webhook-helpers.js';
import { mapStatus } from './status.js';

const PROVIDER = 'Twilio';

/** Inbound: the customer texted our `To`. Status: we sent from our `From`. */
export function ourNumber(request: WebhookRequest, route: 'inbound' | 'status'): string | null {
  const params = parseForm(request.rawBody);
  return formField(params, route === 'inbound' ? 'To' : 'From') || null;
}

export function verifyWebhook(credentials: TwilioCredentials, request: WebhookRequest, _now?: Date): VerifyResult {
  // Twilio signs no timestamp, so there is no replay window to check; `now` is unused.
  const signature = header(request, 'x-twilio-signature');
  if (!signature) return missingSignature('missing X-Twilio-Signature header');
  let valid: boolean;
  try {
    // The SDK signs the URL exactly as Twilio requested it (with and without the port), so
    // request.url must be the public URL configured in Twilio, not the one behind a proxy.
    valid = twilio.validateRequest(credentials.authToken, signature, request.url, parseForm(request.rawBody));
  } catch {
    // validateRequest falls back to `new URL(url)`, which throws on a URL it cannot parse.
    valid = false;
  }
  return valid ? SIGNATURE_OK : rejectedSignature('X-Twilio-Signature does not match the URL and body');
}

export function normalizeWebhook(request: WebhookRequest, route: 'inbound' | 'status'): NormalizedEvent[] {
  const params = parseForm(request.rawBody);
  const field = (name: string) => formField(params, name);
  const messageSid = field('MessageSid') || field('SmsSid');
  if (!messageSid) throw new MalformedWebhookError(PROVIDER, 'missing "MessageSid"');

  if (route === 'inbound') {
    const from = field('From');
    const to = field('To');
    if (!from || !to) throw new MalformedWebhookError(PROVIDER, 'missing "From" or "To"');
    return [
      {
        kind: 'inbound',
        provider: 'TWILIO',
        providerMessageId: messageSid,
        from,
        to,
        body: field('Body') ?? '',
        media: inboundMedia(field),
        raw: params,
      },
    ];
  }

  const providerStatus = field('MessageStatus') || field('SmsStatus');
  if (!providerStatus) throw new MalformedWebhookError(PROVIDER, 'missing "MessageStatus"');
  return [
    {
      kind: 'status',
      provider: 'TWILIO',
      providerMessageId: messageSid,
      providerStatus,
      status: mapStatus(providerStatus),
      errorCode: field('ErrorCode') || null,
      errorMessage: field('ErrorMessage') || null,
      ourNumber: field('From') || null,
      raw: params,
    },
  ];
}

/** MMS attachments arrive as NumMedia plus MediaUrl0…N-1 / MediaContentType0…N-1. */
function inboundMedia(field: (name: string) => string | undefined): InboundMedia[] {
  const count = Number.parseInt(field('NumMedia') ?? '0', 10);
  if (!Number.isFinite(count) || count <= 0) return [];
  const media: InboundMedia[] = [];
  // Twilio caps MMS at 10 attachments; the bound also keeps a hostile NumMedia from looping long.
  for (let index = 0; index < Math.min(count, 10); index++) {
    const url = field(`MediaUrl${index}`);
    if (url) media.push({ url, contentType: field(`MediaContentType${index}`) || null });
  }
  return media;
}
