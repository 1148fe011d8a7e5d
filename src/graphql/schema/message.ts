import { builder } from '../builder';
import { organizationOf } from '../context';
import { decodeId, idOrNone } from '../ids';
import type { Message } from '../../db/client';
import { cancelMessage, sendMessage } from '../../messaging/send';
import { messageStats, messageWhere, type MessageFilter } from '../../messaging/delivery-log';
import { DirectionEnum, EncodingEnum, MessageStatusEnum, ProviderEnum } from './enums';

export const MessageEventType = builder.prismaObject('MessageEvent', {
  description: "One step in a message's delivery timeline.",
  fields: (t) => ({
    status: t.expose('status', { type: MessageStatusEnum }),
    providerStatus: t.exposeString('providerStatus', { nullable: true, description: "The provider's own word, e.g. \"delivered\"." }),
    errorCode: t.exposeString('errorCode', { nullable: true }),
    errorMessage: t.exposeString('errorMessage', { nullable: true }),
    at: t.expose('at', { type: 'DateTime' }),
  }),
});

export const MessageNode = builder.prismaNode('Message', {
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, ctx) => ({ id, organizationId: organizationOf(ctx) }),
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
    conversation: t.relation('conversation', { nullable: true }),
    assistant: t.relation('assistant', { nullable: true }),
    phoneNumber: t.relation('phoneNumber', { nullable: true }),
    events: t.relation('events', { query: { orderBy: [{ at: 'asc' }, { id: 'asc' }] } }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const MessageFilterInput = builder.inputType('MessageFilter', {
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

const MessageStats = builder.objectRef<Awaited<ReturnType<typeof messageStats>>>('MessageStats').implement({
  fields: (t) => ({
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
    type: 'Message',
    cursor: 'id',
    description: 'The delivery log, newest first.',
    args: { filter: t.arg({ type: MessageFilterInput }) },
    resolve: (query, _root, { filter }, ctx) =>
      ctx.services.db.message.findMany({
        ...query,
        where: messageWhere(ctx.services, organizationOf(ctx), toFilter(filter)),
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      }),
  }, { name: 'MessageConnection' }, { name: 'MessageEdge' }),
  message: t.prismaField({
    type: 'Message',
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, { id }, ctx) =>
      ctx.services.db.message.findFirst({ ...query, where: { id: idOrNone('Message', id), organizationId: organizationOf(ctx) } }),
  }),
  messageStats: t.field({
    type: MessageStats,
    args: { filter: t.arg({ type: MessageFilterInput }) },
    resolve: (_root, { filter }, ctx) => messageStats(ctx.services, organizationOf(ctx), toFilter(filter)),
  }),
}));

const SendSmsInput = builder.inputType('SendSmsInput', {
  fields: (t) => ({
    fromPhoneNumber: t.string({ required: true, description: 'One of your numbers, E.164. Its provider sends the message.' }),
    toPhoneNumber: t.string({ required: true, description: 'E.164' }),
    message: t.string({ required: true, description: '1 to 1600 characters.' }),
    idempotencyKey: t.string({ description: 'The same key within your organization returns the first message and sends once.' }),
    sendAt: t.field({ type: 'DateTime', description: 'Send later: the message stays SCHEDULED until then.' }),
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
    type: SendMessagePayload,
    errors: {},
    args: { input: t.arg({ type: SendSmsInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({
      outboundMessage: await sendMessage(ctx.services, organizationOf(ctx), { ...input, mediaUrls: undefined }),
    }),
  }),
  sendMms: t.field({
    type: SendMessagePayload,
    errors: {},
    args: { input: t.arg({ type: SendMmsInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({
      outboundMessage: await sendMessage(ctx.services, organizationOf(ctx), input),
    }),
  }),
  cancelMessage: t.field({
    type: CancelMessagePayload,
    errors: {},
    description: 'Only while QUEUED or SCHEDULED; otherwise INVALID_STATE.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => ({
      message: await cancelMessage(ctx.services, organizationOf(ctx), decodeId('Message', id)),
    }),
  }),
}));

