import { builder } from '../builder';
import { organizationOf } from '../context';
import { decodeId, idOrNone } from '../ids';
import type { Context } from '../context';
import type { Conversation, Message, Prisma } from '../../db/client';
import { archiveConversation, deleteConversation, markConversationRead, threadMessageIds, type ThreadRead } from '../../messaging/conversations';
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
        return threadMessageLoader(ctx).load({ conversationId: conversation.id, take, cursor: skip > 0 && cursor ? cursor.id : null }, selection);
      },
    }),
  }),
});

type MessageQuery = { include?: Prisma.MessageInclude; select?: Prisma.MessageSelect };

interface Request {
  read: ThreadRead;
  query: MessageQuery;
  resolve: (messages: Message[]) => void;
  reject: (error: unknown) => void;
}

/**
 * Per request: the message pages asked for while one level of the response resolves are read
 * together, like DataLoader: one query for the message ids of every page (threadMessageIds),
 * then one findMany per distinct selection for those messages (so their events and so on come
 * along). Sibling threads select the same fields, so that is one query for the whole level.
 */
class ThreadMessageLoader {
  #pending: Request[] | null = null;
  constructor(private readonly services: Context['services']) {}

  load(read: ThreadRead, query: MessageQuery): Promise<Message[]> {
    if (!this.#pending) {
      const batch: Request[] = (this.#pending = []);
      // After the promise jobs of this tick: every sibling has asked by then.
      void Promise.resolve().then(() => process.nextTick(() => void this.#run(batch)));
    }
    const pending = this.#pending;
    return new Promise((resolve, reject) => pending.push({ read, query, resolve, reject }));
  }

  async #run(batch: Request[]) {
    if (this.#pending === batch) this.#pending = null;
    try {
      const ids = await threadMessageIds(this.services, batch.map((r) => r.read));
      const bySelection = new Map<string, { query: MessageQuery; requests: number[] }>();
      batch.forEach((r, i) => {
        const key = JSON.stringify(r.query);
        const group = bySelection.get(key) ?? bySelection.set(key, { query: r.query, requests: [] }).get(key)!;
        group.requests.push(i);
      });
      for (const { query, requests } of bySelection.values()) {
        const wanted = requests.flatMap((i) => ids[i]);
        const messages = wanted.length === 0 ? [] : await this.services.db.message.findMany({ ...query, where: { id: { in: wanted } } });
        const byId = new Map(messages.map((m) => [m.id, m]));
        for (const i of requests) batch[i].resolve(ids[i].flatMap((id) => byId.get(id) ?? []));
      }
    } catch (error) {
      for (const r of batch) r.reject(error);
    }
  }
}

const threadMessageLoaders = new WeakMap<Context, ThreadMessageLoader>();
function threadMessageLoader(ctx: Context): ThreadMessageLoader {
  let loader = threadMessageLoaders.get(ctx);
  if (!loader) threadMessageLoaders.set(ctx, (loader = new ThreadMessageLoader(ctx.services)));
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
