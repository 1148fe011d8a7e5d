/**
 * messageStats — totals by status, provider and direction,
 * success rate, segments, and the hourly/daily series computed in the database — for the
 * caller's organization only, under the delivery log's filters.
 *
 * The messages of the known data set need creation times hours and days apart, which the API
 * cannot produce, so they are inserted through `server.app.services.db` (the server's real
 * database). The last test goes through the real API (REST send, fake provider, status webhook).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeGlobalID } from '@pothos/plugin-relay';
import { graphql } from './gql';
import { ok } from './support/client';
import { createOrganizationFixture, type OrganizationFixture } from './support/fixtures';
import { eventually, startServer, type TestServer } from './support/server';
import { post, sendAndWaitSent, signedInbound, signedStatus } from './support/inbound';
import { compactMessageTallies, messageSeries, messageStats } from '../src/messaging/stats';
import type { MessageFilter } from '../src/messaging/message-filter';

const StatsQuery = graphql(`
  query StatsQuery($filter: MessageFilter, $interval: StatsInterval!) {
    messageStats(filter: $filter) {
      total segments successRate
      byStatus { key count } byProvider { key count } byDirection { key count }
      series(interval: $interval) { start total inbound outbound delivered undelivered failed segments }
    }
  }
`);

const StatsSeriesDefault = graphql(`
  query StatsSeriesDefault {
    messageStats { series { start total } }
  }
`);

const StatsDeleteConversation = graphql(`
  mutation StatsDeleteConversation($id: ID!) {
    deleteConversation(id: $id) { ... on DeleteConversationPayload { deletedMessages } }
  }
`);

const StatsMessageThread = graphql(`
  query StatsMessageThread($id: ID!) {
    message(id: $id) { conversation { id } }
  }
`);

const StatsMessage = graphql(`
  query StatsMessage($id: ID!) {
    message(id: $id) { id status providerMessageId createdAt }
  }
`);

let server: TestServer;
let org: OrganizationFixture;
let other: OrganizationFixture;

type Direction = 'INBOUND' | 'OUTBOUND';
type Status = 'DELIVERED' | 'FAILED' | 'RECEIVED' | 'UNDELIVERED' | 'SENT';
type Provider = 'TWILIO' | 'TELNYX' | 'VONAGE';
const CUSTOMER = '+14155557001';

/** The known data set: [createdAt, direction, status, provider, segments, body]. */
const DATA: [string, Direction, Status, Provider, number, string][] = [
  ['2026-03-10T09:05:00.000Z', 'OUTBOUND', 'DELIVERED', 'TWILIO', 1, 'Your TABLE is ready'],
  ['2026-03-10T09:40:00.000Z', 'OUTBOUND', 'FAILED', 'TWILIO', 2, 'Reminder'],
  ['2026-03-10T09:59:59.999Z', 'INBOUND', 'RECEIVED', 'TWILIO', 1, 'is my table ready?'],
  ['2026-03-10T10:00:00.000Z', 'OUTBOUND', 'UNDELIVERED', 'TELNYX', 3, 'Menu'],
  ['2026-03-10T23:30:00.000Z', 'OUTBOUND', 'DELIVERED', 'VONAGE', 1, 'Good night'],
  ['2026-03-11T00:00:00.000Z', 'INBOUND', 'RECEIVED', 'VONAGE', 2, 'Thanks'],
  ['2026-03-11T13:15:00.000Z', 'OUTBOUND', 'DELIVERED', 'TELNYX', 1, 'Lunch?'],
  ['2026-03-12T08:00:00.000Z', 'OUTBOUND', 'SENT', 'TWILIO', 4, 'Breakfast table'],
];

async function stats(filter: Record<string, unknown> | null, interval: 'HOUR' | 'DAY' = 'DAY', who = org) {
  return (await ok(who.request(StatsQuery, { filter, interval }))).messageStats;
}
const bucket = (start: string, counts: Partial<Record<'total' | 'inbound' | 'outbound' | 'delivered' | 'undelivered' | 'failed' | 'segments', number>>) => ({
  start,
  total: 0,
  inbound: 0,
  outbound: 0,
  delivered: 0,
  undelivered: 0,
  failed: 0,
  segments: 0,
  ...counts,
});

beforeAll(async () => {
  server = await startServer();
  org = await createOrganizationFixture(server);
  other = await createOrganizationFixture(server, { name: 'Other', numberOffset: 1 });
  const { db } = server.app.services;
  const insert = (who: OrganizationFixture, rows: typeof DATA) =>
    db.message.createMany({
      data: rows.map(([createdAt, direction, status, provider, segments, body]) => {
        const ours = who.numbers[provider.toLowerCase() as 'twilio' | 'telnyx' | 'vonage'];
        return {
          organizationId: decodeGlobalID(who.organizationId).id,
          assistantId: decodeGlobalID(who.assistantId).id,
          phoneNumberId: decodeGlobalID(ours.id).id,
          direction,
          from: direction === 'OUTBOUND' ? ours.phoneNumber : CUSTOMER,
          to: direction === 'OUTBOUND' ? CUSTOMER : ours.phoneNumber,
          body,
          provider,
          status,
          segments,
          encoding: 'GSM7' as const,
          createdAt: new Date(createdAt),
        };
      }),
    });
  await insert(org, DATA);
  // The other organization's messages in the same hours never count.
  await insert(other, [DATA[0], DATA[1], DATA[3], DATA[7]]);
});
afterAll(() => server?.stop());

describe('messageStats', () => {
  it('totals by status, provider and direction, segments and success rate', async () => {
    const s = await stats(null);
    expect(s.total).toBe(8);
    expect(s.byStatus).toEqual([
      { key: 'DELIVERED', count: 3 },
      { key: 'FAILED', count: 1 },
      { key: 'RECEIVED', count: 2 },
      { key: 'SENT', count: 1 },
      { key: 'UNDELIVERED', count: 1 },
    ]);
    expect(s.byProvider).toEqual([
      { key: 'TELNYX', count: 2 },
      { key: 'TWILIO', count: 4 },
      { key: 'VONAGE', count: 2 },
    ]);
    expect(s.byDirection).toEqual([
      { key: 'INBOUND', count: 2 },
      { key: 'OUTBOUND', count: 6 },
    ]);
    expect(s.segments).toBe(1 + 2 + 3 + 1 + 1 + 4);
    expect(s.successRate).toBeCloseTo(3 / 5, 10);
  });

  it('a series per hour (UTC), buckets at their exact boundaries, oldest first', async () => {
    const s = await stats(null, 'HOUR');
    expect(s.series).toEqual([
      bucket('2026-03-10T09:00:00.000Z', { total: 3, inbound: 1, outbound: 2, delivered: 1, failed: 1, segments: 3 }),
      bucket('2026-03-10T10:00:00.000Z', { total: 1, outbound: 1, undelivered: 1, segments: 3 }),
      bucket('2026-03-10T23:00:00.000Z', { total: 1, outbound: 1, delivered: 1, segments: 1 }),
      bucket('2026-03-11T00:00:00.000Z', { total: 1, inbound: 1 }),
      bucket('2026-03-11T13:00:00.000Z', { total: 1, outbound: 1, delivered: 1, segments: 1 }),
      bucket('2026-03-12T08:00:00.000Z', { total: 1, outbound: 1, segments: 4 }),
    ]);
  });

  it('a series per day (UTC), DAY by default', async () => {
    const s = await stats(null, 'DAY');
    expect(s.series).toEqual([
      bucket('2026-03-10T00:00:00.000Z', { total: 5, inbound: 1, outbound: 4, delivered: 2, failed: 1, undelivered: 1, segments: 7 }),
      bucket('2026-03-11T00:00:00.000Z', { total: 2, inbound: 1, outbound: 1, delivered: 1, segments: 1 }),
      bucket('2026-03-12T00:00:00.000Z', { total: 1, outbound: 1, segments: 4 }),
    ]);
    const { messageStats } = await ok(org.request(StatsSeriesDefault));
    expect(messageStats.series).toEqual(s.series.map(({ start, total }) => ({ start, total })));
    // The series adds up to the totals.
    expect(s.series.reduce((sum, b) => sum + b.total, 0)).toBe(s.total);
    expect(s.series.reduce((sum, b) => sum + b.segments, 0)).toBe(s.segments);
  });

  it('honours the delivery log filters, for the totals and the series alike', async () => {
    const twilio = await stats({ provider: 'TWILIO' }, 'DAY');
    expect(twilio.total).toBe(4);
    expect(twilio.successRate).toBeCloseTo(1 / 2, 10);
    expect(twilio.series).toEqual([
      bucket('2026-03-10T00:00:00.000Z', { total: 3, inbound: 1, outbound: 2, delivered: 1, failed: 1, segments: 3 }),
      bucket('2026-03-12T00:00:00.000Z', { total: 1, outbound: 1, segments: 4 }),
    ]);

    // createdAfter includes its instant, createdBefore excludes it.
    const window = await stats({ createdAfter: '2026-03-10T10:00:00.000Z', createdBefore: '2026-03-11T00:00:00.000Z' }, 'HOUR');
    expect(window.total).toBe(2);
    expect(window.series).toEqual([
      bucket('2026-03-10T10:00:00.000Z', { total: 1, outbound: 1, undelivered: 1, segments: 3 }),
      bucket('2026-03-10T23:00:00.000Z', { total: 1, outbound: 1, delivered: 1, segments: 1 }),
    ]);

    const inbound = await stats({ direction: 'INBOUND' }, 'HOUR');
    expect(inbound).toMatchObject({ total: 2, segments: 0, successRate: null });
    expect(inbound.series.map((b) => [b.start, b.inbound])).toEqual([
      ['2026-03-10T09:00:00.000Z', 1],
      ['2026-03-11T00:00:00.000Z', 1],
    ]);

    const delivered = await stats({ status: 'DELIVERED' }, 'DAY');
    expect(delivered.series.map((b) => [b.start, b.delivered])).toEqual([
      ['2026-03-10T00:00:00.000Z', 2],
      ['2026-03-11T00:00:00.000Z', 1],
    ]);

    const fromVonage = await stats({ from: org.numbers.vonage.phoneNumber }, 'DAY');
    expect(fromVonage.total).toBe(1);
    expect(fromVonage.series).toEqual([bucket('2026-03-10T00:00:00.000Z', { total: 1, outbound: 1, delivered: 1, segments: 1 })]);
    const toCustomer = await stats({ to: CUSTOMER, provider: 'TELNYX' }, 'DAY');
    expect(toCustomer.series.map((b) => b.total)).toEqual([1, 1]);

    // Search: the body, case-insensitively.
    const table = await stats({ search: 'TaBlE' }, 'DAY');
    expect(table.total).toBe(3);
    expect(table.series.map((b) => [b.start, b.total])).toEqual([
      ['2026-03-10T00:00:00.000Z', 2],
      ['2026-03-12T00:00:00.000Z', 1],
    ]);

    expect(await stats({ assistantId: org.assistantId }, 'DAY')).toMatchObject({ total: 8 });
    const none = await stats({ assistantId: other.assistantId }, 'HOUR');
    expect(none).toMatchObject({ total: 0, segments: 0, successRate: null, byStatus: [], series: [] });
  });

  it("counts only the caller's organization", async () => {
    const theirs = await stats(null, 'DAY', other);
    expect(theirs.total).toBe(4);
    expect(theirs.series).toEqual([
      bucket('2026-03-10T00:00:00.000Z', { total: 3, outbound: 3, delivered: 1, failed: 1, undelivered: 1, segments: 6 }),
      bucket('2026-03-12T00:00:00.000Z', { total: 1, outbound: 1, segments: 4 }),
    ]);
  });

  it('includes a message sent through the API and delivered by its provider, in the current hour', async () => {
    const response = await fetch(`${server.url}/sms/send`, {
      method: 'POST',
      headers: { authorization: `Bearer ${org.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ from_phone_number: org.numbers.twilio.phoneNumber, to_phone_number: CUSTOMER, message: 'Live from the API' }),
    });
    const { message_id: id } = (await response.json()) as { message_id: string };
    const sent = await eventually(async () => {
      const { message } = await ok(org.request(StatsMessage, { id }));
      return message?.status === 'SENT' ? message : null;
    });
    const hook = signedStatus(server, org, 'twilio', { providerMessageId: sent.providerMessageId!, from: org.numbers.twilio.phoneNumber, to: CUSTOMER, status: 'delivered' });
    expect((await post(server, hook.path, hook.signed)).status).toBe(200);
    await eventually(async () => (await ok(org.request(StatsMessage, { id }))).message?.status === 'DELIVERED');

    const hour = new Date(sent.createdAt);
    hour.setUTCMinutes(0, 0, 0);
    const s = await stats({ createdAfter: hour.toISOString() }, 'HOUR');
    expect(s).toMatchObject({ total: 1, successRate: 1, segments: 1 });
    expect(s.series).toEqual([bucket(hour.toISOString(), { total: 1, outbound: 1, delivered: 1, segments: 1 })]);
  });
});

describe('hourly tallies', () => {
  // messageStats and its series read hourly tallies that triggers keep on every change to a
  // message; the messages themselves are the truth they must agree with, whatever changed them.
  const hour = (at: Date, minutes: number) => new Date(Math.floor(at.getTime() / 3_600_000) * 3_600_000 + minutes * 60_000);
  async function expectTalliesAgree() {
    const services = server.app.services;
    const organizationId = decodeGlobalID(org.organizationId).id;
    const now = new Date();
    const filters: MessageFilter[] = [
      {},
      { provider: 'TWILIO' },
      { status: 'DELIVERED' },
      { status: 'UNDELIVERED', provider: 'TELNYX' },
      { direction: 'INBOUND' },
      { assistantId: decodeGlobalID(org.assistantId).id },
      // Edges inside hours, on both sides, across days; within one hour; across one boundary.
      { createdAfter: new Date('2026-03-10T09:30:00.000Z'), createdBefore: new Date('2026-03-11T13:20:00.000Z') },
      { createdAfter: new Date('2026-03-10T09:10:00.000Z'), createdBefore: new Date('2026-03-10T09:50:00.000Z') },
      { createdAfter: new Date('2026-03-10T09:30:00.000Z'), createdBefore: new Date('2026-03-10T10:30:00.000Z') },
      { createdBefore: new Date('2026-03-10T10:00:00.000Z') },
      { createdAfter: hour(now, -30) },
      { createdAfter: hour(now, 0), direction: 'OUTBOUND' },
      { createdAfter: hour(now, 90), createdBefore: hour(now, 30) },
    ];
    for (const filter of filters) {
      const truth = await messageStats(services, organizationId, filter, { source: 'messages' });
      expect(await messageStats(services, organizationId, filter), JSON.stringify(filter)).toEqual(truth);
      for (const interval of ['HOUR', 'DAY'] as const) {
        expect(await messageSeries(services, organizationId, filter, interval), `${interval} ${JSON.stringify(filter)}`).toEqual(
          await messageSeries(services, organizationId, filter, interval, { source: 'messages' }),
        );
      }
    }
    return messageStats(services, organizationId, {});
  }

  it('agree with the messages through sends, delivery reports, inbound messages and a deleted conversation', async () => {
    const before = await expectTalliesAgree();
    const delivered = await sendAndWaitSent(org, org.numbers.twilio.phoneNumber, '+14155557101', 'Your table is ready');
    const bounced = await sendAndWaitSent(org, org.numbers.telnyx.phoneNumber, '+14155557102', 'Your order shipped');
    const kept = await sendAndWaitSent(org, org.numbers.vonage.phoneNumber, '+14155557103', 'See you at 7');
    await expectTalliesAgree();

    const reports = [
      signedStatus(server, org, 'twilio', { providerMessageId: delivered.providerMessageId, from: org.numbers.twilio.phoneNumber, to: '+14155557101', status: 'delivered' }),
      signedStatus(server, org, 'telnyx', {
        providerMessageId: bounced.providerMessageId, from: org.numbers.telnyx.phoneNumber, to: '+14155557102', status: 'delivery_failed', errorCode: '40008', errorMessage: 'Undeliverable',
      }),
    ];
    for (const report of reports) expect((await post(server, report.path, report.signed)).status).toBe(200);
    const reply = signedInbound(server, org, 'vonage', { from: '+14155557103', body: 'Thanks!' });
    expect((await post(server, reply.path, reply.signed)).status).toBe(200);
    await eventually(async () => (await ok(org.request(StatsMessage, { id: bounced.id }))).message?.status === 'UNDELIVERED');
    const after = await expectTalliesAgree();
    expect(after.total).toBe(before.total + 4);
    expect(after.byStatus.find((row) => row.key === 'UNDELIVERED')!.count).toBe(before.byStatus.find((row) => row.key === 'UNDELIVERED')!.count + 1);

    // Erasing the Vonage thread takes its two messages out of the counts.
    const thread = (await ok(org.request(StatsMessageThread, { id: kept.id }))).message!.conversation!.id;
    const erased = (await ok(org.request(StatsDeleteConversation, { id: thread }))).deleteConversation;
    expect(erased).toEqual({ deletedMessages: 2 });
    const final = await expectTalliesAgree();
    expect(final.total).toBe(after.total - 2);

    // Compaction (PostgreSQL: each transaction wrote rows of its own) folds them into one row per
    // count and changes no figure; no count is left at zero (the QUEUED and SENDING of the sends).
    const services = server.app.services;
    const folded = await compactMessageTallies(services);
    if (services.dialect === 'postgresql') expect(folded).toBeGreaterThan(0);
    expect(await expectTalliesAgree()).toEqual(final);
    expect(await services.db.messageTally.count({ where: { OR: [{ part: { not: 0 } }, { messages: 0, segments: 0 }] } })).toBe(0);
  });
});
