import { builder } from '../builder';
import { organizationOf } from '../context';
import { decodeId, idOrNone } from '../ids';
import type { Context } from '../context';
import type { Conversation, Message, Prisma } from '../../db/client';
import { archiveConversation, deleteConversation, lastMessageIds, markConversationRead } from '../../messaging/conversations';
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
    lastMessage: t.prismaField({
      type: 'Message',
      nullable: true,
      description: 'The newest message of the thread.',
      // Batched across the page of threads: two queries for all of them, not one per thread.
      resolve: (query, conversation, _args, ctx) => lastMessageLoader(ctx).load(conversation.id, query),
    }),
    unreadCount: t.exposeInt('unreadCount', { description: 'Inbound messages received since the thread was last marked read.' }),
    lastReadAt: t.expose('lastReadAt', { type: 'DateTime', nullable: true, description: 'When markConversationRead last ran on the thread.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    messages: t.relatedConnection('messages', {
      cursor: 'id',
      description: 'Oldest first.',
      query: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] },
    }),
  }),
});

type MessageQuery = { include?: Prisma.MessageInclude; select?: Prisma.MessageSelect };
interface Batch {
  query: MessageQuery;
  /** Per thread, the resolvers waiting for its newest message. */
  waiting: Map<string, ((message: Message | null) => void)[]>;
  rejects: ((error: unknown) => void)[];
}

/**
 * Per request: the lastMessage lookups made while one level of the response resolves are
 * answered together, with one query for the newest message ids and one for the messages
 * (with the same nested selection, so their events and so on come along).
 */
class LastMessageLoader {
  readonly #pending = new Map<string, Batch>();
  constructor(private readonly services: Context['services']) {}

  load(conversationId: string, query: MessageQuery): Promise<Message | null> {
    const key = JSON.stringify(query);
    let batch = this.#pending.get(key);
    if (!batch) {
      const created: Batch = { query, waiting: new Map(), rejects: [] };
      this.#pending.set(key, created);
      // After the promise jobs of this tick, like DataLoader: every sibling has asked by then.
      void Promise.resolve().then(() => process.nextTick(() => void this.#run(key, created)));
      batch = created;
    }
    const { waiting, rejects } = batch;
    return new Promise((resolve, reject) => {
      waiting.set(conversationId, [...(waiting.get(conversationId) ?? []), resolve]);
      rejects.push(reject);
    });
  }

  async #run(key: string, batch: Batch) {
    this.#pending.delete(key);
    try {
      const ids = await lastMessageIds(this.services, [...batch.waiting.keys()]);
      const messages = ids.size === 0 ? [] : await this.services.db.message.findMany({ ...batch.query, where: { id: { in: [...ids.values()] } } });
      const byId = new Map(messages.map((m) => [m.id, m]));
      for (const [conversationId, resolvers] of batch.waiting) {
        const message = byId.get(ids.get(conversationId) ?? '') ?? null;
        for (const resolve of resolvers) resolve(message);
      }
    } catch (error) {
      for (const reject of batch.rejects) reject(error);
    }
  }
}

const lastMessageLoaders = new WeakMap<Context, LastMessageLoader>();
function lastMessageLoader(ctx: Context): LastMessageLoader {
  let loader = lastMessageLoaders.get(ctx);
  if (!loader) lastMessageLoaders.set(ctx, (loader = new LastMessageLoader(ctx.services)));
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
