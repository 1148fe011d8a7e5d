/**
 * How /console is served when there is no build to serve: a page saying how to build it (503),
 * not a blank screen; and only GET or HEAD. The served build itself is checked in
 * console.e2e.test.ts against the real server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveConsole } from '../src/edge/console';

let server: Server;
let url: string;
const empty = mkdtempSync(path.join(tmpdir(), 'console-unbuilt-'));

beforeAll(async () => {
  server = createServer((req, res) => void serveConsole(req, res, (req.url ?? '/').split('?')[0], empty));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(empty, { recursive: true, force: true });
});

describe('/console without a build', () => {
  it('answers 503 with a page saying how to build it', async () => {
    const response = await fetch(`${url}/console`);
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await response.text()).toContain('npm run build:console');
  });

  it('answers 404 for an asset and 405 for anything but GET or HEAD', async () => {
    expect((await fetch(`${url}/console/assets/main-ABC.js`)).status).toBe(404);
    const post = await fetch(`${url}/console`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });
});
