import DataLoader from 'dataloader';
import { builder } from '../builder';
import { decodeId, idOrNone } from '../ids';
import type { Conversation, Message, Prisma } from '../../db/client';
import { groupBy } from '../../db/rows';
import { deleteConversation, markConversationRead, threadMessageIds, type ThreadRead } from '../../messaging/conversations';
import { archiveConversation, assignConversation, handBackConversation, takeOverConversation } from '../../console/takeover';
import { conversationWhere } from '../../console/conversation-list';
import { keyCaller, type Context } from '../context';
import { loadAgent } from '../loaders';
import { AgentNode } from './agent';

export const ConversationModeEnum = builder.enumType('ConversationMode', {
  values: {
    ASSISTANT: { description: 'The assistant answers: inbound messages are forwarded to it.' },
    HUMAN: { description: 'A person answers: inbound messages are not forwarded, and the assistant\'s sends are refused (CONVERSATION_TAKEN_OVER) unless forced.' },
  } as const,
});

export const ConversationEventKindEnum = builder.enumType('ConversationEventKind', {
  values: ['TAKEN_OVER', 'HANDED_BACK', 'AUTO_HANDED_BACK', 'ASSIGNED', 'UNASSIGNED', 'ARCHIVED'] as const,
});

export const ConversationEventType = builder.prismaObject('ConversationEvent', {
  description: "One change on a thread's timeline.",
  fields: (t) => ({
    kind: t.expose('kind', { type: ConversationEventKindEnum }),
    at: t.expose('at', { type: 'DateTime' }),
    agent: t.field({
      type: AgentNode,
      nullable: true,
      description: 'The agent concerned: who took the thread over, or its new assignee.',
      select: { agentId: true },
      resolve: (event, _args, ctx) => loadAgent(ctx, event.agentId),
    }),
    apiKeyName: t.exposeString('apiKeyName', { nullable: true, description: 'The key that made the change; null for the automatic hand-back.' }),
  }),
});

export const ConversationNode = builder.prismaNode('Conversation', {
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, ctx) => ({ id, organizationId: ctx.organizationId }),
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
    mode: t.expose('mode', { type: ConversationModeEnum }),
    takenOverBy: t.field({
      type: AgentNode,
      nullable: true,
      description: 'The agent that took the thread over (null while ASSISTANT, or when a key without an agent did).',
      select: { takenOverByAgentId: true },
      resolve: (c, _args, ctx) => loadAgent(ctx, c.takenOverByAgentId),
    }),
    takenOverAt: t.expose('takenOverAt', { type: 'DateTime', nullable: true }),
    handBackAt: t.expose('handBackAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When the thread goes back to its assistant by itself, unless a person replies first (each reply moves it on).',
    }),
    assignee: t.field({
      type: AgentNode,
      nullable: true,
      select: { assigneeAgentId: true },
      resolve: (c, _args, ctx) => loadAgent(ctx, c.assigneeAgentId),
    }),
    timeline: t.relation('timeline', {
      description: 'Takeovers, hand-backs, assignments and archiving, oldest first.',
      query: { orderBy: [{ at: 'asc' }, { id: 'asc' }] },
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    messages: t.prismaConnection({
      type: 'Message',
      cursor: 'id',
      description: 'Oldest first.',
      totalCount: (conversation, _args, ctx) => ctx.services.db.message.count({ where: { conversationId: conversation.id } }),
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
    unreadOnly: t.boolean({ description: 'true lists only threads with unread inbound messages.' }),
  }),
});

type FilterArg = typeof ConversationFilter.$inferInput | null | undefined;
const toFilter = (filter: FilterArg) => ({
  ...filter,
  assistantId: filter?.assistantId ? idOrNone('Assistant', filter.assistantId) : undefined,
});

const conversationPayload = (name: string) =>
  builder.objectRef<{ conversation: Conversation }>(name).implement({
    fields: (t) => ({ conversation: t.field({ type: ConversationNode, resolve: (p) => p.conversation }) }),
  });
const TakeOverConversationPayload = conversationPayload('TakeOverConversationPayload');
const HandBackConversationPayload = conversationPayload('HandBackConversationPayload');
const AssignConversationPayload = conversationPayload('AssignConversationPayload');

const TakeOverConversationInput = builder.inputType('TakeOverConversationInput', {
  fields: (t) => ({
    conversationId: t.id({ required: true }),
    handBackAfterMinutes: t.int({
      description: 'Hand the thread back to its assistant by itself after this many minutes without a reply from a person (1 to 10080). Left out: only handBackConversation does.',
    }),
  }),
});
const HandBackConversationInput = builder.inputType('HandBackConversationInput', {
  fields: (t) => ({ conversationId: t.id({ required: true }) }),
});
const AssignConversationInput = builder.inputType('AssignConversationInput', {
  fields: (t) => ({ conversationId: t.id({ required: true }), agentId: t.id({ description: 'null unassigns.' }) }),
});

const MarkConversationReadPayload = conversationPayload('MarkConversationReadPayload');

const DeleteConversationPayload = builder.objectRef<{ deletedConversationId: string; deletedMessages: number }>('DeleteConversationPayload').implement({
  fields: (t) => ({
    deletedConversationId: t.exposeID('deletedConversationId'),
    deletedMessages: t.exposeInt('deletedMessages', { description: 'How many messages were erased, with their timelines and forwarding records.' }),
  }),
});

const ArchiveConversationPayload = conversationPayload('ArchiveConversationPayload');

builder.queryFields((t) => ({
  conversations: t.prismaConnection({
    authScopes: { key: 'READ_ONLY' },
    type: 'Conversation',
    cursor: 'id',
    description: 'Newest activity first.',
    args: { filter: t.arg({ type: ConversationFilter }) },
    totalCount: (_root, { filter }, ctx) => ctx.services.db.conversation.count({ where: conversationWhere(ctx.organizationId, toFilter(filter)) }),
    resolve: (query, _root, { filter }, ctx) =>
      ctx.services.db.conversation.findMany({
        ...query,
        where: conversationWhere(ctx.organizationId, toFilter(filter)),
        orderBy: [{ lastMessageAt: 'desc' }, { id: 'desc' }],
      }),
  }, { name: 'ConversationConnection' }, { name: 'ConversationEdge' }),
  conversation: t.prismaField({
    authScopes: { key: 'READ_ONLY' },
    type: 'Conversation',
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, { id }, ctx) =>
      ctx.services.db.conversation.findFirst({ ...query, where: { id: idOrNone('Conversation', id), organizationId: ctx.organizationId } }),
  }),
}));

builder.mutationFields((t) => ({
  archiveConversation: t.field({
    authScopes: { key: 'ADMIN' },
    type: ArchiveConversationPayload,
    errors: {},
    description: 'Hides the thread from default listings; the next message starts a new thread. Messages are kept.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => ({
      conversation: await archiveConversation(ctx.services, keyCaller(ctx), decodeId('Conversation', id)),
    }),
  }),
  takeOverConversation: t.field({
    type: TakeOverConversationPayload,
    errors: {},
    authScopes: { key: 'AGENT' },
    description: "A person takes the thread from its assistant: inbound messages are stored and pushed but not forwarded to the assistant, and the assistant's sends into it are refused (CONVERSATION_TAKEN_OVER) unless forced.",
    args: { input: t.arg({ type: TakeOverConversationInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({
      conversation: await takeOverConversation(ctx.services, keyCaller(ctx), decodeId('Conversation', input.conversationId), input.handBackAfterMinutes),
    }),
  }),
  handBackConversation: t.field({
    type: HandBackConversationPayload,
    errors: {},
    authScopes: { key: 'AGENT' },
    description: 'The thread goes back to its assistant; the next inbound message is forwarded to it. INVALID_STATE when it is not taken over.',
    args: { input: t.arg({ type: HandBackConversationInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({
      conversation: await handBackConversation(ctx.services, keyCaller(ctx), decodeId('Conversation', input.conversationId)),
    }),
  }),
  assignConversation: t.field({
    type: AssignConversationPayload,
    errors: {},
    authScopes: { key: 'AGENT' },
    description: 'Assigns the thread to an agent, or with agentId null to nobody.',
    args: { input: t.arg({ type: AssignConversationInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({
      conversation: await assignConversation(
        ctx.services,
        keyCaller(ctx),
        decodeId('Conversation', input.conversationId),
        input.agentId ? decodeId('Agent', input.agentId) : null,
      ),
    }),
  }),
  markConversationRead: t.field({
    authScopes: { key: 'AGENT' },
    type: MarkConversationReadPayload,
    errors: {},
    description: "Marks the thread's inbound messages read: unreadCount 0, lastReadAt now.",
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => ({
      conversation: await markConversationRead(ctx.services, ctx.organizationId, decodeId('Conversation', id)),
    }),
  }),
  deleteConversation: t.field({
    authScopes: { key: 'ADMIN' },
    type: DeleteConversationPayload,
    errors: {},
    description: 'Erases the thread and its messages (with their timelines and forwarding records), for data-deletion requests. Cannot be undone.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => {
      const { deletedMessages } = await deleteConversation(ctx.services, ctx.organizationId, decodeId('Conversation', id));
      return { deletedConversationId: id, deletedMessages };
    },
  }),
}));
