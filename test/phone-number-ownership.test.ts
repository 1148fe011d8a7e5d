/**
 * addPhoneNumber asks the provider, through its SDK and the assistant's credentials, whether the
 * account owns the number (VERIFY_NUMBER_OWNERSHIP, on here; the other suites run with it off).
 * Organizations that each prove ownership may hold the same number; errors never tell one
 * organization that another holds a number.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from './gql';
import { graphqlClient, ok, type Request } from './support/client';
import { makeCredentials, NUMBERS, shift } from './support/fixtures';
import { ADMIN_TOKEN, eventually, startServer, type TestServer } from './support/server';
import { randomBytes } from 'node:crypto';
import { telnyxKeyPair, twilioInboundParams, twilioWebhookRequest } from './fakes/signing';
import { numbersForWebhook } from '../src/assistants/phone-numbers';
import type { FakeProvider } from './fakes/provider-server';

const OwnCreateOrganization = graphql(`
  mutation OwnCreateOrganization($input: CreateOrganizationInput!) {
    createOrganization(input: $input) {
      ... on CreateOrganizationPayload { apiKey organization { id } }
      ... on Error { code message }
    }
  }
`);

const OwnCreateAssistant = graphql(`
  mutation OwnCreateAssistant($input: CreateAssistantInput!) {
    createAssistant(input: $input) {
      ... on CreateAssistantPayload { assistant { id } }
      ... on Error { code message }
    }
  }
`);

const OwnAddPhoneNumber = graphql(`
  mutation OwnAddPhoneNumber($input: AddPhoneNumberInput!) {
    addPhoneNumber(input: $input) {
      __typename
      ... on AddPhoneNumberPayload { phoneNumber { id phoneNumber provider ownershipVerifiedAt assistant { id } } }
      ... on Error { code message }
    }
  }
`);

const OwnAssignPhoneNumber = graphql(`
  mutation OwnAssignPhoneNumber($input: AssignPhoneNumberInput!) {
    assignPhoneNumber(input: $input) {
      __typename
      ... on AssignPhoneNumberPayload { phoneNumber { id assistant { id } } }
      ... on Error { code message }
    }
  }
`);

const OwnSendSms = graphql(`
  mutation OwnSendSms($input: SendSmsInput!) {
    sendSms(input: $input) {
      __typename
      ... on SendMessagePayload { outboundMessage { id } }
      ... on Error { code message }
    }
  }
`);

const OwnInbound = graphql(`
  query OwnInbound {
    messages(filter: { direction: INBOUND }, first: 50) { edges { node { body } } }
  }
`);

async function inboundBodies(who: { request: Request }) {
  return (await ok(who.request(OwnInbound))).messages.edges.map((e) => e.node.body);
}

const OwnMessage = graphql(`
  query OwnMessage($id: ID!) {
    message(id: $id) { status provider }
  }
`);

let server: TestServer;

beforeAll(async () => {
  server = await startServer({ env: { VERIFY_NUMBER_OWNERSHIP: 'true' } });
});
afterAll(() => server?.stop());

type Provider = 'TWILIO' | 'TELNYX' | 'VONAGE';
const KEY: Record<Provider, FakeProvider> = { TWILIO: 'twilio', TELNYX: 'telnyx', VONAGE: 'vonage' };

interface Tenant {
  request: Request;
  credentials: ReturnType<typeof makeCredentials>;
  /** The account name the fake knows each provider account by. */
  account: Record<Provider, string>;
  assistantId: string;
  organizationId: string;
}

async function tenant(name: string, options: { withCredentials?: boolean } = {}): Promise<Tenant> {
  const admin = graphqlClient(server.url, ADMIN_TOKEN);
  const created = (await ok(admin(OwnCreateOrganization, { input: { name } }))).createOrganization;
  if (!('apiKey' in created)) throw new Error(JSON.stringify(created));
  const request = graphqlClient(server.url, created.apiKey);
  const credentials = makeCredentials(telnyxKeyPair().publicKeyBase64);
  const withCredentials = options.withCredentials ?? true;
  const assistant = (
    await ok(
      request(OwnCreateAssistant, {
        input: {
          name: `${name} assistant`,
          ...(withCredentials ? { twilioConfig: credentials.twilio, telnyxConfig: credentials.telnyx, vonageConfig: credentials.vonage } : {}),
        },
      }),
    )
  ).createAssistant;
  if (!('assistant' in assistant)) throw new Error(JSON.stringify(assistant));
  return {
    request,
    credentials,
    account: { TWILIO: credentials.twilio.accountSid, TELNYX: credentials.telnyx.apiKey, VONAGE: credentials.vonage.apiKey },
    assistantId: assistant.assistant.id,
    organizationId: created.organization.id,
  };
}

function owns(who: Tenant, provider: Provider, ...numbers: string[]) {
  server.fake.ownNumbers(KEY[provider], who.account[provider], numbers);
}

async function add(who: Tenant, phoneNumber: string, provider: Provider, assistantId: string | null = who.assistantId) {
  return (await ok(who.request(OwnAddPhoneNumber, { input: { phoneNumber, provider, ...(assistantId ? { assistantId } : {}) } }))).addPhoneNumber;
}

let seq = 0;
/** A fresh valid number for each test (+1415555 27xx). */
const fresh = () => shift(NUMBERS.twilio, 30 + ++seq);

const lookups = (provider: FakeProvider) => server.fake.requests.filter((r) => r.provider === provider && r.method === 'GET');

describe.each(['TWILIO', 'TELNYX', 'VONAGE'] as const)('%s', (provider) => {
  it('adds a number the assistant’s account owns, asking the provider’s number list with its credentials', async () => {
    const acme = await tenant(`Acme ${provider}`);
    const number = fresh();
    owns(acme, provider, number, shift(number, 1));
    const before = lookups(KEY[provider]).length;
    const added = await add(acme, number, provider);
    expect(added).toMatchObject({ __typename: 'AddPhoneNumberPayload', phoneNumber: { phoneNumber: number, provider, assistant: { id: acme.assistantId } } });
    expect(added.__typename === 'AddPhoneNumberPayload' && added.phoneNumber.ownershipVerifiedAt).toBeTruthy();

    const [lookup] = lookups(KEY[provider]).slice(before);
    const digits = number.slice(1);
    if (provider === 'TWILIO') {
      expect(lookup.path).toBe(`/2010-04-01/Accounts/${acme.credentials.twilio.accountSid}/IncomingPhoneNumbers.json`);
      expect(lookup.body).toMatchObject({ PhoneNumber: number });
      expect(lookup.auth).toEqual({ scheme: 'basic', username: acme.credentials.twilio.accountSid, password: acme.credentials.twilio.authToken });
    } else if (provider === 'TELNYX') {
      expect(lookup.path).toBe('/v2/phone_numbers');
      expect(lookup.body).toMatchObject({ 'filter[phone_number]': digits });
      expect(lookup.auth).toEqual({ scheme: 'bearer', token: acme.credentials.telnyx.apiKey });
    } else {
      expect(lookup.path).toBe('/account/numbers');
      expect(lookup.body).toMatchObject({ pattern: digits, search_pattern: '0' });
      expect(lookup.auth).toEqual({ scheme: 'basic', username: acme.credentials.vonage.apiKey, password: acme.credentials.vonage.apiSecret });
    }
  });

  it('refuses a number the account does not own with NUMBER_NOT_FOUND, and stores nothing', async () => {
    const acme = await tenant(`Squatter ${provider}`);
    const rightful = await tenant(`Rightful ${provider}`);
    const number = fresh();
    owns(rightful, provider, number);
    // A number that merely starts or ends like one it owns is not it.
    owns(acme, provider, `${number}9`.slice(0, 16), shift(number, 100));
    expect(await add(acme, number, provider)).toMatchObject({ code: 'NUMBER_NOT_FOUND', message: expect.stringContaining(`not a number of your ${provider} account`) });
    expect(await numbersForWebhook(server.app.services, number, provider)).toEqual([]);
  });
});

describe('several organizations', () => {
  it('each may hold a number it proves it owns; webhook routing sees every registration with its assistant', async () => {
    const a = await tenant('Shared A');
    const b = await tenant('Shared B');
    const number = fresh();
    owns(a, 'TWILIO', number);
    owns(b, 'TWILIO', number);
    expect(await add(a, number, 'TWILIO')).toMatchObject({ __typename: 'AddPhoneNumberPayload' });
    expect(await add(b, number, 'TWILIO')).toMatchObject({ __typename: 'AddPhoneNumberPayload' });
    // The same organization twice: NUMBER_TAKEN, without asking the provider again.
    const before = lookups('twilio').length;
    expect(await add(a, number, 'TWILIO')).toMatchObject({ code: 'NUMBER_TAKEN' });
    expect(lookups('twilio').length).toBe(before);

    const candidates = await numbersForWebhook(server.app.services, number, 'TWILIO');
    expect(candidates.map((c) => c.assistant?.name)).toEqual(['Shared A assistant', 'Shared B assistant']);
    expect(candidates.every((c) => c.ownershipVerifiedAt instanceof Date)).toBe(true);
    expect(await numbersForWebhook(server.app.services, number, 'TELNYX')).toEqual([]);

    // Each sends from it with its own account.
    for (const who of [a, b]) {
      const sent = (await ok(who.request(OwnSendSms, { input: { fromPhoneNumber: number, toPhoneNumber: NUMBERS.customer, message: 'shared' } }))).sendSms;
      if (sent.__typename !== 'SendMessagePayload') throw new Error(JSON.stringify(sent));
      await eventually(async () => (await ok(who.request(OwnMessage, { id: sent.outboundMessage.id }))).message?.status === 'SENT');
    }
    const senders = server.fake.requests.filter((r) => r.provider === 'twilio' && r.method === 'POST' && r.body.From === number).map((r) => r.auth);
    expect(senders).toEqual([
      expect.objectContaining({ username: a.credentials.twilio.accountSid }),
      expect.objectContaining({ username: b.credentials.twilio.accountSid }),
    ]);
  });

  it('an inbound webhook reaches only the organization whose account signed it, and a message id seen by another organization is no duplicate', async () => {
    const a = await tenant('Routed A');
    const b = await tenant('Routed B');
    const number = fresh();
    owns(a, 'TWILIO', number);
    owns(b, 'TWILIO', number);
    for (const who of [a, b]) expect(await add(who, number, 'TWILIO')).toMatchObject({ __typename: 'AddPhoneNumberPayload' });
    const path = '/webhooks/twilio/messages';
    const inbound = (who: Tenant, messageSid: string, body: string) =>
      fetch(
        server.url + path,
        twilioWebhookRequest({
          url: server.config.publicUrl + path,
          authToken: who.credentials.twilio.authToken,
          params: twilioInboundParams({ from: NUMBERS.customer, to: number, body, messageSid, accountSid: who.credentials.twilio.accountSid }),
        }),
      ).then((r) => r.status);
    const sid = `SM${randomBytes(16).toString('hex')}`;
    expect(await inbound(b, sid, 'for B')).toBe(200);
    expect(await inbound(a, sid, 'for A, same id')).toBe(200);
    expect(await inbound(a, sid, 'for A, same id')).toBe(200); // A's provider retrying
    expect(await inboundBodies(a)).toEqual(['for A, same id']);
    expect(await inboundBodies(b)).toEqual(['for B']);
    // Signed by an account that holds no registration of the number: refused, stored nowhere.
    const stranger = await tenant('Stranger');
    expect(await inbound(stranger, `SM${randomBytes(16).toString('hex')}`, 'forged')).toBe(403);
    expect([...(await inboundBodies(a)), ...(await inboundBodies(b))]).not.toContain('forged');
  });

  it('a third organization that cannot prove it gets the same answer as for a number nobody holds', async () => {
    const holder = await tenant('Holder');
    const outsider = await tenant('Outsider');
    const held = fresh();
    const unheld = fresh();
    owns(holder, 'TELNYX', held);
    expect(await add(holder, held, 'TELNYX')).toMatchObject({ __typename: 'AddPhoneNumberPayload' });
    const forHeld = await add(outsider, held, 'TELNYX');
    const forUnheld = await add(outsider, unheld, 'TELNYX');
    expect(forHeld).toMatchObject({ code: 'NUMBER_NOT_FOUND' });
    expect(forUnheld).toMatchObject({ code: 'NUMBER_NOT_FOUND' });
    const message = (r: typeof forHeld, n: string) => ('message' in r ? r.message.replace(n, '<n>') : '');
    expect(message(forHeld, held)).toBe(message(forUnheld, unheld));
  });
});

describe('which credentials', () => {
  it('without assistantId, any assistant of the organization with credentials for the provider may prove it', async () => {
    const acme = await tenant('No assistant given');
    const number = fresh();
    owns(acme, 'VONAGE', number);
    expect(await add(acme, number, 'VONAGE', null)).toMatchObject({ __typename: 'AddPhoneNumberPayload', phoneNumber: { assistant: null } });
  });

  it('an assistant without credentials for the provider is PROVIDER_NOT_CONFIGURED; no assistant with any, too', async () => {
    const bare = await tenant('Bare', { withCredentials: false });
    expect(await add(bare, fresh(), 'TWILIO')).toMatchObject({ code: 'PROVIDER_NOT_CONFIGURED' });
    expect(await add(bare, fresh(), 'TWILIO', null)).toMatchObject({ code: 'PROVIDER_NOT_CONFIGURED' });
  });

  it('a provider that cannot answer is PROVIDER_ERROR, and nothing is stored', async () => {
    const acme = await tenant('During an outage');
    const number = fresh();
    owns(acme, 'TWILIO', number);
    server.fake.setOutage(true);
    try {
      expect(await add(acme, number, 'TWILIO')).toMatchObject({ code: 'PROVIDER_ERROR' });
    } finally {
      server.fake.setOutage(false);
    }
    expect(await add(acme, number, 'TWILIO')).toMatchObject({ __typename: 'AddPhoneNumberPayload' });
  });

  it('assigning a number to another assistant asks again, with that assistant’s account', async () => {
    const acme = await tenant('Two accounts');
    const number = fresh();
    owns(acme, 'TELNYX', number);
    const added = await add(acme, number, 'TELNYX');
    if (added.__typename !== 'AddPhoneNumberPayload') throw new Error(JSON.stringify(added));
    const otherKeys = makeCredentials(telnyxKeyPair().publicKeyBase64);
    const second = (await ok(acme.request(OwnCreateAssistant, { input: { name: 'Second', telnyxConfig: otherKeys.telnyx } }))).createAssistant;
    if (!('assistant' in second)) throw new Error(JSON.stringify(second));
    const assign = async () =>
      (await ok(acme.request(OwnAssignPhoneNumber, { input: { phoneNumberId: added.phoneNumber.id, assistantId: second.assistant.id } }))).assignPhoneNumber;
    expect(await assign()).toMatchObject({ code: 'NUMBER_NOT_FOUND' });
    server.fake.ownNumbers('telnyx', otherKeys.telnyx.apiKey, [number]);
    expect(await assign()).toMatchObject({ __typename: 'AssignPhoneNumberPayload', phoneNumber: { assistant: { id: second.assistant.id } } });
  });
});
