/**
 * Quiet hours: the sending window on the recipient's clock, from their number where it settles
 * the zone, else the assistant's zone; the next allowed time across a time-zone boundary and
 * daylight-saving changes; refusing or scheduling a send to exactly that instant.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganizationFixture, type OrganizationFixture } from './support/fixtures';
import { eventually, startServer, type TestServer } from './support/server';
import { assistantCompliance, canSend, messagesTo, restSend, sendSms } from './support/compliance';
import { messageDetails } from './support/inbound';
import { graphql } from './gql';
import { ok } from './support/client';

const SendAt = graphql(`
  query QuietHoursSendAt($id: ID!) {
    message(id: $id) { sendAt }
  }
`);

const sendAtOf = async (org: OrganizationFixture, id: string) => (await ok(org.request(SendAt, { id }))).message?.sendAt;

let server: TestServer;
let org: OrganizationFixture;

const US = '+14155553301';
const UK = '+447400123456';
const JAPAN = '+819012345678';

beforeAll(async () => {
  server = await startServer();
  org = await createOrganizationFixture(server);
  await assistantCompliance(org, { sendingWindowStart: '08:00', sendingWindowEnd: '21:00', timeZone: 'America/Los_Angeles' });
});
afterAll(() => server?.stop());

async function nextAllowedAt(to: string, at: string) {
  const verdict = await canSend(org, org.numbers.twilio.phoneNumber, to, { at });
  const quiet = verdict.reasons.find((r) => r.code === 'QUIET_HOURS');
  return quiet ? { allowed: verdict.allowed, nextAllowedAt: quiet.nextAllowedAt } : { allowed: verdict.allowed, nextAllowedAt: null };
}

describe('the recipient’s zone', () => {
  it('one instant: evening in California (the assistant’s zone, for a US number), early morning in London, afternoon in Tokyo', async () => {
    const at = '2027-01-15T05:30:00.000Z';
    // 21:30 on the 14th in Los Angeles: the window opens at 08:00 PST on the 15th.
    expect(await nextAllowedAt(US, at)).toEqual({ allowed: false, nextAllowedAt: '2027-01-15T16:00:00.000Z' });
    // 05:30 GMT in London: 08:00 the same day.
    expect(await nextAllowedAt(UK, at)).toEqual({ allowed: false, nextAllowedAt: '2027-01-15T08:00:00.000Z' });
    // 14:30 in Tokyo: inside the window.
    expect(await nextAllowedAt(JAPAN, at)).toEqual({ allowed: true, nextAllowedAt: null });
  });

  it('just before and at the window’s edges', async () => {
    expect(await nextAllowedAt(UK, '2027-01-15T07:59:00.000Z')).toEqual({ allowed: false, nextAllowedAt: '2027-01-15T08:00:00.000Z' });
    expect(await nextAllowedAt(UK, '2027-01-15T08:00:00.000Z')).toEqual({ allowed: true, nextAllowedAt: null });
    expect(await nextAllowedAt(UK, '2027-01-15T20:59:00.000Z')).toEqual({ allowed: true, nextAllowedAt: null });
    expect(await nextAllowedAt(UK, '2027-01-15T21:00:00.000Z')).toEqual({ allowed: false, nextAllowedAt: '2027-01-16T08:00:00.000Z' });
  });
});

describe('daylight saving', () => {
  it('London springs forward on 28 March 2027: 08:00 is 07:00 UTC that morning, 08:00 UTC the day before', async () => {
    expect(await nextAllowedAt(UK, '2027-03-27T06:30:00.000Z')).toEqual({ allowed: false, nextAllowedAt: '2027-03-27T08:00:00.000Z' });
    expect(await nextAllowedAt(UK, '2027-03-28T06:30:00.000Z')).toEqual({ allowed: false, nextAllowedAt: '2027-03-28T07:00:00.000Z' });
    // Waiting across the change: 22:00 GMT on the 27th → 08:00 BST on the 28th.
    expect(await nextAllowedAt(UK, '2027-03-27T22:00:00.000Z')).toEqual({ allowed: false, nextAllowedAt: '2027-03-28T07:00:00.000Z' });
  });

  it('California falls back on 7 November 2027: a wait across the change ends at 08:00 PST, 16:00 UTC', async () => {
    // 22:00 PDT on the 6th.
    expect(await nextAllowedAt(US, '2027-11-07T05:00:00.000Z')).toEqual({ allowed: false, nextAllowedAt: '2027-11-07T16:00:00.000Z' });
    // 22:00 PST on the 7th.
    expect(await nextAllowedAt(US, '2027-11-08T06:00:00.000Z')).toEqual({ allowed: false, nextAllowedAt: '2027-11-08T16:00:00.000Z' });
  });

  it('a send scheduled into quiet hours is refused with the next allowed time, or scheduled for exactly that instant', async () => {
    // 23:30 PST on 13 March 2027; clocks spring forward that night, so 08:00 is PDT (15:00 UTC).
    const sendAt = '2027-03-14T07:30:00.000Z';
    const customer = '+14155553302';
    expect(await nextAllowedAt(customer, sendAt)).toEqual({ allowed: false, nextAllowedAt: '2027-03-14T15:00:00.000Z' });
    expect(await sendSms(org, org.numbers.twilio.phoneNumber, customer, { sendAt })).toMatchObject({
      __typename: 'ApiError',
      code: 'QUIET_HOURS',
      nextAllowedAt: '2027-03-14T15:00:00.000Z',
    });
    expect(await messagesTo(org, customer)).toEqual([]);
    const scheduled = await sendSms(org, org.numbers.twilio.phoneNumber, customer, { sendAt, outsideQuietHours: 'SCHEDULE' });
    expect(scheduled).toMatchObject({ __typename: 'SendMessagePayload', outboundMessage: { status: 'SCHEDULED', sendAt: '2027-03-14T15:00:00.000Z' } });
    // The scheduled time is inside the window: canSend agrees.
    expect(await nextAllowedAt(customer, '2027-03-14T15:00:00.000Z')).toEqual({ allowed: true, nextAllowedAt: null });
  });
});

describe('as a message falls due', () => {
  it('one accepted while the window was open but due after it closed waits for the window to open again, with the reason on its timeline', async () => {
    const late = await createOrganizationFixture(server, { name: 'Backlog', numberOffset: 2 });
    await assistantCompliance(late, { timeZone: 'UTC' });
    const customer = '+14155553304';
    const from = late.numbers.twilio.phoneNumber;
    // Accepted with no window set, due in a few seconds.
    const accepted = await sendSms(late, from, customer, { category: 'MARKETING', sendAt: new Date(Date.now() + 4000).toISOString() });
    if (accepted.__typename !== 'SendMessagePayload') throw new Error(JSON.stringify(accepted));
    // Before it falls due, the assistant's window closes for the next two hours.
    const hour = (h: number) => `${String((new Date().getUTCHours() + h) % 24).padStart(2, '0')}:00`;
    await assistantCompliance(late, { sendingWindowStart: hour(2), sendingWindowEnd: hour(4) });
    const opens = (await canSend(late, from, customer, { category: 'MARKETING' })).reasons.find((r) => r.code === 'QUIET_HOURS')?.nextAllowedAt;
    expect(opens).toMatch(new RegExp(`T${hour(2)}:00.000Z$`));
    expect((await messageDetails(late, accepted.outboundMessage.id)).status).toBe('SCHEDULED');

    const held = await eventually(async () => {
      const message = await messageDetails(late, accepted.outboundMessage.id);
      return message.events.length > 1 ? message : null;
    });
    expect(held).toMatchObject({ status: 'SCHEDULED', errorMessage: `held for quiet hours: the sending window opens at ${opens}` });
    expect(held.events.map((e) => e.status)).toEqual(['SCHEDULED', 'SCHEDULED']);
    expect((await sendAtOf(late, held.id))).toBe(opens);
    expect(server.fake.sentTo(customer)).toEqual([]);
  });
});

describe('per message', () => {
  it('REST refuses by default and schedules when asked; TRANSACTIONAL goes out when the assistant exempts it', async () => {
    const other = await createOrganizationFixture(server, { name: 'Night owls', numberOffset: 1 });
    const hour = (h: number) => `${String((new Date().getUTCHours() + h) % 24).padStart(2, '0')}:00`;
    await assistantCompliance(other, { sendingWindowStart: hour(2), sendingWindowEnd: hour(4), timeZone: 'UTC' });
    const customer = '+14155553303';
    const refused = await restSend(server, other, { from_phone_number: other.numbers.telnyx.phoneNumber, to_phone_number: customer, message: 'Sale!' });
    expect(refused).toMatchObject({ status: 409, body: { error: { code: 'QUIET_HOURS' } } });
    const scheduled = await restSend(server, other, {
      from_phone_number: other.numbers.telnyx.phoneNumber,
      to_phone_number: customer,
      message: 'Sale!',
      outside_quiet_hours: 'schedule',
    });
    expect(scheduled).toMatchObject({ status: 200, body: { status: 'scheduled' } });
    expect(refused.body.next_allowed_at).toMatch(new RegExp(`T${hour(2)}:00.000Z$`));

    expect(await sendSms(other, other.numbers.telnyx.phoneNumber, customer, { category: 'TRANSACTIONAL' })).toMatchObject({ code: 'QUIET_HOURS' });
    await assistantCompliance(other, { exemptTransactional: true });
    expect(await sendSms(other, other.numbers.telnyx.phoneNumber, customer, { category: 'TRANSACTIONAL', message: 'Your code is 4242' })).toMatchObject({
      __typename: 'SendMessagePayload',
      outboundMessage: { status: 'QUEUED' },
    });
    expect(await sendSms(other, other.numbers.telnyx.phoneNumber, customer, { category: 'MARKETING' })).toMatchObject({ code: 'QUIET_HOURS' });
    await eventually(() => server.fake.sentTo(customer).length === 1);
    expect(server.fake.sentTo(customer).map((r) => String(r.body.text))).toEqual(['Your code is 4242']);
  });
});
