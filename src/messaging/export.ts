import { createHmac, timingSafeEqual } from 'node:crypto';
import { encodeGlobalID } from '@pothos/plugin-relay';
import type { Prisma } from '../db/client';
import type { Services } from '../services';
import { SwitchboardError } from '../errors';
import type { MessageFilter } from './delivery-log';

/**
 * Export of the delivery log or of one conversation as CSV, JSON Lines or a plain-text
 * transcript. Rows are read in keyset-paginated batches by (createdAt, id), oldest first, so an
 * export of any size holds one batch in memory at a time; the HTTP route (src/http/export.ts)
 * writes each batch and waits for the socket to drain before reading the next.
 */

export const EXPORT_FORMATS = ['csv', 'jsonl', 'txt'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const EXPORT_BATCH_SIZE = 1000;
/** How long a signed download URL stays valid. */
export const EXPORT_TOKEN_TTL_MS = 15 * 60_000;

export const exportSelect = {
  id: true,
  createdAt: true,
  direction: true,
  status: true,
  provider: true,
  from: true,
  to: true,
  body: true,
  mediaUrls: true,
  segments: true,
  encoding: true,
  errorCode: true,
  errorMessage: true,
  providerMessageId: true,
  conversationId: true,
} satisfies Prisma.MessageSelect;

export type ExportRow = Prisma.MessageGetPayload<{ select: typeof exportSelect }>;

/** The messages matching `where`, oldest first, `batchSize` at a time. */
export async function* exportBatches(services: Services, where: Prisma.MessageWhereInput, batchSize = EXPORT_BATCH_SIZE): AsyncGenerator<ExportRow[]> {
  let after: { createdAt: Date; id: string } | null = null;
  for (;;) {
    const batch: ExportRow[] = await services.db.message.findMany({
      select: exportSelect,
      where: after
        ? {
            AND: [
              where,
              // `createdAt >= c` on its own keeps the (…, createdAt) index range usable; the OR
              // then skips the rows of that same instant already written.
              { createdAt: { gte: after.createdAt } },
              { OR: [{ createdAt: { gt: after.createdAt } }, { id: { gt: after.id } }] },
            ],
          }
        : where,
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take: batchSize,
    });
    if (batch.length > 0) yield batch;
    if (batch.length < batchSize) return;
    const last = batch[batch.length - 1];
    after = { createdAt: last.createdAt, id: last.id };
  }
}

// ---------------------------------------------------------------------------------------------
// Formats

export const CSV_COLUMNS = [
  'id',
  'createdAt',
  'direction',
  'status',
  'provider',
  'from',
  'to',
  'body',
  'mediaUrls',
  'segments',
  'encoding',
  'errorCode',
  'errorMessage',
  'providerMessageId',
  'conversationId',
] as const;

/** One exported message: the same fields, in the same order, in CSV and JSON Lines. */
export function exportRecord(row: ExportRow) {
  return {
    id: encodeGlobalID('Message', row.id),
    createdAt: row.createdAt.toISOString(),
    direction: row.direction,
    status: row.status,
    provider: row.provider,
    from: row.from,
    to: row.to,
    body: row.body,
    mediaUrls: mediaUrlsOf(row),
    segments: row.segments,
    encoding: row.encoding,
    errorCode: row.errorCode,
    errorMessage: row.errorMessage,
    providerMessageId: row.providerMessageId,
    conversationId: row.conversationId ? encodeGlobalID('Conversation', row.conversationId) : null,
  };
}

function mediaUrlsOf(row: ExportRow): string[] {
  try {
    const urls = JSON.parse(row.mediaUrls) as unknown;
    return Array.isArray(urls) ? urls.map(String) : [];
  } catch {
    return [];
  }
}

/** RFC 4180: a field with a comma, a double quote or a line break is quoted, quotes doubled. */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const CRLF = '\r\n';

export function csvLine(row: ExportRow): string {
  const record = exportRecord(row);
  // Media URLs are space-separated: a URL cannot hold an unencoded space.
  return CSV_COLUMNS.map((column) => csvField(column === 'mediaUrls' ? record.mediaUrls.join(' ') : record[column])).join(',') + CRLF;
}

export function jsonLine(row: ExportRow): string {
  // JSON.stringify escapes U+2028/U+2029 and every control character, so one message is one line.
  return `${JSON.stringify(exportRecord(row))}\n`;
}

/** `2026-11-27 10:00:00Z  +14155552671 → +14155552680  [DELIVERED]  body` */
export function transcriptLine(row: ExportRow): string {
  const at = `${row.createdAt.toISOString().slice(0, 19).replace('T', ' ')}Z`;
  const status = row.errorCode ? `${row.status} ${row.errorCode}` : row.status;
  const head = `${at}  ${row.from} → ${row.to}  [${status}]  `;
  // Continuation lines of a multi-line body are indented under the body's first line.
  const body = row.body.replace(/\r\n?/g, '\n').replaceAll('\n', `\n${' '.repeat(head.length)}`);
  const media = mediaUrlsOf(row);
  return `${head}${body}${media.length ? `${body ? '  ' : ''}[media: ${media.join(' ')}]` : ''}\n`;
}

export interface ExportEncoder {
  contentType: string;
  extension: string;
  header: string;
  line(row: ExportRow): string;
}

export const ENCODERS: Record<ExportFormat, ExportEncoder> = {
  csv: { contentType: 'text/csv; charset=utf-8; header=present', extension: 'csv', header: CSV_COLUMNS.join(',') + CRLF, line: csvLine },
  jsonl: { contentType: 'application/jsonl; charset=utf-8', extension: 'jsonl', header: '', line: jsonLine },
  txt: { contentType: 'text/plain; charset=utf-8', extension: 'txt', header: '', line: transcriptLine },
};

export function parseFormat(value: string | null | undefined): ExportFormat {
  const format = (value ?? 'csv').toLowerCase();
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) {
    throw new SwitchboardError('INVALID_INPUT', `format must be one of ${EXPORT_FORMATS.join(', ')}`, 'format');
  }
  return format as ExportFormat;
}

// ---------------------------------------------------------------------------------------------
// Filters in a URL: the same names as GraphQL's MessageFilter, IDs global, dates ISO 8601.

export const FILTER_PARAMS = ['direction', 'status', 'provider', 'assistantId', 'conversationId', 'from', 'to', 'search', 'createdAfter', 'createdBefore'] as const;

const ENUMS = {
  direction: ['INBOUND', 'OUTBOUND'],
  status: ['SCHEDULED', 'QUEUED', 'SENDING', 'SENT', 'DELIVERED', 'UNDELIVERED', 'FAILED', 'CANCELED', 'RECEIVED'],
  provider: ['TWILIO', 'TELNYX', 'VONAGE'],
} as const;

/** The filter a query string names; `decodeId` turns global IDs into raw ones (one that does not decode should find nothing). */
export function filterFromParams(params: URLSearchParams, decodeId: (typename: string, globalId: string) => string): MessageFilter {
  const filter: MessageFilter = {};
  for (const name of ['direction', 'status', 'provider'] as const) {
    const value = params.get(name);
    if (!value) continue;
    const upper = value.toUpperCase();
    if (!(ENUMS[name] as readonly string[]).includes(upper)) {
      throw new SwitchboardError('INVALID_INPUT', `${name} must be one of ${ENUMS[name].join(', ')}`, name);
    }
    (filter as Record<string, string>)[name] = upper;
  }
  const assistantId = params.get('assistantId');
  if (assistantId) filter.assistantId = decodeId('Assistant', assistantId);
  const conversationId = params.get('conversationId');
  if (conversationId) filter.conversationId = decodeId('Conversation', conversationId);
  for (const name of ['from', 'to', 'search'] as const) {
    const value = params.get(name);
    if (value) filter[name] = value;
  }
  for (const name of ['createdAfter', 'createdBefore'] as const) {
    const value = params.get(name);
    if (!value) continue;
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) throw new SwitchboardError('INVALID_INPUT', `${name} must be an ISO 8601 date-time`, name);
    filter[name] = date;
  }
  return filter;
}

/** The query string for a GraphQL MessageFilter (IDs kept global, dates as ISO 8601). */
export function paramsFromFilter(filter: Record<string, unknown> | null | undefined): Record<string, string> {
  const params: Record<string, string> = {};
  for (const name of FILTER_PARAMS) {
    const value = filter?.[name];
    if (value === null || value === undefined || value === '') continue;
    params[name] = value instanceof Date ? value.toISOString() : String(value);
  }
  return params;
}

// ---------------------------------------------------------------------------------------------
// Signed download URLs: `?token=<expiry unix s>.<organization id>.<HMAC-SHA256 b64url>` over the
// organization, the expiry, the path and every other query parameter, under a key derived from
// SECRETS_KEY. A browser can follow the URL without an API key for 15 minutes; changing any
// parameter, the path or the expiry breaks the signature.

function tokenKey(secretsKeyHex: string): Buffer {
  return createHmac('sha256', Buffer.from(secretsKeyHex, 'hex')).update('switchboard:export-download-token:v1').digest();
}

function canonical(organizationId: string, expires: number, pathname: string, params: URLSearchParams): string {
  const pairs = [...params].filter(([key]) => key !== 'token').sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0));
  return ['v1', organizationId, String(expires), pathname, new URLSearchParams(pairs).toString()].join('\n');
}

function signature(secretsKeyHex: string, text: string): string {
  return createHmac('sha256', tokenKey(secretsKeyHex)).update(text).digest('base64url');
}

/**
 * An absolute URL under PUBLIC_URL that downloads an export for `organizationId` without an
 * API key until `expiresAt`. `pathname` is unencoded, e.g. `/export/conversations/<global id>`.
 */
export function signedExportUrl(
  services: Pick<Services, 'config'>,
  organizationId: string,
  pathname: string,
  params: Record<string, string>,
  now = Date.now(),
): { url: string; expiresAt: Date } {
  const expires = Math.floor((now + EXPORT_TOKEN_TTL_MS) / 1000);
  const query = new URLSearchParams(params);
  const token = `${expires}.${organizationId}.${signature(services.config.secretsKey, canonical(organizationId, expires, pathname, query))}`;
  query.set('token', token);
  const encodedPath = pathname.split('/').map(encodeURIComponent).join('/');
  return { url: `${services.config.publicUrl}${encodedPath}?${query}`, expiresAt: new Date(expires * 1000) };
}

export type TokenCheck = { ok: true; organizationId: string } | { ok: false; reason: 'invalid' | 'expired' };

/** Checks a download token against the request's (decoded) path and query. */
export function verifyExportToken(secretsKeyHex: string, token: string, pathname: string, params: URLSearchParams, now = Date.now()): TokenCheck {
  const match = /^(\d{1,12})\.([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return { ok: false, reason: 'invalid' };
  const [, expiresText, organizationId, given] = match;
  const expires = Number(expiresText);
  const expected = signature(secretsKeyHex, canonical(organizationId, expires, pathname, params));
  if (!timingSafeEqual(Buffer.from(given), Buffer.from(expected))) return { ok: false, reason: 'invalid' };
  if (expires * 1000 <= now) return { ok: false, reason: 'expired' };
  return { ok: true, organizationId };
}
