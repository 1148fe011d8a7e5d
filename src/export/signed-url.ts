import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Services } from '../services';

/** How long a signed download URL stays valid. */
export const EXPORT_TOKEN_TTL_MS = 15 * 60_000;

// Signed download URLs: `?token=<expiry unix s>.<organization id>.<api key id>.<HMAC-SHA256
// b64url>` over the organization, the API key that asked for the link, the expiry, the path and
// every other query parameter, under a key derived from SECRETS_KEY. A browser can follow the
// URL without an API key for 15 minutes, as long as the key that made it is not revoked (the
// route looks the key up); changing any parameter, the path, the key or the expiry breaks the
// signature.

function tokenKey(secretsKeyHex: string): Buffer {
  return createHmac('sha256', Buffer.from(secretsKeyHex, 'hex')).update('switchboard:export-download-token:v1').digest();
}

/** Who asked for a download link: the organization and the API key it used. */
export interface ExportIssuer {
  organizationId: string;
  apiKeyId: string;
}

function canonical(issuer: ExportIssuer, expires: number, pathname: string, params: URLSearchParams): string {
  const pairs = [...params].filter(([key]) => key !== 'token').sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0));
  return ['v2', issuer.organizationId, issuer.apiKeyId, String(expires), pathname, new URLSearchParams(pairs).toString()].join('\n');
}

function signature(secretsKeyHex: string, text: string): string {
  return createHmac('sha256', tokenKey(secretsKeyHex)).update(text).digest('base64url');
}

/**
 * An absolute URL under PUBLIC_URL that downloads an export for the issuer's organization
 * without an API key until `expiresAt` (or until the issuing key is revoked). `pathname` is
 * unencoded, e.g. `/export/conversations/<global id>`.
 */
export function signedExportUrl(
  services: Pick<Services, 'config'>,
  issuer: ExportIssuer,
  pathname: string,
  params: Record<string, string>,
  now = Date.now(),
): { url: string; expiresAt: Date } {
  const expires = Math.floor((now + EXPORT_TOKEN_TTL_MS) / 1000);
  const query = new URLSearchParams(params);
  const sig = signature(services.config.secretsKey, canonical(issuer, expires, pathname, query));
  query.set('token', `${expires}.${issuer.organizationId}.${issuer.apiKeyId}.${sig}`);
  const encodedPath = pathname.split('/').map(encodeURIComponent).join('/');
  return { url: `${services.config.publicUrl}${encodedPath}?${query}`, expiresAt: new Date(expires * 1000) };
}

export type TokenCheck = ({ ok: true } & ExportIssuer) | { ok: false; reason: 'invalid' | 'expired' };

/**
 * Checks a download token against the request's (decoded) path and query. The caller must still
 * check that the issuing API key is live.
 */
export function verifyExportToken(secretsKeyHex: string, token: string, pathname: string, params: URLSearchParams, now = Date.now()): TokenCheck {
  const match = /^(\d{1,12})\.([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return { ok: false, reason: 'invalid' };
  const [, expiresText, organizationId, apiKeyId, given] = match;
  const expires = Number(expiresText);
  const expected = signature(secretsKeyHex, canonical({ organizationId, apiKeyId }, expires, pathname, params));
  if (!timingSafeEqual(Buffer.from(given), Buffer.from(expected))) return { ok: false, reason: 'invalid' };
  if (expires * 1000 <= now) return { ok: false, reason: 'expired' };
  return { ok: true, organizationId, apiKeyId };
}
