import { builder } from '../builder';
import { organizationOf } from '../context';

/** Forwarding of inbound messages to the assistant's smsWebhookUrl, as the delivery log shows it. */
export const DeliveryStateEnum = builder.enumType('DeliveryState', {
  values: ['PENDING', 'DELIVERED', 'FAILED'] as const,
  description: 'PENDING: not delivered yet (retrying with backoff); DELIVERED: the endpoint answered 2xx; FAILED: given up.',
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
  findUnique: (id, ctx) => ({ id, organizationId: organizationOf(ctx) }),
  description: "The delivery of an inbound message to its assistant's smsWebhookUrl.",
  fields: (t) => ({
    url: t.exposeString('url'),
    state: t.expose('state', { type: DeliveryStateEnum }),
    attempts: t.exposeInt('attempts'),
    nextAttemptAt: t.expose('nextAttemptAt', { type: 'DateTime', description: 'When the next attempt is due (while PENDING).' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    attemptLog: t.relation('attemptLog', { query: { orderBy: [{ at: 'asc' }, { id: 'asc' }] }, description: 'Every attempt, oldest first.' }),
  }),
});

builder.prismaObjectField('Message', 'forwards', (t) =>
  t.relation('forwards', {
    description: "Deliveries of this inbound message to its assistant's smsWebhookUrl (none for outbound messages).",
    query: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] },
  }),
);
