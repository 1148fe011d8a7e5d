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
    lastMessage: t.prismaField({
      type: 'Message',
      nullable: true,
      description: 'The newest message of the thread.',
      // Batched across the page of threads (with their message pages): two queries for all of them.
      resolve: async (query, conversation, _args, ctx) => (await threadMessageLoader(ctx).load(conversation.id, 'last', query))[0] ?? null,
    }),
    unreadCount: t.exposeInt('unreadCount', { description: 'Inbound messages received since the thread was last marked read.' }),
    lastReadAt: t.expose('lastReadAt', { type: 'DateTime', nullable: true, description: 'When markConversationRead last ran on the thread.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    messages: t.prismaConnection({
      type: 'Message',
      cursor: 'id',
      description: 'Oldest first.',
      // Only the page is read: a keyset seek on Message(conversationId, createdAt, id), batched
      // with the other threads of the response (and their lastMessage) into one query.
      resolve: (query, conversation, _args, ctx) => {
        const { take, skip, cursor, ...selection } = query as MessageQuery & { take: number; skip: number; cursor?: { id: string } };
        return threadMessageLoader(ctx).load(
          conversation.id,
          { take, cursor: skip > 0 && cursor ? cursor.id : null },
          selection,
        );
      },
    }),
  }),
});

type MessageQuery = { include?: Prisma.MessageInclude; select?: Prisma.MessageSelect };

interface Request {
  /** What to read: the newest message, or a page (Prisma's take: negative pages backwards). */
  wanted: ThreadRead;
  query: MessageQuery;
  resolve: (messages: Message[]) => void;
  reject: (error: unknown) => void;
}

/**
 * Per request: the lastMessage and messages lookups made while one level of the response
 * resolves are answered together, like DataLoader: one query for the message ids of every
 * thread's newest message and page (see threadMessageIds), then one query for those messages
 * with the nested selection (so their events and so on come along). Selections that can be
 * merged (the same relations, or relations only one of them asks for) share that query.
 */
class ThreadMessageLoader {
  #pending: Request[] | null = null;
  constructor(private readonly services: Context['services']) {}

  load(conversationId: string, page: { take: number; cursor: string | null } | 'last', query: MessageQuery): Promise<Message[]> {
    if (!this.#pending) {
      const batch: Request[] = (this.#pending = []);
      // After the promise jobs of this tick: every sibling has asked by then.
      void Promise.resolve().then(() => process.nextTick(() => void this.#run(batch)));
    }
    const wanted: ThreadRead = page === 'last' ? { conversationId, take: -1, cursor: null } : { conversationId, ...page };
    const pending = this.#pending;
    return new Promise((resolve, reject) => pending.push({ wanted, query, resolve, reject }));
  }

  async #run(batch: Request[]) {
    if (this.#pending === batch) this.#pending = null;
    try {
      const ids = await threadMessageIds(this.services, batch.map((r) => r.wanted));
      const groups = mergeQueries(batch.map((r, i) => ({ query: r.query, ids: ids[i], request: i })));
      // Each request reads from its own group's rows: the same message loaded by another group
      // may carry a narrower selection.
      const rowsOf = new Map<number, Map<string, Message>>();
      for (const group of groups) {
        const messages = group.ids.size === 0 ? [] : await this.services.db.message.findMany({ ...group.query, where: { id: { in: [...group.ids] } } });
        const byId = new Map(messages.map((m) => [m.id, m]));
        for (const request of group.requests) rowsOf.set(request, byId);
      }
      batch.forEach((r, i) => r.resolve(ids[i].flatMap((id) => rowsOf.get(i)?.get(id) ?? [])));
    } catch (error) {
      for (const r of batch) r.reject(error);
    }
  }
}

/**
 * Groups the selections of a batch so that each group is one findMany: two selections merge
 * when every relation (or field) they both name is asked for identically; the merged one loads
 * the union, which is what each of them needs and a little more.
 */
function mergeQueries(items: { query: MessageQuery; ids: string[]; request: number }[]): { query: MessageQuery; ids: Set<string>; requests: number[] }[] {
  const groups: { query: MessageQuery; ids: Set<string>; requests: number[] }[] = [];
  for (const item of items) {
    const group = groups.find((g) => mergeable(g.query, item.query));
    if (group) {
      group.query = merged(group.query, item.query);
      for (const id of item.ids) group.ids.add(id);
      group.requests.push(item.request);
    } else {
      groups.push({ query: item.query, ids: new Set(item.ids), requests: [item.request] });
    }
  }
  return groups;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
/** `{}` (every field), `{ include }` (every field and relations) or `{ select }` (those only), or another shape. */
const modeOf = (q: MessageQuery): 'plain' | 'include' | 'select' | null => {
  const keys = Object.keys(q).filter((k) => q[k as keyof MessageQuery] !== undefined);
  if (keys.length === 0) return 'plain';
  return keys.length === 1 && (keys[0] === 'include' || keys[0] === 'select') ? keys[0] : null;
};
function mergeable(a: MessageQuery, b: MessageQuery): boolean {
  if (same(a, b)) return true;
  const [x, y] = [modeOf(a), modeOf(b)];
  if (x === 'plain' || y === 'plain') return x !== 'select' && y !== 'select';
  if (x === null || x !== y) return false;
  const [p, q] = [a[x] as Record<string, unknown>, b[x] as Record<string, unknown>];
  return Object.keys(p).every((k) => !(k in q) || same(p[k], q[k]));
}
function merged(a: MessageQuery, b: MessageQuery): MessageQuery {
  const [x, y] = [modeOf(a), modeOf(b)];
  if (same(a, b) || y === 'plain') return a;
  if (x === 'plain') return b;
  return { [x!]: { ...(a[x!] as object), ...(b[x!] as object) } };
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
