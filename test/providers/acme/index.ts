/**
 * Acme, a provider that exists only in the tests: proof that a provider is a folder and a
 * registry line. Its wire format is small and invented: a REST send API with a bearer key,
 * JSON webhooks signed with HMAC-SHA256 over "<timestamp>.<body>" in X-Acme-Signature. It uses
 * only what src/providers offers every provider; importing this module registers it (the
 * registry line), before the server is built.
 */
import { createHmac } from 'node:crypto';
import { registerProvider } from '../../../src/providers/index.js';
import { clientFailure, networkFailure, refusal } from '../../../src/providers/http-failure.js';
import type { MessageStatus, NormalizedEvent, ProviderDescriptor, SendResult, VerifyResult, WebhookKind, WebhookRequest } from '../../../src/providers/types.js';
import {
  bytesEqual,
  header,
  isFresh,
  isRecord,
  missingSignature,
  parseJsonObject,
  rejectedSignature,
  requireString,
  SIGNATURE_OK,
  stringField,
  tryParseJsonObject,
} from '../../../src/providers/webhook-helpers.js';

export interface AcmeCredentials {
  apiKey: string;
  webhookSecret: string;
  accountName?: string | null;
}

const ACME_API = 'https://api.acme.invalid';
const OPTED_OUT = 'RECIPIENT_OPTED_OUT';
const STATUSES: Readonly<Record<string, MessageStatus>> = { accepted: 'SENT', sent: 'SENT', delivered: 'DELIVERED', undelivered: 'UNDELIVERED', failed: 'FAILED' };

/** X-Acme-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" keyed by the webhook secret>. */
export function acmeSignature(secret: string, rawBody: string, at = Math.floor(Date.now() / 1000)): string {
  return `t=${at},v1=${createHmac('sha256', secret).update(`${at}.${rawBody}`).digest('hex')}`;
}

function verifyWebhook(credentials: AcmeCredentials, request: WebhookRequest, now = new Date()): VerifyResult {
  const signature = header(request, 'x-acme-signature');
  if (!signature) return missingSignature('missing X-Acme-Signature header');
  const match = /^t=(\d{1,12}),v1=([0-9a-f]{64})$/.exec(signature);
  if (!match) return rejectedSignature('X-Acme-Signature is malformed');
  if (!isFresh(Number(match[1]), now)) return rejectedSignature('X-Acme-Signature is outside the 300 s window');
  const expected = createHmac('sha256', credentials.webhookSecret).update(`${match[1]}.${request.rawBody}`).digest();
  return bytesEqual(Buffer.from(match[2], 'hex'), expected) ? SIGNATURE_OK : rejectedSignature('X-Acme-Signature does not match the body');
}

/** Inbound: { id, from, to, text }. Status: { id, from, to, status, error?: { code, message } }. */
function normalizeWebhook(request: WebhookRequest, kind: WebhookKind): NormalizedEvent[] {
  const body = parseJsonObject('Acme', request.rawBody);
  const providerMessageId = requireString('Acme', body, 'id');
  if (kind === 'inbound') {
    return [{ kind, provider: 'ACME', providerMessageId, from: requireString('Acme', body, 'from'), to: requireString('Acme', body, 'to'), body: stringField(body, 'text') ?? '', media: [], raw: body }];
  }
  const providerStatus = requireString('Acme', body, 'status');
  const error = isRecord(body.error) ? body.error : undefined;
  return [
    {
      kind,
      provider: 'ACME',
      providerMessageId,
      providerStatus,
      status: mapStatus(providerStatus),
      errorCode: stringField(error, 'code') ?? null,
      errorMessage: stringField(error, 'message') ?? null,
      ourNumber: stringField(body, 'from') ?? null,
      raw: body,
    },
  ];
}

function mapStatus(providerStatus: string): MessageStatus | null {
  return STATUSES[providerStatus.toLowerCase()] ?? null;
}

async function send(credentials: AcmeCredentials, message: { from: string; to: string; body: string; mediaUrls: string[]; statusCallbackUrl: string }, options: { baseUrl?: string; timeoutMs?: number } = {}): Promise<SendResult> {
  try {
    const response = await fetch(`${options.baseUrl ?? ACME_API}/v1/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${credentials.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ from: message.from, to: message.to, text: message.body, media: message.mediaUrls, callback_url: message.statusCallbackUrl }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
    });
    const answer: unknown = await response.json().catch(() => null);
    if (response.ok) {
      const id = stringField(answer, 'id');
      return id ? { ok: true, providerMessageId: id, providerStatus: stringField(answer, 'status') ?? 'accepted' } : clientFailure(new Error('Acme answered without an id'), 'INVALID_RESPONSE');
    }
    const error = isRecord(answer) && isRecord(answer.error) ? answer.error : undefined;
    const code = stringField(error, 'code');
    return refusal({ httpStatus: response.status, code, message: stringField(error, 'message'), retryAfter: response.headers.get('retry-after'), recipientOptedOut: isOptOutRefusal(code) });
  } catch (error) {
    return networkFailure(error) ?? clientFailure(error);
  }
}

function isOptOutRefusal(errorCode: string | null | undefined): boolean {
  return errorCode === OPTED_OUT;
}

/** GET /v1/numbers/{E.164}: 200 when the account holds it, 404 when not. */
async function ownsNumber(credentials: AcmeCredentials, phoneNumber: string, options: { baseUrl?: string; timeoutMs?: number }): Promise<boolean> {
  const response = await fetch(`${options.baseUrl ?? ACME_API}/v1/numbers/${encodeURIComponent(phoneNumber)}`, {
    headers: { authorization: `Bearer ${credentials.apiKey}` },
    signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
  });
  if (response.status === 404) return false;
  if (!response.ok) throw Object.assign(new Error(`Acme answered ${response.status}`), { status: response.status });
  return true;
}

export const acme: ProviderDescriptor<AcmeCredentials> = {
  name: 'ACME',
  displayName: 'Acme',
  credentials: {
    inputField: 'acmeConfig',
    inputType: 'AcmeConfigInput',
    fields: {
      apiKey: { required: true, secret: true },
      webhookSecret: { required: true, secret: true, check: (value) => (value.length >= 16 ? null : 'must be at least 16 characters') },
      accountName: { required: false },
    },
    unverifiable: { apiKey: '', webhookSecret: '\u0000unverifiable' },
  },
  limits: { maxBodyCharacters: 500, maxMedia: 2 },
  webhooks: [
    { path: '/webhooks/acme/inbound', kind: 'inbound' },
    { path: '/webhooks/acme/status', kind: 'status' },
  ],
  statusCallbackPath: '/webhooks/acme/status',
  webhookReply: { contentType: 'application/vnd.acme+json', body: '{"accepted":true}' },
  send,
  ownsNumber,
  isOptOutRefusal,
  ourNumber: (request, kind) => stringField(tryParseJsonObject(request.rawBody), kind === 'inbound' ? 'to' : 'from') ?? null,
  verifyWebhook,
  normalizeWebhook,
  mapStatus,
};

registerProvider(acme);
