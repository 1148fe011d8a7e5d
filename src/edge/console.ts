import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The agent console: the single-page app under console/, bundled into console/dist by
 * `npm run build:console` (run on `npm install` and before `npm start`). Served as it was
 * built: index.html for /console, and content-hashed assets under /console/assets/.
 */
const CONSOLE_DIST = fileURLToPath(new URL('../../console/dist/', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json; charset=utf-8',
};

/**
 * The page talks to /graphql on its own origin (HTTP and WebSocket) and shows MMS media from
 * the providers' URLs; nothing else runs or loads.
 */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data: https: http:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** `/console` and everything under it. */
export const CONSOLE_PATH = /^\/console(?:\/|$)/;

/** `dist` is where the build is: console/dist, or another folder holding a build. */
export async function serveConsole(req: IncomingMessage, res: ServerResponse, urlPath: string, dist = CONSOLE_DIST): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
    return void res.end('GET only');
  }
  const asset = urlPath.startsWith('/console/assets/') ? urlPath.slice('/console/'.length) : null;
  // Any other path under /console is the app itself (it keeps no routes of its own in the URL).
  const file = asset === null ? 'index.html' : assetFile(asset);
  if (file === null) return answer(req, res, 404, 'text/plain; charset=utf-8', 'not found');
  let bytes: Buffer;
  try {
    bytes = await readFile(path.join(dist, file));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    if (asset !== null) return answer(req, res, 404, 'text/plain; charset=utf-8', 'not found');
    return answer(req, res, 503, 'text/html; charset=utf-8', NOT_BUILT, { 'retry-after': '10' });
  }
  const type = CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream';
  // Asset names carry a hash of their content, so they never change; index.html names the current ones.
  const cache = asset === null ? 'no-cache' : 'public, max-age=31536000, immutable';
  return answer(req, res, 200, type, bytes, { 'cache-control': cache });
}

/** assets/<name>.<ext>, one level, no dot files: nothing outside console/dist/assets is reachable. */
function assetFile(asset: string): string | null {
  let name: string;
  try {
    name = decodeURIComponent(asset);
  } catch {
    return null;
  }
  return /^assets\/[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(name) && !name.includes('..') ? name : null;
}

function answer(req: IncomingMessage, res: ServerResponse, status: number, type: string, body: string | Buffer, headers: Record<string, string> = {}) {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, { 'content-type': type, 'content-length': bytes.length, ...SECURITY_HEADERS, ...headers });
  res.end(req.method === 'HEAD' ? undefined : bytes);
}

const NOT_BUILT = `<!doctype html>
<meta charset="utf-8">
<title>Switchboard console: not built</title>
<h1>The console has not been built</h1>
<p>This server has no <code>console/dist</code>. Build it with <code>npm run build:console</code>
(it runs on <code>npm install</code> and before <code>npm start</code>), then reload this page.</p>
</body>
`;
