/**
 * Per-sender pacing, measured where a carrier would see it: the times at which the fake
 * provider accepted each message. The contract: a number's `messagesPerSecond` is honoured by
 * all instances together (never faster, and — with enough queued — not much slower), and a
 * sender with a backlog holds up no other sender.
 *
 * One instance on SQLite (`npx vitest run test/pacing.test.ts`) and on PostgreSQL + Redis
 * (`bash scripts/test-services.sh test/pacing.test.ts`); three instances sharing one queue on
 * PostgreSQL + Redis only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Request } from './support/client';
import { createOrganizationFixture, type OrganizationFixture } from './support/fixtures';
import { bodyOf, inParallel, send, setRate, startInstances, stopInstances, type SenderKey as Key } from './support/queue';
import { achievedRate, busiestSecond } from './support/rates';
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
  await eventually(() => accepted().length >= total, slowest * 1000 * 1.5 + 5_000, 50);
  return senders.map((sender) => {
    const mine = accepted().filter((r) => bodyOf(r).startsWith(`pace ${run} ${sender.key} `));
    return { ...sender, bodies: mine.map(bodyOf), times: mine.map((r) => r.receivedAt).sort((a, b) => a - b) };
  });
}

function expectPaced(result: { key: Key; rate: number; count: number; bodies: string[]; times: number[] }) {
  const label = `${result.key} at ${result.rate}/s`;
  // Each message once.
  expect(new Set(result.bodies).size, label).toBe(result.count);
  expect(result.bodies, label).toHaveLength(result.count);
  // Within ±10% of the configured rate over the whole run…
  const rate = achievedRate(result.times);
  expect(rate, `${label}: achieved ${rate.toFixed(2)}/s`).toBeGreaterThanOrEqual(result.rate * 0.9);
  expect(rate, `${label}: achieved ${rate.toFixed(2)}/s`).toBeLessThanOrEqual(result.rate * 1.1);
  // …and no burst above it in any one second (one message of slack for timer jitter).
  expect(busiestSecond(result.times), `${label}: busiest second`).toBeLessThanOrEqual(result.rate + Math.max(1, Math.ceil(result.rate * 0.1)));
}

describe('one instance', () => {
  let server: TestServer;
  let org: OrganizationFixture;

  beforeAll(async () => {
    server = await startServer();
    org = await createOrganizationFixture(server);
  });
  afterAll(() => server?.stop());

  it('paces three senders at 2, 10 and 20 messages per second at once, each within ±10% of its own rate', async () => {
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
  }, 30_000);

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
    expect(request.receivedAt - queuedAt).toBeLessThan(500);
    // Meanwhile the slow sender keeps its own pace: at most 2 of its 8 out after ~1 s.
    expect(server.fake.requests.filter((r) => bodyOf(r).startsWith('backlog ')).length).toBeLessThanOrEqual(2);
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

  it.skipIf(!usesServices)('paces senders at 5 and 20 messages per second within ±10% across all three instances together', async () => {
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
  }, 40_000);

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
    for (const r of out) expect(r.receivedAt - queuedAt, bodyOf(r)).toBeLessThan(750);
    expect(fake.requests.filter((r) => bodyOf(r).startsWith('backlog3 ')).length).toBeLessThanOrEqual(2);
  }, 20_000);
});
