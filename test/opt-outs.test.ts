/**
 * STOP / START / HELP from customers, the opt-out ledger, the
 * manual optOutRecipient / optInRecipient mutations, and providers' own opt-out refusals.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from './gql';
import { ok } from './support/client';
import { createOrganizationFixture, type OrganizationFixture } from './support/fixtures';
import { eventually, type TestServer } from './support/server';
import {
  inboundWithProviderId,
  InboundSuiteSendSms,
  messageDetails,
  post,
  PROVIDERS,
  sendAndWaitSent,
  signedInbound,
  signedStatus,
  startInboundSuite,
  stopInboundSuite,
  type ProviderKey,
  type Sink,
} from './support/inbound';

const OptOutsList = graphql(`
  query OptOutsList($filter: OptOutFilter) {
    optOuts(filter: $filter, first: 100) {
      edges { node { id phoneNumber { id phoneNumber } customerPhoneNumber optedOut keyword reason updatedAt } }
    }
  }
`);

const OptOutRecipientByHand = graphql(`
  mutation OptOutRecipientByHand($input: OptOutRecipientInput!) {
    optOutRecipient(input: $input) {
      __typename
      ... on OptOutRecipientPayload { optOut { id phoneNumber { id } customerPhoneNumber optedOut keyword reason updatedAt } }
      ... on Error { code message }
    }
  }
`);

const OptInRecipientByHand = graphql(`
  mutation OptInRecipientByHand($input: OptInRecipientInput!) {
    optInRecipient(input: $input) {
      __typename
      ... on OptInRecipientPayload { optOut { id customerPhoneNumber optedOut keyword reason } }
      ... on Error { code message }
    }
  }
`);

let server: TestServer;
let sink: Sink;
let org: OrganizationFixture;

beforeAll(async () => {
  ({ server, sink, org } = await startInboundSuite());
});
afterAll(() => stopInboundSuite({ server, sink }));

let customerSeq = 0;
const nextCustomer = () => `+1415555${String(4100 + ++customerSeq)}`;

async function send(from: string, to: string, message = 'Hello again') {
  return (await ok(org.request(InboundSuiteSendSms, { input: { fromPhoneNumber: from, toPhoneNumber: to, message } }))).sendSms;
}

async function inbound(key: ProviderKey, from: string, body: string) {
  const hook = signedInbound(server, org, key, { from, body });
  expect((await post(server, hook.path, hook.signed)).status).toBe(200);
  const [stored] = await inboundWithProviderId(org, hook.providerMessageId);
  expect(stored).toBeDefined();
  return stored;
}

async function ledger(filter: { phoneNumberId?: string; customerPhoneNumber?: string; optedOut?: boolean } = {}, who = org) {
  const { optOuts } = await ok(who.request(OptOutsList, { filter }));
  return optOuts.edges.map((e) => e.node);
}

describe.each(PROVIDERS)('keywords texted to a %s number', (_provider, key) => {
  it('STOP (any case, padded) refuses the next send without calling the provider; START lets it through again', async () => {
    const ours = org.numbers[key];
    const customer = nextCustomer();
    const stop = await inbound(key, customer, '  sToP \n');
    // The keyword message itself is stored and forwarded like any other.
    expect(stop.body).toBe('  sToP \n');
    await eventually(() => sink.for(stop.id).length === 1);

    const refused = await send(ours.phoneNumber, customer);
    expect(refused).toMatchObject({ __typename: 'ApiError', code: 'RECIPIENT_OPTED_OUT' });
    expect(await ledger({ customerPhoneNumber: customer })).toMatchObject([
      { phoneNumber: { id: ours.id }, customerPhoneNumber: customer, optedOut: true, keyword: 'STOP' },
    ]);
    // The opt-out is per sending number: another of our numbers may still write to them.
    const otherKey = key === 'twilio' ? 'telnyx' : 'twilio';
    const fromOther = await sendAndWaitSent(org, org.numbers[otherKey].phoneNumber, customer, 'From another number');
    expect(fromOther.status).toBe('SENT');
    expect(server.fake.sentTo(customer).map((r) => r.provider)).toEqual([otherKey]);

    const start = await inbound(key, customer, 'Start');
    await eventually(() => sink.for(start.id).length === 1);
    const resumed = await sendAndWaitSent(org, ours.phoneNumber, customer, 'Welcome back');
    expect(resumed.status).toBe('SENT');
    expect(server.fake.sentTo(customer).map((r) => r.provider)).toEqual([otherKey, key]);
    expect(await ledger({ customerPhoneNumber: customer })).toMatchObject([{ optedOut: false, keyword: 'START' }]);
  });
});

describe('keywords', () => {
  it('every STOP-family word opts out, every START-family word opts back in; a sentence containing STOP does not', async () => {
    const ours = org.numbers.telnyx;
    for (const word of ['STOP', 'stopall', 'Unsubscribe', 'CANCEL', 'end', 'QUIT', 'optout', 'REVOKE']) {
      const customer = nextCustomer();
      await inbound('telnyx', customer, ` ${word} `);
      expect({ word, result: await send(ours.phoneNumber, customer) }).toMatchObject({ word, result: { code: 'RECIPIENT_OPTED_OUT' } });
      const optIn = ['START', 'unstop', 'Yes'][customerSeq % 3];
      await inbound('telnyx', customer, optIn);
      expect({ word, optIn, result: await send(ours.phoneNumber, customer) }).toMatchObject({ word, optIn, result: { __typename: 'SendMessagePayload' } });
    }
    const chatty = nextCustomer();
    await inbound('telnyx', chatty, 'Please stop by the front desk');
    expect(await send(ours.phoneNumber, chatty)).toMatchObject({ __typename: 'SendMessagePayload' });
    expect(await ledger({ customerPhoneNumber: chatty })).toEqual([]);
  });

  it('HELP and INFO are stored and forwarded, and change nothing in the ledger', async () => {
    const customer = nextCustomer();
    for (const word of ['HELP', ' info ']) {
      const stored = await inbound('vonage', customer, word);
      const [delivery] = await eventually(() => (sink.for(stored.id).length ? sink.for(stored.id) : null));
      expect(delivery.json.data.body).toBe(word);
    }
    expect(await ledger({ customerPhoneNumber: customer })).toEqual([]);
    expect(await send(org.numbers.vonage.phoneNumber, customer)).toMatchObject({ __typename: 'SendMessagePayload' });
  });
});

describe('by hand', () => {
  it('optOutRecipient refuses sends with the reason kept; optInRecipient allows them again; optOuts lists and filters', async () => {
    const ours = org.numbers.twilio;
    const customer = nextCustomer();
    const out = (await ok(org.request(OptOutRecipientByHand, { input: { phoneNumberId: ours.id, customerPhoneNumber: customer, reason: 'Asked on the phone' } }))).optOutRecipient;
    expect(out).toMatchObject({
      __typename: 'OptOutRecipientPayload',
      optOut: { phoneNumber: { id: ours.id }, customerPhoneNumber: customer, optedOut: true, keyword: null, reason: 'Asked on the phone' },
    });
    expect(await send(ours.phoneNumber, customer)).toMatchObject({ code: 'RECIPIENT_OPTED_OUT' });
    expect(server.fake.sentTo(customer)).toEqual([]);

    const listed = await ledger({ phoneNumberId: ours.id, optedOut: true });
    expect(listed.map((o) => o.customerPhoneNumber)).toContain(customer);
    expect(listed.every((o) => o.optedOut && o.phoneNumber.id === ours.id)).toBe(true);

    const back = (await ok(org.request(OptInRecipientByHand, { input: { phoneNumberId: ours.id, customerPhoneNumber: customer, reason: 'Signed the consent form' } }))).optInRecipient;
    expect(back).toMatchObject({ __typename: 'OptInRecipientPayload', optOut: { optedOut: false, reason: 'Signed the consent form', keyword: null } });
    expect(back.__typename === 'OptInRecipientPayload' && out.__typename === 'OptOutRecipientPayload' && back.optOut.id).toBe(
      out.__typename === 'OptOutRecipientPayload' && out.optOut.id,
    );
    const sent = await sendAndWaitSent(org, ours.phoneNumber, customer, 'Thanks for signing');
    expect(sent.status).toBe('SENT');
    expect(await ledger({ customerPhoneNumber: customer, optedOut: true })).toEqual([]);
    expect(await ledger({ customerPhoneNumber: customer, optedOut: false })).toMatchObject([{ reason: 'Signed the consent form' }]);
  });

  it('answers typed errors for a number that is not ours or a customer number that is not valid', async () => {
    const other = await createOrganizationFixture(server, { name: 'Other', numberOffset: 1 });
    const customer = nextCustomer();
    const notOurs = (await ok(org.request(OptOutRecipientByHand, { input: { phoneNumberId: other.numbers.twilio.id, customerPhoneNumber: customer } }))).optOutRecipient;
    expect(notOurs).toMatchObject({ __typename: 'ApiError', code: 'NOT_FOUND' });
    const garbage = (await ok(org.request(OptInRecipientByHand, { input: { phoneNumberId: 'not-an-id', customerPhoneNumber: customer } }))).optInRecipient;
    expect(garbage).toMatchObject({ __typename: 'ApiError', code: 'NOT_FOUND' });
    const invalid = (await ok(org.request(OptOutRecipientByHand, { input: { phoneNumberId: org.numbers.twilio.id, customerPhoneNumber: '+1555' } }))).optOutRecipient;
    expect(invalid).toMatchObject({ __typename: 'ApiError', code: 'INVALID_PHONE_NUMBER' });

    // Each organization sees its own ledger only.
    await ok(org.request(OptOutRecipientByHand, { input: { phoneNumberId: org.numbers.telnyx.id, customerPhoneNumber: customer } }));
    expect(await ledger({ customerPhoneNumber: customer }, other)).toEqual([]);
    expect(await ledger({ phoneNumberId: org.numbers.telnyx.id }, other)).toEqual([]);
    expect(await ledger({ customerPhoneNumber: customer })).toHaveLength(1);
  });
});

describe("a provider's own opt-out refusal", () => {
  const REFUSALS: Record<ProviderKey, { word: string; code: string; message: string }> = {
    twilio: { word: 'failed', code: '21610', message: 'Attempt to send to unsubscribed recipient' },
    telnyx: { word: 'sending_failed', code: '40300', message: 'Blocked due to STOP message' },
    vonage: { word: 'rejected', code: 'recipient-opted-out', message: 'The recipient has opted out of messages from this sender (STOP).' },
  };

  it.each(PROVIDERS)('in a %s status callback records the opt-out', async (_provider, key) => {
    const ours = org.numbers[key];
    const customer = nextCustomer();
    const sent = await sendAndWaitSent(org, ours.phoneNumber, customer, 'Hello?');
    const { word, code, message } = REFUSALS[key];
    const status = signedStatus(server, org, key, { providerMessageId: sent.providerMessageId, from: ours.phoneNumber, to: customer, status: word, errorCode: code, errorMessage: message });
    expect((await post(server, status.path, status.signed)).status).toBe(200);
    expect(await messageDetails(org, sent.id)).toMatchObject({ errorCode: code });
    expect(await ledger({ customerPhoneNumber: customer })).toMatchObject([{ phoneNumber: { id: ours.id }, optedOut: true, keyword: null }]);
    expect(await send(ours.phoneNumber, customer)).toMatchObject({ code: 'RECIPIENT_OPTED_OUT' });
    expect(server.fake.sentTo(customer)).toHaveLength(1);
  });

  it('a failure for another reason records nothing', async () => {
    const ours = org.numbers.twilio;
    const customer = nextCustomer();
    const sent = await sendAndWaitSent(org, ours.phoneNumber, customer, 'Hello?');
    const status = signedStatus(server, org, 'twilio', { providerMessageId: sent.providerMessageId, from: ours.phoneNumber, to: customer, status: 'undelivered', errorCode: '30003' });
    expect((await post(server, status.path, status.signed)).status).toBe(200);
    expect(await ledger({ customerPhoneNumber: customer })).toEqual([]);
  });

  it.each(PROVIDERS)('when %s refuses the send itself records the opt-out', async (_provider, key) => {
    const ours = org.numbers[key];
    const customer = nextCustomer();
    server.fake.failFor(customer, { kind: 'opted-out' });
    const accepted = await send(ours.phoneNumber, customer);
    if (accepted.__typename !== 'SendMessagePayload') throw new Error(JSON.stringify(accepted));
    const failed = await eventually(async () => {
      const m = await messageDetails(org, accepted.outboundMessage.id);
      return m.status === 'FAILED' ? m : null;
    });
    expect(failed.errorCode).toBeTruthy();
    expect(await ledger({ customerPhoneNumber: customer })).toMatchObject([{ phoneNumber: { id: ours.id }, optedOut: true }]);
    expect(await send(ours.phoneNumber, customer)).toMatchObject({ code: 'RECIPIENT_OPTED_OUT' });
    expect(server.fake.requests.filter((r) => r.to === customer)).toHaveLength(1);
  });
});
