import { filter } from 'graphql-yoga';
import { builder } from '../builder';
import { idOrNone } from '../ids';
import type { Message } from '../../db/client';
import type { ConversationUpdate, EventKind, Scope } from '../../realtime/events';
import type { Context } from '../context';
import { MessageNode } from './message';
import { ConversationNode } from './conversation';

const ConversationChangeEnum = builder.enumType('ConversationChange', {
  values: {
    CREATED: { description: 'A new thread (its first message).' },
    MESSAGE: { description: 'A message came in or went out: lastMessage, lastMessageAt and unreadCount moved.' },
    READ: { description: 'markConversationRead: unreadCount is 0.' },
    MODE: { description: 'Taken over by a person, or handed back to the assistant (by hand or automatically).' },
    ASSIGNEE: { description: 'Assigned or unassigned.' },
    ARCHIVED: { description: 'Archived.' },
  } as const,
});

const ConversationUpdateType = builder.objectRef<ConversationUpdate>('ConversationUpdate').implement({
  fields: (t) => ({
    change: t.field({ type: ConversationChangeEnum, resolve: (u) => u.change }),
    conversation: t.field({ type: ConversationNode, resolve: (u) => u.conversation }),
  }),
});

/**
 * Subscriptions listen on the narrowest topic their arguments name; every event is checked
 * against the caller's organization, so naming another organization's assistant yields nothing.
 * The filter is a Repeater rather than an async generator: a generator waiting for its next
 * event cannot be returned, so a client that disconnected would keep listening (and, under
 * Redis, keep the topic subscribed) until some later event on that topic passed the filter.
 */
function messages(ctx: Context, kind: EventKind, args: { assistantId?: string | null; conversationId?: string | null; messageId?: string | null }) {
  const organizationId = ctx.organizationId;
  const assistantId = args.assistantId ? idOrNone('Assistant', args.assistantId) : null;
  const conversationId = args.conversationId ? idOrNone('Conversation', args.conversationId) : null;
  const messageId = args.messageId ? idOrNone('Message', args.messageId) : null;
  const scope: Scope = conversationId ? { conversationId } : assistantId ? { assistantId } : { organizationId };
  return filter(
    (message: Message) =>
      message.organizationId === organizationId && (!assistantId || message.assistantId === assistantId) && (!messageId || message.id === messageId),
  )(ctx.services.events.subscribe(kind, scope, ctx.subscribers));
}

builder.subscriptionFields((t) => ({
  messageReceived: t.field({
    authScopes: { key: 'READ_ONLY' },
    type: MessageNode,
    description: 'Inbound messages as they arrive.',
    args: { assistantId: t.arg.id(), conversationId: t.arg.id() },
    subscribe: (_root, args, ctx) => messages(ctx, 'received', args),
    resolve: (message) => message,
  }),
  messageStatusChanged: t.field({
    authScopes: { key: 'READ_ONLY' },
    type: MessageNode,
    description: 'Fires each time a message status changes: of one message, one conversation, one assistant, or the whole organization.',
    args: { assistantId: t.arg.id(), conversationId: t.arg.id(), messageId: t.arg.id() },
    subscribe: (_root, args, ctx) => messages(ctx, 'status', args),
    resolve: (message) => message,
  }),
  conversationUpdated: t.field({
    type: ConversationUpdateType,
    authScopes: { key: 'READ_ONLY' },
    description: "Fires when a thread is created, gets a message, is read, taken over or handed back, assigned or archived: the organization's threads, or one assistant's.",
    args: { assistantId: t.arg.id() },
    subscribe: (_root, args, ctx) => {
      const organizationId = ctx.organizationId;
      const assistantId = args.assistantId ? idOrNone('Assistant', args.assistantId) : null;
      return filter(
        (update: ConversationUpdate) => update.conversation.organizationId === organizationId && (!assistantId || update.conversation.assistantId === assistantId),
      )(ctx.services.events.subscribeConversations(assistantId ? { assistantId } : { organizationId }, ctx.subscribers));
    },
    resolve: (update) => update,
  }),
}));
