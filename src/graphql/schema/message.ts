import { builder } from '../builder';
import { keyCaller } from '../context';
import { loadAgent, loadApiKeyName, loadMessagePageWhere } from '../loaders';
import { senderOf } from '../../tenancy/api-keys';
import type { MessageSender } from '../../messaging/intake';
import { AgentNode } from './agent';
import { decodeId, idOrNone } from '../ids';
import type { Message } from '../../db/client';
import { cancelMessage, sendMessage } from '../../messaging/send';
import type { MessageFilter } from '../../messaging/message-filter';
import { messageSeries, messageStats, type StatsBucket } from '../../messaging/stats';
import { DirectionEnum, EncodingEnum, MessageStatusEnum, ProviderEnum } from './enums';
import { MessageCategoryEnum, OutsideQuietHoursEnum } from './compliance';
import type { MessageCategory } from '../../compliance/rules';

export const MessageEventType = builder.prismaObject('MessageEvent', {
  description: "One step in a message's delivery timeline.",
  fields: (t) => ({
    status: t.expose('status', { type: MessageStatusEnum }),
    providerStatus: t.exposeString('providerStatus', { nullable: true, description: "The provider's own word, e.g. \"delivered\"." }),
    errorCode: t.exposeString('errorCode', { nullable: true }),
    errorMessage: t.exposeString('errorMessage', { nullable: true }),
    payload: t.exposeString('payload', {
      nullable: true,
      description: "The provider's payload for this step (its webhook body) as a JSON string, secrets redacted; null for our own steps.",
    }),
    at: t.expose('at', { type: 'DateTime' }),
  }),
});

const MessageSenderKindEnum = builder.enumType('MessageSenderKind', {
  values: {
    ASSISTANT: { description: "The assistant's backend: a key bound to no agent." },
    AGENT: { description: 'An agent: a key bound to one.' },
    SWITCHBOARD: { description: 'Switchboard itself: a reply to STOP, START or HELP (category COMPLIANCE).' },
  } as const,
});

const MessageSenderType = builder.objectRef<MessageSender>('MessageSender').implement({
  fields: (t) => ({
    kind: t.field({ type: MessageSenderKindEnum, resolve: (s) => s.kind }),
    agent: t.field({ type: AgentNode, nullable: true, resolve: (s, _args, ctx) => loadAgent(ctx, s.agentId) }),
    apiKeyName: t.string({ nullable: true, description: 'The name of the key it was sent with.', resolve: (s, _args, ctx) => loadApiKeyName(ctx, s.apiKeyId) }),
  }),
});

export const MessageNode = builder.prismaNode('Message', {
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, ctx) => ({ id, organizationId: ctx.organizationId }),
  fields: (t) => ({
    direction: t.expose('direction', { type: DirectionEnum }),
    from: t.exposeString('from'),
    to: t.exposeString('to'),
    body: t.exposeString('body'),
    mediaUrls: t.stringList({ select: { mediaUrls: true }, resolve: (m) => JSON.parse(m.mediaUrls) as string[] }),
    provider: t.expose('provider', { type: ProviderEnum }),
    providerMessageId: t.exposeString('providerMessageId', { nullable: true }),
    status: t.expose('status', { type: MessageStatusEnum }),
    errorCode: t.exposeString('errorCode', { nullable: true, description: "The provider's own error code, e.g. Twilio \"21211\"." }),
    errorMessage: t.exposeString('errorMessage', { nullable: true }),
    segments: t.exposeInt('segments'),
    encoding: t.expose('encoding', { type: EncodingEnum }),
    sendAt: t.expose('sendAt', { type: 'DateTime', nullable: true }),
    validUntil: t.expose('validUntil', { type: 'DateTime', nullable: true, description: 'Not sent after this: it ends FAILED instead.' }),
    conversation: t.relation('conversation', { nullable: true }),
    assistant: t.relation('assistant', { nullable: true }),
    phoneNumber: t.relation('phoneNumber', { nullable: true }),
    events: t.relation('events', { query: { orderBy: [{ at: 'asc' }, { id: 'asc' }] } }),
    sentBy: t.field({
      type: MessageSenderType,
      nullable: true,
      description: 'Who sent it (outbound); null for inbound messages and for messages sent before senders were recorded.',
      select: { sentByKind: true, sentByAgentId: true, sentByApiKeyId: true },
      resolve: (m) => (m.sentByKind ? { kind: m.sentByKind, agentId: m.sentByAgentId, apiKeyId: m.sentByApiKeyId } : null),
    }),
    readAt: t.expose('readAt', { type: 'DateTime', nullable: true, description: 'Inbound: when its thread was marked read (markConversationRead).' }),
    category: t.field({
      type: MessageCategoryEnum,
      nullable: true,
      description: 'As given to sendSms / sendMms; COMPLIANCE for keyword replies.',
      select: { category: true },
      resolve: (m) => m.category as MessageCategory | null,
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

export const MessageFilterInput = builder.inputType('MessageFilter', {
  fields: (t) => ({
    direction: t.field({ type: DirectionEnum }),
    status: t.field({ type: MessageStatusEnum }),
    provider: t.field({ type: ProviderEnum }),
    assistantId: t.id(),
    conversationId: t.id(),
    from: t.string(),
    to: t.string(),
    search: t.string({ description: 'Case-insensitive text in the body or either number.' }),
    createdAfter: t.field({ type: 'DateTime' }),
    createdBefore: t.field({ type: 'DateTime' }),
  }),
});

type FilterArg = typeof MessageFilterInput.$inferInput | null | undefined;
function toFilter(filter: FilterArg): MessageFilter {
  return {
    ...filter,
    assistantId: filter?.assistantId ? idOrNone('Assistant', filter.assistantId) : undefined,
    conversationId: filter?.conversationId ? idOrNone('Conversation', filter.conversationId) : undefined,
  };
}

const CountByKey = builder.objectRef<{ key: string; count: number }>('CountByKey').implement({
  fields: (t) => ({ key: t.exposeString('key'), count: t.exposeInt('count') }),
});

const StatsIntervalEnum = builder.enumType('StatsInterval', { values: ['HOUR', 'DAY'] as const, description: 'Bucket size of a stats series (UTC).' });

const MessageStatsBucket = builder.objectRef<StatsBucket>('MessageStatsBucket').implement({
  description: 'Messages created in one hour or day (UTC) that match the filter.',
  fields: (t) => ({
    start: t.expose('start', { type: 'DateTime', description: 'The start of the hour or day, UTC.' }),
    total: t.exposeInt('total'),
    inbound: t.exposeInt('inbound'),
    outbound: t.exposeInt('outbound'),
    delivered: t.exposeInt('delivered'),
    undelivered: t.exposeInt('undelivered'),
    failed: t.exposeInt('failed'),
    segments: t.exposeInt('segments', { description: 'Segments of the outbound messages in the bucket.' }),
  }),
});

type StatsResult = Awaited<ReturnType<typeof messageStats>> & { scope: { organizationId: string; filter: MessageFilter } };

const MessageStats = builder.objectRef<StatsResult>('MessageStats').implement({
  fields: (t) => ({
    series: t.field({
      type: [MessageStatsBucket],
      description: 'Counts per hour or day (UTC) for charts, oldest first; hours or days without messages are left out.',
      args: { interval: t.arg({ type: StatsIntervalEnum, required: true, defaultValue: 'DAY' }) },
      resolve: (s, { interval }, ctx) => messageSeries(ctx.services, s.scope.organizationId, s.scope.filter, interval),
    }),
    total: t.exposeInt('total'),
    byStatus: t.field({ type: [CountByKey], resolve: (s) => s.byStatus }),
    byProvider: t.field({ type: [CountByKey], resolve: (s) => s.byProvider }),
    byDirection: t.field({ type: [CountByKey], resolve: (s) => s.byDirection }),
    segments: t.exposeInt('segments', { description: 'Segments of the outbound messages counted.' }),
    successRate: t.exposeFloat('successRate', {
      nullable: true,
      description: 'delivered ÷ (delivered + undelivered + failed), from 0 to 1; null while none has reached one of those.',
    }),
  }),
});

builder.queryFields((t) => ({
  messages: t.prismaConnection({
    authScopes: { key: 'READ_ONLY' },
    type: 'Message',
    cursor: 'id',
    description: 'The delivery log, newest first.',
    args: { filter: t.arg({ type: MessageFilterInput }) },
    totalCount: async (_root, { filter }, ctx) => ctx.services.db.message.count({ where: await loadMessagePageWhere(ctx, toFilter(filter)) }),
    resolve: async (query, _root, { filter }, ctx) =>
      ctx.services.db.message.findMany({
        ...query,
        where: await loadMessagePageWhere(ctx, toFilter(filter)),
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      }),
  }, { name: 'MessageConnection' }, { name: 'MessageEdge' }),
  message: t.prismaField({
    authScopes: { key: 'READ_ONLY' },
    type: 'Message',
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, { id }, ctx) =>
      ctx.services.db.message.findFirst({ ...query, where: { id: idOrNone('Message', id), organizationId: ctx.organizationId } }),
  }),
  messageStats: t.field({
    authScopes: { key: 'READ_ONLY' },
    type: MessageStats,
    args: { filter: t.arg({ type: MessageFilterInput }) },
    resolve: async (_root, { filter }, ctx) => {
      const scope = { organizationId: ctx.organizationId, filter: toFilter(filter) };
      return { ...(await messageStats(ctx.services, scope.organizationId, scope.filter)), scope };
    },
  }),
}));

const FORCE =
  "Send even into a thread a person has taken over: without it, a key with no agent (the assistant's backend) is refused there with CONVERSATION_TAKEN_OVER. An agent's key needs no force.";

const SendSmsInput = builder.inputType('SendSmsInput', {
  fields: (t) => ({
    fromPhoneNumber: t.string({ required: true, description: 'One of your numbers, E.164. Its provider sends the message.' }),
    toPhoneNumber: t.string({ required: true, description: 'E.164' }),
    message: t.string({ required: true, description: '1 to 1600 characters.' }),
    idempotencyKey: t.string({ description: 'The same key within your organization returns the first message and sends once.' }),
    sendAt: t.field({ type: 'DateTime', description: 'Send later: the message stays SCHEDULED until then.' }),
    validityPeriodSeconds: t.int({
      description: 'If the message has not reached its provider this many seconds after sendAt (or now), it ends FAILED (VALIDITY_PERIOD_EXPIRED) instead of going out late. 1 to 259200.',
    }),
    force: t.boolean({ description: FORCE }),
    category: t.field({ type: MessageCategoryEnum, description: 'TRANSACTIONAL may be exempt from quiet hours and the frequency cap; COMPLIANCE is refused.' }),
    outsideQuietHours: t.field({ type: OutsideQuietHoursEnum, defaultValue: 'REFUSE' }),
  }),
});
const SendMmsInput = builder.inputType('SendMmsInput', {
  fields: (t) => ({
    fromPhoneNumber: t.string({ required: true }),
    toPhoneNumber: t.string({ required: true }),
    message: t.string({ description: 'Optional caption, up to 1600 characters.' }),
    mediaUrls: t.stringList({ required: true, description: '1 to 10 https URLs (Vonage: exactly 1).' }),
    idempotencyKey: t.string(),
    sendAt: t.field({ type: 'DateTime' }),
    validityPeriodSeconds: t.int(),
    force: t.boolean({ description: FORCE }),
    category: t.field({ type: MessageCategoryEnum }),
    outsideQuietHours: t.field({ type: OutsideQuietHoursEnum, defaultValue: 'REFUSE' }),
  }),
});

const SendMessagePayload = builder.objectRef<{ outboundMessage: Message }>('SendMessagePayload').implement({
  fields: (t) => ({ outboundMessage: t.field({ type: MessageNode, resolve: (p) => p.outboundMessage }) }),
});
const CancelMessagePayload = builder.objectRef<{ message: Message }>('CancelMessagePayload').implement({
  fields: (t) => ({ message: t.field({ type: MessageNode, resolve: (p) => p.message }) }),
});

builder.mutationFields((t) => ({
  sendSms: t.field({
    authScopes: { key: 'AGENT' },
    type: SendMessagePayload,
    errors: {},
    args: { input: t.arg({ type: SendSmsInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({
      outboundMessage: await sendMessage(ctx.services, ctx.organizationId, { ...input, mediaUrls: undefined }, senderOf(keyCaller(ctx))),
    }),
  }),
  sendMms: t.field({
    authScopes: { key: 'AGENT' },
    type: SendMessagePayload,
    errors: {},
    args: { input: t.arg({ type: SendMmsInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({
      outboundMessage: await sendMessage(ctx.services, ctx.organizationId, input, senderOf(keyCaller(ctx))),
    }),
  }),
  cancelMessage: t.field({
    authScopes: { key: 'ADMIN' },
    type: CancelMessagePayload,
    errors: {},
    description: 'Only while QUEUED or SCHEDULED; otherwise INVALID_STATE.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => ({
      message: await cancelMessage(ctx.services, ctx.organizationId, decodeId('Message', id)),
    }),
  }),
}));

