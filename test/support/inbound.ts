/**
 * Helpers for the inbound / delivery-status / forwarding suites: correctly signed provider
 * webhooks for an organization fixture, a local sink standing in for an assistant's
 * smsWebhookUrl, the X-Switchboard-Signature check an assistant would make, and a way to
 * know a subscriber is really listening (in process, and on Redis when it is in use).
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeGlobalID } from '@pothos/plugin-relay';
import { Redis } from 'ioredis';
import {
  telnyxMessageReceivedEvent,
  telnyxMessageStatusEvent,
  telnyxWebhookRequest,
  twilioInboundParams,
  twilioMessageSid,
  twilioStatusParams,
  twilioWebhookRequest,
  vonageInboundBody,
  vonageStatusBody,
  vonageWebhookRequest,
  type SignedWebhook,
} from '../fakes/signing';
import { graphql } from '../gql';
import { ok } from './client';
import { createOrganizationFixture, type OrganizationFixture } from './fixtures';
import { eventually, startServer, usesServices, type TestServer } from './server';

export type ProviderKey = 'twilio' | 'telnyx' | 'vonage';
export const PROVIDERS = [
  ['TWILIO', 'twilio'],
  ['TELNYX', 'telnyx'],
  ['VONAGE', 'vonage'],
] as const;

export const INBOUND_PATH: Record<ProviderKey, string> = {
  twilio: '/webhooks/twilio/messages',
  telnyx: '/webhooks/telnyx',
  vonage: '/webhooks/vonage/inbound',
};
export const STATUS_PATH: Record<ProviderKey, string> = {
  twilio: '/webhooks/twilio/status',
  telnyx: '/webhooks/telnyx',
  vonage: '/webhooks/vonage/status',
};

export interface BuiltWebhook {
  path: string;
  signed: SignedWebhook;
  providerMessageId: string;
}

/** A customer's message to our number (`to`, default the fixture's number at that provider), signed as the provider signs it. */
export function signedInbound(
  server: TestServer,
  org: OrganizationFixture,
  key: ProviderKey,
  options: { from: string; to?: string; body?: string; media?: { url: string; contentType: string }[]; providerMessageId?: string },
): BuiltWebhook {
  const to = options.to ?? org.numbers[key].phoneNumber;
  const path = INBOUND_PATH[key];
  if (key === 'twilio') {
    const providerMessageId = options.providerMessageId ?? twilioMessageSid((options.media?.length ?? 0) > 0);
    const params = twilioInboundParams({ from: options.from, to, body: options.body, media: options.media, messageSid: providerMessageId, accountSid: org.credentials.twilio.accountSid });
    return { path, providerMessageId, signed: twilioWebhookRequest({ url: server.config.publicUrl + path, authToken: org.credentials.twilio.authToken, params }) };
  }
  if (key === 'telnyx') {
    const providerMessageId = options.providerMessageId ?? randomUUID();
    const event = telnyxMessageReceivedEvent({ from: options.from, to, text: options.body, media: options.media, messageId: providerMessageId });
    return { path, providerMessageId, signed: telnyxWebhookRequest({ privateKey: org.telnyxKeys.privateKey, event }) };
  }
  const providerMessageId = options.providerMessageId ?? randomUUID();
  const media = options.media?.[0];
  const body = vonageInboundBody({
    from: options.from,
    to,
    messageUuid: providerMessageId,
    ...(media ? { imageUrl: media.url, caption: options.body } : { text: options.body }),
  });
  return { path, providerMessageId, signed: vonageWebhookRequest({ signatureSecret: org.credentials.vonage.signatureSecret, body }) };
}

/**
 * A delivery status for a message we sent from our number `from` to `to`. `status` is the
 * provider's own word (Twilio MessageStatus, Telnyx to[0].status, Vonage status).
 */
export function signedStatus(
  server: TestServer,
  org: OrganizationFixture,
  key: ProviderKey,
  options: { providerMessageId: string; from: string; to: string; status: string; errorCode?: string; errorMessage?: string },
): BuiltWebhook {
  const { providerMessageId, from, to, status } = options;
  const path = STATUS_PATH[key];
  if (key === 'twilio') {
    const params = twilioStatusParams({ messageSid: providerMessageId, status, from, to, errorCode: options.errorCode, errorMessage: options.errorMessage, accountSid: org.credentials.twilio.accountSid });
    return { path, providerMessageId, signed: twilioWebhookRequest({ url: server.config.publicUrl + path, authToken: org.credentials.twilio.authToken, params }) };
  }
  if (key === 'telnyx') {
    const event = telnyxMessageStatusEvent({
      eventType: ['queued', 'sending', 'sent'].includes(status) ? 'message.sent' : 'message.finalized',
      messageId: providerMessageId,
      from,
      to,
      status,
      errors: options.errorCode ? [{ code: options.errorCode, title: options.errorMessage ?? 'failed', detail: options.errorMessage }] : [],
    });
    return { path, providerMessageId, signed: telnyxWebhookRequest({ privateKey: org.telnyxKeys.privateKey, event }) };
  }
  const body: Record<string, unknown> = vonageStatusBody({ messageUuid: providerMessageId, from, to, status });
  if (options.errorCode) {
    body.error = {
      type: `https://developer.vonage.com/api-errors/messages#${options.errorCode}`,
      title: options.errorCode,
      detail: options.errorMessage ?? 'failed',
      instance: randomUUID(),
    };
  }
  return { path, providerMessageId, signed: vonageWebhookRequest({ signatureSecret: org.credentials.vonage.signatureSecret, body }) };
}

export async function post(server: TestServer, path: string, signed: SignedWebhook) {
  const response = await fetch(server.url + path, signed);
  return { status: response.status, text: await response.text(), contentType: response.headers.get('content-type') };
}

// ─── The assistant's endpoint ────────────────────────────────────────────────────────────

export interface SinkRequest {
  headers: IncomingHttpHeaders;
  body: string;
  json: { type: string; id: string; timestamp: string; data: Record<string, unknown> & { message_id: string } };
  /** What the sink answered: an HTTP status, or 'dropped' (connection closed without an answer). */
  answered: number | 'dropped';
  at: number;
}

/** A local HTTP endpoint standing in for an assistant's smsWebhookUrl; answers `respondWith()` (200 by default). */
export async function startSink() {
  const requests: SinkRequest[] = [];
  let mode: number | 'drop' = 200;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const answered = mode === 'drop' ? 'dropped' : mode;
      let json: SinkRequest['json'];
      try {
        json = JSON.parse(body) as SinkRequest['json'];
      } catch {
        json = { type: 'unparseable', id: '', timestamp: '', data: { message_id: '' } };
      }
      requests.push({ headers: req.headers, body, json, answered, at: Date.now() });
      if (answered === 'dropped') req.socket.destroy();
      else res.writeHead(answered, { 'content-type': 'text/plain' }).end(answered < 300 ? 'ok' : 'nope');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/sms`,
    requests,
    /** Every later request is answered with this status, or dropped without an answer. */
    respondWith(next: number | 'drop') {
      mode = next;
    },
    /** Requests carrying this Message id. */
    for(messageId: string) {
      return requests.filter((r) => r.json.data.message_id === messageId);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
export type Sink = Awaited<ReturnType<typeof startSink>>;

/**
 * A server, a sink standing in for the assistant's endpoint, and an organization whose
 * assistant forwards there: what the inbound suites start in `beforeAll`. What was started
 * before a failure is stopped again.
 */
export async function startInboundSuite(): Promise<{ server: TestServer; sink: Sink; org: OrganizationFixture }> {
  const server = await startServer();
  let sink: Sink | undefined;
  try {
    sink = await startSink();
    return { server, sink, org: await createOrganizationFixture(server, { smsWebhookUrl: sink.url }) };
  } catch (error) {
    await stopInboundSuite({ server, sink });
    throw error;
  }
}

/** Stops what `startInboundSuite` started (either may be missing), and the suite's Redis client. */
export async function stopInboundSuite(suite: { server?: TestServer; sink?: Sink }) {
  await suite.server?.stop();
  await suite.sink?.close();
  await closeRedis();
}

/** What an assistant does with X-Switchboard-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">. */
export function verifySwitchboardSignature(header: string | string[] | undefined, body: string, secret: string): boolean {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(header ?? ''));
  if (!match) return false;
  const expected = createHmac('sha256', secret).update(`${match[1]}.${body}`).digest();
  const given = Buffer.from(match[2], 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected) && Math.abs(Date.now() / 1000 - Number(match[1])) < 300;
}

// ─── Subscribers ─────────────────────────────────────────────────────────────────────────

let redis: Redis | null = null;
function redisClient(): Redis {
  redis ??= new Redis(process.env.REDIS_URL!, { lazyConnect: false, maxRetriesPerRequest: 1 });
  return redis;
}
export async function closeRedis() {
  await redis?.quit().catch(() => redis?.disconnect());
  redis = null;
}

/** The pub/sub topic a subscription without arguments listens on (src/realtime/events.ts). */
export function organizationTopic(kind: 'received' | 'status', org: OrganizationFixture): string {
  return `${kind}:organization:${decodeGlobalID(org.organizationId).id}`;
}

/** The topic a subscription with these arguments listens on: the narrowest one it names. */
export function subscriptionTopic(
  kind: 'received' | 'status',
  org: OrganizationFixture,
  args: { assistantId?: string | null; conversationId?: string | null } = {},
): string {
  if (args.conversationId) return `${kind}:conversation:${decodeGlobalID(args.conversationId).id}`;
  if (args.assistantId) return `${kind}:assistant:${decodeGlobalID(args.assistantId).id}`;
  return organizationTopic(kind, org);
}

/**
 * Waits until `count` subscriptions listen on `server`, and, under Redis, until the topics
 * they listen on are subscribed on Redis (SUBSCRIBE completes after the listener is attached).
 */
export async function subscribersReady(server: TestServer, count: number, topics: string[] = []) {
  await eventually(() => server.app.services.events.activeSubscriptions() >= count);
  if (!usesServices || topics.length === 0) return;
  await eventually(async () => {
    const reply = (await redisClient().call('PUBSUB', 'NUMSUB', ...topics)) as (string | number)[];
    for (let i = 1; i < reply.length; i += 2) if (Number(reply[i]) < 1) return false;
    return true;
  });
}

// ─── Documents the suites share ─────────────────────────────────────────────────────────

export const InboundSuiteSendSms = graphql(`
  mutation InboundSuiteSendSms($input: SendSmsInput!) {
    sendSms(input: $input) {
      __typename
      ... on SendMessagePayload { outboundMessage { id status providerMessageId } }
      ... on Error { code message }
    }
  }
`);

export const InboundSuiteMessage = graphql(`
  query InboundSuiteMessage($id: ID!) {
    message(id: $id) {
      id direction from to body mediaUrls provider providerMessageId status errorCode errorMessage
      conversation { id customerPhoneNumber phoneNumber { id phoneNumber } messages(first: 50) { edges { node { id } } } }
      events { status providerStatus at }
      forwards { id url state attempts nextAttemptAt attemptLog { statusCode latencyMs error at } }
    }
  }
`);

export const InboundSuiteMessages = graphql(`
  query InboundSuiteMessages($filter: MessageFilter) {
    messages(filter: $filter, first: 100) {
      edges { node { id direction from to body mediaUrls provider providerMessageId status conversation { id } } }
    }
  }
`);

export const InboundSuiteMessageReceived = graphql(`
  subscription InboundSuiteMessageReceived($assistantId: ID, $conversationId: ID) {
    messageReceived(assistantId: $assistantId, conversationId: $conversationId) {
      id direction from to body mediaUrls provider providerMessageId status conversation { id }
    }
  }
`);

export const InboundSuiteMessageStatusChanged = graphql(`
  subscription InboundSuiteMessageStatusChanged($assistantId: ID, $conversationId: ID, $messageId: ID) {
    messageStatusChanged(assistantId: $assistantId, conversationId: $conversationId, messageId: $messageId) {
      id status errorCode providerMessageId conversation { id }
    }
  }
`);

/** Inbound messages of `org` with this provider message id (the delivery log, as a client sees it). */
export async function inboundWithProviderId(org: OrganizationFixture, providerMessageId: string) {
  const { messages } = await ok(org.request(InboundSuiteMessages, { filter: { direction: 'INBOUND' } }));
  return messages.edges.map((e) => e.node).filter((m) => m.providerMessageId === providerMessageId);
}

export async function messageDetails(org: OrganizationFixture, id: string) {
  const { message } = await ok(org.request(InboundSuiteMessage, { id }));
  if (!message) throw new Error(`message ${id} not found`);
  return message;
}

/** Sends an SMS and waits until the provider accepted it (SENT, with its id). */
export async function sendAndWaitSent(org: OrganizationFixture, from: string, to: string, text: string) {
  const result = (await ok(org.request(InboundSuiteSendSms, { input: { fromPhoneNumber: from, toPhoneNumber: to, message: text } }))).sendSms;
  if (result.__typename !== 'SendMessagePayload') throw new Error(`sendSms refused: ${JSON.stringify(result)}`);
  return eventually(async () => {
    const message = await messageDetails(org, result.outboundMessage.id);
    return message.status === 'SENT' && message.providerMessageId ? { ...message, providerMessageId: message.providerMessageId } : null;
  });
}
