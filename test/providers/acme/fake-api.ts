/**
 * Acme's API as a local HTTP server: POST /v1/messages (201 { id, status }) and
 * GET /v1/numbers/{number} (200 when the key's account holds it), with a bearer API key.
 * Records what it received; a recipient can be made to refuse as opted out.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AcmeRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
  /** The id answered for a message taken, else null. */
  id: string | null;
}

export async function startFakeAcme() {
  const requests: AcmeRequest[] = [];
  const optedOut = new Set<string>();
  const owned = new Map<string, Set<string>>(); // API key → numbers
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      const apiKey = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const answer = (status: number, json: unknown, id: string | null = null) => {
        requests.push({ path: req.url ?? '', headers: req.headers, body, id });
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
      };
      if (!apiKey) return answer(401, { error: { code: 'UNAUTHORIZED', message: 'no API key' } });
      const number = /^\/v1\/numbers\/(.+)$/.exec(req.url ?? '')?.[1];
      if (req.method === 'GET' && number) {
        const held = owned.get(apiKey)?.has(decodeURIComponent(number));
        return held ? answer(200, { number: decodeURIComponent(number) }) : answer(404, { error: { code: 'NOT_FOUND', message: 'no such number' } });
      }
      if (req.method === 'POST' && req.url === '/v1/messages') {
        if (optedOut.has(String(body.to))) return answer(403, { error: { code: 'RECIPIENT_OPTED_OUT', message: 'The recipient replied STOP' } });
        const id = `acme_${randomUUID()}`;
        return answer(201, { id, status: 'accepted' }, id);
      }
      answer(404, { error: { code: 'NOT_FOUND', message: 'no such route' } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    /** Messages sent to `to`. */
    sentTo: (to: string) => requests.filter((r) => r.path === '/v1/messages' && r.body.to === to),
    ownNumbers(apiKey: string, numbers: string[]) {
      owned.set(apiKey, new Set([...(owned.get(apiKey) ?? []), ...numbers]));
    },
    refuseAsOptedOut(to: string) {
      optedOut.add(to);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
