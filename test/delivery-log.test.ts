/**
 * The delivery log. Every filter is checked against a known
 * data set built through the real API (sendSms through the three providers, signed inbound
 * and status webhooks); paging stays stable while new messages arrive; each message's timeline
 * shows the provider's own word, error code and webhook payload with secrets redacted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from './gql';
import { ok } from './support/client';
import { createOrganizationFixture, type OrganizationFixture } from './support/fixtures';
import { eventually, startServer, type TestServer } from './support/server';
import { messageDetails, post, signedInbound, signedStatus, type ProviderKey } from './support/inbound';
import { telnyxMessageStatusEvent, telnyxWebhookRequest, twilioStatusParams, twilioWebhookRequest } from './fakes/signing';

const DlogMessages = graphql(`
  query DlogMessages($filter: MessageFilter, $first: Int, $after: String) {
    messages(filter: $filter, first: $first, after: $after) {
      edges { cursor node { id direction from to body status provider errorCode createdAt assistant { id } conversation { id } } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

const DlogTimeline = graphql(`
  query DlogTimeline($id: ID!) {
    message(id: $id) { id status errorCode events { status providerStatus errorCode errorMessage payload at } }
  }
`);

const DlogSend = graphql(`
  mutation DlogSend($input: SendSmsInput!) {
    sendSms(input: $input) {
      __typename
      ... on SendMessagePayload { outboundMessage { id } }
      ... on Error { code message }
    }
  }
`);

const DlogCreateAssistant = graphql(`
  mutation DlogCreateAssistant($input: CreateAssistantInput!) {
    createAssistant(input: $input) {
      ... on CreateAssistantPayload { assistant { id } }
      ... on Error { code message }
    }
  }
`);

const DlogAssign = graphql(`
  mutation DlogAssign($input: AssignPhoneNumberInput!) {
    assignPhoneNumber(input: $input) {
      ... on AssignPhoneNumberPayload { phoneNumber { id } }
      ... on Error { code message }
    }
  }
`);

type Row = Awaited<ReturnType<typeof everything>>[number];

let server: TestServer;
let org: OrganizationFixture;
let other: OrganizationFixture;
let nightDesk: string;
const C1 = '+14155556001';
const C2 = '+14155556002';
const C3 = '+14155556003';
/** Message ids by name, in the order they were made. */
const made: Record<string, string> = {};

async function send(name: string, key: ProviderKey, to: string, message: string, who = org) {
  const result = (await ok(who.request(DlogSend, { input: { fromPhoneNumber: who.numbers[key].phoneNumber, toPhoneNumber: to, message } }))).sendSms;
  if (result.__typename !== 'SendMessagePayload') throw new Error(JSON.stringify(result));
  made[name] = result.outboundMessage.id;
  return result.outboundMessage.id;
}

async function inbound(name: string, key: ProviderKey, from: string, body: string, who = org) {
  const hook = signedInbound(server, who, key, { from, body });
  expect((await post(server, hook.path, hook.signed)).status).toBe(200);
  const { messages } = await ok(who.request(DlogMessages, { first: 1, filter: { direction: 'INBOUND' } }));
  made[name] = messages.edges[0].node.id;
  return hook;
}

async function page(filter: Record<string, unknown> = {}, first = 100, after?: string) {
  return (await ok(org.request(DlogMessages, { filter, first, after }))).messages;
}
async function everything() {
  return (await page()).edges.map((e) => e.node);
}
const ids = (rows: Row[]) => rows.map((r) => r.id);

beforeAll(async () => {
  server = await startServer();
  org = await createOrganizationFixture(server);
  other = await createOrganizationFixture(server, { name: 'Other', numberOffset: 1 });
  const created = (await ok(org.request(DlogCreateAssistant, { input: { name: 'Night desk', vonageConfig: org.credentials.vonage } }))).createAssistant;
  if (!('assistant' in created)) throw new Error(JSON.stringify(created));
  nightDesk = created.assistant.id;
  await ok(org.request(DlogAssign, { input: { phoneNumberId: org.numbers.vonage.id, assistantId: nightDesk } }));

  server.fake.failFor(C2, { kind: 'invalid-number' });
  await send('alphaTwilio', 'twilio', C1, 'Alpha: your table is ready');
  await send('betaTwilioFails', 'twilio', C2, 'Beta: bad number');
  await send('gammaTelnyx', 'telnyx', C1, 'Gamma: see you at 8');
  await send('deltaVonage', 'vonage', C3, 'Delta: thanks for coming');
  await inbound('inTwilio', 'twilio', C1, 'Inbound one');
  await inbound('inTelnyx', 'telnyx', C2, 'Inbound two');
  await inbound('inVonage', 'vonage', C3, 'Inbound three');
  // Another organization's traffic never shows in this log.
  await send('otherOrg', 'twilio', C1, 'Alpha from elsewhere', other);

  // Wait for the sends' outcomes, then deliver alpha and fail gamma at the carrier.
  const alpha = await eventually(async () => {
    const m = await messageDetails(org, made.alphaTwilio);
    return m.status === 'SENT' ? m : null;
  });
  await eventually(async () => (await messageDetails(org, made.betaTwilioFails)).status === 'FAILED');
  const gamma = await eventually(async () => {
    const m = await messageDetails(org, made.gammaTelnyx);
    return m.status === 'SENT' ? m : null;
  });
  await eventually(async () => (await messageDetails(org, made.deltaVonage)).status === 'SENT');
  // Twilio's callback, with a couple of secret-looking fields a proxy might have added.
  const params = { ...twilioStatusParams({ messageSid: alpha.providerMessageId!, status: 'delivered', from: org.numbers.twilio.phoneNumber, to: C1, accountSid: org.credentials.twilio.accountSid }), AuthToken: 'leaked-auth-token', X_Api_Key: 'leaked-api-key' };
  const twilioHook = twilioWebhookRequest({ url: server.config.publicUrl + '/webhooks/twilio/status', authToken: org.credentials.twilio.authToken, params });
  expect((await post(server, '/webhooks/twilio/status', twilioHook)).status).toBe(200);
  // Telnyx's final word, with a nested secret.
  const event = telnyxMessageStatusEvent({
    messageId: gamma.providerMessageId!, from: org.numbers.telnyx.phoneNumber, to: C1, status: 'delivery_failed',
    errors: [{ code: '40002', title: 'Blocked as spam', detail: 'carrier filter' }],
  }) as { data: { payload: Record<string, unknown> }; meta: Record<string, unknown> };
  event.meta.credentials = { password: 'hunter2', client_secret: 'shh' };
  const telnyxHook = telnyxWebhookRequest({ privateKey: org.telnyxKeys.privateKey, event });
  expect((await post(server, '/webhooks/telnyx', telnyxHook)).status).toBe(200);
  await eventually(async () => (await messageDetails(org, made.alphaTwilio)).status === 'DELIVERED');
  await eventually(async () => ['FAILED', 'UNDELIVERED'].includes((await messageDetails(org, made.gammaTelnyx)).status));
});
afterAll(() => server?.stop());

describe('the delivery log', () => {
  it('lists the organization’s messages newest first', async () => {
    const rows = await everything();
    const order = ['inVonage', 'inTelnyx', 'inTwilio', 'deltaVonage', 'gammaTelnyx', 'betaTwilioFails', 'alphaTwilio'];
    expect(ids(rows)).toEqual(order.map((name) => made[name]));
    expect(ids(rows)).not.toContain(made.otherOrg);
    const times = rows.map((r) => Date.parse(r.createdAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(rows.find((r) => r.id === made.betaTwilioFails)).toMatchObject({ status: 'FAILED', errorCode: '21211' });
  });

  it('applies every filter, alone and combined, exactly as the known data set says', async () => {
    const rows = await everything();
    const names = (list: Row[]) => list.map((r) => Object.keys(made).find((k) => made[k] === r.id));
    const check = async (filter: Record<string, unknown>, expected: string[]) => {
      const got = (await page(filter)).edges.map((e) => e.node);
      expect(names(got), JSON.stringify(filter)).toEqual(expected);
    };
    const conversationOf = (name: string) => rows.find((r) => r.id === made[name])!.conversation!.id;

    await check({ direction: 'OUTBOUND' }, ['deltaVonage', 'gammaTelnyx', 'betaTwilioFails', 'alphaTwilio']);
    await check({ direction: 'INBOUND' }, ['inVonage', 'inTelnyx', 'inTwilio']);
    await check({ status: 'DELIVERED' }, ['alphaTwilio']);
    await check({ status: 'FAILED' }, names(rows.filter((r) => r.status === 'FAILED')) as string[]);
    expect(names(rows.filter((r) => r.status === 'FAILED'))).toContain('betaTwilioFails');
    await check({ status: 'RECEIVED' }, ['inVonage', 'inTelnyx', 'inTwilio']);
    await check({ status: 'SENT' }, ['deltaVonage']);
    await check({ status: 'QUEUED' }, []);
    await check({ provider: 'TWILIO' }, ['inTwilio', 'betaTwilioFails', 'alphaTwilio']);
    await check({ provider: 'TELNYX' }, ['inTelnyx', 'gammaTelnyx']);
    await check({ provider: 'VONAGE' }, ['inVonage', 'deltaVonage']);
    await check({ assistantId: nightDesk }, ['inVonage', 'deltaVonage']);
    await check({ assistantId: org.assistantId }, ['inTelnyx', 'inTwilio', 'gammaTelnyx', 'betaTwilioFails', 'alphaTwilio']);
    await check({ assistantId: other.assistantId }, []);
    await check({ assistantId: 'garbage' }, []);
    // C1 talks to us on the Twilio number (alpha, inbound one) and on the Telnyx number (gamma): two threads.
    await check({ conversationId: conversationOf('alphaTwilio') }, ['inTwilio', 'alphaTwilio']);
    await check({ conversationId: conversationOf('gammaTelnyx') }, ['gammaTelnyx']);
    await check({ conversationId: conversationOf('deltaVonage') }, ['inVonage', 'deltaVonage']);
    await check({ from: org.numbers.twilio.phoneNumber }, ['betaTwilioFails', 'alphaTwilio']);
    await check({ from: C1 }, ['inTwilio']);
    await check({ to: C1 }, ['gammaTelnyx', 'alphaTwilio']);
    await check({ to: org.numbers.telnyx.phoneNumber }, ['inTelnyx']);
    await check({ to: '+14155550000' }, []);

    // Date range: createdAfter includes its instant, createdBefore excludes it.
    const at = (name: string) => rows.find((r) => r.id === made[name])!.createdAt;
    await check({ createdAfter: at('gammaTelnyx') }, ['inVonage', 'inTelnyx', 'inTwilio', 'deltaVonage', 'gammaTelnyx']);
    await check({ createdBefore: at('gammaTelnyx') }, ['betaTwilioFails', 'alphaTwilio']);
    await check({ createdAfter: at('betaTwilioFails'), createdBefore: at('inTwilio') }, ['deltaVonage', 'gammaTelnyx', 'betaTwilioFails']);
    await check({ createdAfter: at('inVonage'), createdBefore: at('inVonage') }, []);
    await check({ createdAfter: new Date(Date.now() + 3_600_000).toISOString() }, []);

    // Combined.
    await check({ direction: 'OUTBOUND', provider: 'TWILIO' }, ['betaTwilioFails', 'alphaTwilio']);
    await check({ direction: 'OUTBOUND', to: C1, createdAfter: at('betaTwilioFails') }, ['gammaTelnyx']);
    await check({ provider: 'VONAGE', direction: 'INBOUND', assistantId: nightDesk, from: C3 }, ['inVonage']);
    await check({ status: 'DELIVERED', provider: 'TELNYX' }, []);

    // Another organization with the same filters sees only its own message.
    const theirs = (await ok(other.request(DlogMessages, { first: 100, filter: { to: C1 } }))).messages.edges.map((e) => e.node.id);
    expect(theirs).toEqual([made.otherOrg]);
  });

  it('pages with first/after: every page boundary, hasNextPage exactly at the end', async () => {
    const all = ids(await everything());
    for (const size of [1, 2, 3, 7, 8]) {
      const seen: string[] = [];
      let after: string | undefined;
      let pages = 0;
      for (;;) {
        const p = await page({}, size, after);
        pages++;
        seen.push(...p.edges.map((e) => e.node.id));
        if (!p.pageInfo.hasNextPage) break;
        expect(p.edges).toHaveLength(size);
        after = p.pageInfo.endCursor!;
      }
      expect(seen, `page size ${size}`).toEqual(all);
      expect(pages).toBe(Math.max(1, Math.ceil(all.length / size)));
    }
    // A filtered log pages the same way.
    const outbound = ids((await page({ direction: 'OUTBOUND' })).edges.map((e) => e.node));
    const first = await page({ direction: 'OUTBOUND' }, 3);
    const second = await page({ direction: 'OUTBOUND' }, 3, first.pageInfo.endCursor!);
    expect([...first.edges, ...second.edges].map((e) => e.node.id)).toEqual(outbound);
    expect(second.pageInfo.hasNextPage).toBe(false);
  });

  it('pages stably while new messages arrive: no duplicates, nothing that existed at the start skipped', async () => {
    const atStart = ids(await everything());
    const seen: string[] = [];
    let after: string | undefined;
    let arrived = 0;
    for (;;) {
      const p = await page({}, 2, after);
      seen.push(...p.edges.map((e) => e.node.id));
      // Between pages, new messages arrive: sends and inbound webhooks, concurrently.
      await Promise.all([
        send(`late-out-${arrived}`, 'twilio', C3, `late outbound ${arrived}`),
        inbound(`late-in-${arrived}`, 'telnyx', C3, `late inbound ${arrived}`),
      ]);
      arrived += 2;
      if (!p.pageInfo.hasNextPage) break;
      after = p.pageInfo.endCursor!;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(atStart);
    expect((await everything()).length).toBe(atStart.length + arrived);
  });
});

describe('the timeline', () => {
  it("keeps the provider's word, error code and webhook payload with secrets redacted", async () => {
    const alpha = (await ok(org.request(DlogTimeline, { id: made.alphaTwilio }))).message!;
    expect(alpha.events.map((e) => e.status)).toEqual(expect.arrayContaining(['QUEUED', 'SENT', 'DELIVERED']));
    expect(alpha.events.at(-1)).toMatchObject({ status: 'DELIVERED', providerStatus: 'delivered' });
    const delivered = JSON.parse(alpha.events.at(-1)!.payload!) as Record<string, string>;
    expect(delivered).toMatchObject({ MessageStatus: 'delivered', To: C1, From: org.numbers.twilio.phoneNumber, AuthToken: '[redacted]', X_Api_Key: '[redacted]' });
    expect(alpha.events.at(-1)!.payload).not.toContain('leaked');
    // Our own steps carry no provider payload.
    expect(alpha.events.find((e) => e.status === 'QUEUED')!.payload).toBeNull();
    const times = alpha.events.map((e) => Date.parse(e.at));
    expect([...times].sort((a, b) => a - b)).toEqual(times);

    const gamma = (await ok(org.request(DlogTimeline, { id: made.gammaTelnyx }))).message!;
    const final = gamma.events.at(-1)!;
    expect(final).toMatchObject({ providerStatus: 'delivery_failed', errorCode: '40002' });
    expect(gamma.errorCode).toBe('40002');
    const telnyx = JSON.parse(final.payload!) as { data: { event_type: string; payload: { id: string } }; meta: { credentials: unknown } };
    expect(telnyx.data.event_type).toBe('message.finalized');
    expect(telnyx.meta.credentials).toBe('[redacted]');
    expect(final.payload).not.toContain('hunter2');

    const beta = (await ok(org.request(DlogTimeline, { id: made.betaTwilioFails }))).message!;
    expect(beta.events.at(-1)).toMatchObject({ status: 'FAILED', errorCode: '21211' });
  });

  it('keeps the inbound webhook on the RECEIVED step', async () => {
    for (const name of ['inTwilio', 'inTelnyx', 'inVonage']) {
      const { message } = await ok(org.request(DlogTimeline, { id: made[name] }));
      expect(message!.events).toHaveLength(1);
      expect(message!.events[0]).toMatchObject({ status: 'RECEIVED', providerStatus: 'received' });
      const payload = message!.events[0].payload!;
      expect(payload).toContain(name === 'inTwilio' ? 'Inbound one' : name === 'inTelnyx' ? 'Inbound two' : 'Inbound three');
      expect(() => JSON.parse(payload)).not.toThrow();
    }
  });

  it("is not readable by another organization", async () => {
    const { message } = await ok(other.request(DlogTimeline, { id: made.alphaTwilio }));
    expect(message).toBeNull();
  });
});
