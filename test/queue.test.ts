import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from './gql';
import { ok } from './support/client';
import { createOrganizationFixture, type OrganizationFixture } from './support/fixtures';
import { eventually, startServer, type TestServer } from './support/server';
import { defaultMessagesPerSecond, reserveSlots } from '../src/queue/pacing';

const QueueSendSms = graphql(`
  mutation QueueSendSms($input: SendSmsInput!) {
    sendSms(input: $input) {
      __typename
      ... on SendMessagePayload { outboundMessage { id status validUntil } }
      ... on Error { code message }
      ... on ApiError { field }
    }
  }
`);

const QueueMessage = graphql(`
  query QueueMessage($id: ID!) {
    message(id: $id) { id status errorCode errorMessage events { status } }
  }
`);

const QueueSender = graphql(`
  query QueueSender($id: ID!) {
    node(id: $id) {
      ... on PhoneNumber { phoneNumber messagesPerSecond effectiveMessagesPerSecond queue { waiting scheduled expectedWaitSeconds } }
    }
  }
`);

const QueueSetRate = graphql(`
  mutation QueueSetRate($input: UpdatePhoneNumberInput!) {
    updatePhoneNumber(input: $input) {
      __typename
      ... on UpdatePhoneNumberPayload { phoneNumber { messagesPerSecond effectiveMessagesPerSecond } }
      ... on Error { code message }
    }
  }
`);

describe('default dispatch rates and slot reservation', () => {
  it('paces by number type when a number has no rate of its own', () => {
    expect(defaultMessagesPerSecond('+14155552671', 'TWILIO', null)).toBe(1); // US long code (10DLC)
    expect(defaultMessagesPerSecond('+18005550199', 'TELNYX', null)).toBe(3); // toll-free
    expect(defaultMessagesPerSecond('+447911123456', 'VONAGE', null)).toBe(10);
    expect(defaultMessagesPerSecond('+14155552671', 'TWILIO', 25)).toBe(25); // SEND_DEFAULT_MESSAGES_PER_SECOND
  });

  it('spaces slots 1/rate apart from the next free slot, within the horizon', () => {
    const now = 1_000_000;
    expect(reserveSlots(null, now, 10, 5, 1000)).toEqual({ slots: [now, now + 100, now + 200, now + 300, now + 400], nextSlotAt: new Date(now + 500) });
    // A sender whose next slot is far ahead gets nothing now.
    expect(reserveSlots(new Date(now + 5000), now, 10, 5, 1000).slots).toEqual([]);
    // A slow sender (0.2/s) still gets its next slot when it falls within the horizon.
    expect(reserveSlots(new Date(now - 1), now, 0.2, 3, 1000)).toEqual({ slots: [now], nextSlotAt: new Date(now + 5000) });
  });
});

describe('the send queue', () => {
  let server: TestServer;
  let org: OrganizationFixture;
  beforeAll(async () => {
    server = await startServer();
    org = await createOrganizationFixture(server);
  });
  afterAll(() => server?.stop());

  async function send(input: { toPhoneNumber: string; message?: string; validityPeriodSeconds?: number; sendAt?: string; from?: string }) {
    const result = (
      await ok(
        org.request(QueueSendSms, {
          input: {
            fromPhoneNumber: input.from ?? org.numbers.twilio.phoneNumber,
            toPhoneNumber: input.toPhoneNumber,
            message: input.message ?? 'Queue test',
            validityPeriodSeconds: input.validityPeriodSeconds,
            sendAt: input.sendAt,
          },
        }),
      )
    ).sendSms;
    return result;
  }

  it('ends a message FAILED with VALIDITY_PERIOD_EXPIRED when the provider keeps it waiting past its validity period', async () => {
    // The provider answers 429 with Retry-After: 3 s, so the message waits in the queue longer
    // than its 1 s validity period.
    const to = '+14155553001';
    server.fake.failFor(to, { kind: 'rate-limited', times: 100, retryAfterSeconds: 3 });
    const result = await send({ toPhoneNumber: to, validityPeriodSeconds: 1 });
    if (result.__typename !== 'SendMessagePayload') throw new Error(JSON.stringify(result));
    expect(result.outboundMessage.validUntil).not.toBeNull();
    const message = await eventually(async () => {
      const { message } = await ok(org.request(QueueMessage, { id: result.outboundMessage.id }));
      return message?.status === 'FAILED' ? message : null;
    });
    expect(message.errorCode).toBe('VALIDITY_PERIOD_EXPIRED');
    expect(message.errorMessage).toMatch(/validity period/);
    // It was tried once, then never again: not sent late.
    await new Promise((r) => setTimeout(r, 300));
    expect(server.fake.requests.filter((r) => r.to === to)).toHaveLength(1);
    expect(server.fake.sentTo(to)).toHaveLength(0);
  });

  it('refuses a validity period out of range', async () => {
    const result = await send({ toPhoneNumber: '+14155553002', validityPeriodSeconds: 0 });
    expect(result).toMatchObject({ __typename: 'ApiError', code: 'INVALID_INPUT', field: 'validityPeriodSeconds' });
  });

  it("shows a sender's rate, backlog and expected wait, and paces it at the rate set", async () => {
    const sender = org.numbers.telnyx;
    const set = (await ok(org.request(QueueSetRate, { input: { id: sender.id, messagesPerSecond: 4 } }))).updatePhoneNumber;
    expect(set).toMatchObject({ phoneNumber: { messagesPerSecond: 4, effectiveMessagesPerSecond: 4 } });
    const recipients = Array.from({ length: 8 }, (_, i) => `+1415555310${i}`);
    for (const to of recipients) expect((await send({ from: sender.phoneNumber, toPhoneNumber: to })).__typename).toBe('SendMessagePayload');
    const { node } = await ok(org.request(QueueSender, { id: sender.id }));
    if (!node || !('queue' in node)) throw new Error('no sender');
    expect(node.queue.waiting).toBeGreaterThan(0);
    expect(node.queue.expectedWaitSeconds).toBeGreaterThan(0);
    await eventually(() => recipients.every((to) => server.fake.sentTo(to).length === 1), 10_000);
    const times = recipients.map((to) => server.fake.sentTo(to)[0].receivedAt).sort((a, b) => a - b);
    // 8 messages at 4/s: the first goes at once, the last 7 intervals (1.75 s) later.
    expect(times[times.length - 1] - times[0]).toBeGreaterThanOrEqual(1750 * 0.9);
    // The provider has seen every message; the last one's SENT is written once its answer is in.
    await eventually(async () => {
      const after = (await ok(org.request(QueueSender, { id: sender.id }))).node;
      return after !== null && 'queue' in after && after.queue.waiting === 0;
    }, 2_000);
  });

  it('holds a sender back for the Retry-After a provider asks for, and then sends', async () => {
    const to = '+14155553201';
    server.fake.failFor(to, { kind: 'rate-limited', times: 1, retryAfterSeconds: 1 });
    const started = Date.now();
    const result = await send({ from: org.numbers.vonage.phoneNumber, toPhoneNumber: to });
    if (result.__typename !== 'SendMessagePayload') throw new Error(JSON.stringify(result));
    await eventually(() => server.fake.sentTo(to).length === 1, 10_000);
    expect(server.fake.sentTo(to)[0].receivedAt - started).toBeGreaterThanOrEqual(950);
  });
});
