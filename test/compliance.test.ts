/**
 * The compliance rules through every door: canSend, sendSms and POST /sms/send answer the same
 * code for each refusal and store nothing; every rule is off until switched on; the consent
 * rules (opt-in required, its exceptions, STOPALL) and their settings.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from './gql';
import type { RecordOptInInput } from './gql/graphql';
import { ok } from './support/client';
import { SharedAddPhoneNumber, SharedCreateAssistant } from './support/documents';
import { createOrganizationFixture, makeCredentials, type OrganizationFixture } from './support/fixtures';
import { post, signedInbound, startInboundSuite, stopInboundSuite, type Sink } from './support/inbound';
import { eventually, type TestServer } from './support/server';
import { telnyxKeyPair } from './fakes/signing';
import { decodeGlobalID } from '@pothos/plugin-relay';
import type { Statement, Work } from '../src/db/sql';
import { recipientRefusals, type RecipientCheck } from '../src/compliance/rules';
import {
  assistantCompliance,
  canSend,
  ComplianceCanSend,
  ComplianceRecordOptIn,
  ComplianceUpdateAssistant,
  consentHistory,
  messagesTo,
  organizationSettings,
  restSend,
  sendSms,
} from './support/compliance';

const ComplianceSendSmsWithKey = graphql(`
  mutation ComplianceSendSmsWithKey($input: SendSmsInput!) {
    sendSms(input: $input) {
      __typename
      ... on SendMessagePayload { outboundMessage { id status } }
      ... on ApiError { code message }
    }
  }
`);

const OptOutByHand = graphql(`
  mutation ComplianceOptOutByHand($input: OptOutRecipientInput!) {
    optOutRecipient(input: $input) { __typename ... on Error { code message } }
  }
`);

let server: TestServer;
let sink: Sink;
let org: OrganizationFixture;
let offset = 0;
let customerSeq = 0;
const nextCustomer = () => `+1415555${3100 + ++customerSeq}`;
const newOrganization = () => createOrganizationFixture(server, { name: `Compliance ${offset}`, numberOffset: ++offset });

beforeAll(async () => {
  ({ server, sink, org } = await startInboundSuite());
});
afterAll(() => stopInboundSuite({ server, sink }));

async function inbound(who: OrganizationFixture, key: 'twilio' | 'telnyx' | 'vonage', from: string, body: string) {
  const hook = signedInbound(server, who, key, { from, body });
  expect((await post(server, hook.path, hook.signed)).status).toBe(200);
}

/** The clock time `hours` from now in UTC, "HH:00". */
const utcHourFromNow = (hours: number) => `${String((new Date().getUTCHours() + hours) % 24).padStart(2, '0')}:00`;

interface Scenario {
  code: string;
  status: number;
  /** Switches the rule on in a fresh organization and answers the send it refuses. */
  setup(): Promise<{ who: OrganizationFixture; from: string; to: string }>;
}

const SCENARIOS: Scenario[] = [
  {
    code: 'RECIPIENT_OPTED_OUT',
    status: 409,
    async setup() {
      const who = await newOrganization();
      const to = nextCustomer();
      expect((await ok(who.request(OptOutByHand, { input: { phoneNumberId: who.numbers.twilio.id, customerPhoneNumber: to } }))).optOutRecipient.__typename).toBe(
        'OptOutRecipientPayload',
      );
      return { who, from: who.numbers.twilio.phoneNumber, to };
    },
  },
  {
    code: 'CONSENT_REQUIRED',
    status: 409,
    async setup() {
      const who = await newOrganization();
      await organizationSettings(who, { requireOptIn: true });
      return { who, from: who.numbers.twilio.phoneNumber, to: nextCustomer() };
    },
  },
  {
    code: 'QUIET_HOURS',
    status: 409,
    async setup() {
      const who = await newOrganization();
      await assistantCompliance(who, { sendingWindowStart: utcHourFromNow(2), sendingWindowEnd: utcHourFromNow(3), timeZone: 'UTC' });
      return { who, from: who.numbers.telnyx.phoneNumber, to: nextCustomer() };
    },
  },
  {
    code: 'FREQUENCY_CAP',
    status: 409,
    async setup() {
      const who = await newOrganization();
      await assistantCompliance(who, { dailyCapPerRecipient: 1 });
      const to = nextCustomer();
      expect(await sendSms(who, who.numbers.vonage.phoneNumber, to, { message: 'The one allowed today' })).toMatchObject({ __typename: 'SendMessagePayload' });
      await eventually(() => server.fake.sentTo(to).length === 1);
      return { who, from: who.numbers.twilio.phoneNumber, to };
    },
  },
  {
    code: 'SENDER_NOT_REGISTERED',
    status: 422,
    async setup() {
      const who = await newOrganization();
      await organizationSettings(who, { enforceRegistration: true });
      return { who, from: who.numbers.telnyx.phoneNumber, to: nextCustomer() };
    },
  },
  {
    code: 'NO_ASSISTANT',
    status: 404,
    async setup() {
      const who = await newOrganization();
      const from = `+1415555${3900 + offset}`;
      expect((await ok(who.request(SharedAddPhoneNumber, { input: { phoneNumber: from, provider: 'TELNYX' } }))).addPhoneNumber.__typename).toBe('AddPhoneNumberPayload');
      return { who, from, to: nextCustomer() };
    },
  },
  {
    code: 'PROVIDER_NOT_CONFIGURED',
    status: 422,
    async setup() {
      const who = await newOrganization();
      const telnyxOnly = (await ok(who.request(SharedCreateAssistant, { input: { name: 'Telnyx only', telnyxConfig: makeCredentials(telnyxKeyPair().publicKeyBase64).telnyx } })))
        .createAssistant;
      if (telnyxOnly.__typename !== 'CreateAssistantPayload') throw new Error(JSON.stringify(telnyxOnly));
      const from = `+1415555${3950 + offset}`;
      const added = (await ok(who.request(SharedAddPhoneNumber, { input: { phoneNumber: from, provider: 'VONAGE', assistantId: telnyxOnly.assistant.id } }))).addPhoneNumber;
      expect(added.__typename).toBe('AddPhoneNumberPayload');
      return { who, from, to: nextCustomer() };
    },
  },
];

describe('each refusal', () => {
  it.each(SCENARIOS.map((s) => [s.code, s] as const))('%s: canSend, sendSms and POST /sms/send answer the same code, and nothing is stored', async (code, scenario) => {
    const { who, from, to } = await scenario.setup();
    const storedBefore = (await messagesTo(who, to)).map((m) => m.id);
    const sentBefore = server.fake.sentTo(to).length;

    const verdict = await canSend(who, from, to);
    expect(verdict.allowed).toBe(false);
    const reason = verdict.reasons.find((r) => r.code === code);
    expect(reason).toMatchObject({ code, enforced: true });

    const viaGraphql = await sendSms(who, from, to);
    expect(viaGraphql).toMatchObject({ __typename: 'ApiError', code, message: reason!.message });

    const viaRest = await restSend(server, who, { from_phone_number: from, to_phone_number: to, message: 'Hello from REST' });
    expect(viaRest.status).toBe(scenario.status);
    expect(viaRest.body).toMatchObject({ success: false, error: { code, message: reason!.message }, detail: reason!.message });

    if (code === 'QUIET_HOURS') {
      // The next allowed time, the same through every door: the window's next start, in UTC here.
      const start = Number(utcHourFromNow(2).slice(0, 2));
      const expected = new Date();
      expected.setUTCHours(start, 0, 0, 0);
      if (expected.getTime() < Date.now()) expected.setUTCDate(expected.getUTCDate() + 1);
      expect(reason!.nextAllowedAt).toBe(expected.toISOString());
      expect(viaGraphql).toMatchObject({ nextAllowedAt: expected.toISOString() });
      expect(viaRest.body.next_allowed_at).toBe(expected.toISOString());
      expect(reason!.message).toContain(expected.toISOString());
    } else {
      expect(reason!.nextAllowedAt).toBeNull();
    }
    expect((await messagesTo(who, to)).map((m) => m.id)).toEqual(storedBefore);
    expect(server.fake.sentTo(to)).toHaveLength(sentBefore);
  });
});

describe('off until switched on', () => {
  it('a new organization sends as before; canSend still reports what the rules that are off would say', async () => {
    const who = await newOrganization();
    const to = nextCustomer();
    const verdict = await canSend(who, who.numbers.twilio.phoneNumber, to);
    expect(verdict.allowed).toBe(true);
    expect(verdict.reasons.map((r) => [r.code, r.enforced]).sort()).toEqual([
      ['CONSENT_REQUIRED', false],
      ['SENDER_NOT_REGISTERED', false],
    ]);
    expect(await sendSms(who, who.numbers.twilio.phoneNumber, to)).toMatchObject({ __typename: 'SendMessagePayload', outboundMessage: { status: 'QUEUED' } });
  });

  it('a number outside the US and Canada needs no registration; an APPROVED-only gate does not touch it', async () => {
    const who = await newOrganization();
    await organizationSettings(who, { enforceRegistration: true });
    const uk = `+4479111234${String(10 + offset).padStart(2, '0')}`;
    expect((await ok(who.request(SharedAddPhoneNumber, { input: { phoneNumber: uk, provider: 'TWILIO', assistantId: who.assistantId } }))).addPhoneNumber.__typename).toBe(
      'AddPhoneNumberPayload',
    );
    const to = nextCustomer();
    expect(await canSend(who, uk, to)).toMatchObject({ allowed: true });
    expect(await sendSms(who, uk, to)).toMatchObject({ __typename: 'SendMessagePayload' });
    // A toll-free number is gated like a long code.
    const tollFree = `+1800555${String(1200 + offset)}`;
    expect((await ok(who.request(SharedAddPhoneNumber, { input: { phoneNumber: tollFree, provider: 'TELNYX', assistantId: who.assistantId } }))).addPhoneNumber.__typename).toBe(
      'AddPhoneNumberPayload',
    );
    expect(await sendSms(who, tollFree, to)).toMatchObject({ code: 'SENDER_NOT_REGISTERED' });
  });
});

describe('canSend and sendSms agree', () => {
  it('canSend answers typed errors for numbers that are not valid or not ours, changing nothing', async () => {
    const invalid = (await ok(org.request(ComplianceCanSend, { input: { fromPhoneNumber: org.numbers.twilio.phoneNumber, toPhoneNumber: '+1555' } }))).canSend;
    expect(invalid).toMatchObject({ __typename: 'ApiError', code: 'INVALID_PHONE_NUMBER' });
    const stranger = (await ok(org.request(ComplianceCanSend, { input: { fromPhoneNumber: '+14155553999', toPhoneNumber: nextCustomer() } }))).canSend;
    expect(stranger).toMatchObject({ __typename: 'ApiError', code: 'NUMBER_NOT_FOUND' });
  });

  it('a send repeated with its idempotency key after a rule was switched on answers with the first message', async () => {
    const who = await newOrganization();
    const to = nextCustomer();
    const input = { fromPhoneNumber: who.numbers.twilio.phoneNumber, toPhoneNumber: to, message: 'Your order shipped', idempotencyKey: 'order-77-shipped' };
    const first = (await ok(who.request(ComplianceSendSmsWithKey, { input }))).sendSms;
    expect(first.__typename).toBe('SendMessagePayload');
    await assistantCompliance(who, { sendingWindowStart: utcHourFromNow(2), sendingWindowEnd: utcHourFromNow(3), timeZone: 'UTC' });
    await organizationSettings(who, { requireOptIn: true });
    const again = (await ok(who.request(ComplianceSendSmsWithKey, { input }))).sendSms;
    expect(again.__typename === 'SendMessagePayload' && first.__typename === 'SendMessagePayload' && again.outboundMessage.id === first.outboundMessage.id).toBe(true);
    // Without the key the rules refuse it.
    expect(await sendSms(who, who.numbers.twilio.phoneNumber, to)).toMatchObject({ code: 'QUIET_HOURS' });
    expect(await messagesTo(who, to)).toHaveLength(1);
  });
});

describe('consent', () => {
  it('with requireOptIn, a reply within the window after the customer wrote goes out; after the window it is refused', async () => {
    const who = await newOrganization();
    await organizationSettings(who, { requireOptIn: true, consentReplyWindowMinutes: 60 });
    const customer = nextCustomer();
    await inbound(who, 'twilio', customer, 'Do you have a slot on Friday?');
    expect(await canSend(who, who.numbers.twilio.phoneNumber, customer)).toMatchObject({ allowed: true, reasons: [{ code: 'SENDER_NOT_REGISTERED', enforced: false }] });
    expect(await sendSms(who, who.numbers.twilio.phoneNumber, customer)).toMatchObject({ __typename: 'SendMessagePayload' });
    // They wrote to the Twilio number, not to the Telnyx one.
    expect(await sendSms(who, who.numbers.telnyx.phoneNumber, customer)).toMatchObject({ code: 'CONSENT_REQUIRED' });
    // Two hours later the window has closed.
    const later = new Date(Date.now() + 2 * 3600_000).toISOString();
    expect((await canSend(who, who.numbers.twilio.phoneNumber, customer, { at: later })).reasons).toContainEqual(
      expect.objectContaining({ code: 'CONSENT_REQUIRED', enforced: true }),
    );
  });

  it('recordOptIn gives consent for the numbers and assistants it covers, and is kept with its source and evidence', async () => {
    const who = await newOrganization();
    await organizationSettings(who, { requireOptIn: true });
    const customer = nextCustomer();
    const forTwilio = (
      await ok(
        who.request(ComplianceRecordOptIn, {
          input: { customerPhoneNumber: customer, source: 'checkout form', evidence: 'Ticked "Text me order updates"', phoneNumberIds: [who.numbers.twilio.id] },
        }),
      )
    ).recordOptIn;
    expect(forTwilio).toMatchObject({
      __typename: 'RecordOptInPayload',
      consentEvents: [{ kind: 'OPT_IN', method: 'API', phoneNumberId: who.numbers.twilio.id, assistantId: null, source: 'checkout form' }],
    });
    expect(await sendSms(who, who.numbers.twilio.phoneNumber, customer)).toMatchObject({ __typename: 'SendMessagePayload' });
    expect(await sendSms(who, who.numbers.telnyx.phoneNumber, customer)).toMatchObject({ code: 'CONSENT_REQUIRED' });

    await ok(who.request(ComplianceRecordOptIn, { input: { customerPhoneNumber: customer, source: 'phone call', assistantIds: [who.assistantId] } }));
    expect(await sendSms(who, who.numbers.telnyx.phoneNumber, customer)).toMatchObject({ __typename: 'SendMessagePayload' });

    // An opt-in for the whole organization (neither numbers nor assistants named).
    const other = nextCustomer();
    await ok(who.request(ComplianceRecordOptIn, { input: { customerPhoneNumber: other, source: 'paper form' } }));
    expect(await sendSms(who, who.numbers.vonage.phoneNumber, other)).toMatchObject({ __typename: 'SendMessagePayload' });
    expect((await consentHistory(who, { customerPhoneNumber: customer })).map((e) => [e.kind, e.method, e.source])).toEqual([
      ['OPT_IN', 'API', 'checkout form'],
      ['OPT_IN', 'API', 'phone call'],
    ]);
  });

  it('recordOptIn refuses bad input with a typed error and records nothing; another organization sees nothing', async () => {
    const who = await newOrganization();
    const stranger = await newOrganization();
    const customer = nextCustomer();
    const cases: [RecordOptInInput, string][] = [
      [{ customerPhoneNumber: '+1555', source: 'form' }, 'INVALID_PHONE_NUMBER'],
      [{ customerPhoneNumber: customer, source: '  ' }, 'INVALID_INPUT'],
      [{ customerPhoneNumber: customer, source: 'form', at: new Date(Date.now() + 3600_000).toISOString() }, 'INVALID_INPUT'],
      [{ customerPhoneNumber: customer, source: 'form', phoneNumberIds: [stranger.numbers.twilio.id] }, 'NOT_FOUND'],
      [{ customerPhoneNumber: customer, source: 'form', assistantIds: [stranger.assistantId] }, 'NOT_FOUND'],
    ];
    for (const [input, code] of cases) {
      expect((await ok(who.request(ComplianceRecordOptIn, { input: { ...input } }))).recordOptIn).toMatchObject({ __typename: 'ApiError', code });
    }
    expect(await consentHistory(who, { customerPhoneNumber: customer })).toEqual([]);
    await ok(who.request(ComplianceRecordOptIn, { input: { customerPhoneNumber: customer, source: 'form' } }));
    expect(await consentHistory(who, { customerPhoneNumber: customer })).toHaveLength(1);
    expect(await consentHistory(stranger, { customerPhoneNumber: customer })).toEqual([]);
  });

  it('STOPALL and UNSUBSCRIBE ALL opt out of every number of the organization, as one organization-wide entry', async () => {
    for (const word of ['STOPALL', ' unsubscribe  all ']) {
      const customer = nextCustomer();
      await inbound(org, 'telnyx', customer, word);
      for (const key of ['twilio', 'telnyx', 'vonage'] as const) {
        expect(await sendSms(org, org.numbers[key].phoneNumber, customer)).toMatchObject({ code: 'RECIPIENT_OPTED_OUT' });
      }
      expect(await consentHistory(org, { customerPhoneNumber: customer })).toMatchObject([
        { kind: 'OPT_OUT', method: 'KEYWORD', phoneNumberId: null, assistantId: null, keyword: word.trim().toUpperCase().replace(/\s+/g, ' ') },
      ]);
      // START on one number opts back in to that number only.
      await inbound(org, 'vonage', customer, 'START');
      expect(await sendSms(org, org.numbers.vonage.phoneNumber, customer)).toMatchObject({ __typename: 'SendMessagePayload' });
      expect(await sendSms(org, org.numbers.twilio.phoneNumber, customer)).toMatchObject({ code: 'RECIPIENT_OPTED_OUT' });
    }
  });
});

describe('settings', () => {
  it('assistant compliance settings are read back, and bad values are refused naming the field, changing nothing', async () => {
    const who = await newOrganization();
    expect(await assistantCompliance(who, { sendingWindowStart: '08:00', sendingWindowEnd: '21:00', timeZone: 'America/Chicago', dailyCapPerRecipient: 3 })).toMatchObject({
      sendingWindowStart: '08:00',
      sendingWindowEnd: '21:00',
      timeZone: 'America/Chicago',
      dailyCapPerRecipient: 3,
      keywordReplies: false,
      optOutFooter: null,
      exemptTransactional: false,
    });
    const bad = [
      [{ sendingWindowStart: '25:00' }, 'compliance.sendingWindowStart'],
      [{ sendingWindowEnd: null }, 'compliance.sendingWindowStart'],
      [{ timeZone: 'Mars/Olympus_Mons' }, 'compliance.timeZone'],
      [{ dailyCapPerRecipient: 0 }, 'compliance.dailyCapPerRecipient'],
      [{ stopReply: 'x'.repeat(501) }, 'compliance.stopReply'],
    ] as const;
    for (const [compliance, field] of bad) {
      const result = (await ok(who.request(ComplianceUpdateAssistant, { input: { id: who.assistantId, compliance } }))).updateAssistant;
      expect(result).toMatchObject({ __typename: 'ApiError', code: 'INVALID_INPUT', field });
    }
    expect(await assistantCompliance(who, {})).toMatchObject({ sendingWindowStart: '08:00', timeZone: 'America/Chicago', dailyCapPerRecipient: 3, stopReply: null });
    // Cleared with null: the rule is off again.
    expect(await assistantCompliance(who, { sendingWindowStart: null, sendingWindowEnd: null, dailyCapPerRecipient: null })).toMatchObject({
      sendingWindowStart: null,
      dailyCapPerRecipient: null,
    });
  });

  it('COMPLIANCE is not a category a caller may choose', async () => {
    const to = nextCustomer();
    expect(await sendSms(org, org.numbers.twilio.phoneNumber, to, { category: 'COMPLIANCE' })).toMatchObject({ code: 'INVALID_INPUT', field: 'category' });
    expect(await messagesTo(org, to)).toEqual([]);
  });

  it('the frequency cap counts messages of the last 24 hours from all the assistant’s numbers; TRANSACTIONAL may be exempt', async () => {
    const who = await newOrganization();
    await assistantCompliance(who, { dailyCapPerRecipient: 2 });
    const to = nextCustomer();
    // Sent at once, in one batch or several: exactly two are accepted.
    const results = await Promise.all(
      (['twilio', 'telnyx', 'vonage', 'twilio'] as const).map((key, i) => sendSms(who, who.numbers[key].phoneNumber, to, { message: `Offer ${i}`, category: 'MARKETING' })),
    );
    expect(results.filter((r) => r.__typename === 'SendMessagePayload')).toHaveLength(2);
    expect(results.filter((r) => r.__typename === 'ApiError' && r.code === 'FREQUENCY_CAP')).toHaveLength(2);
    expect(await sendSms(who, who.numbers.twilio.phoneNumber, to, { category: 'TRANSACTIONAL' })).toMatchObject({ code: 'FREQUENCY_CAP' });
    await assistantCompliance(who, { exemptTransactional: true });
    expect(await sendSms(who, who.numbers.twilio.phoneNumber, to, { category: 'TRANSACTIONAL', message: 'Your code is 123456' })).toMatchObject({
      __typename: 'SendMessagePayload',
      outboundMessage: { category: 'TRANSACTIONAL' },
    });
    expect((await messagesTo(who, to)).length).toBe(3);
  });
});

describe('batched with the intake', () => {
  /** Runs the recipient rules against the server's real database, statement by statement, counting them. */
  async function run(checks: RecipientCheck[]) {
    const { sql } = server.app.services;
    // The dialect's statement builder, taken out of an empty transaction: the statements then run one by one.
    const tx = await sql.transaction(function* (t) {
      return t;
    });
    const work: Work<unknown> = recipientRefusals(tx, checks, 'enforce');
    const statements: Statement[] = [];
    let step = work.next();
    while (!step.done) {
      statements.push(step.value);
      step = work.next(step.value.mode === 'all' ? await sql.all(step.value.sql, step.value.params) : await sql.run(step.value.sql, step.value.params));
    }
    return { refusals: step.value as { code: string }[][], statements };
  }

  it('one statement per rule that is on per batch, whatever its size; only the opt-out look-up when the rules are off', async () => {
    const who = await newOrganization();
    const id = (globalId: string) => decodeGlobalID(globalId).id;
    const base = { organizationId: id(who.organizationId), phoneNumberId: id(who.numbers.twilio.id), assistantId: id(who.assistantId), from: who.numbers.twilio.phoneNumber, at: new Date() };
    const customers = Array.from({ length: 50 }, (_, i) => `+1415555${4000 + i}`);
    const off = await run(customers.map((to) => ({ ...base, to, rules: { requireOptIn: false, replyWindowMinutes: 1440, dailyCap: null } })));
    expect(off.statements).toHaveLength(1);
    expect(off.refusals.flat()).toEqual([]);

    // Opt-out, consent history, the reply window (for those without an opt-in) and the cap.
    await ok(who.request(ComplianceRecordOptIn, { input: { customerPhoneNumber: customers[0], source: 'form' } }));
    const on = await run(customers.map((to) => ({ ...base, to, rules: { requireOptIn: true, replyWindowMinutes: 1440, dailyCap: 5 } })));
    expect(on.statements).toHaveLength(4);
    expect(on.refusals[0]).toEqual([]);
    expect(on.refusals.slice(1).every((r) => r.length === 1 && r[0].code === 'CONSENT_REQUIRED')).toBe(true);
  });
});
