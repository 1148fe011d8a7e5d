/**
 * Per-sender pacing, asserted on what the queue decided rather than on a rate over a noisy
 * window: the slots it plans (reserveSlots), how a waiting message decides to wait, trade its
 * slot or go (handOverStep), and the hand-overs themselves as the queue recorded them
 * (`Message.handedOverAt`, the moment of each provider call). A loaded machine can only make
 * hand-overs late, never early or closer together than the queue allows, so these hold however
 * busy the CPU is; the gaps the fake provider's clock sees between requests do not (an HTTP hop
 * in a starved process is stretched for one request and not the next). Achieved rates over
 * 30 s are the benchmark's job (`npm run bench -- pacing`).
 *
 * One instance on SQLite (`npx vitest run test/pacing.test.ts`) and on PostgreSQL + Redis
 * (`bash scripts/test-services.sh test/pacing.test.ts`); three instances sharing one queue on
 * PostgreSQL + Redis only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeProviders } from './fakes/provider-server';
import type { Request } from './support/client';
import { createOrganizationFixture, type OrganizationFixture } from './support/fixtures';
import { bodyOf, inParallel, send, setRate, startInstances, stopInstances, type SenderKey as Key } from './support/queue';
import { handOverStep, LATE_SLOT_MS, reserveSlots, TIMER_JITTER_MS } from '../src/queue/pacing';
import { eventually, startServer, usesServices, type TestServer } from './support/server';

interface Sender {
  key: Key;
  rate: number;
  count: number;
}

interface HandOver {
  body: string;
  /** When the queue called the provider (Message.handedOverAt). */
  at: number;
  /** When the fake provider got the call. */
  receivedAt: number;
  /** Which instance made the call: each instance talks to a fake provider of its own. */
  instance: number;
}

/**
 * Queues `count` messages from each sender (spread over `requests`, one per instance), waits
 * until every one is SENT, and returns, per sender, the hand-overs in the order they were made.
 */
async function queueAndMeasure(servers: TestServer[], requests: Request[], org: OrganizationFixture, senders: Sender[], run: string) {
  // Slots are never planned before the claim that reserves them, so none before this.
  const queuedAt = Date.now();
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

  const total = senders.reduce((sum, s) => sum + s.count, 0);
  const slowest = Math.max(...senders.map((s) => s.count / s.rate));
  // A liveness wait, not a rate: generous, since a loaded machine is slow to queue them too.
  const sent = await eventually(
    async () => {
      const rows = await servers[0].app.services.db.message.findMany({
        where: { body: { startsWith: `pace ${run} ` }, status: 'SENT' },
        select: { body: true, handedOverAt: true },
      });
      return rows.length >= total ? rows : null;
    },
    slowest * 1000 * 3 + 60_000,
    100,
  );
  const fakes = servers.map((s) => s.fake);
  const accepted = (fake: FakeProviders) => fake.requests.filter((r) => r.outcome.providerMessageId !== undefined && bodyOf(r).startsWith(`pace ${run} `));
  const calls = fakes.flatMap((fake, instance) => accepted(fake).map((r) => ({ body: bodyOf(r), receivedAt: r.receivedAt, instance })));
  return senders.map((sender) => {
    const mine = calls.filter((c) => c.body.startsWith(`pace ${run} ${sender.key} `));
    const handOvers: HandOver[] = mine
      .map((call) => ({ ...call, at: sent.find((m) => m.body === call.body)?.handedOverAt?.getTime() ?? Number.NaN }))
      .sort((a, b) => a.at - b.at);
    return { ...sender, queuedAt, handOvers };
  });
}

/**
 * What the queue kept, for one sender: each message called once; each call recorded, and
 * made before the fake got it; no call ahead of the shared schedule (slots are 1/rate apart
 * and never before the messages were queued, and no call precedes its slot, so the k-th call
 * comes at least k intervals after queueing, across all instances together); and no instance
 * calling the sender's provider closer together than its interval (less the timer jitter it
 * allows itself, TIMER_JITTER_MS). A burst, or any rate above the configured one, fails one of
 * these; a stall, which only makes calls late, fails none.
 */
function expectPaced(result: { key: Key; rate: number; count: number; queuedAt: number; handOvers: HandOver[] }) {
  const label = `${result.key} at ${result.rate}/s`;
  const { handOvers } = result;
  expect(new Set(handOvers.map((h) => h.body)).size, label).toBe(result.count);
  expect(handOvers, label).toHaveLength(result.count);
  for (const h of handOvers) {
    expect(h.at, `${label}: ${h.body} has its hand-over recorded`).not.toBeNaN();
    expect(h.receivedAt, `${label}: ${h.body} reached the provider after its call`).toBeGreaterThanOrEqual(h.at);
  }
  const interval = 1000 / result.rate;
  handOvers.forEach((h, k) => {
    expect(h.at - result.queuedAt, `${label}: call ${k} (${h.body}) ahead of the schedule`).toBeGreaterThanOrEqual(k * interval);
  });
  const instances = [...new Set(handOvers.map((h) => h.instance))];
  for (const instance of instances) {
    const times = handOvers.filter((h) => h.instance === instance).map((h) => h.at);
    for (let i = 1; i < times.length; i++) {
      expect(times[i] - times[i - 1], `${label}: instance ${instance}, calls ${i - 1} and ${i}`).toBeGreaterThanOrEqual(interval - TIMER_JITTER_MS);
    }
  }
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

  it('a claimed message waits for its slot and its instance\'s spacing, trades a slot reached late once, then goes (handOverStep)', () => {
    const slot = 1_000_000;
    // Before its slot: waits for it.
    expect(handOverStep(slot, undefined, 50, slot - 30, true)).toEqual({ wait: 30 });
    // This instance handed the sender over 20 ms ago: waits for the rest of the interval.
    expect(handOverStep(slot, slot - 20, 50, slot, true)).toEqual({ wait: 30 });
    // On time, or late by up to an interval: goes.
    expect(handOverStep(slot, undefined, 50, slot, true)).toBe('go');
    expect(handOverStep(slot, undefined, 50, slot + 50, true)).toBe('go');
    // Late by more: trades its slot for a fresh one, unless it already did.
    expect(handOverStep(slot, undefined, 50, slot + 51, true)).toBe('trade');
    expect(handOverStep(slot, undefined, 50, slot + 51, false)).toBe('go');
    // Lateness counts from the slot, also when this instance's own spacing held the message
    // back: an instance that fell behind its slots trades them instead of drifting, message
    // by message, into the slots other instances keep on time.
    expect(handOverStep(slot, slot + 40, 50, slot + 90, true)).toBe('trade');
    // A fast sender's lateness under LATE_SLOT_MS is timer jitter, not a stall.
    expect(handOverStep(slot, undefined, 1, slot + LATE_SLOT_MS, true)).toBe('go');
    expect(handOverStep(slot, undefined, 1, slot + LATE_SLOT_MS + 1, true)).toBe('trade');
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
    await send(org.request, org.numbers.telnyx.phoneNumber, '+14155553199', 'not held up');
    const acceptedAt = Date.now();
    const request = await eventually(() => server.fake.requests.find((r) => bodyOf(r) === 'not held up' && r.outcome.providerMessageId), 30_000, 10);
    // Once queued, it went out while the slow sender was on its next slot or two (one a
    // second), not behind its backlog (all 8). Counted from when the send was accepted: a
    // loaded machine is slow to accept the sends, and the backlog's slots go by meanwhile.
    const backlogBetween = server.fake.requests.filter((r) => bodyOf(r).startsWith('backlog ') && r.receivedAt >= acceptedAt && r.receivedAt <= request.receivedAt);
    expect(backlogBetween.length).toBeLessThanOrEqual(2);
    expect(server.fake.requests.filter((r) => bodyOf(r).startsWith('backlog ') && r.receivedAt <= request.receivedAt).length).toBeLessThan(8);
  }, 60_000);
});

describe('three instances sharing one queue', () => {
  let servers: TestServer[] = [];
  let org: OrganizationFixture;
  let requests: Request[];

  beforeAll(async () => {
    if (!usesServices) return;
    // The same database and secrets key; each instance its own fake providers, so the fakes
    // tell which instance made each call.
    ({ servers, org, requests } = await startInstances(3, { shareFake: false }));
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
    const acceptedAt = new Map<string, number>();
    await Promise.all(
      requests.map(async (request, i) => {
        await send(request, org.numbers.vonage.phoneNumber, '+14155553299', `not held up ${i}`);
        acceptedAt.set(`not held up ${i}`, Date.now());
      }),
    );
    const calls = () => servers.flatMap((s) => s.fake.requests);
    const out = await eventually(() => {
      const found = calls().filter((r) => bodyOf(r).startsWith('not held up ') && r.outcome.providerMessageId);
      return found.length === 3 ? found : null;
    }, 30_000, 10);
    // Once queued, each went out while the slow sender's backlog (one a second, shared) was on
    // its next slot or two, not behind all 9 (see the one-instance case).
    for (const r of out) {
      const backlog = calls().filter((b) => bodyOf(b).startsWith('backlog3 ') && b.receivedAt <= r.receivedAt);
      expect(backlog.filter((b) => b.receivedAt >= acceptedAt.get(bodyOf(r))!).length, bodyOf(r)).toBeLessThanOrEqual(2);
      expect(backlog.length, bodyOf(r)).toBeLessThan(9);
    }
  }, 60_000);
});
