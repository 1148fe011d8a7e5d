/**
 * Auth and secret handling: API keys over HTTP and WebSocket, the admin
 * token, keys shown once and stored hashed, and credentials and webhook secrets that no query
 * returns and that are encrypted at rest.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import {
  buildClientSchema,
  getIntrospectionQuery,
  getNamedType,
  isAbstractType,
  isLeafType,
  isNonNullType,
  isInputObjectType,
  isObjectType,
  type GraphQLNamedType,
  type GraphQLSchema,
  type IntrospectionQuery,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from './gql';
import { collect, graphqlClient, ok, wsClient } from './support/client';
import { createOrganizationFixture, makeCredentials, NUMBERS, type OrganizationFixture } from './support/fixtures';
import { ADMIN_TOKEN, eventually, startServer, usesServices, type TestServer } from './support/server';
import { telnyxKeyPair, twilioInboundParams, twilioWebhookRequest } from './fakes/signing';

const WhoAmI = graphql(`
  query AuthWhoAmI {
    organization { id name }
  }
`);

const ApiKeys = graphql(`
  query AuthApiKeys {
    apiKeys { id name prefix createdAt revokedAt }
  }
`);

const CreateOrganization = graphql(`
  mutation AuthCreateOrganization($input: CreateOrganizationInput!) {
    createOrganization(input: $input) {
      __typename
      ... on CreateOrganizationPayload { apiKey organization { id name } }
      ... on Error { code message }
    }
  }
`);

const CreateApiKey = graphql(`
  mutation AuthCreateApiKey($input: CreateApiKeyInput!) {
    createApiKey(input: $input) {
      __typename
      ... on CreateApiKeyPayload { apiKey apiKeyId }
      ... on Error { code message }
    }
  }
`);

const RevokeApiKey = graphql(`
  mutation AuthRevokeApiKey($id: ID!) {
    revokeApiKey(id: $id) {
      __typename
      ... on RevokeApiKeyPayload { apiKey { id prefix revokedAt } }
      ... on Error { code message }
    }
  }
`);

const SendSms = graphql(`
  mutation AuthSendSms($input: SendSmsInput!) {
    sendSms(input: $input) {
      __typename
      ... on SendMessagePayload { outboundMessage { id status } }
      ... on Error { code message }
    }
  }
`);

const MessageStatus = graphql(`
  query AuthMessageStatus($id: ID!) {
    message(id: $id) { id status }
  }
`);

const StatusChanged = graphql(`
  subscription AuthStatusChanged {
    messageStatusChanged { id status }
  }
`);

const CreateAssistant = graphql(`
  mutation AuthCreateAssistant($input: CreateAssistantInput!) {
    createAssistant(input: $input) {
      __typename
      ... on CreateAssistantPayload { webhookSecret assistant { id name smsWebhookUrl configuredProviders createdAt updatedAt phoneNumbers { id } } }
      ... on Error { code message }
    }
  }
`);

const UpdateAssistant = graphql(`
  mutation AuthUpdateAssistant($input: UpdateAssistantInput!) {
    updateAssistant(input: $input) {
      __typename
      ... on UpdateAssistantPayload { assistant { id name smsWebhookUrl configuredProviders createdAt updatedAt phoneNumbers { id } } }
      ... on Error { code message }
    }
  }
`);

const RotateWebhookSecret = graphql(`
  mutation AuthRotateWebhookSecret($assistantId: ID!) {
    rotateWebhookSecret(assistantId: $assistantId) {
      __typename
      ... on RotateWebhookSecretPayload { secret assistant { id name smsWebhookUrl configuredProviders updatedAt } }
      ... on Error { code message }
    }
  }
`);

let server: TestServer;
let org: OrganizationFixture;
let sink: Server;
const forwarded: string[] = [];

beforeAll(async () => {
  // The secrets sweep below asks for every field of every type in one document, far past what
  // the query limits let a client ask: this server lifts them.
  server = await startServer({
    env: { GRAPHQL_MAX_BODY_BYTES: '67108864', GRAPHQL_MAX_DEPTH: '1000', GRAPHQL_MAX_ALIASES: '1000000', GRAPHQL_MAX_TOKENS: '10000000', GRAPHQL_MAX_COST: '1000000000' },
  });
  // The assistant's smsWebhookUrl: answers 200 to every forwarded message.
  sink = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      forwarded.push(body);
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const smsWebhookUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/sms`;
  org = await createOrganizationFixture(server, { name: 'Auth Org', smsWebhookUrl });
});
afterAll(async () => {
  await server?.stop();
  await new Promise((resolve) => sink?.close(resolve));
});

const codes = (response: { errors?: { extensions?: { code?: string } }[] }) => (response.errors ?? []).map((e) => e.extensions?.code);

/** A raw GraphQL POST with whatever Authorization header (or none). */
async function rawGraphql(authorization: string | null, query: string) {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization !== null && { authorization }) },
    body: JSON.stringify({ query }),
  });
  return (await response.json()) as { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] };
}

/** Opens a graphql-ws connection and subscribes; resolves with the close code if the server refuses it. */
async function wsCloseCode(apiKey: string | null): Promise<number> {
  const client = wsClient(server.url, apiKey);
  const subscription = collect(client, StatusChanged);
  try {
    await eventually(() => subscription.errors.length > 0 || subscription.completed, 5_000);
    return (subscription.errors[0] as { code: number }).code;
  } finally {
    subscription.dispose();
    await client.dispose();
  }
}

async function newApiKey(name: string) {
  const result = (await ok(org.request(CreateApiKey, { input: { name } }))).createApiKey;
  if (result.__typename !== 'CreateApiKeyPayload') throw new Error(JSON.stringify(result));
  return result;
}

describe('API keys', () => {
  it('a request without a key, with an unknown key or a malformed header fails UNAUTHENTICATED, on queries and mutations', async () => {
    const anonymous = graphqlClient(server.url, null);
    const unknown = graphqlClient(server.url, 'sk_live_thisKeyDoesNotExist0123456789');
    for (const request of [anonymous, unknown]) {
      const query = await request(WhoAmI);
      expect(codes(query)).toEqual(['UNAUTHENTICATED']);
      expect(query.data ?? null).toBeNull();
      const mutation = await request(SendSms, {
        input: { fromPhoneNumber: org.numbers.twilio.phoneNumber, toPhoneNumber: NUMBERS.customer, message: 'hi' },
      });
      expect(codes(mutation)).toEqual(['UNAUTHENTICATED']);
    }
    for (const header of [`Basic ${org.apiKey}`, 'Bearer', 'Bearer ', org.apiKey, `Bearer ${org.apiKey}x`]) {
      expect(codes(await rawGraphql(header, '{ organization { id } }')), header).toEqual(['UNAUTHENTICATED']);
    }
    // The REST route answers 401 likewise.
    const rest = await fetch(`${server.url}/sms/send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk_live_nope' },
      body: JSON.stringify({ from_phone_number: org.numbers.twilio.phoneNumber, to_phone_number: NUMBERS.customer, message: 'hi' }),
    });
    expect(rest.status).toBe(401);
    // Nothing was sent by any of these.
    expect(server.fake.requests).toEqual([]);
  });

  it('the admin token is not an organization key', async () => {
    expect(codes(await graphqlClient(server.url, ADMIN_TOKEN)(WhoAmI))).toEqual(['UNAUTHENTICATED']);
  });

  it('createOrganization needs ADMIN_TOKEN; with it, the answer carries a working plaintext key', async () => {
    const input = { input: { name: 'Globex' } };
    const anonymous = await graphqlClient(server.url, null)(CreateOrganization, input);
    expect(codes(anonymous)).toEqual(['UNAUTHENTICATED']);
    expect(anonymous.data?.createOrganization ?? null).toBeNull();
    const badKey = await graphqlClient(server.url, 'not-the-admin-token')(CreateOrganization, input);
    expect(codes(badKey)).toEqual(['UNAUTHENTICATED']);
    // An organization's own key is valid, but not allowed to create organizations.
    const asOrg = await org.request(CreateOrganization, input);
    expect(asOrg.errors?.length).toBeGreaterThan(0);
    expect(asOrg.data?.createOrganization ?? null).toBeNull();

    const created = (await ok(graphqlClient(server.url, ADMIN_TOKEN)(CreateOrganization, input))).createOrganization;
    if (created.__typename !== 'CreateOrganizationPayload') throw new Error(JSON.stringify(created));
    expect(created.organization.name).toBe('Globex');
    expect(created.apiKey).toEqual(expect.any(String));
    const me = await ok(graphqlClient(server.url, created.apiKey)(WhoAmI));
    expect(me.organization).toEqual(created.organization);
    // Its key listing shows the key by prefix only.
    const keys = (await ok(graphqlClient(server.url, created.apiKey)(ApiKeys))).apiKeys;
    expect(keys).toHaveLength(1);
    expect(created.apiKey.startsWith(keys[0].prefix)).toBe(true);
    expect(keys[0].prefix.length).toBeLessThan(created.apiKey.length);
  });

  it('createApiKey answers a working key once; apiKeys lists it by prefix only', async () => {
    const created = await newApiKey('CI deploys');
    const me = await ok(graphqlClient(server.url, created.apiKey)(WhoAmI));
    expect(me.organization.id).toBe(org.organizationId);

    const response = await org.request(ApiKeys);
    const listed = response.data!.apiKeys.find((k) => k.id === created.apiKeyId);
    expect(listed).toMatchObject({ name: 'CI deploys', revokedAt: null });
    expect(created.apiKey.startsWith(listed!.prefix)).toBe(true);
    expect(listed!.prefix.length).toBeLessThan(created.apiKey.length - 16);
    expect(JSON.stringify(response)).not.toContain(created.apiKey);
  });

  it('revokeApiKey: the key stops working at once, over HTTP and WebSocket; the organization’s other keys keep working', async () => {
    const doomed = await newApiKey('to revoke');
    const request = graphqlClient(server.url, doomed.apiKey);
    await ok(request(WhoAmI)); // in use (and so in any cache) before it is revoked

    const revoked = (await ok(org.request(RevokeApiKey, { id: doomed.apiKeyId }))).revokeApiKey;
    expect(revoked).toMatchObject({ __typename: 'RevokeApiKeyPayload', apiKey: { id: doomed.apiKeyId, revokedAt: expect.any(String) } });

    expect(codes(await request(WhoAmI))).toEqual(['UNAUTHENTICATED']);
    expect(codes(await request(ApiKeys))).toEqual(['UNAUTHENTICATED']);
    expect(await wsCloseCode(doomed.apiKey)).toBe(4403);
    const keys = (await ok(org.request(ApiKeys))).apiKeys;
    expect(keys.find((k) => k.id === doomed.apiKeyId)?.revokedAt).toEqual(expect.any(String));
    expect((await ok(org.request(WhoAmI))).organization.id).toBe(org.organizationId);
  });

  it('revokeApiKey closes the WebSocket connections open with that key (4403) within a second or two; connections with other keys go on', async () => {
    const doomed = await newApiKey('agent console');
    const doomedClient = wsClient(server.url, doomed.apiKey);
    const keptClient = wsClient(server.url, org.apiKey);
    const baseline = server.app.services.events.activeSubscriptions();
    const doomedSubscription = collect(doomedClient, StatusChanged);
    const keptSubscription = collect(keptClient, StatusChanged);
    try {
      await eventually(() => server.app.services.events.activeSubscriptions() >= baseline + 2);
      await ok(org.request(RevokeApiKey, { id: doomed.apiKeyId }));
      const revokedAt = Date.now();
      await eventually(() => doomedSubscription.errors.length > 0 || doomedSubscription.completed, 5_000, 20);
      expect(Date.now() - revokedAt).toBeLessThan(2_500);
      expect((doomedSubscription.errors[0] as { code: number }).code).toBe(4403);

      // The organization's own key still streams its events.
      if (usesServices) await new Promise((r) => setTimeout(r, 150));
      const sent = (await ok(org.request(SendSms, { input: { fromPhoneNumber: org.numbers.twilio.phoneNumber, toPhoneNumber: NUMBERS.customer, message: 'after revoke' } }))).sendSms;
      if (sent.__typename !== 'SendMessagePayload') throw new Error(JSON.stringify(sent));
      await eventually(() => keptSubscription.events.some((e) => e.messageStatusChanged.id === sent.outboundMessage.id && e.messageStatusChanged.status === 'SENT'));
      expect(keptSubscription.errors).toEqual([]);
      expect(doomedSubscription.events.filter((e) => e.messageStatusChanged.id === sent.outboundMessage.id)).toEqual([]);
    } finally {
      doomedSubscription.dispose();
      keptSubscription.dispose();
      await doomedClient.dispose();
      await keptClient.dispose();
    }
  });

  it('a key can revoke itself, and is refused from its next request on', async () => {
    const self = await newApiKey('self-revoking');
    const request = graphqlClient(server.url, self.apiKey);
    const result = (await ok(request(RevokeApiKey, { id: self.apiKeyId }))).revokeApiKey;
    expect(result.__typename).toBe('RevokeApiKeyPayload');
    expect(codes(await request(WhoAmI))).toEqual(['UNAUTHENTICATED']);
  });
});

describe('WebSocket', () => {
  it('a connection without a key, with an unknown key or with the admin token is closed with 4403', async () => {
    expect(await wsCloseCode(null)).toBe(4403);
    expect(await wsCloseCode('sk_live_thisKeyDoesNotExist0123456789')).toBe(4403);
    expect(await wsCloseCode(ADMIN_TOKEN)).toBe(4403);
  });

  it('a connection with a live key subscribes and receives its organization’s events', async () => {
    const client = wsClient(server.url, org.apiKey);
    const baseline = server.app.services.events.activeSubscriptions();
    const subscription = collect(client, StatusChanged);
    try {
      await eventually(() => server.app.services.events.activeSubscriptions() > baseline);
      // Under Redis the SUBSCRIBE itself takes a moment after the listener is attached.
      if (usesServices) await new Promise((r) => setTimeout(r, 150));
      const sent = (await ok(org.request(SendSms, { input: { fromPhoneNumber: org.numbers.twilio.phoneNumber, toPhoneNumber: NUMBERS.customer, message: 'ws check' } }))).sendSms;
      if (sent.__typename !== 'SendMessagePayload') throw new Error(JSON.stringify(sent));
      await eventually(() => subscription.events.some((e) => e.messageStatusChanged.id === sent.outboundMessage.id && e.messageStatusChanged.status === 'SENT'));
      expect(subscription.errors).toEqual([]);
    } finally {
      subscription.dispose();
      await client.dispose();
    }
  });
});

// ─── Secrets ─────────────────────────────────────────────────────────────────────────────

/**
 * One query selecting every field of every type reachable from the root query fields (to a
 * depth), each field aliased by its type so fragments never conflict. Built from the running
 * server's introspection, so fields added later are covered too.
 */
function everythingQuery(schema: GraphQLSchema, ids: string[], depth = 6): string {
  const selectionOf = (type: GraphQLNamedType, remaining: number): string | null => {
    if (isLeafType(type)) return '';
    if (remaining === 0) return null;
    if (isAbstractType(type)) {
      const fragments = schema
        .getPossibleTypes(type)
        .map((t) => [t, selectionOf(t, remaining)] as const)
        .filter(([, s]) => s)
        .map(([t, s]) => `... on ${t.name} { ${s} }`);
      return `__typename ${fragments.join(' ')}`;
    }
    if (!isObjectType(type)) return null;
    const parts: string[] = [];
    for (const field of Object.values(type.getFields())) {
      if (field.args.some((arg) => isNonNullType(arg.type) && arg.defaultValue === undefined)) continue;
      const sub = selectionOf(getNamedType(field.type), remaining - 1);
      if (sub === null) continue;
      const alias = `${type.name}_${field.name}: ${field.name}`;
      parts.push(sub === '' ? alias : `${alias} { ${sub} }`);
    }
    return parts.length ? `__typename ${parts.join(' ')}` : null;
  };

  const root = schema.getQueryType()!;
  const parts: string[] = [];
  for (const field of Object.values(root.getFields())) {
    const required = field.args.filter((arg) => isNonNullType(arg.type) && arg.defaultValue === undefined);
    const sub = selectionOf(getNamedType(field.type), depth);
    if (sub === null) continue;
    const select = (head: string) => (sub === '' ? head : `${head} { ${sub} }`);
    if (required.length === 0) {
      parts.push(select(field.name));
      // Lists that hide some rows by default (archived conversations…): ask for those too.
      const filter = field.args.find((arg) => arg.name === 'filter');
      const filterType = filter && getNamedType(filter.type);
      const archived = filterType && isInputObjectType(filterType) && 'archived' in filterType.getFields();
      if (archived) parts.push(select(`${field.name}_archived: ${field.name}(filter: { archived: true })`));
    } else if (required.length === 1 && required[0].name === 'id') {
      ids.forEach((id, i) => parts.push(select(`${field.name}_${i}: ${field.name}(id: ${JSON.stringify(id)})`)));
    } else if (required.length === 1 && required[0].name === 'ids') {
      parts.push(select(`${field.name}(ids: ${JSON.stringify(ids)})`));
    }
  }
  return `{ ${parts.join(' ')} }`;
}

/** Every value stored in every column of every table, as text; plus, for SQLite, the raw file bytes. */
async function databaseContents(): Promise<{ rows: string; files: Buffer[] }> {
  const url = server.database.url;
  if (usesServices) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const tables = await client.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
      );
      expect(tables.rows.length).toBeGreaterThan(5);
      const dump: string[] = [];
      for (const { table_name } of tables.rows) {
        const rows = await client.query<{ row: string }>(`SELECT t::text AS row FROM "${table_name}" t`);
        dump.push(`${table_name}: ${rows.rows.map((r) => r.row).join('\n')}`);
      }
      return { rows: dump.join('\n'), files: [] };
    } finally {
      await client.end();
    }
  }
  const file = url.startsWith('file:') ? url.slice('file:'.length) : url;
  const path = file.startsWith('//') ? fileURLToPath(`file:${file}`) : file;
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[];
    expect(tables.length).toBeGreaterThan(5);
    const dump: string[] = [];
    for (const { name } of tables) {
      const rows = db.prepare(`SELECT * FROM "${name}"`).all() as Record<string, unknown>[];
      dump.push(
        `${name}: ${rows
          .map((row) => Object.values(row).map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v))).join('\t'))
          .join('\n')}`,
      );
    }
    const files = [path, `${path}-wal`, `${path}-journal`].filter(existsSync).map((f) => readFileSync(f));
    return { rows: dump.join('\n'), files };
  } finally {
    db.close();
  }
}

describe('secrets', () => {
  /** Every secret the organization ever gave or was given, and must never see again. */
  const secrets: Record<string, string> = {};
  const ids: string[] = [];
  let secondAssistantId = '';

  const credentialValues = (prefix: string, credentials: ReturnType<typeof makeCredentials>) => {
    for (const [provider, config] of Object.entries(credentials)) {
      for (const [field, value] of Object.entries(config)) secrets[`${prefix}.${provider}.${field}`] = value;
    }
  };
  const leaked = (text: string | Buffer) => Object.entries(secrets).filter(([, value]) => text.includes(value)).map(([name]) => name);

  beforeAll(async () => {
    credentialValues('fixture', org.credentials);
    secrets['fixture.webhookSecret'] = org.webhookSecret;
    secrets['fixture.apiKey'] = org.apiKey;
    secrets['fixture.apiKey.tail'] = org.apiKey.slice(-16);
    const extraKey = await newApiKey('secrets check');
    secrets['created.apiKey'] = extraKey.apiKey;
    secrets['created.apiKey.tail'] = extraKey.apiKey.slice(-16);

    // A second assistant whose credentials are then replaced, and whose webhook secret is rotated.
    const first = makeCredentials(telnyxKeyPair().publicKeyBase64);
    const created = (await ok(org.request(CreateAssistant, { input: { name: 'Night shift', twilioConfig: first.twilio, telnyxConfig: first.telnyx, vonageConfig: first.vonage } }))).createAssistant;
    if (created.__typename !== 'CreateAssistantPayload') throw new Error(JSON.stringify(created));
    secondAssistantId = created.assistant.id;
    expect(leaked(JSON.stringify(created.assistant))).toEqual([]);
    credentialValues('replaced', first);
    secrets['replaced.webhookSecret'] = created.webhookSecret;

    const second = makeCredentials(telnyxKeyPair().publicKeyBase64);
    const updated = await org.request(UpdateAssistant, {
      input: { id: secondAssistantId, twilioConfig: { ...second.twilio, messagingServiceSid: 'MGsecretish0000000000000000000000' }, telnyxConfig: second.telnyx, vonageConfig: { ...second.vonage, applicationId: 'app-1', privateKey: '-----BEGIN PRIVATE KEY-----\nMIIsecretPrivateKey\n-----END PRIVATE KEY-----' } },
    });
    credentialValues('current', second);
    secrets['current.vonage.privateKey'] = 'MIIsecretPrivateKey';
    expect(updated.errors).toBeUndefined();
    expect(updated.data?.updateAssistant).toMatchObject({ assistant: { configuredProviders: expect.arrayContaining(['TWILIO', 'TELNYX', 'VONAGE']) } });
    expect(leaked(JSON.stringify(updated))).toEqual([]);

    const rotated = (await ok(org.request(RotateWebhookSecret, { assistantId: secondAssistantId }))).rotateWebhookSecret;
    if (rotated.__typename !== 'RotateWebhookSecretPayload') throw new Error(JSON.stringify(rotated));
    expect(rotated.secret).not.toBe(created.webhookSecret);
    // The payload shows the new secret (that is its job) and nothing else secret.
    expect(leaked(JSON.stringify(rotated))).toEqual([]);
    secrets['rotated.webhookSecret'] = rotated.secret;

    // Traffic, so every table has rows: a send per provider, a provider refusal, a scheduled
    // message, an inbound message forwarded to the assistant.
    const sent: string[] = [];
    for (const [key, to] of [['twilio', NUMBERS.customer], ['telnyx', NUMBERS.customer2], ['vonage', NUMBERS.uk], ['twilio', '+14155552694']] as const) {
      if (to === '+14155552694') server.fake.failFor(to, { kind: 'invalid-number' });
      const result = (await ok(org.request(SendSms, { input: { fromPhoneNumber: org.numbers[key].phoneNumber, toPhoneNumber: to, message: `secrets via ${key}` } }))).sendSms;
      if (result.__typename !== 'SendMessagePayload') throw new Error(JSON.stringify(result));
      sent.push(result.outboundMessage.id);
    }
    const scheduled = (await ok(org.request(SendSms, { input: { fromPhoneNumber: org.numbers.telnyx.phoneNumber, toPhoneNumber: NUMBERS.customer, message: 'later', sendAt: new Date(Date.now() + 3600_000).toISOString() } }))).sendSms;
    if (scheduled.__typename !== 'SendMessagePayload') throw new Error(JSON.stringify(scheduled));
    for (const id of sent) {
      await eventually(async () => ['SENT', 'FAILED'].includes((await ok(org.request(MessageStatus, { id }))).message?.status ?? ''));
    }
    const url = `${server.config.publicUrl}/webhooks/twilio/messages`;
    const params = twilioInboundParams({ from: NUMBERS.customer, to: org.numbers.twilio.phoneNumber, body: 'inbound for secrets', accountSid: org.credentials.twilio.accountSid });
    const response = await fetch(`${server.url}/webhooks/twilio/messages`, twilioWebhookRequest({ url, authToken: org.credentials.twilio.authToken, params }));
    expect(response.status).toBeLessThan(300);
    await eventually(() => forwarded.some((body) => body.includes('inbound for secrets')));

    ids.push(org.organizationId, org.assistantId, secondAssistantId, org.numbers.twilio.id, org.numbers.telnyx.id, org.numbers.vonage.id, extraKey.apiKeyId, ...sent, scheduled.outboundMessage.id);
  });

  it('no query returns a credential, a webhook secret or an API key: every field of every reachable type', async () => {
    const raw = await rawGraphql(`Bearer ${org.apiKey}`, getIntrospectionQuery());
    const schema = buildClientSchema(raw.data as IntrospectionQuery);
    const query = everythingQuery(schema, ids);

    const response = await rawGraphql(`Bearer ${org.apiKey}`, query);
    expect(response.errors).toBeUndefined();
    const text = JSON.stringify(response);
    // The query did reach the data it should (so the check below means something).
    for (const expected of ['Front desk', 'Night shift', 'secrets via vonage', 'inbound for secrets', '21211', 'TELNYX', org.numbers.vonage.phoneNumber, ...ids]) {
      expect(text, expected).toContain(expected);
    }
    for (const typename of ['Organization', 'ApiKey', 'Assistant', 'PhoneNumber', 'Message', 'MessageEvent', 'Conversation', 'MessageStats', 'CountByKey']) {
      expect(text, typename).toContain(`"__typename":"${typename}"`);
    }
    expect(leaked(text)).toEqual([]);
    // One query for every field of every type, six levels deep: seconds of work on a quiet
    // machine, well over the default 30 s on a busy one.
  }, 120_000);

  it('credentials, webhook secrets and API keys are not stored in plaintext', async () => {
    const { rows, files } = await databaseContents();
    // The dump is real: the rows are there, readable.
    expect(rows).toContain('secrets via twilio');
    expect(rows).toContain('Night shift');
    expect(leaked(rows)).toEqual([]);
    // SQLite: the file bytes too (database and write-ahead log), free pages included.
    if (!usesServices) expect(Buffer.concat(files).includes('Night shift')).toBe(true);
    for (const file of files) expect(leaked(file)).toEqual([]);
  });
});
