/**
 * The server never calls into its own network on a tenant's say-so: smsWebhookUrl is refused
 * at createAssistant / updateAssistant when it names a loopback, private, link-local or
 * metadata address (in any spelling the URL parser accepts), names are checked address by
 * address when the forwarder connects, and the forwarding log keeps coarse error categories.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from './gql';
import { graphqlClient, ok } from './support/client';
import { SharedCreateAssistant } from './support/documents';
import { createOrganizationFixture, type OrganizationFixture } from './support/fixtures';
import { inboundWithProviderId, messageDetails, post, signedInbound, startSink, type Sink } from './support/inbound';
import { createTestDatabase, eventually, startServer, type TestServer } from './support/server';
import { checkAddress, classifyAddress } from '../src/security/outbound-policy';
import { OutboundError, OutboundHttp } from '../src/security/outbound-http';

const PolicyUpdateAssistant = graphql(`
  mutation PolicyUpdateAssistant($input: UpdateAssistantInput!) {
    updateAssistant(input: $input) {
      __typename
      ... on UpdateAssistantPayload { assistant { id } }
      ... on Error { code message }
    }
  }
`);

describe('address classes', () => {
  it.each([
    ['127.0.0.1', 'private'],
    ['::1', 'private'],
    ['10.0.0.8', 'private'],
    ['172.16.5.4', 'private'],
    ['192.168.0.1', 'private'],
    ['100.64.1.1', 'private'],
    ['fd12:3456::1', 'private'],
    ['::ffff:7f00:1', 'private'],
    ['::ffff:10.1.2.3', 'private'],
    ['::7f00:1', 'private'],
    ['64:ff9b::a00:1', 'private'],
    ['2002:c0a8:1::1', 'private'],
    ['169.254.169.254', 'forbidden'],
    ['::ffff:169.254.169.254', 'forbidden'],
    ['fe80::1', 'forbidden'],
    ['fd00:ec2::254', 'forbidden'],
    ['0.0.0.0', 'forbidden'],
    ['::', 'forbidden'],
    ['224.0.0.251', 'forbidden'],
    ['ff02::1', 'forbidden'],
    ['255.255.255.255', 'forbidden'],
    ['240.0.0.1', 'forbidden'],
    ['127.1', 'forbidden'], // not a canonical address: nothing hands these over after parsing
    ['8.8.8.8', 'public'],
    ['2606:4700:4700::1111', 'public'],
    ['::ffff:8.8.8.8', 'public'],
  ])('%s is %s', (address, expected) => {
    expect(classifyAddress(address)).toBe(expected);
  });

  it('ALLOW_PRIVATE_WEBHOOK_URLS admits loopback and private ranges, never link-local or metadata', () => {
    expect(() => checkAddress('127.0.0.1', { allowPrivate: true })).not.toThrow();
    expect(() => checkAddress('10.0.0.1', { allowPrivate: true })).not.toThrow();
    expect(() => checkAddress('127.0.0.1', { allowPrivate: false })).toThrow(/ALLOW_PRIVATE_WEBHOOK_URLS/);
    for (const address of ['169.254.169.254', 'fd00:ec2::254', 'fe80::1']) {
      expect(() => checkAddress(address, { allowPrivate: true })).toThrow(/link-local|metadata/);
    }
  });
});

describe('the outbound HTTP client', () => {
  let hanging: Server;
  let hangingUrl: string;
  beforeAll(async () => {
    hanging = createServer(() => {}); // never answers
    await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', () => r()));
    hangingUrl = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    hanging.closeAllConnections();
    await new Promise((r) => hanging.close(r));
  });

  async function failure(client: OutboundHttp, url: string, timeoutMs = 2000) {
    const error = await client.request(url, { body: '{}', timeoutMs }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(OutboundError);
    return (error as OutboundError).category;
  }

  it('reports coarse categories, never the socket text', async () => {
    const client = new OutboundHttp({ allowPrivate: true });
    try {
      const closed = createServer();
      await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
      const closedPort = (closed.address() as AddressInfo).port;
      await new Promise((r) => closed.close(r));
      expect(await failure(client, `http://127.0.0.1:${closedPort}/`)).toBe('CONNECTION_REFUSED');
      expect(await failure(client, hangingUrl, 150)).toBe('TIMEOUT');
      // TLS to a plain HTTP server: the handshake fails.
      expect(await failure(client, hangingUrl.replace('http:', 'https:'))).toBe('TLS_ERROR');
      expect(await failure(client, 'https://no-such-host.invalid/')).toBe('DNS_FAILURE');
      expect(await failure(client, 'https://169.254.169.254/latest/meta-data/')).toBe('BLOCKED_ADDRESS');
      expect(await failure(client, 'http://metadata.google.internal/')).toBe('BLOCKED_ADDRESS');
      expect(await failure(client, 'ftp://example.com/')).toBe('INVALID_URL');
    } finally {
      client.close();
    }
  });

  it('checks every address a name resolves to when it connects', async () => {
    let contacted = 0;
    const sink = createServer((_req, res) => {
      contacted++;
      res.end('ok');
    });
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', () => r()));
    const port = (sink.address() as AddressInfo).port;
    const strict = new OutboundHttp({ allowPrivate: false });
    const relaxed = new OutboundHttp({ allowPrivate: true });
    try {
      expect(await failure(strict, `http://localhost:${port}/`)).toBe('BLOCKED_ADDRESS');
      expect(await failure(strict, `http://127.0.0.1:${port}/`)).toBe('BLOCKED_ADDRESS');
      expect(await failure(strict, `http://2130706433:${port}/`)).toBe('BLOCKED_ADDRESS');
      expect(contacted).toBe(0);
      expect(await relaxed.request(`http://127.0.0.1:${port}/`, { timeoutMs: 2000 })).toEqual({ status: 200 });
      expect(contacted).toBe(1);
    } finally {
      strict.close();
      relaxed.close();
      sink.closeAllConnections();
      await new Promise((r) => sink.close(r));
    }
  });
});

const REFUSED_EVERYWHERE = [
  'https://169.254.169.254/latest/meta-data/',
  'http://169.254.169.254/',
  'https://[::ffff:169.254.169.254]/',
  'https://[fe80::1]/hook',
  'https://[fd00:ec2::254]/',
  'http://metadata.google.internal/computeMetadata/v1/',
  'https://0.0.0.0/',
];
const REFUSED_UNLESS_PRIVATE_ALLOWED = [
  'http://127.1/hook',
  'http://[::1]/hook',
  'http://2130706433/hook',
  'http://0x7f000001/hook',
  'http://017700000001/hook',
  'http://[::ffff:127.0.0.1]/hook',
  'https://127.0.0.1:8443/hook',
  'https://10.0.0.5/hook',
  'https://192.168.1.10/hook',
  'https://172.16.0.1/hook',
  'https://100.64.0.1/hook',
  'https://[fd12:3456::1]/hook',
  'https://[::ffff:a00:5]/hook',
];

async function newOrganization(server: TestServer) {
  const who = await createOrganizationFixture(server);
  return who;
}

describe('smsWebhookUrl at createAssistant and updateAssistant', () => {
  let strict: TestServer;
  let relaxed: TestServer;
  let strictOrg: OrganizationFixture;
  let relaxedOrg: OrganizationFixture;
  beforeAll(async () => {
    [strict, relaxed] = await Promise.all([startServer({ env: { ALLOW_PRIVATE_WEBHOOK_URLS: 'false' } }), startServer()]);
    [strictOrg, relaxedOrg] = await Promise.all([newOrganization(strict), newOrganization(relaxed)]);
  });
  afterAll(async () => {
    await Promise.all([strict?.stop(), relaxed?.stop()]);
  });

  async function create(org: OrganizationFixture, smsWebhookUrl: string) {
    return (await ok(org.request(SharedCreateAssistant, { input: { name: 'Hook', smsWebhookUrl } }))).createAssistant;
  }
  async function update(org: OrganizationFixture, smsWebhookUrl: string) {
    return (await ok(org.request(PolicyUpdateAssistant, { input: { id: org.assistantId, smsWebhookUrl } }))).updateAssistant;
  }

  it('refuses loopback, private and metadata literals in any spelling without ALLOW_PRIVATE_WEBHOOK_URLS', async () => {
    for (const url of [...REFUSED_UNLESS_PRIVATE_ALLOWED, ...REFUSED_EVERYWHERE]) {
      for (const answer of [await create(strictOrg, url), await update(strictOrg, url)]) {
        expect(answer, url).toMatchObject({ __typename: 'ApiError', code: 'INVALID_INPUT' });
        expect('message' in answer && answer.message, url).toMatch(/smsWebhookUrl is not allowed/);
      }
    }
  });

  it('refuses link-local and metadata addresses even with ALLOW_PRIVATE_WEBHOOK_URLS=true, and admits the rest', async () => {
    for (const url of REFUSED_EVERYWHERE) {
      for (const answer of [await create(relaxedOrg, url), await update(relaxedOrg, url)]) {
        expect(answer, url).toMatchObject({ code: 'INVALID_INPUT' });
      }
    }
    for (const url of ['http://127.1:9/hook', 'http://[::1]:9/hook', 'https://10.0.0.5/hook']) {
      expect(await create(relaxedOrg, url), url).toMatchObject({ __typename: 'CreateAssistantPayload' });
      expect(await update(relaxedOrg, url), url).toMatchObject({ __typename: 'UpdateAssistantPayload' });
    }
  });

  it('admits public addresses and names', async () => {
    for (const url of ['https://hooks.example.com/sms', 'https://8.8.8.8/hook', 'https://[2606:4700:4700::1111]/hook']) {
      expect(await create(strictOrg, url), url).toMatchObject({ __typename: 'CreateAssistantPayload' });
    }
  });
});

describe('forwarding without ALLOW_PRIVATE_WEBHOOK_URLS', () => {
  let sink: Sink;
  beforeAll(async () => {
    sink = await startSink();
  });
  afterAll(async () => {
    await sink.close();
  });

  async function receiveAndWaitForAttempts(server: TestServer, who: OrganizationFixture) {
    const hook = signedInbound(server, who, 'telnyx', { from: '+14155554700', body: 'Reach inside?' });
    expect((await post(server, hook.path, hook.signed)).status).toBe(200);
    const [stored] = await inboundWithProviderId(who, hook.providerMessageId);
    return eventually(async () => {
      const { forwards } = await messageDetails(who, stored.id);
      return forwards[0]?.attemptLog.length >= 2 ? forwards[0] : null;
    });
  }

  it('never contacts a 127.0.0.1 target stored while private addresses were allowed', async () => {
    const database = await createTestDatabase();
    const secretsKey = 'cd'.repeat(32);
    let server: TestServer | null = await startServer({ database, env: { SECRETS_KEY: secretsKey } });
    try {
      const who = await createOrganizationFixture(server, { smsWebhookUrl: sink.url });
      await server.stop();
      server = await startServer({ database, env: { SECRETS_KEY: secretsKey, ALLOW_PRIVATE_WEBHOOK_URLS: 'false' } });
      const forward = await receiveAndWaitForAttempts(server, { ...who, request: graphqlClient(server.url, who.apiKey) });
      expect(forward.state).toBe('PENDING');
      expect(forward.attemptLog.every((a) => a.error === 'BLOCKED_ADDRESS' && a.statusCode === null)).toBe(true);
      expect(sink.requests).toHaveLength(0);
    } finally {
      await server?.stop();
      await database.drop();
    }
  });

  it('refuses a name that resolves to loopback (localhost) when it connects', async () => {
    const server = await startServer({ env: { ALLOW_PRIVATE_WEBHOOK_URLS: 'false' } });
    try {
      const port = new URL(sink.url).port;
      // A name is accepted at createAssistant: what it resolves to is checked at every connection.
      const who = await createOrganizationFixture(server, { smsWebhookUrl: `http://localhost:${port}/sms` });
      const forward = await receiveAndWaitForAttempts(server, who);
      expect(forward.attemptLog.map((a) => a.error)).toEqual(forward.attemptLog.map(() => 'BLOCKED_ADDRESS'));
      expect(sink.requests).toHaveLength(0);
    } finally {
      await server.stop();
    }
  });
});
