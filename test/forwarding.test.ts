/**
 * Every inbound message reaches the assistant's smsWebhookUrl at
 * least once, signed; failures are retried with backoff and logged attempt by attempt
 * (Message.forwards); deliveries survive a restart; rotateWebhookSecret signs later ones.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphqlClient, ok } from './support/client';
import { SharedRotateWebhookSecret } from './support/documents';
import { createOrganizationFixture, type OrganizationFixture } from './support/fixtures';
import { createTestDatabase, eventually, startServer, type TestServer } from './support/server';
import {
  inboundWithProviderId,
  messageDetails,
  post,
  signedInbound,
  startInboundSuite,
  startSink,
  stopInboundSuite,
  verifySwitchboardSignature,
  type ProviderKey,
  type Sink,
  type SinkRequest,
} from './support/inbound';

let server: TestServer;
let sink: Sink;
let org: OrganizationFixture;

beforeAll(async () => {
  ({ server, sink, org } = await startInboundSuite());
});
afterAll(() => stopInboundSuite({ server, sink }));

let customerSeq = 0;
const nextCustomer = () => `+1415555${String(4600 + ++customerSeq)}`;

async function receive(target: TestServer, who: OrganizationFixture, key: ProviderKey, body: string) {
  const hook = signedInbound(target, who, key, { from: nextCustomer(), body });
  expect((await post(target, hook.path, hook.signed)).status).toBe(200);
  const [stored] = await inboundWithProviderId(who, hook.providerMessageId);
  return stored;
}

const succeeded = (r: SinkRequest) => typeof r.answered === 'number' && r.answered >= 200 && r.answered < 300;

/** At least once, and never again after a success: the sink saw failures, then exactly one success, last. */
function expectDeliveredOnceAfterFailures(requests: SinkRequest[]) {
  expect(requests.length).toBeGreaterThan(0);
  expect(requests.filter(succeeded)).toHaveLength(1);
  expect(succeeded(requests.at(-1)!)).toBe(true);
  // Every retry is the same event, byte for byte.
  expect(new Set(requests.map((r) => r.body)).size).toBe(1);
}

describe('an endpoint that fails for a while', () => {
  it('answering 500, then 200: every message is delivered once, after its failures, and every attempt is on Message.forwards', async () => {
    sink.respondWith(500);
    const keys: ProviderKey[] = ['twilio', 'telnyx', 'vonage', 'twilio', 'telnyx', 'vonage'];
    const stored: Awaited<ReturnType<typeof receive>>[] = [];
    for (const [i, key] of keys.entries()) stored.push(await receive(server, org, key, `Message ${i} while the endpoint is down`));
    // Each has been tried, and refused, at least twice. The endpoint sees an attempt before the
    // forwarder has written it down: the delivery log is waited for, not assumed.
    await eventually(() => stored.every((m) => sink.for(m.id).length >= 2), 15_000);
    const whileDown = await eventually(async () => {
      const details = await messageDetails(org, stored[0].id);
      return details.forwards[0]?.attempts >= 2 ? details : null;
    });
    expect(whileDown.forwards).toHaveLength(1);
    expect(whileDown.forwards[0].state).toBe('PENDING');
    expect(whileDown.forwards[0].attempts).toBeGreaterThanOrEqual(2);
    expect(whileDown.forwards[0].attemptLog[0]).toMatchObject({ statusCode: 500, error: 'HTTP_500' });
    expect(new Date(whileDown.forwards[0].nextAttemptAt).getTime()).toBeGreaterThan(new Date(whileDown.forwards[0].attemptLog.at(-1)!.at).getTime());

    sink.respondWith(200);
    await eventually(() => stored.every((m) => sink.for(m.id).some(succeeded)), 15_000);
    // A message received now is forwarded straight away, and proves nothing more is on its way for the others.
    const after = await receive(server, org, 'telnyx', 'After the endpoint came back');
    await eventually(() => sink.for(after.id).length === 1);
    await eventually(async () => (await Promise.all(stored.map((m) => messageDetails(org, m.id)))).every((d) => d.forwards[0].state === 'DELIVERED'));

    for (const message of stored) {
      const requests = sink.for(message.id);
      expectDeliveredOnceAfterFailures(requests);
      for (const request of requests) expect(verifySwitchboardSignature(request.headers['x-switchboard-signature'], request.body, org.webhookSecret)).toBe(true);
      const { forwards } = await messageDetails(org, message.id);
      expect(forwards).toHaveLength(1);
      const [forward] = forwards;
      expect(forward).toMatchObject({ url: sink.url, state: 'DELIVERED', attempts: requests.length });
      expect(forward.attemptLog.map((a) => a.statusCode)).toEqual(requests.map((r) => r.answered));
      expect(forward.attemptLog.slice(0, -1).every((a) => a.error === 'HTTP_500')).toBe(true);
      expect(forward.attemptLog.at(-1)).toMatchObject({ statusCode: 200, error: null });
      expect(forward.attemptLog.every((a) => a.latencyMs >= 0)).toBe(true);
      const times = forward.attemptLog.map((a) => new Date(a.at).getTime());
      expect([...times].sort((a, b) => a - b)).toEqual(times);
    }
    expectDeliveredOnceAfterFailures(sink.for(after.id));
  });

  it('that is unreachable (connection dropped) is retried, with the error logged, until it answers', async () => {
    sink.respondWith('drop');
    const message = await receive(server, org, 'vonage', 'Nobody home');
    await eventually(() => sink.for(message.id).length >= 2);
    sink.respondWith(200);
    await eventually(async () => (await messageDetails(org, message.id)).forwards[0].state === 'DELIVERED');
    const { forwards } = await messageDetails(org, message.id);
    const failures = forwards[0].attemptLog.slice(0, -1);
    expect(failures.length).toBeGreaterThanOrEqual(2);
    for (const attempt of failures) {
      expect(attempt.statusCode).toBeNull();
      expect(attempt.error).toBeTruthy();
    }
    expect(forwards[0].attemptLog.at(-1)).toMatchObject({ statusCode: 200, error: null });
    expectDeliveredOnceAfterFailures(sink.for(message.id));
  });
});

describe('rotateWebhookSecret', () => {
  it('signs every later delivery with the new secret, retries of earlier messages included', async () => {
    sink.respondWith(503);
    const pending = await receive(server, org, 'twilio', 'Waiting through the rotation');
    await eventually(() => sink.for(pending.id).length >= 1);
    const before = sink.for(pending.id)[0];
    expect(verifySwitchboardSignature(before.headers['x-switchboard-signature'], before.body, org.webhookSecret)).toBe(true);

    const rotated = (await ok(org.request(SharedRotateWebhookSecret, { assistantId: org.assistantId }))).rotateWebhookSecret;
    if (rotated.__typename !== 'RotateWebhookSecretPayload') throw new Error(JSON.stringify(rotated));
    const oldSecret = org.webhookSecret;
    const newSecret = rotated.secret;
    expect(newSecret).not.toBe(oldSecret);
    const rotatedAt = Date.now();
    sink.respondWith(200);

    const fresh = await receive(server, org, 'telnyx', 'After the rotation');
    await eventually(() => sink.for(fresh.id).length === 1 && sink.for(pending.id).some(succeeded));
    for (const delivery of [sink.for(fresh.id)[0], sink.for(pending.id).find(succeeded)!]) {
      expect(delivery.at).toBeGreaterThanOrEqual(rotatedAt);
      expect(verifySwitchboardSignature(delivery.headers['x-switchboard-signature'], delivery.body, newSecret)).toBe(true);
      expect(verifySwitchboardSignature(delivery.headers['x-switchboard-signature'], delivery.body, oldSecret)).toBe(false);
    }
    org.webhookSecret = newSecret;
  });
});

describe('restarts and giving up', () => {
  it('a delivery still pending when the server stops is made by the next server on the same database', async () => {
    const database = await createTestDatabase();
    const sinkB = await startSink();
    const secretsKey = 'ab'.repeat(32);
    let first: TestServer | null = await startServer({ database, env: { SECRETS_KEY: secretsKey } });
    let second: TestServer | null = null;
    try {
      const who = await createOrganizationFixture(first, { smsWebhookUrl: sinkB.url });
      sinkB.respondWith(500);
      const message = await receive(first, who, 'telnyx', 'Survive the restart');
      await eventually(() => sinkB.for(message.id).length >= 1);
      await first.stop();
      first = null;
      const failedBefore = sinkB.for(message.id).length;
      sinkB.respondWith(200);

      second = await startServer({ database, env: { SECRETS_KEY: secretsKey } });
      await eventually(() => sinkB.for(message.id).some(succeeded));
      const requests = sinkB.for(message.id);
      expect(requests.slice(0, failedBefore).every((r) => r.answered === 500)).toBe(true);
      expectDeliveredOnceAfterFailures(requests);
      const delivered = requests.at(-1)!;
      expect(verifySwitchboardSignature(delivered.headers['x-switchboard-signature'], delivered.body, who.webhookSecret)).toBe(true);
      // The endpoint answered before the forwarder wrote the attempt down.
      const onSecond = { ...who, request: graphqlClient(second.url, who.apiKey) };
      const forwards = await eventually(async () => {
        const details = await messageDetails(onSecond, message.id);
        return details.forwards[0]?.state === 'DELIVERED' ? details.forwards : null;
      });
      expect(forwards[0]).toMatchObject({ state: 'DELIVERED', attempts: requests.length });
    } finally {
      await first?.stop();
      await second?.stop();
      await sinkB.close();
      await database.drop();
    }
  });

  it('gives up after FORWARD_GIVE_UP_AFTER_MS and marks the delivery FAILED', async () => {
    const sinkC = await startSink();
    const short = await startServer({ env: { FORWARD_GIVE_UP_AFTER_MS: '400' } });
    try {
      const who = await createOrganizationFixture(short, { smsWebhookUrl: sinkC.url });
      sinkC.respondWith(500);
      const message = await receive(short, who, 'vonage', 'Into the void');
      const failed = await eventually(async () => {
        const { forwards } = await messageDetails(who, message.id);
        return forwards[0]?.state === 'FAILED' ? forwards[0] : null;
      });
      expect(failed.attempts).toBe(sinkC.for(message.id).length);
      expect(failed.attemptLog.every((a) => a.statusCode === 500)).toBe(true);
      // Nothing more is tried: a later message is attempted, this one is not. The later one is
      // followed to its own end (FAILED, FORWARD_GIVE_UP_AFTER_MS after it arrived), so the
      // forwarder was at work all that time; how many attempts fit into those 400 ms is up to
      // how busy the machine is.
      const attemptsAtFailure = sinkC.for(message.id).length;
      const later = await receive(short, who, 'vonage', 'Later');
      const laterFailed = await eventually(async () => {
        const { forwards } = await messageDetails(who, later.id);
        return forwards[0]?.state === 'FAILED' ? forwards[0] : null;
      });
      expect(laterFailed.attempts).toBeGreaterThanOrEqual(1);
      expect(sinkC.for(later.id)).toHaveLength(laterFailed.attempts);
      expect(sinkC.for(message.id)).toHaveLength(attemptsAtFailure);
    } finally {
      await short.stop();
      await sinkC.close();
    }
  });
});
