import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from './gql';
import { ok } from './support/client';
import { SharedCancelMessage, SharedCreateAssistant, SharedSendMms } from './support/documents';
import { createOrganizationFixture, makeCredentials, NUMBERS, type OrganizationFixture } from './support/fixtures';
import { eventually, startServer, type TestServer } from './support/server';
import { telnyxKeyPair } from './fakes/signing';

const ValidationSendSms = graphql(`
  mutation ValidationSendSms($input: SendSmsInput!) {
    sendSms(input: $input) {
      __typename
      ... on SendMessagePayload { outboundMessage { id status provider segments encoding body sendAt } }
      ... on Error { code message }
    }
  }
`);

const ValidationAddPhoneNumber = graphql(`
  mutation ValidationAddPhoneNumber($input: AddPhoneNumberInput!) {
    addPhoneNumber(input: $input) {
      __typename
      ... on AddPhoneNumberPayload { phoneNumber { id phoneNumber provider } }
      ... on Error { code message }
    }
  }
`);

const ValidationMessage = graphql(`
  query ValidationMessage($id: ID!) {
    message(id: $id) { id status sendAt segments encoding events { status } }
  }
`);

const ValidationDeliveryLog = graphql(`
  query ValidationDeliveryLog {
    messages(first: 100) { edges { node { id status } } }
  }
`);

let server: TestServer;
let org: OrganizationFixture;
let other: OrganizationFixture;
/** An org-`org` number with no assistant, and one whose assistant has only Twilio credentials. */
let unassigned: string;
let telnyxWithoutConfig: string;

beforeAll(async () => {
  server = await startServer();
  org = await createOrganizationFixture(server);
  other = await createOrganizationFixture(server, { name: 'Other', numberOffset: 1 });

  unassigned = '+14155552701';
  const added = (await ok(org.request(ValidationAddPhoneNumber, { input: { phoneNumber: unassigned, provider: 'TWILIO' } }))).addPhoneNumber;
  expect(added.__typename).toBe('AddPhoneNumberPayload');

  const twilioOnly = (
    await ok(
      org.request(SharedCreateAssistant, {
        input: { name: 'Twilio only', twilioConfig: makeCredentials(telnyxKeyPair().publicKeyBase64).twilio },
      }),
    )
  ).createAssistant;
  if (twilioOnly.__typename !== 'CreateAssistantPayload') throw new Error(JSON.stringify(twilioOnly));
  telnyxWithoutConfig = '+14155552702';
  const telnyx = (
    await ok(org.request(ValidationAddPhoneNumber, { input: { phoneNumber: telnyxWithoutConfig, provider: 'TELNYX', assistantId: twilioOnly.assistant.id } }))
  ).addPhoneNumber;
  expect(telnyx.__typename).toBe('AddPhoneNumberPayload');
});
afterAll(() => server?.stop());

async function deliveryLog(fixture: OrganizationFixture = org): Promise<string[]> {
  const { messages } = await ok(fixture.request(ValidationDeliveryLog));
  return messages.edges.map((e) => e.node.id).sort();
}

async function sms(input: { fromPhoneNumber: string; toPhoneNumber: string; message: string; idempotencyKey?: string; sendAt?: string }, fixture = org) {
  return (await ok(fixture.request(ValidationSendSms, { input }))).sendSms;
}

async function mms(input: { fromPhoneNumber: string; toPhoneNumber: string; message?: string; mediaUrls: string[] }, fixture = org) {
  return (await ok(fixture.request(SharedSendMms, { input }))).sendMms;
}

async function accepted(input: Parameters<typeof sms>[0], fixture = org) {
  const result = await sms(input, fixture);
  if (result.__typename !== 'SendMessagePayload') throw new Error(`sendSms refused: ${JSON.stringify(result)}`);
  return result.outboundMessage;
}

async function messageStatus(id: string, fixture = org) {
  return (await ok(fixture.request(ValidationMessage, { id }))).message;
}

async function until(id: string, statuses: string[]) {
  return eventually(async () => {
    const message = await messageStatus(id);
    return message && statuses.includes(message.status) ? message : null;
  });
}

/** Waits until no message of `org` is still on its way to a provider (QUEUED or SENDING). */
async function settled() {
  await eventually(async () => {
    const { messages } = await ok(org.request(ValidationDeliveryLog));
    return messages.edges.every((e) => !['QUEUED', 'SENDING'].includes(e.node.status));
  });
}

/** Runs `attempt`, expects the typed error `code`, and that no provider was called and nothing was stored. */
async function expectRefused(code: string, attempt: () => Promise<{ __typename?: string; code?: string; message?: string }>) {
  await settled();
  const logBefore = await deliveryLog();
  const requestsBefore = server.fake.requestCount;
  const result = await attempt();
  expect(result).toMatchObject({ __typename: 'ApiError', code });
  expect(result.message).toEqual(expect.any(String));
  expect(result.message!.length).toBeGreaterThan(0);
  expect(await deliveryLog()).toEqual(logBefore);
  // Had it been queued, the queue would be calling the provider now.
  await settled();
  expect(server.fake.requestCount).toBe(requestsBefore);
}

const customer = NUMBERS.customer;
const from = () => org.numbers.twilio.phoneNumber;

describe('phone numbers', () => {
  it.each([
    ['without the plus', '14155552680'],
    ['too short to be a number (+1555)', '+1555'],
    ['with letters', '+1415555CALL'],
    ['with spaces', '+1 415 555 2680'],
    ['with no such area code', '+10005552680'],
    ['empty', ''],
  ])('a recipient %s is INVALID_PHONE_NUMBER', async (_why, to) => {
    await expectRefused('INVALID_PHONE_NUMBER', () => sms({ fromPhoneNumber: from(), toPhoneNumber: to, message: 'Hi' }));
    await expectRefused('INVALID_PHONE_NUMBER', () => mms({ fromPhoneNumber: from(), toPhoneNumber: to, mediaUrls: ['https://cdn.example.com/a.jpg'] }));
  });

  it.each([
    ['without the plus', org_number_without_plus],
    ['too short to be a number (+1555)', () => '+1555'],
    ['with letters', () => '+1415555ABCD'],
    ['with spaces', () => ' +14155552671'],
  ])('a sender %s is INVALID_PHONE_NUMBER', async (_why, sender) => {
    await expectRefused('INVALID_PHONE_NUMBER', () => sms({ fromPhoneNumber: sender(), toPhoneNumber: customer, message: 'Hi' }));
  });

  it('a sender no number of this organization owns is NUMBER_NOT_FOUND', async () => {
    await expectRefused('NUMBER_NOT_FOUND', () => sms({ fromPhoneNumber: '+14155552799', toPhoneNumber: customer, message: 'Hi' }));
  });

  it("another organization's number is NUMBER_NOT_FOUND, and sends nothing from it", async () => {
    await expectRefused('NUMBER_NOT_FOUND', () => sms({ fromPhoneNumber: other.numbers.twilio.phoneNumber, toPhoneNumber: customer, message: 'Hi' }));
    expect(await deliveryLog(other)).toEqual([]);
  });

  it('a number not assigned to an assistant is NO_ASSISTANT', async () => {
    await expectRefused('NO_ASSISTANT', () => sms({ fromPhoneNumber: unassigned, toPhoneNumber: customer, message: 'Hi' }));
  });

  it("a number whose assistant has no credentials for the number's provider is PROVIDER_NOT_CONFIGURED", async () => {
    await expectRefused('PROVIDER_NOT_CONFIGURED', () => sms({ fromPhoneNumber: telnyxWithoutConfig, toPhoneNumber: customer, message: 'Hi' }));
  });

  it('adding a number twice in one organization is NUMBER_TAKEN; unverified, another organization cannot add it either, and is not told why', async () => {
    const add = (fixture: OrganizationFixture, phoneNumber: string) =>
      ok(fixture.request(ValidationAddPhoneNumber, { input: { phoneNumber, provider: 'TELNYX' } })).then((d) => d.addPhoneNumber);
    expect(await add(org, org.numbers.twilio.phoneNumber)).toMatchObject({ __typename: 'ApiError', code: 'NUMBER_TAKEN' });
    // VERIFY_NUMBER_OWNERSHIP is off in tests: nothing proves `other` owns it (test/phone-number-ownership.test.ts has the rest).
    const elsewhere = await add(other, org.numbers.twilio.phoneNumber);
    expect(elsewhere).toMatchObject({ __typename: 'ApiError', code: 'INVALID_INPUT' });
    expect('message' in elsewhere && elsewhere.message).not.toMatch(/taken|registered|organization/i);
    // The owner still sends from it through its own provider.
    const message = await accepted({ fromPhoneNumber: org.numbers.twilio.phoneNumber, toPhoneNumber: customer, message: 'still mine' });
    expect(message.provider).toBe('TWILIO');
    await until(message.id, ['SENT']);
  });

  it.each(['+1555', '14155552710', '+1 415 555 2710', 'not a number'])('adding the invalid number %j is INVALID_PHONE_NUMBER', async (phoneNumber) => {
    const result = (await ok(org.request(ValidationAddPhoneNumber, { input: { phoneNumber, provider: 'TWILIO' } }))).addPhoneNumber;
    expect(result).toMatchObject({ __typename: 'ApiError', code: 'INVALID_PHONE_NUMBER' });
  });
});

function org_number_without_plus() {
  return org.numbers.twilio.phoneNumber.slice(1);
}

describe('bodies', () => {
  it.each([
    ['empty', ''],
    ['spaces', '   '],
    ['whitespace and newlines', ' \n\t \r\n'],
  ])('an %s SMS body is EMPTY_MESSAGE', async (_why, message) => {
    await expectRefused('EMPTY_MESSAGE', () => sms({ fromPhoneNumber: from(), toPhoneNumber: customer, message }));
  });

  it('1601 characters are MESSAGE_TOO_LONG; 1600 are accepted', async () => {
    await expectRefused('MESSAGE_TOO_LONG', () => sms({ fromPhoneNumber: from(), toPhoneNumber: customer, message: 'a'.repeat(1601) }));
    await expectRefused('MESSAGE_TOO_LONG', () =>
      mms({ fromPhoneNumber: from(), toPhoneNumber: customer, message: 'a'.repeat(1601), mediaUrls: ['https://cdn.example.com/a.jpg'] }),
    );
    const message = await accepted({ fromPhoneNumber: from(), toPhoneNumber: customer, message: 'a'.repeat(1600) });
    expect(message).toMatchObject({ status: 'QUEUED', encoding: 'GSM7', segments: 11 });
    expect(message.body).toHaveLength(1600);
  });

  it('counts characters, not UTF-16 units: 1600 emoji are accepted, 1601 are not', async () => {
    const message = await accepted({ fromPhoneNumber: from(), toPhoneNumber: customer, message: '😀'.repeat(1600) });
    expect(message).toMatchObject({ status: 'QUEUED', encoding: 'UCS2' });
    expect([...message.body]).toHaveLength(1600);
    await expectRefused('MESSAGE_TOO_LONG', () => sms({ fromPhoneNumber: from(), toPhoneNumber: customer, message: '😀'.repeat(1601) }));
  });

  it('Vonage takes at most 1000 characters: 1001 are MESSAGE_TOO_LONG, 1000 are accepted', async () => {
    const vonage = org.numbers.vonage.phoneNumber;
    await expectRefused('MESSAGE_TOO_LONG', () => sms({ fromPhoneNumber: vonage, toPhoneNumber: customer, message: 'a'.repeat(1001) }));
    const message = await accepted({ fromPhoneNumber: vonage, toPhoneNumber: customer, message: 'a'.repeat(1000) });
    expect(message.provider).toBe('VONAGE');
  });
});

describe('media', () => {
  const jpg = (i: number) => `https://cdn.example.com/${i}.jpg`;
  it.each([
    ['no media', []],
    ['11 media', Array.from({ length: 11 }, (_, i) => jpg(i))],
    ['an http URL', ['http://cdn.example.com/a.jpg']],
    ['an https URL next to an http one', [jpg(1), 'http://cdn.example.com/a.jpg']],
    ['a non-URL', ['not a url']],
    ['a path without a host', ['/images/a.jpg']],
    ['an ftp URL', ['ftp://cdn.example.com/a.jpg']],
  ])('an MMS with %s is INVALID_MEDIA', async (_why, mediaUrls) => {
    await expectRefused('INVALID_MEDIA', () => mms({ fromPhoneNumber: from(), toPhoneNumber: customer, message: 'Menu', mediaUrls }));
  });

  it('an MMS with 10 https media and no body is accepted', async () => {
    const mediaUrls = Array.from({ length: 10 }, (_, i) => jpg(i));
    const result = await mms({ fromPhoneNumber: from(), toPhoneNumber: customer, mediaUrls });
    expect(result).toMatchObject({ __typename: 'SendMessagePayload', outboundMessage: { status: 'QUEUED', mediaUrls } });
  });

  it('a Vonage MMS with 2 media is INVALID_MEDIA', async () => {
    await expectRefused('INVALID_MEDIA', () =>
      mms({ fromPhoneNumber: org.numbers.vonage.phoneNumber, toPhoneNumber: customer, message: 'Menu', mediaUrls: [jpg(1), jpg(2)] }),
    );
  });
});

describe('idempotency', () => {
  it('the same key twice returns the same message and calls the provider once', async () => {
    const to = '+14155552720';
    const input = { fromPhoneNumber: from(), toPhoneNumber: to, message: 'Only once', idempotencyKey: 'order-1234' };
    const first = await accepted(input);
    const again = await accepted(input);
    expect(again.id).toBe(first.id);
    await until(first.id, ['SENT']);
    const third = await accepted(input);
    expect(third.id).toBe(first.id);
    expect(server.fake.requests.filter((r) => r.to === to)).toHaveLength(1);
  });

  it('20 concurrent sends with one key store one message and call the provider once', async () => {
    const to = '+14155552721';
    const before = await deliveryLog();
    const input = { fromPhoneNumber: from(), toPhoneNumber: to, message: 'Racing', idempotencyKey: 'race-1' };
    const results = await Promise.all(Array.from({ length: 20 }, () => sms(input)));
    const ids = new Set(results.map((r) => (r.__typename === 'SendMessagePayload' ? r.outboundMessage.id : JSON.stringify(r))));
    expect(ids.size).toBe(1);
    const [id] = ids;
    await until(id, ['SENT']);
    expect((await deliveryLog()).filter((m) => !before.includes(m))).toEqual([id]);
    expect(server.fake.requests.filter((r) => r.to === to)).toHaveLength(1);
  });

  it('the same key in two organizations is two messages, each sent', async () => {
    const to = '+14155552722';
    const a = await accepted({ fromPhoneNumber: from(), toPhoneNumber: to, message: 'From A', idempotencyKey: 'shared-key' });
    const b = await accepted({ fromPhoneNumber: other.numbers.twilio.phoneNumber, toPhoneNumber: to, message: 'From B', idempotencyKey: 'shared-key' }, other);
    expect(a.id).not.toBe(b.id);
    await eventually(() => server.fake.sentTo(to).length === 2);
    expect(server.fake.sentTo(to).map((r) => r.body.Body).sort()).toEqual(['From A', 'From B']);
  });
});

describe('segments and encoding stored on the message', () => {
  it.each([
    ['160 GSM characters', 'GSM7', 1, 'a'.repeat(160)],
    ['161 GSM characters', 'GSM7', 2, 'a'.repeat(161)],
    ['306 GSM characters', 'GSM7', 2, 'a'.repeat(306)],
    ['307 GSM characters', 'GSM7', 3, 'a'.repeat(307)],
    ["80 '{' (extension characters count 2)", 'GSM7', 1, '{'.repeat(80)],
    ["81 '{'", 'GSM7', 2, '{'.repeat(81)],
    ['one emoji', 'UCS2', 1, 'On my way 🚗'],
    ['70 UCS-2 characters', 'UCS2', 1, 'Ж'.repeat(70)],
    ['71 UCS-2 characters', 'UCS2', 2, 'Ж'.repeat(71)],
    ['134 UCS-2 characters', 'UCS2', 2, 'Ж'.repeat(134)],
    ['135 UCS-2 characters', 'UCS2', 3, 'Ж'.repeat(135)],
  ] as const)('%s: %s, %i segment(s)', async (_why, encoding, segments, message) => {
    const sent = await accepted({ fromPhoneNumber: org.numbers.telnyx.phoneNumber, toPhoneNumber: customer, message });
    expect(sent).toMatchObject({ encoding, segments });
    expect(await messageStatus(sent.id)).toMatchObject({ encoding, segments });
  });
});

describe('scheduling and cancel', () => {
  it('a future sendAt stays SCHEDULED, unsent, until due, then ends SENT', async () => {
    const to = '+14155552730';
    const sendAt = new Date(Date.now() + 1500).toISOString();
    const scheduled = await accepted({ fromPhoneNumber: from(), toPhoneNumber: to, message: 'Reminder: dentist at 3', sendAt });
    expect(scheduled.status).toBe('SCHEDULED');
    expect(new Date(scheduled.sendAt!).toISOString()).toBe(sendAt);
    // Well before it is due: still waiting, and the provider has seen nothing.
    await new Promise((r) => setTimeout(r, 700));
    expect((await messageStatus(scheduled.id))?.status).toBe('SCHEDULED');
    expect(server.fake.requests.filter((r) => r.to === to)).toHaveLength(0);

    const sent = await until(scheduled.id, ['SENT', 'FAILED']);
    expect(sent.status).toBe('SENT');
    const request = server.fake.sentTo(to)[0];
    expect(request.receivedAt).toBeGreaterThanOrEqual(Date.parse(sendAt));
    expect(sent.events.map((e) => e.status)).toEqual(['SCHEDULED', 'QUEUED', 'SENDING', 'SENT'].filter((s) => sent.events.some((e) => e.status === s)));
    expect(sent.events[0].status).toBe('SCHEDULED');
  });

  it('cancelMessage on a SCHEDULED message makes it CANCELED, and it is never sent', async () => {
    const to = '+14155552731';
    const sendAt = new Date(Date.now() + 600).toISOString();
    const scheduled = await accepted({ fromPhoneNumber: from(), toPhoneNumber: to, message: 'Never mind', sendAt });
    const canceled = (await ok(org.request(SharedCancelMessage, { id: scheduled.id }))).cancelMessage;
    expect(canceled).toMatchObject({ __typename: 'CancelMessagePayload', canceled: { id: scheduled.id, status: 'CANCELED' } });
    // Past its sendAt, with a later message from the same sender already sent, it stays canceled.
    const later = await accepted({ fromPhoneNumber: from(), toPhoneNumber: to, message: 'Follow-up', sendAt: new Date(Date.now() + 700).toISOString() });
    await until(later.id, ['SENT']);
    expect((await messageStatus(scheduled.id))?.status).toBe('CANCELED');
    expect(server.fake.requests.filter((r) => r.to === to).map((r) => r.body.Body)).toEqual(['Follow-up']);
    // Canceling twice is INVALID_STATE.
    expect((await ok(org.request(SharedCancelMessage, { id: scheduled.id }))).cancelMessage).toMatchObject({ __typename: 'ApiError', code: 'INVALID_STATE' });
  });

  it('cancelMessage on a SENT message is INVALID_STATE and changes nothing', async () => {
    const sent = await accepted({ fromPhoneNumber: from(), toPhoneNumber: customer, message: 'Already gone' });
    await until(sent.id, ['SENT']);
    const result = (await ok(org.request(SharedCancelMessage, { id: sent.id }))).cancelMessage;
    expect(result).toMatchObject({ __typename: 'ApiError', code: 'INVALID_STATE' });
    expect((await messageStatus(sent.id))?.status).toBe('SENT');
  });

  it('cancelMessage with an id that is malformed or names another type is NOT_FOUND', async () => {
    for (const id of ['not-an-id', org.numbers.twilio.id, org.assistantId]) {
      expect((await ok(org.request(SharedCancelMessage, { id }))).cancelMessage).toMatchObject({ __typename: 'ApiError', code: 'NOT_FOUND' });
    }
  });

  it('a sendAt in the past sends now; one more than a year ahead is INVALID_INPUT', async () => {
    const past = await accepted({ fromPhoneNumber: from(), toPhoneNumber: customer, message: 'Late', sendAt: new Date(Date.now() - 60_000).toISOString() });
    expect(past.status).toBe('QUEUED');
    await until(past.id, ['SENT']);
    const farFuture = new Date(Date.now() + 400 * 24 * 3600_000).toISOString();
    await expectRefused('INVALID_INPUT', () => sms({ fromPhoneNumber: from(), toPhoneNumber: customer, message: 'Next year', sendAt: farFuture }));
  });

  it("cancelMessage on another organization's message is NOT_FOUND and leaves it scheduled", async () => {
    const theirs = await accepted(
      { fromPhoneNumber: other.numbers.twilio.phoneNumber, toPhoneNumber: customer, message: 'Theirs', sendAt: new Date(Date.now() + 60_000).toISOString() },
      other,
    );
    const result = (await ok(org.request(SharedCancelMessage, { id: theirs.id }))).cancelMessage;
    expect(result).toMatchObject({ __typename: 'ApiError', code: 'NOT_FOUND' });
    expect((await messageStatus(theirs.id, other))?.status).toBe('SCHEDULED');
    expect(await messageStatus(theirs.id)).toBeNull();
  });
});

describe('DateTime input', () => {
  it('refuses a malformed sendAt with a clear GraphQL error, not an internal one', async () => {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${org.apiKey}` },
      body: JSON.stringify({
        query: 'mutation($input: SendSmsInput!) { sendSms(input: $input) { __typename } }',
        variables: { input: { fromPhoneNumber: org.numbers.twilio.phoneNumber, toPhoneNumber: '+14155552680', message: 'x', sendAt: 'next tuesday' } },
      }),
    });
    const body = (await response.json()) as { errors?: { message: string; extensions?: { code?: string } }[] };
    expect(body.errors?.[0]?.message).toMatch(/ISO 8601/);
    expect(body.errors?.[0]?.extensions?.code).not.toBe('INTERNAL_SERVER_ERROR');
  });
});
