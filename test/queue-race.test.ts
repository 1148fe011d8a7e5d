/**
 * Several instances on one PostgreSQL database (and Redis) share the send queue
 * (`bash scripts/test-services.sh test/queue-race.test.ts`; meaningless on SQLite, one server
 * per file: skipped there). Each instance talks to a fake provider of its own, so the fakes
 * tell which instance dispatched what:
 *
 * - three instances racing for the same 300 messages dispatch each exactly once;
 * - messages scheduled for one moment are sent once, and not early; a message canceled on
 *   another instance than the one that accepted it is never sent, SCHEDULED or QUEUED;
 * - an instance killed (SIGKILL, a child process) mid-run loses nothing: once its lease
 *   (QUEUE_LEASE_MS) runs out its messages are sent by the others, and only the calls the
 *   kill cut short can reach the provider a second time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeGlobalID } from '@pothos/plugin-relay';
import { compactMessageTallies, messageStats } from '../src/messaging/stats';
import { startFakeProviders, type FakeProviders, type RecordedRequest } from './fakes/provider-server';
import { graphql } from './gql';
import { graphqlClient, ok, type Request } from './support/client';
import { SharedCancelMessage } from './support/documents';
import { createOrganizationFixture, type OrganizationFixture } from './support/fixtures';
import { bodyOf, inParallel, send, setRate, startInstances, stopInstances } from './support/queue';
import { eventually, startServer, testEnv, usesServices, type TestServer } from './support/server';
import { startChild, type Child } from './support/child';

const RaceMessage = graphql(`
  query RaceMessage($id: ID!) {
    message(id: $id) { id status errorMessage events { status at } }
  }
`);

const RaceStats = graphql(`
  query RaceStats {
    messageStats { byStatus { key count } }
  }
`);

const acceptedBy = (fake: FakeProviders, prefix: string) => fake.requests.filter((r) => r.outcome.providerMessageId !== undefined && bodyOf(r).startsWith(prefix));

async function statusOf(request: Request, id: string) {
  return (await ok(request(RaceMessage, { id }))).message;
}

async function countByStatus(request: Request): Promise<Record<string, number>> {
  const { messageStats } = await ok(request(RaceStats));
  return Object.fromEntries(messageStats.byStatus.map((s) => [s.key, s.count]));
}

/** Accepts per message body across `fakes`. */
function acceptsPerBody(fakes: FakeProviders[], prefix: string): Map<string, RecordedRequest[]> {
  const byBody = new Map<string, RecordedRequest[]>();
  for (const fake of fakes) for (const r of acceptedBy(fake, prefix)) byBody.set(bodyOf(r), [...(byBody.get(bodyOf(r)) ?? []), r]);
  return byBody;
}

describe('three instances racing for one queue', () => {
  let servers: TestServer[] = [];
  let org: OrganizationFixture;
  let requests: Request[];
  const fakes = () => servers.map((s) => s.fake);

  beforeAll(async () => {
    if (!usesServices) return;
    // Same database and secrets key; each its own fake provider.
    ({ servers, org, requests } = await startInstances(3, { shareFake: false }));
    for (const key of ['twilio', 'telnyx'] as const) await setRate(org, key, 1000);
  });
  afterAll(() => stopInstances(servers));

  it.skipIf(!usesServices)('dispatches each of 300 messages exactly once, though all three instances take part', async () => {
    // The stats' tallies are compacted all through the race, as an instance does every 15 s.
    let racing = true;
    const compacting = (async () => {
      while (racing) {
        await compactMessageTallies(servers[1].app.services);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const ids = await inParallel(
      Array.from({ length: 300 }, (_, i) => () =>
        send(requests[i % 3], org.numbers[i % 2 ? 'telnyx' : 'twilio'].phoneNumber, `+1415555${4000 + (i % 50)}`, `race ${i}`),
      ),
      24,
    );
    expect(new Set(ids.map((m) => m.id)).size).toBe(300);
    await eventually(async () => (await countByStatus(org.request)).SENT === 300, 60_000, 100);
    racing = false;
    await compacting;
    // Time for a second dispatch of anything to reach a provider, if there were one.
    await new Promise((r) => setTimeout(r, 500));

    const byBody = acceptsPerBody(fakes(), 'race ');
    expect(byBody.size).toBe(300);
    const instanceOf = (r: RecordedRequest) => fakes().findIndex((f) => f.requests.includes(r));
    const twice = [...byBody]
      .filter(([, calls]) => calls.length !== 1)
      .map(([body, calls]) => `${body} ×${calls.length} (instances ${calls.map(instanceOf).join(', ')}; ${calls.map((c) => c.receivedAt - calls[0].receivedAt).join(', ')} ms apart)`);
    if (twice.length > 0) {
      const first = Number(/race (\d+)/.exec(twice[0])![1]);
      console.log('first duplicate, as the delivery log has it:', JSON.stringify(await statusOf(org.request, ids[first].id)));
    }
    expect(twice).toEqual([]);
    // Every instance dispatched some: the race was real.
    for (const fake of fakes()) expect(acceptedBy(fake, 'race ').length).toBeGreaterThan(0);
    // The stats (hourly tallies kept by triggers, written by three instances at once) count every
    // message in its final status, none left behind in QUEUED or SENDING, as the messages do.
    expect(await countByStatus(org.request)).toEqual({ SENT: 300 });
    const organizationId = decodeGlobalID(org.organizationId).id;
    expect(await messageStats(servers[0].app.services, organizationId)).toEqual(
      await messageStats(servers[0].app.services, organizationId, {}, { source: 'messages' }),
    );
  }, 120_000);

  it.skipIf(!usesServices)('sends 30 messages scheduled for one moment once each, none before it', async () => {
    // Far enough ahead that all 30 are accepted before it, even on a busy machine.
    const sendAt = new Date(Date.now() + 6000).toISOString();
    const scheduled = await inParallel(
      Array.from({ length: 30 }, (_, i) => () => send(requests[i % 3], org.numbers.twilio.phoneNumber, `+1415555${4100 + i}`, `scheduled ${i}`, sendAt)),
      10,
    );
    expect(scheduled.every((m) => m.status === 'SCHEDULED')).toBe(true);
    await eventually(async () => (await Promise.all(scheduled.map((m) => statusOf(org.request, m.id)))).every((m) => m?.status === 'SENT'), 30_000, 100);
    await new Promise((r) => setTimeout(r, 500));
    const byBody = acceptsPerBody(fakes(), 'scheduled ');
    expect(byBody.size).toBe(30);
    for (const [body, calls] of byBody) {
      expect(calls, body).toHaveLength(1);
      expect(calls[0].receivedAt, body).toBeGreaterThanOrEqual(Date.parse(sendAt));
    }
  }, 60_000);

  it.skipIf(!usesServices)('a message scheduled through one instance and canceled through another is sent by none', async () => {
    // Far enough ahead that the cancel arrives before it falls due, even on a busy machine.
    const sendAt = new Date(Date.now() + 4000).toISOString();
    const scheduled = await send(requests[0], org.numbers.twilio.phoneNumber, '+14155554200', 'canceled elsewhere', sendAt);
    const canceled = (await ok(requests[1](SharedCancelMessage, { id: scheduled.id }))).cancelMessage;
    expect(canceled).toMatchObject({ __typename: 'CancelMessagePayload', canceled: { id: scheduled.id, status: 'CANCELED' } });
    // A later one from the same sender, due after it, is sent: the queue went past the canceled one.
    const later = await send(requests[2], org.numbers.twilio.phoneNumber, '+14155554200', 'after the canceled one', new Date(Date.parse(sendAt) + 200).toISOString());
    await eventually(async () => (await statusOf(org.request, later.id))?.status === 'SENT', 30_000, 50);
    await new Promise((r) => setTimeout(r, 300));
    expect(acceptsPerBody(fakes(), 'canceled elsewhere').size).toBe(0);
    expect(await statusOf(org.request, scheduled.id)).toMatchObject({ status: 'CANCELED' });
    expect((await statusOf(org.request, scheduled.id))?.events.map((e) => e.status)).not.toContain('SENDING');
  }, 60_000);

  it.skipIf(!usesServices)('a QUEUED message behind a slow sender, canceled through another instance, is sent by none', async () => {
    // One message every two seconds: the sixth is ten seconds from its turn, however slowly the sends are accepted.
    await setRate(org, 'vonage', 0.5);
    const backlog: { id: string }[] = [];
    for (let i = 0; i < 6; i++) backlog.push(await send(requests[i % 3], org.numbers.vonage.phoneNumber, '+14155554300', `slow ${i}`));
    const last = backlog[backlog.length - 1];
    // Seconds from its turn, it waits in the queue…
    expect((await statusOf(org.request, last.id))?.status).toBe('QUEUED');
    // …and is canceled through an instance that did not accept it.
    const canceled = (await ok(requests[0](SharedCancelMessage, { id: last.id }))).cancelMessage;
    expect(canceled).toMatchObject({ __typename: 'CancelMessagePayload', canceled: { status: 'CANCELED' } });
    await eventually(async () => (await Promise.all(backlog.slice(0, -1).map((m) => statusOf(org.request, m.id)))).every((m) => m?.status === 'SENT'), 30_000, 100);
    // Past the canceled message's turn.
    await new Promise((r) => setTimeout(r, 2500));
    expect([...acceptsPerBody(fakes(), 'slow ').keys()].sort()).toEqual(['slow 0', 'slow 1', 'slow 2', 'slow 3', 'slow 4']);
    expect(await statusOf(org.request, last.id)).toMatchObject({ status: 'CANCELED' });
  }, 60_000);
});

// ─── An instance killed mid-run ───────────────────────────────────────────────────────────

describe('an instance killed mid-run', () => {
  const children: Child[] = [];
  const ownFakes: FakeProviders[] = [];
  let first: TestServer;

  afterAll(async () => {
    for (const c of children) {
      c.child.kill('SIGKILL');
      await c.exited;
    }
    await first?.stop();
    for (const fake of ownFakes) await fake.close();
  });

  it.skipIf(!usesServices)('loses nothing: its messages go to the others once its lease runs out, and only the calls the kill cut short go out twice', async () => {
    const LATENCY = 150;
    const CONCURRENCY = 4;
    // A short lease so the victim's messages come back quickly; long enough that a stall of the
    // loaded test machine does not let a live instance lose one mid-call (then it would go twice).
    const queueEnv = { QUEUE_LEASE_MS: '3000', SEND_CONCURRENCY: String(CONCURRENCY) };
    first = await startServer({ env: queueEnv });
    first.fake.setLatency(LATENCY);
    const org = await createOrganizationFixture(first);
    for (const key of ['twilio', 'telnyx'] as const) await setRate(org, key, 1000);
    for (let i = 0; i < 2; i++) {
      const fake = await startFakeProviders({ latencyMs: LATENCY });
      ownFakes.push(fake);
      children.push(await startChild({ ...testEnv(first.database, fake, { ...queueEnv, SECRETS_KEY: first.env.SECRETS_KEY }) }));
    }
    const [victim, survivor] = children;
    const victimFake = ownFakes[0];
    const requests = [org.request, graphqlClient(victim.url, org.apiKey), graphqlClient(survivor.url, org.apiKey)];
    const allFakes = [first.fake, ...ownFakes];

    // 300 messages through all three; ~80 per second go out (3 instances × 4 calls of 150 ms).
    const ids = await inParallel(
      Array.from({ length: 300 }, (_, i) => () =>
        send(requests[i % 3], org.numbers[i % 2 ? 'telnyx' : 'twilio'].phoneNumber, `+1415555${4400 + (i % 50)}`, `crash ${i}`),
      ),
      24,
    );
    await eventually(() => acceptedBy(victimFake, 'crash ').length >= 20 || victimFake.requests.length >= 25, 30_000, 5);
    // From now on the victim's provider takes its calls but does not answer them: the kill is
    // sure to cut short the calls it then has under way, however busy the machine.
    const hangingFrom = victimFake.requests.length;
    victimFake.setLatency(120_000);
    await eventually(() => victimFake.requests.length > hangingFrom, 30_000, 5);
    victim.child.kill('SIGKILL');
    await victim.exited;
    const cutShort = victimFake.requests.slice(hangingFrom).filter((r) => bodyOf(r).startsWith('crash '));

    await eventually(async () => (await countByStatus(org.request)).SENT === 300, 60_000, 100);
    await new Promise((r) => setTimeout(r, 500));

    const byBody = acceptsPerBody(allFakes, 'crash ');
    // Nothing lost…
    expect(byBody.size).toBe(300);
    // …and nothing sent twice, except a message whose first call was under way at the victim
    // when it died: the victim never recorded it SENT (a starved victim can be killed well after
    // the provider answered, before it wrote the answer down), so it is on the timeline once.
    const twice = [...byBody].filter(([, calls]) => calls.length > 1);
    for (const [body, calls] of twice) {
      expect(calls, body).toHaveLength(2);
      const atVictim = calls.filter((r) => victimFake.requests.includes(r));
      expect(atVictim, body).toHaveLength(1);
      const id = ids[Number(/crash (\d+)/.exec(body)![1])].id;
      expect((await statusOf(org.request, id))?.events.filter((e) => e.status === 'SENT'), body).toHaveLength(1);
    }
    expect(twice.length).toBeLessThanOrEqual(CONCURRENCY);
    // The victim really was cut short: calls it had under way were never answered to it, and those messages went out through the others.
    expect(cutShort.length).toBeGreaterThan(0);
    for (const r of cutShort) expect(byBody.get(bodyOf(r))!.some((call) => !victimFake.requests.includes(call)), bodyOf(r)).toBe(true);
    expect(await countByStatus(org.request)).toEqual({ SENT: 300 });
  }, 150_000);
});
