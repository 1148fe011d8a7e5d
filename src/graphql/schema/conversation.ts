import DataLoader from 'dataloader';
import { builder } from '../builder';
import { organizationOf } from '../context';
import { decodeId, idOrNone } from '../ids';
import type { Context } from '../context';
import type { Conversation, Message, Prisma } from '../../db/client';
import { archiveConversation, deleteConversation, markConversationRead, threadMessageIds, type ThreadRead } from '../../messaging/conversations';
import { parseE164 } from '../../messaging/phone-number';
import { groupBy } from '../../db/rows';

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
    lastMessage: t.relation('lastMessage', {
      nullable: true,
      description: 'The newest message of the thread.',
    }),
    unreadCount: t.exposeInt('unreadCount', { description: 'Inbound messages received since the thread was last marked read.' }),
    lastReadAt: t.expose('lastReadAt', { type: 'DateTime', nullable: true, description: 'When markConversationRead last ran on the thread.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    messages: t.prismaConnection({
      type: 'Message',
      cursor: 'id',
      description: 'Oldest first.',
      // Only the page is read: a keyset seek on Message(conversationId, createdAt, id), batched
      // with the other threads of the response into one query.
      resolve: (query, conversation, _args, ctx) => {
        const { take, skip, cursor, ...selection } = query as MessageQuery & { take: number; skip: number; cursor?: { id: string } };
        return threadMessageLoader(ctx).load({ read: { conversationId: conversation.id, take, cursor: skip > 0 && cursor ? cursor.id : null }, query: selection });
      },
    }),
  }),
});

type MessageQuery = { include?: Prisma.MessageInclude; select?: Prisma.MessageSelect };
type PageRequest = { read: ThreadRead; query: MessageQuery };

/**
 * Per request, the message pages asked for while one level of the response resolves are read
 * together: one query for the message ids of every page (threadMessageIds), then one findMany
 * per distinct selection for those messages (so their events and so on come along). Sibling
 * threads select the same fields, so that is one query for the whole level.
 */
async function readPages(services: Context['services'], pages: readonly PageRequest[]): Promise<Message[][]> {
  const ids = await threadMessageIds(services, pages.map((page) => page.read));
  const pagesOf = groupBy(pages.map((_, i) => i), (i) => JSON.stringify(pages[i].query));
  const results: Message[][] = new Array(pages.length);
  for (const indexes of pagesOf.values()) {
    const wanted = indexes.flatMap((i) => ids[i]);
    const messages = wanted.length === 0 ? [] : await services.db.message.findMany({ ...pages[indexes[0]].query, where: { id: { in: wanted } } });
    const byId = new Map(messages.map((m) => [m.id, m]));
    for (const i of indexes) results[i] = ids[i].flatMap((id) => byId.get(id) ?? []);
  }
  return results;
}

const threadMessageLoaders = new WeakMap<Context, DataLoader<PageRequest, Message[]>>();
function threadMessageLoader(ctx: Context): DataLoader<PageRequest, Message[]> {
  let loader = threadMessageLoaders.get(ctx);
  if (!loader) {
    // Created per request (keyed by its context): nothing is cached across requests.
    loader = new DataLoader((pages) => readPages(ctx.services, pages), { cache: false });
    threadMessageLoaders.set(ctx, loader);
  }
  return loader;
}

const ConversationFilter = builder.inputType('ConversationFilter', {
  fields: (t) => ({
    assistantId: t.id(),
    customerPhoneNumber: t.string(),
    archived: t.boolean({ description: 'true lists archived threads; by default only open ones are listed.' }),
    lastMessageAfter: t.field({ type: 'DateTime', description: 'Threads whose last message is at or after this instant.' }),
    lastMessageBefore: t.field({ type: 'DateTime', description: 'Threads whose last message is before this instant.' }),
  }),
});

const MarkConversationReadPayload = builder.objectRef<{ conversation: Conversation }>('MarkConversationReadPayload').implement({
  fields: (t) => ({ conversation: t.field({ type: ConversationNode, resolve: (p) => p.conversation }) }),
});

const DeleteConversationPayload = builder.objectRef<{ deletedConversationId: string; deletedMessages: number }>('DeleteConversationPayload').implement({
  fields: (t) => ({
    deletedConversationId: t.exposeID('deletedConversationId'),
    deletedMessages: t.exposeInt('deletedMessages', { description: 'How many messages were erased, with their timelines and forwarding records.' }),
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
          ...((filter?.lastMessageAfter || filter?.lastMessageBefore) && {
            lastMessageAt: {
              ...(filter.lastMessageAfter && { gte: filter.lastMessageAfter }),
              ...(filter.lastMessageBefore && { lt: filter.lastMessageBefore }),
            },
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
  markConversationRead: t.field({
    type: MarkConversationReadPayload,
    errors: {},
    description: "Marks the thread's inbound messages read: unreadCount 0, lastReadAt now.",
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => ({
      conversation: await markConversationRead(ctx.services, organizationOf(ctx), decodeId('Conversation', id)),
    }),
  }),
  deleteConversation: t.field({
    type: DeleteConversationPayload,
    errors: {},
    description: 'Erases the thread and its messages (with their timelines and forwarding records), for data-deletion requests. Cannot be undone.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => {
      const { deletedMessages } = await deleteConversation(ctx.services, organizationOf(ctx), decodeId('Conversation', id));
      return { deletedConversationId: id, deletedMessages };
    },
  }),
}));
