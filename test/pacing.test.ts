/**
 * Per-sender pacing, asserted on what the queue decided rather than on a rate over a noisy
 * window: the slots it plans (reserveSlots), and the spacing it kept between the hand-overs
 * the fake provider saw. A loaded machine can only make hand-overs late, never early, so these
 * hold however busy the CPU is. Achieved rates over 30 s are the benchmark's job
 * (`npm run bench -- pacing`).
 *
 * One instance on SQLite (`npx vitest run test/pacing.test.ts`) and on PostgreSQL + Redis
 * (`bash scripts/test-services.sh test/pacing.test.ts`); three instances sharing one queue on
 * PostgreSQL + Redis only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Request } from './support/client';
import { createOrganizationFixture, type OrganizationFixture } from './support/fixtures';
import { bodyOf, inParallel, send, setRate, startInstances, stopInstances, type SenderKey as Key } from './support/queue';
import { reserveSlots } from '../src/queue/pacing';
import { eventually, startServer, usesServices, type TestServer } from './support/server';

interface Sender {
  key: Key;
  rate: number;
  count: number;
}

/**
 * Queues `count` messages from each sender (spread over `requests`, one per instance), waits
 * until the provider has accepted them all, and returns, per sender, the accept times.
 */
async function queueAndMeasure(servers: TestServer[], requests: Request[], org: OrganizationFixture, senders: Sender[], run: string) {
  // Interleaved across senders and instances, as a burst of real traffic would come.
  const perSender = senders.map((sender) =>
    Array.from({ length: sender.count }, (_, i) => ({ sender, i })),
  );
  const tasks: (() => Promise<unknown>)[] = [];
  for (let i = 0, n = 0; perSender.some((list) => i < list.length); i++) {
    for (const list of perSender) {
      if (i >= list.length) continue;
      const { sender } = list[i];
      const request = requests[n++ % requests.length];
      tasks.push(() => send(request, org.numbers[sender.key].phoneNumber, `+1415555${3000 + i}`, `pace ${run} ${sender.key} ${i}`));
    }
  }
  await inParallel(tasks, 16);

  const fakes = [...new Set(servers.map((s) => s.fake))];
  const accepted = () => fakes.flatMap((f) => f.requests).filter((r) => r.outcome.providerMessageId !== undefined && bodyOf(r).startsWith(`pace ${run} `));
  const total = senders.reduce((sum, s) => sum + s.count, 0);
  const slowest = Math.max(...senders.map((s) => s.count / s.rate));
  // A liveness wait, not a rate: generous, since a loaded machine is slow to queue them too.
  await eventually(() => accepted().length >= total, slowest * 1000 * 3 + 30_000, 50);
  return senders.map((sender) => {
    const mine = accepted().filter((r) => bodyOf(r).startsWith(`pace ${run} ${sender.key} `));
    return { ...sender, bodies: mine.map(bodyOf), times: mine.map((r) => r.receivedAt).sort((a, b) => a - b) };
  });
}

/**
 * What the queue kept, seen at the provider: each message once, and no two of a sender's
 * messages closer than their distance in the queue allows — the j-th after the i-th at least
 * (j − i − 1) intervals later, less HOP_JITTER_MS. The queue spaces its hand-overs a full
 * interval apart; between hand-over and the fake's clock lies an HTTP hop, which a starved CPU
 * stretches for one request and not the next, so two neighbours can arrive closer than they
 * left. The interval and the fixed allowance absorb that; what grows with the span does not:
 * a burst, or any rate above the configured one sustained over a few messages, still fails.
 */
const HOP_JITTER_MS = 150;

function expectPaced(result: { key: Key; rate: number; count: number; bodies: string[]; times: number[] }) {
  const label = `${result.key} at ${result.rate}/s`;
  expect(new Set(result.bodies).size, label).toBe(result.count);
  expect(result.bodies, label).toHaveLength(result.count);
  const interval = 1000 / result.rate;
  let worst = { slack: Infinity, i: 0, j: 0 };
  for (let i = 0; i < result.times.length; i++) {
    for (let j = i + 1; j < result.times.length; j++) {
      const slack = result.times[j] - result.times[i] - (j - i - 1) * interval + HOP_JITTER_MS;
      if (slack < worst.slack) worst = { slack, i, j };
    }
  }
  expect(worst.slack, `${label}: messages ${worst.i} and ${worst.j} were ${(result.times[worst.j] - result.times[worst.i]).toFixed(0)} ms apart`).toBeGreaterThanOrEqual(0);
}

describe('the schedule the queue plans (reserveSlots)', () => {
  it('spaces a sender\'s slots exactly 1/rate apart from its next free slot, never before now, within the horizon', () => {
    const now = 1_000_000;
    const fresh = reserveSlots(null, now, 20, 5, 1000);
    expect(fresh.slots).toEqual([now, now + 50, now + 100, now + 150, now + 200]);
    expect(fresh.nextSlotAt.getTime()).toBe(now + 250);
    // The next reservation continues where the last ended: no gap, no overlap.
    const next = reserveSlots(fresh.nextSlotAt, now + 10, 20, 3, 1000);
    expect(next.slots).toEqual([now + 250, now + 300, now + 350]);
    // A next slot in the past is not caught up on: slots start from now.
    expect(reserveSlots(new Date(now - 5000), now, 10, 2, 1000).slots).toEqual([now, now + 100]);
    // Only slots within the horizon are given…
    expect(reserveSlots(null, now, 2, 10, 1000).slots).toEqual([now, now + 500, now + 1000]);
    // …but a slow sender whose next slot is due still gets one.
    const slow = reserveSlots(new Date(now + 200), now, 0.5, 3, 1000);
    expect(slow.slots).toEqual([now + 200]);
    expect(slow.nextSlotAt.getTime()).toBe(now + 2200);
  });
});

describe('one instance', () => {
  let server: TestServer;
  let org: OrganizationFixture;

  beforeAll(async () => {
    server = await startServer();
    org = await createOrganizationFixture(server);
  });
  afterAll(() => server?.stop());

  it('paces three senders at 2, 10 and 20 messages per second at once, none faster than its own rate', async () => {
    await setRate(org, 'twilio', 2);
    await setRate(org, 'telnyx', 10);
    await setRate(org, 'vonage', 20);
    const results = await queueAndMeasure(
      [server],
      [org.request],
      org,
      [
        { key: 'twilio', rate: 2, count: 11 },
        { key: 'telnyx', rate: 10, count: 50 },
        { key: 'vonage', rate: 20, count: 100 },
      ],
      'one',
    );
    for (const result of results) expectPaced(result);
  }, 90_000);

  it('a sender with a backlog holds up no other sender', async () => {
    await setRate(org, 'twilio', 1);
    await setRate(org, 'telnyx', 100);
    // Eight seconds of backlog for the slow sender…
    await inParallel(
      Array.from({ length: 8 }, (_, i) => () => send(org.request, org.numbers.twilio.phoneNumber, `+1415555${3100 + i}`, `backlog ${i}`)),
      8,
    );
    // …and a message from another sender right behind it goes out at once.
    const queuedAt = Date.now();
    await send(org.request, org.numbers.telnyx.phoneNumber, '+14155553199', 'not held up');
    const request = await eventually(() => server.fake.requests.find((r) => bodyOf(r) === 'not held up' && r.outcome.providerMessageId), 5_000, 10);
    // It went out while the slow sender was still on its first slots (one a second): a few of
    // the backlog ahead of it at most (room for a stalled second or two), not all 8.
    const backlogBefore = server.fake.requests.filter((r) => bodyOf(r).startsWith('backlog ') && r.receivedAt <= request.receivedAt);
    expect(backlogBefore.length).toBeLessThanOrEqual(3);
    expect(request.receivedAt).toBeGreaterThanOrEqual(queuedAt);
  }, 20_000);
});

describe('three instances sharing one queue', () => {
  let servers: TestServer[] = [];
  let org: OrganizationFixture;
  let requests: Request[];

  beforeAll(async () => {
    if (!usesServices) return;
    // The same database, secrets key and fake providers.
    ({ servers, org, requests } = await startInstances(3, { shareFake: true }));
  });
  afterAll(() => stopInstances(servers));

  it.skipIf(!usesServices)('paces senders at 5 and 20 messages per second none faster than its rate across all three instances together', async () => {
    await setRate(org, 'twilio', 5);
    await setRate(org, 'telnyx', 20);
    const results = await queueAndMeasure(
      servers,
      requests,
      org,
      [
        { key: 'twilio', rate: 5, count: 31 },
        { key: 'telnyx', rate: 20, count: 121 },
      ],
      'three',
    );
    for (const result of results) expectPaced(result);
  }, 120_000);

  it.skipIf(!usesServices)('a sender with a backlog on every instance holds up no other sender', async () => {
    await setRate(org, 'twilio', 1);
    await setRate(org, 'vonage', 100);
    await inParallel(
      Array.from({ length: 9 }, (_, i) => () => send(requests[i % 3], org.numbers.twilio.phoneNumber, `+1415555${3200 + i}`, `backlog3 ${i}`)),
      8,
    );
    const queuedAt = Date.now();
    await Promise.all(requests.map((request, i) => send(request, org.numbers.vonage.phoneNumber, '+14155553299', `not held up ${i}`)));
    const fake = servers[0].fake;
    const out = await eventually(() => {
      const found = fake.requests.filter((r) => bodyOf(r).startsWith('not held up ') && r.outcome.providerMessageId);
      return found.length === 3 ? found : null;
    }, 5_000, 10);
    // Each went out while the slow sender's backlog (one a second, shared) had barely started.
    for (const r of out) {
      expect(r.receivedAt, bodyOf(r)).toBeGreaterThanOrEqual(queuedAt);
      expect(fake.requests.filter((b) => bodyOf(b).startsWith('backlog3 ') && b.receivedAt <= r.receivedAt).length, bodyOf(r)).toBeLessThanOrEqual(3);
    }
  }, 20_000);
});
