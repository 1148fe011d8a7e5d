/**
 * Browsers and scrapers: the GraphQL API answers CORS only for the origins in CORS_ORIGINS
 * (none by default, so a page elsewhere cannot read answers made with a user's credentials),
 * and GET /metrics compares METRICS_TOKEN in constant time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './support/server';
import { loadConfig } from '../src/config';

const QUERY = JSON.stringify({ query: '{ __typename }' });

async function preflight(server: TestServer, origin: string) {
  return fetch(`${server.url}/graphql`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
  });
}

async function post(server: TestServer, origin: string) {
  return fetch(`${server.url}/graphql`, { method: 'POST', headers: { origin, 'content-type': 'application/json' }, body: QUERY });
}

describe('CORS', () => {
  let plain: TestServer;
  let listed: TestServer;
  beforeAll(async () => {
    [plain, listed] = await Promise.all([
      startServer(),
      startServer({ env: { CORS_ORIGINS: 'https://app.example.com, http://localhost:5173/', METRICS_TOKEN: 'metrics-secret-token' } }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([plain?.stop(), listed?.stop()]);
  });

  it('by default sends no CORS headers, whatever the Origin, credentials or not', async () => {
    for (const response of [await preflight(plain, 'https://evil.example'), await post(plain, 'https://evil.example')]) {
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    }
    // Same-origin use (GraphiQL, servers) is unaffected.
    expect((await post(plain, plain.url)).status).toBe(200);
  });

  it('with CORS_ORIGINS, answers the listed origins only', async () => {
    for (const origin of ['https://app.example.com', 'http://localhost:5173']) {
      const pre = await preflight(listed, origin);
      expect(pre.headers.get('access-control-allow-origin')).toBe(origin);
      expect(pre.headers.get('access-control-allow-credentials')).toBe('true');
      expect(pre.headers.get('access-control-allow-headers')).toMatch(/authorization/);
      const answer = await post(listed, origin);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('access-control-allow-origin')).toBe(origin);
    }
    for (const origin of ['https://evil.example', 'https://app.example.com.evil.example', 'null']) {
      for (const response of [await preflight(listed, origin), await post(listed, origin)]) {
        expect(response.headers.get('access-control-allow-origin'), origin).toBeNull();
        expect(response.headers.get('access-control-allow-credentials'), origin).toBeNull();
      }
    }
  });

  it('refuses a CORS_ORIGINS that is not a list of origins', () => {
    expect(() => loadConfig({ CORS_ORIGINS: '*', SECRETS_KEY: 'ab'.repeat(32) })).toThrow(/CORS_ORIGINS/);
    expect(() => loadConfig({ CORS_ORIGINS: 'app.example.com', SECRETS_KEY: 'ab'.repeat(32) })).toThrow(/CORS_ORIGINS/);
    expect(loadConfig({ CORS_ORIGINS: 'https://a.example.com/path, https://b.example.com:8443', SECRETS_KEY: 'ab'.repeat(32) }).corsOrigins).toEqual([
      'https://a.example.com',
      'https://b.example.com:8443',
    ]);
  });

  it('GET /metrics asks for METRICS_TOKEN: wrong, shorter, longer or missing tokens get 401', async () => {
    const metrics = (authorization?: string) => fetch(`${listed.url}/metrics`, { headers: authorization ? { authorization } : {} });
    expect((await metrics('Bearer metrics-secret-token')).status).toBe(200);
    for (const wrong of [undefined, 'Bearer metrics-secret-tokeN', 'Bearer metrics', 'Bearer metrics-secret-token-and-more', 'metrics-secret-token']) {
      expect((await metrics(wrong)).status, String(wrong)).toBe(401);
    }
  });
});
