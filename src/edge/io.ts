import type { IncomingMessage, ServerResponse } from 'node:http';

export const MAX_BODY_BYTES = 1024 * 1024;

export class BodyTooLarge extends Error {}

/**
 * A request whose body we stopped reading part-way (over the limit, or refused before it was
 * read): its answer closes the connection, see settleUnreadBody.
 */
const abandoned = new WeakSet<IncomingMessage>();

/**
 * The request body, byte-exact, refused with BodyTooLarge as soon as it is known to be over
 * `limit`: from Content-Length before a byte is read, else while counting the bytes as they come.
 * The request stream is never destroyed here (that would reset the connection before our
 * answer): the caller answers, and sendJson/sendText close the connection cleanly.
 */
export function readBodyBytes(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    abandoned.add(req);
    return Promise.reject(new BodyTooLarge(`body over ${limit} bytes`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        done();
        abandoned.add(req);
        req.pause();
        reject(new BodyTooLarge(`body over ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      done();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      done();
      reject(error);
    };
    const onAborted = () => onError(new Error('request aborted'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

/** The body as UTF-8 text (webhook signatures are computed over these exact bytes). */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<string> {
  return (await readBodyBytes(req, limit)).toString('utf8');
}

/** Unread bodies up to this size are read and dropped after an early answer, keeping the connection. */
const DRAIN_LIMIT_BYTES = 64 * 1024;
/** How long a closing connection waits, after our answer and FIN, before it is torn down. */
const LINGER_MS = 1000;

/**
 * Before an answer is written for a request whose body was not (fully) read — 401, 405, 413,
 * 429 and the like — decides what happens to the connection. A small declared body is left to
 * Node, which reads and drops it once the answer is sent, so the next request on the
 * keep-alive connection is answered. Anything else (too large, of unknown length, or a body we
 * stopped reading) is answered with `Connection: close`; the server then half-closes and stops
 * reading, and waits a moment before closing the socket, so the client reads the answer
 * before unread bytes make the kernel reset the connection.
 */
export function settleUnreadBody(res: ServerResponse) {
  const req = res.req as IncomingMessage | undefined;
  if (!req || res.headersSent) return;
  if (!abandoned.has(req)) {
    if (req.complete || req.readableEnded) return;
    const declared = req.headers['content-length'];
    const hasBody = declared !== undefined || req.headers['transfer-encoding'] !== undefined;
    if (!hasBody) return;
    if (declared !== undefined && Number(declared) <= DRAIN_LIMIT_BYTES) return;
  }
  res.setHeader('connection', 'close');
  closeWithoutReset(req);
}

function closeWithoutReset(req: IncomingMessage) {
  const socket = req.socket;
  req.pause();
  // Node ends a `Connection: close` response with socket.destroySoon() (end, then destroy at
  // once); here the end comes first and the destroy a moment later.
  socket.destroySoon = function destroyLater(this: typeof socket) {
    this.pause(); // no more reading: the rest of the body stays unread
    this.end();
    const timer = setTimeout(() => this.destroy(), LINGER_MS);
    timer.unref();
    this.once('close', () => clearTimeout(timer));
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  settleUnreadBody(res);
  res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, body: string, contentType = 'text/plain; charset=utf-8') {
  settleUnreadBody(res);
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * The error body of the REST routes: `error` with our code and message, and `detail` beside it
 * with the same message, as the REST API these routes replace answers.
 */
export function failure(code: string, message: string) {
  return { success: false, error: { code, message }, detail: message };
}
