import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Services } from '../services';
import { SwitchboardError } from '../errors';
import { decodeId, idOrNone } from '../graphql/ids';
import { authenticate } from '../tenancy/api-keys';
import { messageWhere } from '../messaging/message-filter';
import { ENCODERS, exportChunks, parseFormat } from '../export/encoders';
import { verifyExportToken } from '../export/signed-url';
import { filterFromParams } from '../export/url-filter';
import { failure, sendJson } from './io';
import { consentExportLines, consentFilterFromParams } from '../compliance/consent-export';

const CONVERSATION_PATH = /^\/export\/conversations\/([^/]+)$/;

/** The export routes' paths (the route table, ./routes.ts, dispatches them here). */
export const EXPORT_ROUTES: readonly (string | RegExp)[] = ['/export/messages', '/export/consent', CONVERSATION_PATH];

/**
 * GET /export/messages?format=csv|jsonl|txt&<MessageFilter fields>
 * GET /export/conversations/<global id>?format=…
 * GET /export/consent?format=csv|jsonl&customerPhoneNumber=&phoneNumberId=&kind=&after=&before= (API key only)
 *
 * Authenticated with `Authorization: Bearer <api key>`, or with the signed `token` of a URL
 * that exportMessages/exportConversation returned, while the API key that asked for it is live. The body is streamed batch by batch; each
 * write waits for the socket to drain, so memory stays flat however many rows there are.
 */
export async function handleExport(services: Services, req: IncomingMessage, res: ServerResponse) {
  if (req.method !== 'GET') {
    res.setHeader('allow', 'GET');
    return sendJson(res, 405, failure('INVALID_INPUT', 'GET only'));
  }
  const url = new URL(req.url ?? '/', 'http://localhost');
  let pathname: string;
  try {
    pathname = decodeURIComponent(url.pathname);
  } catch {
    return sendJson(res, 404, failure('NOT_FOUND', 'Not found'));
  }
  const params = url.searchParams;

  let organizationId: string;
  const token = params.get('token');
  if (token !== null) {
    const check = verifyExportToken(services.config.secretsKey, token, pathname, params);
    if (!check.ok) {
      return sendJson(res, 403, failure('UNAUTHENTICATED', check.reason === 'expired' ? 'This download link has expired; ask for a new one' : 'Invalid download link'));
    }
    // A link stops working with the key that made it: revoking a leaked key revokes its links.
    const issuer = await services.db.apiKey.findFirst({
      where: { id: check.apiKeyId, organizationId: check.organizationId, revokedAt: null },
      select: { id: true },
    });
    if (!issuer) return sendJson(res, 403, failure('UNAUTHENTICATED', 'This download link was revoked with the API key that made it'));
    organizationId = check.organizationId;
  } else {
    const caller = await authenticate(services, req.headers.authorization);
    if (caller?.kind !== 'organization') {
      res.setHeader('www-authenticate', 'Bearer');
      return sendJson(res, 401, failure('UNAUTHENTICATED', 'A valid API key is required: Authorization: Bearer <key>'));
    }
    organizationId = caller.organizationId;
  }

  if (pathname === '/export/consent') return exportConsent(services, organizationId, params, res);

  let where;
  let filename: string;
  let format;
  try {
    format = parseFormat(params.get('format'));
    const conversation = CONVERSATION_PATH.exec(pathname);
    if (conversation) {
      const id = decodeId('Conversation', conversation[1]);
      const thread = await services.db.conversation.findFirst({
        where: { id, organizationId },
        select: { id: true, customerPhoneNumber: true },
      });
      if (!thread) throw new SwitchboardError('NOT_FOUND', 'Conversation not found');
      where = messageWhere(services, organizationId, { conversationId: thread.id });
      filename = `conversation-${thread.customerPhoneNumber.replace(/\D/g, '')}-${stamp()}`;
    } else {
      where = messageWhere(services, organizationId, filterFromParams(params, idOrNone));
      filename = `messages-${stamp()}`;
    }
  } catch (error) {
    if (error instanceof SwitchboardError) return sendJson(res, error.code === 'NOT_FOUND' ? 404 : 400, failure(error.code, error.message));
    throw error;
  }

  const encoder = ENCODERS[format];
  res.writeHead(200, {
    'content-type': encoder.contentType,
    'content-disposition': `attachment; filename="${filename}.${encoder.extension}"`,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  // A client that goes away ends the export: no more reads from the database.
  let gone = false;
  res.once('close', () => {
    gone = true;
  });
  for await (const chunk of exportChunks(services, where, encoder)) {
    if (gone || !(await write(res, chunk))) return;
  }
  res.end();
}

/** The consent history (src/compliance/consent-export.ts), streamed like the message exports. */
async function exportConsent(services: Services, organizationId: string, params: URLSearchParams, res: ServerResponse) {
  let filter;
  const format = (params.get('format') ?? 'csv').toLowerCase();
  try {
    if (format !== 'csv' && format !== 'jsonl') throw new SwitchboardError('INVALID_INPUT', 'format must be csv or jsonl', 'format');
    filter = consentFilterFromParams(params, idOrNone);
  } catch (error) {
    if (error instanceof SwitchboardError) return sendJson(res, 400, failure(error.code, error.message));
    throw error;
  }
  res.writeHead(200, {
    'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
    'content-disposition': `attachment; filename="consent-${stamp()}.${format}"`,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  for await (const lines of consentExportLines(services, organizationId, filter, format)) {
    if (!(await write(res, Buffer.from(lines)))) return;
  }
  res.end();
}

/** Writes a chunk and, when the socket buffer is full, waits for 'drain'. False once the client has gone. */
async function write(res: ServerResponse, chunk: Buffer): Promise<boolean> {
  if (res.destroyed) return false;
  if (!res.write(chunk)) {
    await new Promise<void>((resolve) => {
      const done = () => {
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.on('drain', done);
      res.on('close', done);
    });
  }
  return !res.destroyed;
}

function stamp(): string {
  return new Date().toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
}
