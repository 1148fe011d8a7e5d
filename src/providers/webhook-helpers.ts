/**
 * Small pieces every provider's webhook.ts needs: reading headers, parsing the two body
 * formats providers use (form and JSON), the two ways a signature check fails, and the
 * replay window. Kept here so the three providers read the same way and fail the same way.
 */
import { timingSafeEqual } from 'node:crypto';
import type { VerifyResult, WebhookRequest } from './types.js';

/** How far a signed timestamp may be from our clock, either direction. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/**
 * The body of a webhook could not be understood. Thrown only by normalizeWebhook, after the
 * signature passed; the route answers 400 so the provider's retries show up in its console
 * rather than as a crash here.
 */
export class MalformedWebhookError extends Error {
  constructor(provider: string, detail: string) {
    super(`Malformed ${provider} webhook: ${detail}`);
    this.name = 'MalformedWebhookError';
  }
}

/** A header by name, case-insensitively; empty values count as absent. */
export function header(request: WebhookRequest, name: string): string | undefined {
  const wanted = name.toLowerCase();
  const direct = request.headers[wanted];
  if (direct !== undefined) return direct.trim() === '' ? undefined : direct;
  for (const [key, value] of Object.entries(request.headers)) {
    if (key.toLowerCase() === wanted && value !== undefined && value.trim() !== '') return value;
  }
  return undefined;
}

/** No signature at all: 401. */
export function missingSignature(reason: string): VerifyResult {
  return { ok: false, httpStatus: 401, reason };
}

/** A signature that is wrong, malformed or stale: 403. */
export function rejectedSignature(reason: string): VerifyResult {
  return { ok: false, httpStatus: 403, reason };
}

export const SIGNATURE_OK: VerifyResult = { ok: true };

/** Whether a unix time (seconds) is within the replay window around `now`. */
export function isFresh(unixSeconds: number, now: Date): boolean {
  return Math.abs(now.getTime() / 1000 - unixSeconds) <= SIGNATURE_TOLERANCE_SECONDS;
}

/** Constant-time comparison of two byte strings; unequal lengths are simply unequal. */
export function bytesEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * An application/x-www-form-urlencoded body as name → value. A name sent more than once
 * (which Twilio does not do for messaging, but a form may) keeps every value, in order,
 * which is also the shape twilio.validateRequest signs.
 */
export function parseForm(rawBody: string): Record<string, string | string[]> {
  const params: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(rawBody)) {
    const existing = params[name];
    if (existing === undefined) params[name] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else params[name] = [existing, value];
  }
  return params;
}

/** First value of a form field, or undefined. */
export function formField(params: Record<string, string | string[]>, name: string): string | undefined {
  const value = params[name];
  return Array.isArray(value) ? value[0] : value;
}

/** A JSON body that must be an object; anything else is a MalformedWebhookError. */
export function parseJsonObject(provider: string, rawBody: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawBody);
  } catch {
    throw new MalformedWebhookError(provider, 'body is not JSON');
  }
  if (!isRecord(parsed)) throw new MalformedWebhookError(provider, 'body is not a JSON object');
  return parsed;
}

/** The same, for code that runs before the signature is checked and must never throw. */
export function tryParseJsonObject(rawBody: string): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(rawBody);
    return isRecord(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A string field, or undefined when absent or not a string (numbers are not coerced). */
export function stringField(object: unknown, name: string): string | undefined {
  if (!isRecord(object)) return undefined;
  const value = object[name];
  return typeof value === 'string' ? value : undefined;
}

/** A string or number field as a string (error codes arrive as either), else undefined. */
export function codeField(object: unknown, name: string): string | undefined {
  if (!isRecord(object)) return undefined;
  const value = object[name];
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** A required string field; MalformedWebhookError names what was missing. */
export function requireString(provider: string, object: unknown, name: string): string {
  const value = stringField(object, name);
  if (value === undefined || value === '') throw new MalformedWebhookError(provider, `missing "${name}"`);
  return value;
}

/** The answer most providers take for a webhook that was stored. */
export const JSON_RECEIVED = { contentType: 'application/json; charset=utf-8', body: JSON.stringify({ received: true }) } as const;
