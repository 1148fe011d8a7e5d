/**
 * API key scopes: every mutation and subscription of the schema is classified here, and each
 * is called by an ADMIN key, an AGENT key and a READ_ONLY key, over HTTP and over WebSocket. A
 * key outside its scopes gets FORBIDDEN and nothing runs; a key within them gets past the check
 * (to the field's own answer, typically NOT_FOUND for the made-up ids used here). A field the
 * table does not classify fails the first test. The REST send route and export downloads hold
 * the same line.
 */
import { encodeGlobalID } from '@pothos/plugin-relay';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../src/graphql/schema';
import { createOrganizationFixture, NUMBERS, type OrganizationFixture } from './support/fixtures';
import { ADMIN_TOKEN, eventually, startServer, type TestServer } from './support/server';
import { closeRedis } from './support/inbound';
import { createAgent, createKey } from './support/console';

type Who = 'ADMIN' | 'AGENT' | 'READ_ONLY' | 'OPERATOR';

const nowhere = (type: string) => encodeGlobalID(type, 'does-not-exist');
const conversation = nowhere('Conversation');

/** Each mutation: who may call it, and a call with made-up ids or refused input (so an allowed call changes nothing). */
const MUTATIONS: Record<string, { allowed: Who[]; call: string }> = {
  createOrganization: { allowed: ['OPERATOR'], call: `createOrganization(input: { name: "" }) { __typename }` },
  updateOrganizationSettings: { allowed: ['ADMIN'], call: `updateOrganizationSettings(input: {}) { __typename }` },
  createApiKey: { allowed: ['ADMIN'], call: `createApiKey(input: { name: "x", agentId: "${nowhere('Agent')}" }) { __typename }` },
  revokeApiKey: { allowed: ['ADMIN'], call: `revokeApiKey(id: "${nowhere('ApiKey')}") { __typename }` },
  createAgent: { allowed: ['ADMIN'], call: `createAgent(input: { name: "" }) { __typename }` },
  createAssistant: { allowed: ['ADMIN'], call: `createAssistant(input: { name: "" }) { __typename }` },
  updateAssistant: { allowed: ['ADMIN'], call: `updateAssistant(input: { id: "${nowhere('Assistant')}" }) { __typename }` },
  rotateWebhookSecret: { allowed: ['ADMIN'], call: `rotateWebhookSecret(assistantId: "${nowhere('Assistant')}") { __typename }` },
  addPhoneNumber: { allowed: ['ADMIN'], call: `addPhoneNumber(input: { phoneNumber: "not a number", provider: TWILIO }) { __typename }` },
  updatePhoneNumber: { allowed: ['ADMIN'], call: `updatePhoneNumber(input: { id: "${nowhere('PhoneNumber')}" }) { __typename }` },
  assignPhoneNumber: {
    allowed: ['ADMIN'],
    call: `assignPhoneNumber(input: { phoneNumberId: "${nowhere('PhoneNumber')}", assistantId: "${nowhere('Assistant')}" }) { __typename }`,
  },
  optOutRecipient: {
    allowed: ['ADMIN'],
    call: `optOutRecipient(input: { phoneNumberId: "${nowhere('PhoneNumber')}", customerPhoneNumber: "${NUMBERS.customer}" }) { __typename }`,
  },
  optInRecipient: {
    allowed: ['ADMIN'],
    call: `optInRecipient(input: { phoneNumberId: "${nowhere('PhoneNumber')}", customerPhoneNumber: "${NUMBERS.customer}" }) { __typename }`,
  },
  cancelMessage: { allowed: ['ADMIN'], call: `cancelMessage(id: "${nowhere('Message')}") { __typename }` },
  archiveConversation: { allowed: ['ADMIN'], call: `archiveConversation(id: "${conversation}") { __typename }` },
  deleteConversation: { allowed: ['ADMIN'], call: `deleteConversation(id: "${conversation}") { __typename }` },
  sendSms: {
    allowed: ['ADMIN', 'AGENT'],
    call: `sendSms(input: { fromPhoneNumber: "${NUMBERS.uk}", toPhoneNumber: "${NUMBERS.customer}", message: "hi" }) { __typename }`,
  },
  sendMms: {
    allowed: ['ADMIN', 'AGENT'],
    call: `sendMms(input: { fromPhoneNumber: "${NUMBERS.uk}", toPhoneNumber: "${NUMBERS.customer}", mediaUrls: ["https://example.com/a.png"] }) { __typename }`,
  },
  takeOverConversation: { allowed: ['ADMIN', 'AGENT'], call: `takeOverConversation(input: { conversationId: "${conversation}" }) { __typename }` },
  handBackConversation: { allowed: ['ADMIN', 'AGENT'], call: `handBackConversation(input: { conversationId: "${conversation}" }) { __typename }` },
  assignConversation: { allowed: ['ADMIN', 'AGENT'], call: `assignConversation(input: { conversationId: "${conversation}" }) { __typename }` },
  markConversationRead: { allowed: ['ADMIN', 'AGENT'], call: `markConversationRead(id: "${conversation}") { __typename }` },
  exportMessages: { allowed: ['ADMIN', 'AGENT', 'READ_ONLY'], call: `exportMessages(format: CSV) { __typename }` },
  exportConversation: { allowed: ['ADMIN', 'AGENT', 'READ_ONLY'], call: `exportConversation(id: "${conversation}", format: CSV) { __typename }` },
};

const SUBSCRIPTIONS: Record<string, { allowed: Who[]; call: string }> = {
  messageReceived: { allowed: ['ADMIN', 'AGENT', 'READ_ONLY'], call: `messageReceived { id }` },
  messageStatusChanged: { allowed: ['ADMIN', 'AGENT', 'READ_ONLY'], call: `messageStatusChanged { id }` },
  conversationUpdated: { allowed: ['ADMIN', 'AGENT', 'READ_ONLY'], call: `conversationUpdated { change }` },
};

const KEYS = ['ADMIN', 'AGENT', 'READ_ONLY'] as const;

let server: TestServer;
let org: OrganizationFixture;
const keyOf: Record<(typeof KEYS)[number], string> = { ADMIN: '', AGENT: '', READ_ONLY: '' };

beforeAll(async () => {
  server = await startServer();
  org = await createOrganizationFixture(server);
  const agent = await createAgent(org, 'Dana');
  keyOf.ADMIN = org.apiKey;
  keyOf.AGENT = (await createKey(server, org, 'console', ['AGENT'], agent.id)).apiKey;
  keyOf.READ_ONLY = (await createKey(server, org, 'dashboard', ['READ_ONLY'])).apiKey;
});
afterAll(async () => {
  await server?.stop();
  await closeRedis();
});

interface Result {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

async function overHttp(token: string | null, query: string): Promise<Result & { status: number }> {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify({ query }),
  });
  return { ...((await response.json()) as Result), status: response.status };
}

function socket(token: string): Client {
  return createClient({
    url: `${server.url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
  });
}

/** The first result of an operation over a WebSocket (a mutation's answer, or a subscription refused). */
function firstResult(client: Client, query: string): { result: Promise<Result>; dispose: () => void } {
  let dispose = () => {};
  const result = new Promise<Result>((resolve, reject) => {
    dispose = client.subscribe({ query }, { next: (value) => resolve(value as Result), error: reject, complete: () => resolve({}) });
  });
  return { result, dispose };
}

/** Each call starts from no subscriber, so that a new one shows. */
const noSubscribers = () => eventually(() => server.app.services.events.activeSubscriptions() === 0);

const codes = (result: Result) => (result.errors ?? []).map((e) => e.extensions?.code);

function expectAllowed(result: Result, what: string) {
  expect(codes(result), what).not.toContain('FORBIDDEN');
  expect(codes(result), what).not.toContain('UNAUTHENTICATED');
}

function expectForbidden(result: Result, field: string, what: string) {
  expect(codes(result), what).toEqual(['FORBIDDEN']);
  expect(result.data?.[field] ?? null, what).toBeNull();
}

describe('the table', () => {
  it('classifies every mutation and subscription of the schema, and no field it lacks', () => {
    expect(Object.keys(MUTATIONS).sort()).toEqual(Object.keys(schema.getMutationType()!.getFields()).sort());
    expect(Object.keys(SUBSCRIPTIONS).sort()).toEqual(Object.keys(schema.getSubscriptionType()!.getFields()).sort());
  });
});

describe('mutations over HTTP', () => {
  for (const [field, { allowed, call }] of Object.entries(MUTATIONS)) {
    it(`${field}: ${allowed.join(', ')}`, async () => {
      for (const who of KEYS) {
        const result = await overHttp(keyOf[who], `mutation { ${call} }`);
        if (allowed.includes(who)) expectAllowed(result, `${who} ${field}`);
        else {
          expectForbidden(result, field, `${who} ${field}`);
          expect(result.status).toBe(403);
        }
      }
      const anonymous = await overHttp(null, `mutation { ${call} }`);
      expect(codes(anonymous)).toEqual(['UNAUTHENTICATED']);
      const operator = await overHttp(ADMIN_TOKEN, `mutation { ${call} }`);
      if (allowed.includes('OPERATOR')) expectAllowed(operator, `operator ${field}`);
      else expect(codes(operator)).toEqual(['UNAUTHENTICATED']);
    });
  }
});

describe('mutations over WebSocket', () => {
  const clients: Partial<Record<(typeof KEYS)[number], Client>> = {};
  beforeAll(() => {
    for (const who of KEYS) clients[who] = socket(keyOf[who]);
  });
  afterAll(async () => {
    await Promise.all(Object.values(clients).map((c) => c.dispose()));
  });

  for (const [field, { allowed, call }] of Object.entries(MUTATIONS)) {
    it(`${field}: ${allowed.join(', ')}`, async () => {
      for (const who of KEYS) {
        const { result } = firstResult(clients[who]!, `mutation { ${call} }`);
        if (allowed.includes(who)) expectAllowed(await result, `${who} ${field}`);
        else expectForbidden(await result, field, `${who} ${field}`);
      }
    });
  }
});

describe('subscriptions', () => {
  for (const [field, { allowed, call }] of Object.entries(SUBSCRIPTIONS)) {
    it(`${field} over WebSocket: ${allowed.join(', ')}`, async () => {
      for (const who of KEYS) {
        const client = socket(keyOf[who]);
        try {
          const before = server.app.services.events.activeSubscriptions();
          const { result, dispose } = firstResult(client, `subscription { ${call} }`);
          if (allowed.includes(who)) {
            // Listening: the subscription is in place, with no error.
            await eventually(() => server.app.services.events.activeSubscriptions() > before);
            dispose();
          } else expectForbidden(await result, field, `${who} ${field}`);
        } finally {
          await client.dispose();
        }
        await noSubscribers();
      }
    });

    it(`${field} over HTTP (server-sent events): ${allowed.join(', ')}`, async () => {
      for (const who of [...KEYS, null]) {
        const abort = new AbortController();
        const before = server.app.services.events.activeSubscriptions();
        const response = await fetch(`${server.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...(who && { authorization: `Bearer ${keyOf[who]}` }) },
          body: JSON.stringify({ query: `subscription { ${call} }` }),
          signal: abort.signal,
        });
        try {
          if (who && allowed.includes(who)) {
            await eventually(() => server.app.services.events.activeSubscriptions() > before);
          } else {
            const text = await response.text();
            expect(text, `${who} ${field}`).toContain(who ? '"FORBIDDEN"' : '"UNAUTHENTICATED"');
          }
        } finally {
          abort.abort();
        }
        await noSubscribers();
      }
    });
  }
});

describe('REST and exports', () => {
  const send = (token: string) =>
    fetch(`${server.url}/sms/send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ from_phone_number: NUMBERS.uk, to_phone_number: NUMBERS.customer, message: 'hi' }),
    });

  it('POST /sms/send: a READ_ONLY key is refused 403 FORBIDDEN and nothing is stored; AGENT and ADMIN keys get past the check', async () => {
    const refused = await send(keyOf.READ_ONLY);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ success: false, error: { code: 'FORBIDDEN' } });
    for (const who of ['AGENT', 'ADMIN'] as const) {
      const response = await send(keyOf[who]);
      // The number is not the organization's: refused for that, not for the key.
      expect(response.status, who).toBe(404);
      expect(await response.json()).toMatchObject({ error: { code: 'NUMBER_NOT_FOUND' } });
    }
    expect(server.fake.requests).toEqual([]);
  });

  it('export downloads are reads: every scope may download the delivery log', async () => {
    for (const who of KEYS) {
      const response = await fetch(`${server.url}/export/messages?format=csv`, { headers: { authorization: `Bearer ${keyOf[who]}` } });
      expect(response.status, who).toBe(200);
      await response.text();
    }
  });
});
