import { builder } from '../builder';
import { organizationOf } from '../context';
import { decodeId, idOrNone } from '../ids';
import type { Conversation } from '../../db/client';
import { archiveConversation } from '../../messaging/conversations';
import { parseE164 } from '../../messaging/phone-number';

export const ConversationNode = builder.prismaNode('Conversation', {
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, ctx) => ({ id, organizationId: organizationOf(ctx) }),
  description: 'One thread between one of your numbers and one customer.',
  fields: (t) => ({
    assistant: t.relation('assistant', { nullable: true }),
    phoneNumber: t.relation('phoneNumber'),
    customerPhoneNumber: t.exposeString('customerPhoneNumber'),
    archived: t.exposeBoolean('archived'),
    lastMessageAt: t.expose('lastMessageAt', { type: 'DateTime' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    messages: t.relatedConnection('messages', {
      cursor: 'id',
      description: 'Oldest first.',
      query: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] },
    }),
  }),
});

const ConversationFilter = builder.inputType('ConversationFilter', {
  fields: (t) => ({
    assistantId: t.id(),
    customerPhoneNumber: t.string(),
    archived: t.boolean({ description: 'true lists archived threads; by default only open ones are listed.' }),
  }),
});

const ArchiveConversationPayload = builder.objectRef<{ conversation: Conversation }>('ArchiveConversationPayload').implement({
  fields: (t) => ({ conversation: t.field({ type: ConversationNode, resolve: (p) => p.conversation }) }),
});

builder.queryFields((t) => ({
  conversations: t.prismaConnection({
    type: 'Conversation',
    cursor: 'id',
    description: 'Newest activity first.',
    args: { filter: t.arg({ type: ConversationFilter }) },
    resolve: (query, _root, { filter }, ctx) =>
      ctx.services.db.conversation.findMany({
        ...query,
        where: {
          organizationId: organizationOf(ctx),
          archived: filter?.archived ?? false,
          ...(filter?.assistantId && { assistantId: idOrNone('Assistant', filter.assistantId) }),
          ...(filter?.customerPhoneNumber && {
            customerPhoneNumber: parseE164(filter.customerPhoneNumber) ?? filter.customerPhoneNumber,
          }),
        },
        orderBy: [{ lastMessageAt: 'desc' }, { id: 'desc' }],
      }),
  }, { name: 'ConversationConnection' }, { name: 'ConversationEdge' }),
  conversation: t.prismaField({
    type: 'Conversation',
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, { id }, ctx) =>
      ctx.services.db.conversation.findFirst({ ...query, where: { id: idOrNone('Conversation', id), organizationId: organizationOf(ctx) } }),
  }),
}));

builder.mutationFields((t) => ({
  archiveConversation: t.field({
    type: ArchiveConversationPayload,
    errors: {},
    description: 'Hides the thread from default listings; the next message starts a new thread. Messages are kept.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => ({
      conversation: await archiveConversation(ctx.services, organizationOf(ctx), decodeId('Conversation', id)),
    }),
  }),
}));
