/**
 * A fourth provider, Acme, that exists only in the tests (./index.ts registers it, ./fake-api.ts
 * is its API): everything a provider does goes through the generic paths, with no edit outside
 * its folder. Its credentials on createAssistant/updateAssistant, addPhoneNumber with its
 * ownership check, sendSms through the queue to its API, a status callback to DELIVERED, an
 * inbound webhook stored, pushed and forwarded, an opted-out refusal recorded, its send limits.
 */
import './index.js';
import { decodeGlobalID } from '@pothos/plugin-relay';
import type { Client } from 'graphql-ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { collect, wsClient } from '../../support/client.js';
import { InboundSuiteMessageReceived, InboundSuiteMessageStatusChanged, startSink, subscribersReady, verifySwitchboardSignature, type Sink, closeRedis } from '../../support/inbound.js';
import { ADMIN_TOKEN, eventually, startServer, type TestServer } from '../../support/server.js';
import { acmeSignature } from './index.js';
import { startFakeAcme } from './fake-api.js';

const OUR_NUMBER = '+14155552671';
const CUSTOMER = '+14155552680';

let fake: Awaited<ReturnType<typeof startFakeAcme>>;
let sink: Sink;
let server: TestServer;
let apiKey: string;
let assistantId: string;
let assistantSecret: string;
const credentials = { apiKey: 'acme-key-0123456789', webhookSecret: 'acme-webhook-secret-0123456789' };
const clients: Client[] = [];

/** GraphQL over HTTP without codegen: Acme's input and enum value are not in the printed schema. */
async function call(key: string | null, query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key && { authorization: `Bearer ${key}` }) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Record<string, any>; errors?: unknown[] };
  if (body.errors?.length || !body.data) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  return body.data;
}

const CREATE_ASSISTANT = `mutation ($input: CreateAssistantInput!) { createAssistant(input: $input) {
  ... on CreateAssistantPayload { webhookSecret assistant { id configuredProviders } } ... on Error { code message } } }`;
const UPDATE_ASSISTANT = `mutation ($input: UpdateAssistantInput!) { updateAssistant(input: $input) {
  ... on UpdateAssistantPayload { assistant { id configuredProviders } } ... on Error { code message } } }`;
const ADD_NUMBER = `mutation ($input: AddPhoneNumberInput!) { addPhoneNumber(input: $input) {
  ... on AddPhoneNumberPayload { phoneNumber { id phoneNumber provider } } ... on Error { code message } } }`;
const SEND_SMS = `mutation ($input: SendSmsInput!) { sendSms(input: $input) {
  ... on SendMessagePayload { outboundMessage { id status provider } } ... on Error { code message } } }`;
const SEND_MMS = `mutation ($input: SendMmsInput!) { sendMms(input: $input) {
  ... on SendMessagePayload { outboundMessage { id } } ... on Error { code message } } }`;
const MESSAGE = `query ($id: ID!) { message(id: $id) { id status provider providerMessageId errorCode from to body
  events { status providerStatus } conversation { id customerPhoneNumber } } }`;
const INBOUND = `query { messages(filter: { direction: INBOUND }, first: 100) { edges { node { id from to body provider providerMessageId status conversation { id } } } } }`;
const OPT_OUTS = `query ($customer: String!) { optOuts(filter: { customerPhoneNumber: $customer }, first: 10) { edges { node { customerPhoneNumber optedOut reason } } } }`;

const sendSms = async (to: string, message: string) => (await call(apiKey, SEND_SMS, { input: { fromPhoneNumber: OUR_NUMBER, toPhoneNumber: to, message } })).sendSms;
const message = async (id: string) => (await call(apiKey, MESSAGE, { id })).message;

/** Posts a webhook to one of Acme's routes, signed as Acme signs (or with the signature given). */
async function postWebhook(path: string, body: Record<string, unknown>, signature?: string | null) {
  const raw = JSON.stringify(body);
  const sign = signature === undefined ? acmeSignature(credentials.webhookSecret, raw) : signature;
  const response = await fetch(server.url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...(sign && { 'x-acme-signature': sign }) }, body: raw });
  return { status: response.status, text: await response.text(), contentType: response.headers.get('content-type') };
}

async function subscribe<T>(document: Parameters<typeof collect<T, { assistantId: string }>>[1], kind: 'received' | 'status') {
  const client = wsClient(server.url, apiKey);
  clients.push(client);
  const before = server.app.services.events.activeSubscriptions();
  const subscription = collect(client, document, { assistantId });
  await subscribersReady(server, before + 1, [`${kind}:assistant:${decodeGlobalID(assistantId).id}`]);
  return subscription;
}

beforeAll(async () => {
  fake = await startFakeAcme();
  sink = await startSink();
  server = await startServer({ env: { ACME_API_BASE_URL: fake.baseUrl, VERIFY_NUMBER_OWNERSHIP: 'true' } });
  const created = (await call(ADMIN_TOKEN, `mutation { createOrganization(input: { name: "Acme user" }) { ... on CreateOrganizationPayload { apiKey } } }`)).createOrganization;
  apiKey = created.apiKey;
});
afterAll(async () => {
  await server?.stop();
  await sink?.close();
  await fake?.close();
  await closeRedis();
});
afterEach(async () => {
  // Every subscriber of the test disconnects, and the server stops listening for it.
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
  await eventually(() => server.app.services.events.activeSubscriptions() === 0);
});

describe('a provider registered from its own folder', () => {
  it('brings its acmeConfig input, checked by its own fields, and ACME in configuredProviders', async () => {
    const missing = await call(apiKey, CREATE_ASSISTANT, { input: { name: 'Front desk', acmeConfig: { apiKey: credentials.apiKey, webhookSecret: ' ' } } });
    expect(missing.createAssistant).toMatchObject({ code: 'INVALID_INPUT', message: 'acmeConfig.webhookSecret is required' });
    const weak = await call(apiKey, CREATE_ASSISTANT, { input: { name: 'Front desk', acmeConfig: { apiKey: credentials.apiKey, webhookSecret: 'short' } } });
    expect(weak.createAssistant).toMatchObject({ code: 'INVALID_INPUT', message: 'acmeConfig.webhookSecret must be at least 16 characters' });

    const created = (await call(apiKey, CREATE_ASSISTANT, { input: { name: 'Front desk', smsWebhookUrl: sink.url, acmeConfig: credentials } })).createAssistant;
    expect(created.assistant.configuredProviders).toEqual(['ACME']);
    assistantId = created.assistant.id;
    assistantSecret = created.webhookSecret;
  });

  it('addPhoneNumber with provider ACME asks Acme, with the assistant’s key, whether the account holds the number', async () => {
    const refused = (await call(apiKey, ADD_NUMBER, { input: { phoneNumber: OUR_NUMBER, provider: 'ACME', assistantId } })).addPhoneNumber;
    expect(refused).toMatchObject({ code: 'NUMBER_NOT_FOUND' });
    expect(fake.requests.at(-1)).toMatchObject({ path: `/v1/numbers/${encodeURIComponent(OUR_NUMBER)}`, headers: { authorization: `Bearer ${credentials.apiKey}` } });

    fake.ownNumbers(credentials.apiKey, [OUR_NUMBER]);
    const added = (await call(apiKey, ADD_NUMBER, { input: { phoneNumber: OUR_NUMBER, provider: 'ACME', assistantId } })).addPhoneNumber;
    expect(added.phoneNumber).toMatchObject({ phoneNumber: OUR_NUMBER, provider: 'ACME' });
  });

  it('sendSms goes through the queue to Acme and ends SENT; its status callback makes it DELIVERED, pushed live', async () => {
    const statuses = await subscribe(InboundSuiteMessageStatusChanged, 'status');
    const accepted = await sendSms(CUSTOMER, 'Your table is ready');
    expect(accepted.outboundMessage).toMatchObject({ status: 'QUEUED', provider: 'ACME' });
    const id = accepted.outboundMessage.id;
    const sent = await eventually(async () => {
      const m = await message(id);
      return m.status === 'SENT' ? m : null;
    });
    const [request] = fake.sentTo(CUSTOMER);
    expect(request.headers.authorization).toBe(`Bearer ${credentials.apiKey}`);
    expect(request.body).toEqual({ from: OUR_NUMBER, to: CUSTOMER, text: 'Your table is ready', media: [], callback_url: `${server.config.publicUrl}/webhooks/acme/status` });
    expect(sent.providerMessageId).toBe(request.id);

    const status = { id: request.id, from: OUR_NUMBER, to: CUSTOMER, status: 'delivered' };
    expect((await postWebhook('/webhooks/acme/status', status, null)).status).toBe(401);
    expect((await postWebhook('/webhooks/acme/status', status, acmeSignature('not-the-secret-at-all', JSON.stringify(status)))).status).toBe(403);
    expect((await message(id)).status).toBe('SENT');

    const answered = await postWebhook('/webhooks/acme/status', status);
    expect(answered).toEqual({ status: 200, text: '{"accepted":true}', contentType: 'application/vnd.acme+json' });
    const delivered = await message(id);
    expect(delivered).toMatchObject({ status: 'DELIVERED', events: expect.arrayContaining([{ status: 'DELIVERED', providerStatus: 'delivered' }]) });
    await eventually(() => statuses.events.some((e) => e.messageStatusChanged.id === id && e.messageStatusChanged.status === 'DELIVERED'));
  });

  it('an inbound webhook is stored in its thread, pushed live and forwarded to the assistant', async () => {
    const received = await subscribe(InboundSuiteMessageReceived, 'received');
    const customer = '+14155552681';
    const answered = await postWebhook('/webhooks/acme/inbound', { id: 'acme_in_1', from: customer, to: OUR_NUMBER, text: 'Is the patio open?' });
    expect(answered.status).toBe(200);

    const inbound = (await call(apiKey, INBOUND)).messages.edges.map((e: { node: unknown }) => e.node);
    expect(inbound).toMatchObject([{ from: customer, to: OUR_NUMBER, body: 'Is the patio open?', provider: 'ACME', providerMessageId: 'acme_in_1', status: 'RECEIVED' }]);
    const [stored] = inbound;
    const [event] = await eventually(() => (received.events.length > 0 ? received.events : null));
    expect(event.messageReceived).toMatchObject({ id: stored.id, provider: 'ACME', conversation: { id: stored.conversation.id } });
    const [forward] = await eventually(() => (sink.for(stored.id).length > 0 ? sink.for(stored.id) : null));
    expect(verifySwitchboardSignature(forward.headers['x-switchboard-signature'], forward.body, assistantSecret)).toBe(true);
    expect(forward.json.data).toMatchObject({ message_id: stored.id, from: customer, to: OUR_NUMBER, body: 'Is the patio open?' });
  });

  it('Acme’s opted-out refusal records the opt-out; later sends are refused before reaching Acme', async () => {
    const customer = '+14155552682';
    fake.refuseAsOptedOut(customer);
    const accepted = await sendSms(customer, 'Hello?');
    const failed = await eventually(async () => {
      const m = await message(accepted.outboundMessage.id);
      return m.status === 'FAILED' ? m : null;
    });
    expect(failed.errorCode).toBe('RECIPIENT_OPTED_OUT');
    expect((await call(apiKey, OPT_OUTS, { customer })).optOuts.edges.map((e: { node: unknown }) => e.node)).toMatchObject([{ customerPhoneNumber: customer, optedOut: true }]);
    expect(await sendSms(customer, 'Hello again?')).toMatchObject({ code: 'RECIPIENT_OPTED_OUT' });
    expect(fake.sentTo(customer)).toHaveLength(1);
  });

  it('its send limits are checked when the message is accepted', async () => {
    expect(await sendSms(CUSTOMER, 'x'.repeat(501))).toMatchObject({ code: 'MESSAGE_TOO_LONG', message: 'Acme accepts at most 500 characters per message' });
    const media = ['https://cdn.example.com/a.jpg', 'https://cdn.example.com/b.jpg', 'https://cdn.example.com/c.jpg'];
    const mms = (await call(apiKey, SEND_MMS, { input: { fromPhoneNumber: OUR_NUMBER, toPhoneNumber: CUSTOMER, message: 'Menu', mediaUrls: media } })).sendMms;
    expect(mms).toMatchObject({ code: 'INVALID_MEDIA', message: 'Acme carries at most 2 media items per MMS' });
  });

  it('updateAssistant replaces its acmeConfig: the next send uses the new key; null removes it', async () => {
    const rotated = { apiKey: 'acme-key-rotated-9876543210', webhookSecret: credentials.webhookSecret };
    expect((await call(apiKey, UPDATE_ASSISTANT, { input: { id: assistantId, acmeConfig: rotated } })).updateAssistant.assistant.configuredProviders).toEqual(['ACME']);
    const customer = '+14155552683';
    const accepted = await sendSms(customer, 'New key');
    await eventually(async () => (await message(accepted.outboundMessage.id)).status === 'SENT');
    expect(fake.sentTo(customer)[0].headers.authorization).toBe(`Bearer ${rotated.apiKey}`);

    expect((await call(apiKey, UPDATE_ASSISTANT, { input: { id: assistantId, acmeConfig: null } })).updateAssistant.assistant.configuredProviders).toEqual([]);
    expect(await sendSms(customer, 'No key')).toMatchObject({ code: 'PROVIDER_NOT_CONFIGURED' });
  });
});
