import { builder } from '../builder';

/** Forwarding of inbound messages to the assistant's smsWebhookUrl, as the delivery log shows it. */
export const DeliveryStateEnum = builder.enumType('DeliveryState', {
  values: ['PENDING', 'DELIVERED', 'FAILED', 'SKIPPED'] as const,
  description:
    'PENDING: not delivered yet (retrying with backoff); DELIVERED: the endpoint answered 2xx; FAILED: given up; SKIPPED: not sent, by design (reason says why, e.g. a person handles the thread).',
});

export const WebhookForwardAttemptType = builder.prismaObject('WebhookForwardAttempt', {
  description: 'One POST to the assistant endpoint.',
  fields: (t) => ({
    statusCode: t.exposeInt('statusCode', { nullable: true, description: 'The HTTP status answered; null when there was no answer (refused, timed out).' }),
    latencyMs: t.exposeInt('latencyMs'),
    error: t.exposeString('error', {
      nullable: true,
      description:
        'Why the attempt failed, as a category: HTTP_<status> (the endpoint answered outside 2xx), TIMEOUT, CONNECTION_REFUSED, CONNECTION_RESET, UNREACHABLE, DNS_FAILURE, TLS_ERROR, CONNECTION_ERROR, BLOCKED_ADDRESS (the URL or an address its name resolved to is not allowed), INVALID_URL, ASSISTANT_DELETED. Null when it succeeded.',
    }),
    at: t.expose('at', { type: 'DateTime' }),
  }),
});

export const WebhookForwardNode = builder.prismaNode('WebhookForward', {
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, ctx) => ({ id, organizationId: ctx.organizationId }),
  description: "The delivery of an event (an inbound message, a delivery status, a takeover) to its assistant's smsWebhookUrl.",
  fields: (t) => ({
    url: t.exposeString('url'),
    kind: t.exposeString('kind', { description: 'The event: sms_received, sms_status or conversation_mode.' }),
    state: t.expose('state', { type: DeliveryStateEnum }),
    reason: t.exposeString('reason', { nullable: true, description: 'Why it was SKIPPED, e.g. "conversation handled by a person".' }),
    attempts: t.exposeInt('attempts'),
    nextAttemptAt: t.expose('nextAttemptAt', { type: 'DateTime', description: 'When the next attempt is due (while PENDING).' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    attemptLog: t.relation('attemptLog', { query: { orderBy: [{ at: 'asc' }, { id: 'asc' }] }, description: 'Every attempt, oldest first.' }),
  }),
});

builder.prismaObjectField('Message', 'forwards', (t) =>
  t.relation('forwards', {
    description: "Deliveries of events about this message to its assistant's smsWebhookUrl: sms_received for an inbound one, sms_status for an outbound one.",
    query: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] },
  }),
);
