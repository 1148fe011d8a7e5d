/**
 * Durability and secrecy of the real server process (`node --import tsx src/main.ts`), on the
 * embedded SQLite database (`npm test`) and on PostgreSQL + Redis (`npm run test:services`):
 *
 * - a `kill -9` during a provider outage loses nothing: after a restart on the same database
 *   every accepted message ends SENT, and each was accepted by its provider once (a second
 *   time only when the provider took it in a call the kill cut short);
 * - SIGTERM lets provider calls under way finish, records their outcome, and exits 0;
 * - a live instance never hands a message out twice because pacing or a slow provider call
 *   outlasted the message's lease (the lease is renewed while the instance works on it);
 * - no configured secret ever reaches stdout or stderr, even at the most verbose log level;
 * - GET /healthz answers 200 while the server serves.
 *
 * The fake providers run in this process; the server runs as a child process so that a crash
 * is a real crash (no `finally`, no graceful close), and its whole output is captured.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/client';
import { decodeGlobalID } from '@pothos/plugin-relay';
import { startFakeProviders, type FakeProviders } from './fakes/provider-server';
import {
  telnyxKeyPair,
  telnyxMessageReceivedEvent,
  telnyxWebhookRequest,
  twilioInboundParams,
  twilioWebhookRequest,
  vonageInboundBody,
  vonageWebhookRequest,
} from './fakes/signing';
import { createOrganizationFixture, makeCredentials, NUMBERS, type OrganizationFixture } from './support/fixtures';
import { bodyOf } from './support/queue';
import { ADMIN_TOKEN, createTestDatabase, eventually, startServer, testEnv, usesServices, type TestDatabase, type TestServer } from './support/server';
import { gql } from './support/child';

// ─── The server as a child process ───────────────────────────────────────────────────────

/** Everything every child process printed, stdout and stderr, across the whole file. */
let allOutput = '';
/** Every secret configured anywhere in this file, checked against `allOutput` at the end. */
const secrets: { label: string; value: string }[] = [];
const children = new Set<ServerProcess>();

function rememberSecret(label: string, value: string | null | undefined) {
  if (value) secrets.push({ label, value });
}

/** A port that was free a moment ago (bound to 0, then released), so a restart can reuse it. */
async function freePort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

interface ServerProcess {
  child: ChildProcess;
  url: string;
  /** This process's own output. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited(): boolean;
}

/** Starts `src/main.ts` with exactly `env` (plus PATH/HOME) and waits until /healthz answers 200. */
async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: process.cwd(),
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let own = '';
  const capture = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    own += text;
    allOutput += text;
  };
  child.stdout!.on('data', capture);
  child.stderr!.on('data', capture);
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      done = true;
      resolve({ code, signal });
    });
  });
  const server: ServerProcess = { child, url: `http://127.0.0.1:${env.PORT}`, output: () => own, exited, hasExited: () => done };
  children.add(server);
  void exited.then(() => children.delete(server));

  // §1: /healthz answers 200 once the server can serve.
  await eventually(
    async () => {
      if (done) throw new Error(`the server exited during start:\n${own}`);
      const response = await fetch(`${server.url}/healthz`).catch(() => null);
      return response?.status === 200;
    },
    30_000,
    50,
  );
  return server;
}

async function kill9(server: ServerProcess) {
  server.child.kill('SIGKILL');
  const { signal } = await server.exited;
  expect(signal).toBe('SIGKILL');
}

afterAll(async () => {
  for (const server of [...children]) {
    server.child.kill('SIGKILL');
    await server.exited;
  }
});

// ─── GraphQL and REST over plain HTTP ────────────────────────────────────────────────────

const SEND_SMS = `mutation ($input: SendSmsInput!) {
  sendSms(input: $input) {
    __typename
    ... on SendMessagePayload { outboundMessage { id status } }
    ... on Error { code message }
  }
}`;

const MESSAGES = `query {
  messages(first: 100, filter: { direction: OUTBOUND }) {
    edges { node { id status body provider providerMessageId errorCode events { status } } }
  }
}`;

interface MessageRow {
  id: string;
  status: string;
  body: string;
  provider: string;
  providerMessageId: string | null;
  errorCode: string | null;
  events: { status: string }[];
}

async function outboundMessages(url: string, apiKey: string): Promise<MessageRow[]> {
  const data = await gql<{ messages: { edges: { node: MessageRow }[] } }>(url, apiKey, MESSAGES);
  return data.messages.edges.map((edge) => edge.node);
}

/** Accepts one SMS through the GraphQL mutation or the REST route; returns its global id. */
async function send(url: string, apiKey: string, via: 'graphql' | 'rest', from: string, to: string, body: string): Promise<string> {
  if (via === 'graphql') {
    const { sendSms } = await gql(url, apiKey, SEND_SMS, { input: { fromPhoneNumber: from, toPhoneNumber: to, message: body } });
    if (sendSms.__typename !== 'SendMessagePayload') throw new Error(`sendSms refused: ${JSON.stringify(sendSms)}`);
    expect(sendSms.outboundMessage.status).toBe('QUEUED');
    return sendSms.outboundMessage.id;
  }
  const response = await fetch(`${url}/sms/send`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    body: JSON.stringify({ from_phone_number: from, to_phone_number: to, message: body }),
  });
  const answer = (await response.json()) as { success: boolean; message_id: string; status: string };
  if (response.status !== 200 || !answer.success) throw new Error(`/sms/send refused: ${response.status} ${JSON.stringify(answer)}`);
  expect(answer.status).toBe('queued');
  return answer.message_id;
}

function rememberFixtureSecrets(label: string, org: OrganizationFixture) {
  rememberSecret(`${label} org API key`, org.apiKey);
  rememberSecret(`${label} webhook secret`, org.webhookSecret);
  rememberCredentialSecrets(label, org.credentials);
}

function rememberCredentialSecrets(label: string, credentials: ReturnType<typeof makeCredentials>) {
  rememberSecret(`${label} Twilio authToken`, credentials.twilio.authToken);
  rememberSecret(`${label} Telnyx apiKey`, credentials.telnyx.apiKey);
  rememberSecret(`${label} Vonage apiSecret`, credentials.vonage.apiSecret);
  rememberSecret(`${label} Vonage signatureSecret`, credentials.vonage.signatureSecret);
  // What goes over the wire in Basic auth: a logged header would leak the secret in base64.
  const basic = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString('base64');
  rememberSecret(`${label} Twilio Basic auth`, basic(credentials.twilio.accountSid, credentials.twilio.authToken));
  rememberSecret(`${label} Vonage Basic auth`, basic(credentials.vonage.apiKey, credentials.vonage.apiSecret));
}

function rememberEnvSecrets(env: Record<string, string>) {
  rememberSecret('SECRETS_KEY', env.SECRETS_KEY);
  rememberSecret('ADMIN_TOKEN', env.ADMIN_TOKEN);
}

/** createOrganizationFixture only needs the server's URL. */
const asTestServer = (url: string) => ({ url }) as TestServer;

// ─── The tests ───────────────────────────────────────────────────────────────────────────

describe(`the server process (${usesServices ? 'PostgreSQL + Redis' : 'SQLite'})`, () => {
  let fake: FakeProviders;
  const databases: TestDatabase[] = [];
  let running: { server: ServerProcess; database: TestDatabase; org: OrganizationFixture } | null = null;

  beforeAll(async () => {
    fake = await startFakeProviders();
  });
  afterAll(async () => {
    await fake?.close();
    for (const database of databases) await database.drop();
  });

  async function freshEnv(extra: Record<string, string> = {}) {
    const database = await createTestDatabase();
    databases.push(database);
    const env = testEnv(database, fake, { PORT: String(await freePort()), LOG_LEVEL: 'debug', ...extra });
    rememberEnvSecrets(env);
    return { database, env };
  }

  it('loses no message to a kill -9 during a provider outage: after a restart each one is SENT, accepted once (twice only if its call was under way at the kill)', async () => {
    fake.clear();
    const { database, env } = await freshEnv({
      // A killed PostgreSQL instance's SENDING messages come back only once their lease runs out.
      QUEUE_LEASE_MS: '1500',
      // The outage outlasts no retry bound here: every message must end SENT, not FAILED.
      SEND_MAX_ATTEMPTS: '1000',
    });
    let server = await startServerProcess(env);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const org = await createOrganizationFixture(asTestServer(server.url), { name: 'Durable' });
    rememberFixtureSecrets('durability', org);

    fake.setOutage(true);
    fake.setLatency(30); // so that some provider calls are under way at any moment
    const run = Date.now().toString(36);
    const accepted = new Map<string, string>(); // body → message id
    const providers = ['twilio', 'telnyx', 'vonage'] as const;
    for (let i = 0; i < 30; i++) {
      const body = `durable ${run} #${i}`;
      const from = org.numbers[providers[i % 3]].phoneNumber;
      accepted.set(body, await send(server.url, org.apiKey, i % 2 === 0 ? 'graphql' : 'rest', from, NUMBERS.customer, body));
    }
    expect(new Set(accepted.values()).size).toBe(30);

    // Every message has been handed to its provider at least once, and refused (503).
    await eventually(
      () => [...accepted.keys()].every((body) => fake.requests.some((r) => bodyOf(r) === body && r.outcome.failure === 'outage')),
      15_000,
    );
    const before = await outboundMessages(server.url, org.apiKey);
    expect(before).toHaveLength(30);
    for (const message of before) expect(['QUEUED', 'SENDING']).toContain(message.status);

    // Make the crash land on provider calls under way, not only on messages waiting for a retry:
    // answers now take 1 s, so a call the fake has received stays unanswered until the kill.
    fake.setLatency(1000);
    const slowFrom = Date.now();
    await eventually(() => fake.requests.some((r) => r.receivedAt >= slowFrom && r.outcome.failure === 'outage'), 10_000);
    // The provider comes back just before the crash, so that some of those calls are ones the
    // provider accepted but whose answer the process never lives to record.
    fake.setOutage(false);
    const openFrom = Date.now();
    await eventually(() => fake.requests.some((r) => r.receivedAt >= openFrom && r.outcome.providerMessageId !== undefined), 10_000);
    await kill9(server);
    const killedAt = Date.now();
    fake.setLatency(0);

    server = await startServerProcess(env);
    const after = await eventually(
      async () => {
        const messages = await outboundMessages(server.url, org.apiKey);
        return messages.length === 30 && messages.every((m) => m.status === 'SENT' || m.status === 'FAILED') ? messages : null;
      },
      20_000,
      100,
    );

    // None missing, none left QUEUED/SENDING; nothing failed, as the outage ended before the retry bound.
    expect(new Set(after.map((m) => m.id))).toEqual(new Set(accepted.values()));
    for (const message of after) expect(message, message.body).toMatchObject({ status: 'SENT' });

    // Each message was accepted by its provider exactly once, and under the id it records —
    // except a message whose accepted provider call was under way at the kill: the provider took
    // it, the process died before writing SENT, so after the restart it is rightly sent again
    // (at-least-once; without the provider's answer nothing can tell a lost call from a taken
    // one). Only those may have a second accepted call, and no more than that.
    let inFlightAccepted = 0;
    for (const message of after) {
      const acceptedCalls = fake.requests.filter((r) => bodyOf(r) === message.body && r.outcome.providerMessageId !== undefined);
      const inFlightAtKill = acceptedCalls.filter((r) => r.receivedAt < killedAt).length;
      inFlightAccepted += inFlightAtKill;
      expect(inFlightAtKill, message.body).toBeLessThanOrEqual(1);
      expect(acceptedCalls.length, message.body).toBeGreaterThanOrEqual(1);
      expect(acceptedCalls.length, message.body).toBeLessThanOrEqual(1 + inFlightAtKill);
      expect(acceptedCalls.map((r) => r.outcome.providerMessageId)).toContain(message.providerMessageId);
      expect(acceptedCalls[0].provider).toBe(message.provider.toLowerCase());
    }
    expect(inFlightAccepted).toBeGreaterThan(0);
    // What each message went through: the outage's refusals were retried (QUEUED again).
    for (const message of after) expect(message.events.filter((e) => e.status === 'QUEUED').length).toBeGreaterThanOrEqual(2);

    // The restarted server serves on: the graceful-stop test below stops it (one start fewer).
    running = { server, database, org };
  }, 55_000);

  it('finishes provider calls under way on SIGTERM, records them SENT, and exits 0', async () => {
    fake.clear();
    // The server the crash test restarted (its 1.5 s lease is no longer than these calls), or,
    // when that test did not get so far, a fresh one.
    const { server, database, org } =
      running ??
      (await (async () => {
        const { database, env } = await freshEnv();
        const server = await startServerProcess(env);
        const org = await createOrganizationFixture(asTestServer(server.url), { name: 'Graceful', numberOffset: 1 });
        rememberFixtureSecrets('graceful', org);
        return { server, database, org };
      })());
    running = null;

    fake.setLatency(1500);
    const run = Date.now().toString(36);
    const ids: string[] = [];
    for (const key of ['twilio', 'telnyx', 'vonage'] as const) {
      for (let i = 0; i < 2; i++) {
        ids.push(await send(server.url, org.apiKey, 'graphql', org.numbers[key].phoneNumber, NUMBERS.customer2, `graceful ${run} ${key} ${i}`));
      }
    }
    // All six calls have reached the providers, none has been answered yet.
    await eventually(() => fake.requests.filter((r) => bodyOf(r).startsWith(`graceful ${run}`)).length === 6, 10_000);
    const signalledAt = Date.now();
    server.child.kill('SIGTERM');
    const { code } = await server.exited;
    expect(code).toBe(0);
    // It waited for the answers (1.5 s latency), it did not drop the calls.
    expect(Date.now() - signalledAt).toBeGreaterThanOrEqual(1000);
    expect(server.output()).toContain('SIGTERM: finishing sends under way, then stopping');
    fake.setLatency(0);

    // The process is gone: read what it recorded straight from its database.
    const db = await openDatabase(database.url, usesServices ? 'postgresql' : 'sqlite');
    try {
      const rows = await db.db.message.findMany({ where: { id: { in: ids.map((id) => decodeGlobalID(id).id) } }, include: { events: true } });
      expect(rows).toHaveLength(6);
      for (const row of rows) {
        expect(row.status, row.body).toBe('SENT');
        expect(row.providerMessageId).toBeTruthy();
        expect(row.leaseExpiresAt).toBeNull();
        expect(row.events.map((e) => e.status).sort()).toEqual(['QUEUED', 'SENDING', 'SENT'].sort());
        const calls = fake.requests.filter((r) => bodyOf(r) === row.body);
        expect(calls).toHaveLength(1);
        expect(calls[0].outcome.providerMessageId).toBe(row.providerMessageId);
      }
    } finally {
      await db.close();
    }
  }, 40_000);

  it('never sends a message twice because its pacing or its provider call outlasted the lease', async () => {
    fake.clear();
    // An in-process server: what matters here is the queue, not the process.
    const server = await startServer({ fake, env: { QUEUE_LEASE_MS: '600', PROVIDER_TIMEOUT_MS: '3000' } });
    try {
      const org = await createOrganizationFixture(server, { name: 'Slow sender', numberOffset: 2 });
      const { updatePhoneNumber } = await gql(
        server.url,
        org.apiKey,
        `mutation ($input: UpdatePhoneNumberInput!) { updatePhoneNumber(input: $input) { __typename ... on Error { code message } } }`,
        { input: { id: org.numbers.twilio.id, messagesPerSecond: 5 } },
      );
      expect(updatePhoneNumber.__typename).toBe('UpdatePhoneNumberPayload');
      // Six messages claimed together: the last waits 1 s for its slot, and every provider call
      // takes 1 s — both longer than the 0.6 s lease, while the instance is alive and well.
      fake.setLatency(1000);
      const run = Date.now().toString(36);
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) ids.push(await send(server.url, org.apiKey, 'graphql', org.numbers.twilio.phoneNumber, NUMBERS.customer, `slow ${run} ${i}`));
      const sent = await eventually(
        async () => {
          const messages = (await outboundMessages(server.url, org.apiKey)).filter((m) => ids.includes(m.id));
          return messages.length === 6 && messages.every((m) => m.status === 'SENT') ? messages : null;
        },
        15_000,
        100,
      );
      // A second claim would happen while the first call is under way; give its call (paced
      // behind the others) time to reach the provider before counting.
      await new Promise((resolve) => setTimeout(resolve, 1200));
      for (const message of sent) {
        const calls = fake.requests.filter((r) => bodyOf(r) === message.body);
        expect(calls, message.body).toHaveLength(1);
        expect(message.events.map((e) => e.status)).toEqual(['QUEUED', 'SENDING', 'SENT']);
      }
    } finally {
      fake.setLatency(0);
      await server.stop();
    }
  }, 30_000);

  it('prints no secret, even at the most verbose level, while credentials are set and used, calls fail and webhooks arrive', async () => {
    fake.clear();
    // No ADMIN_TOKEN: the first start creates the default organization and prints its key.
    const { env } = await freshEnv({ LOG_LEVEL: 'trace', PROVIDER_TIMEOUT_MS: '400' });
    delete env.ADMIN_TOKEN;
    const forwarded: { body: string; headers: Record<string, unknown> }[] = [];
    const receiver: Server = createHttpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        forwarded.push({ body: Buffer.concat(chunks).toString('utf8'), headers: req.headers });
        // The first forward fails, so the forwarder's retry path (and its logging) runs too.
        res.writeHead(forwarded.length === 1 ? 500 : 200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', () => resolve()));
    const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/sms`;

    const server = await startServerProcess(env);
    try {
      const bootstrapKey = /Its API key \(shown once, keep it\):\n\s+(\S+)/.exec(server.output())?.[1];
      expect(bootstrapKey).toBeTruthy();

      // A second key: never printed, unlike the bootstrap one.
      const { createApiKey } = await gql(server.url, bootstrapKey!, `mutation { createApiKey(input: { name: "ops" }) {
        ... on CreateApiKeyPayload { apiKey } ... on Error { code message } } }`);
      const apiKey: string = createApiKey.apiKey;
      expect(apiKey).toBeTruthy();
      rememberSecret('secrets-run second org API key', apiKey);

      const firstKeys = telnyxKeyPair();
      const first = makeCredentials(firstKeys.publicKeyBase64);
      rememberCredentialSecrets('secrets-run first', first);
      const { createAssistant } = await gql(
        server.url,
        apiKey,
        `mutation ($input: CreateAssistantInput!) { createAssistant(input: $input) {
          ... on CreateAssistantPayload { webhookSecret assistant { id } } ... on Error { code message } } }`,
        { input: { name: 'Desk', smsWebhookUrl: receiverUrl, twilioConfig: first.twilio, telnyxConfig: first.telnyx, vonageConfig: first.vonage } },
      );
      rememberSecret('secrets-run webhook secret (createAssistant)', createAssistant.webhookSecret);
      const assistantId: string = createAssistant.assistant.id;

      // Replace every credential; the new ones are the ones used from here on.
      const keys = telnyxKeyPair();
      const credentials = makeCredentials(keys.publicKeyBase64);
      rememberCredentialSecrets('secrets-run updated', credentials);
      const { updateAssistant } = await gql(
        server.url,
        apiKey,
        `mutation ($input: UpdateAssistantInput!) { updateAssistant(input: $input) {
          __typename ... on Error { code message } } }`,
        { input: { id: assistantId, twilioConfig: credentials.twilio, telnyxConfig: credentials.telnyx, vonageConfig: credentials.vonage } },
      );
      expect(updateAssistant.__typename).toBe('UpdateAssistantPayload');
      const { rotateWebhookSecret } = await gql(
        server.url,
        apiKey,
        `mutation ($id: ID!) { rotateWebhookSecret(assistantId: $id) { ... on RotateWebhookSecretPayload { secret } ... on Error { code message } } }`,
        { id: assistantId },
      );
      rememberSecret('secrets-run webhook secret (rotated)', rotateWebhookSecret.secret);
      expect(rotateWebhookSecret.secret).toBeTruthy();

      const numbers = { twilio: '+14155552771', telnyx: '+14155552772', vonage: '+14155552773' };
      for (const [provider, phoneNumber] of Object.entries(numbers)) {
        const { addPhoneNumber } = await gql(
          server.url,
          apiKey,
          `mutation ($input: AddPhoneNumberInput!) { addPhoneNumber(input: $input) { __typename ... on Error { code message } } }`,
          { input: { phoneNumber, provider: provider.toUpperCase(), assistantId } },
        );
        expect(addPhoneNumber.__typename).toBe('AddPhoneNumberPayload');
      }

      // Sends: accepted, refused for good (invalid number), 503 then accepted, timed out then accepted.
      const refused = '+14155552790';
      const flaky = '+14155552791';
      const slow = '+14155552792';
      fake.failFor(refused, { kind: 'invalid-number' });
      fake.failFor(flaky, { kind: 'server-error', times: 1 });
      fake.failFor(slow, { kind: 'hang', ms: 1000 });
      const sends = [
        ['twilio', NUMBERS.customer],
        ['telnyx', NUMBERS.customer],
        ['vonage', NUMBERS.customer],
        ['twilio', refused],
        ['telnyx', flaky],
        ['vonage', slow],
      ] as const;
      for (const [i, [provider, to]] of sends.entries()) {
        await send(server.url, apiKey, i % 2 ? 'rest' : 'graphql', numbers[provider], to, `secrets run ${i}`);
      }
      // The slow one times out and is retried; let that retry be answered at once.
      await eventually(() => fake.requests.some((r) => r.to === slow), 10_000);
      fake.failFor(slow, { kind: 'server-error', times: 0 });
      await eventually(async () => {
        const messages = await outboundMessages(server.url, apiKey);
        return messages.filter((m) => m.status === 'SENT').length === 5 && messages.some((m) => m.status === 'FAILED');
      }, 15_000);
      const messages = await outboundMessages(server.url, apiKey);
      expect(messages.find((m) => m.body === 'secrets run 3')).toMatchObject({ status: 'FAILED', errorCode: '21211' });
      expect(messages.find((m) => m.body === 'secrets run 5')?.events.map((e) => e.status)).toContain('QUEUED');

      // Inbound webhooks, signed as each provider signs them.
      const twilioUrl = `${server.url}/webhooks/twilio/messages`;
      const twilioParams = twilioInboundParams({ from: NUMBERS.customer, to: numbers.twilio, body: 'hello from twilio' });
      const signedTwilio = await fetch(twilioUrl, twilioWebhookRequest({ url: twilioUrl, authToken: credentials.twilio.authToken, params: twilioParams }));
      expect(signedTwilio.status).toBe(200);
      const signedTelnyx = await fetch(
        `${server.url}/webhooks/telnyx`,
        telnyxWebhookRequest({ privateKey: keys.privateKey, event: telnyxMessageReceivedEvent({ from: NUMBERS.customer, to: numbers.telnyx, text: 'hello from telnyx' }) }),
      );
      expect(signedTelnyx.status).toBe(200);
      const vonageBody = vonageInboundBody({ from: NUMBERS.customer, to: numbers.vonage, text: 'hello from vonage' });
      const signedVonage = await fetch(
        `${server.url}/webhooks/vonage/inbound`,
        vonageWebhookRequest({ signatureSecret: credentials.vonage.signatureSecret, body: vonageBody }),
      );
      expect(signedVonage.status).toBe(200);

      // Bad signatures: signed with the replaced (old) secrets, and one with no signature at all.
      const badTwilio = await fetch(
        twilioUrl,
        twilioWebhookRequest({ url: twilioUrl, authToken: first.twilio.authToken, params: twilioInboundParams({ from: NUMBERS.customer, to: numbers.twilio, body: 'forged' }) }),
      );
      expect(badTwilio.status).toBe(403);
      const badVonage = await fetch(
        `${server.url}/webhooks/vonage/inbound`,
        vonageWebhookRequest({ signatureSecret: first.vonage.signatureSecret, body: vonageInboundBody({ from: NUMBERS.customer, to: numbers.vonage, text: 'forged' }) }),
      );
      expect(badVonage.status).toBe(403);
      const unsigned = await fetch(`${server.url}/webhooks/vonage/inbound`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(vonageBody),
      });
      expect(unsigned.status).toBe(401);

      // A wrong key, on both surfaces.
      expect((await fetch(`${server.url}/sms/send`, { method: 'POST', headers: { authorization: 'Bearer sk_wrong' }, body: '{}' })).status).toBe(401);

      // The three inbound messages reach the assistant (one forward fails first, then is retried).
      await eventually(() => new Set(forwarded.filter((f) => f.headers['x-switchboard-signature']).map((f) => JSON.parse(f.body).data.body)).size === 3, 15_000);

      server.child.kill('SIGTERM');
      expect((await server.exited).code).toBe(0);

      // The printed bootstrap key is the one secret shown by design: in the start banner only.
      const bannerLines = server.output().split('\n').filter((line) => line.includes(bootstrapKey!));
      expect(bannerLines).toEqual([`  ${bootstrapKey}`, `In GraphiQL, add the header: {"Authorization": "Bearer ${bootstrapKey}"}`]);
      expect(allOutput.split(bootstrapKey!).length - 1).toBe(2);
    } finally {
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  }, 50_000);

  it('printed none of the configured secrets in the output of any run', () => {
    // The runs above did print: debug logs of sends, retries, webhooks, forwards.
    expect(allOutput).toContain('"level":20');
    expect(allOutput).toContain('webhook refused');
    expect(secrets.length).toBeGreaterThan(20);
    expect(secrets.map((s) => s.value)).toContain(ADMIN_TOKEN);
    // DURABILITY_OUTPUT=<file> keeps the captured output for a look.
    if (process.env.DURABILITY_OUTPUT) writeFileSync(process.env.DURABILITY_OUTPUT, allOutput);
    const leaked = secrets.filter(({ value }) => allOutput.includes(value)).map(({ label }) => label);
    expect(leaked).toEqual([]);
  });
});
