import { createPubSub } from 'graphql-yoga';
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { Redis } from 'ioredis';
import type { Conversation, Message } from '../db/client';
import { reviveConversation, reviveMessage } from '../db/rows';

/**
 * Live message events for the GraphQL subscriptions. Each event is published on the
 * organization's topic and on its assistant's and conversation's, so a subscriber listens on
 * the narrowest topic its arguments allow and an event never wakes subscribers it cannot
 * match. In-process by default; through Redis when REDIS_URL is set, so an event published
 * on one instance reaches subscribers on all of them. The message travels with the event:
 * subscribers never reload it from the database.
 */
export type EventKind = 'received' | 'status';
/** What happened to a thread (conversationUpdated). */
export type ConversationChange = 'CREATED' | 'MESSAGE' | 'READ' | 'MODE' | 'ASSIGNEE' | 'ARCHIVED';
export interface ConversationUpdate {
  change: ConversationChange;
  conversation: Conversation;
}
export type Scope = { organizationId: string } | { assistantId: string } | { conversationId: string };

export interface Events {
  received(message: Message): void;
  statusChanged(message: Message): void;
  conversationUpdated(update: ConversationUpdate): void;
  /**
   * `subscribers` is how many subscribers this one listener serves (WebSocket subscribers of the
   * same operation share one, see realtime/fan-out.ts); one when absent.
   */
  subscribe(kind: EventKind, scope: Scope, subscribers?: () => number): AsyncIterable<Message>;
  /** Thread updates of an organization or of one assistant's threads. */
  subscribeConversations(scope: Exclude<Scope, { conversationId: string }>, subscribers?: () => number): AsyncIterable<ConversationUpdate>;
  /** Subscribers listening on this instance now (for /metrics, and for tests to know a subscriber is in place). */
  activeSubscriptions(): number;
  close(): Promise<void>;
}

function topic(kind: EventKind | 'conversation', scope: Scope): string {
  if ('conversationId' in scope) return `${kind}:conversation:${scope.conversationId}`;
  if ('assistantId' in scope) return `${kind}:assistant:${scope.assistantId}`;
  return `${kind}:organization:${scope.organizationId}`;
}

export function createEvents(redisUrl: string | null): Events {
  let clients: Redis[] = [];
  let eventTarget;
  if (redisUrl) {
    const publishClient = new Redis(redisUrl, { lazyConnect: false, maxRetriesPerRequest: null });
    const subscribeClient = new Redis(redisUrl, { lazyConnect: false, maxRetriesPerRequest: null });
    clients = [publishClient, subscribeClient];
    eventTarget = createRedisEventTarget({ publishClient, subscribeClient });
  }
  const pubsub = createPubSub<Record<string, [Message | ConversationUpdate]>>(eventTarget ? { eventTarget } : undefined);

  function publish(kind: EventKind, message: Message) {
    pubsub.publish(topic(kind, { organizationId: message.organizationId }), message);
    if (message.assistantId) pubsub.publish(topic(kind, { assistantId: message.assistantId }), message);
    if (message.conversationId) pubsub.publish(topic(kind, { conversationId: message.conversationId }), message);
  }

  // Each listening iterator with the number of subscribers it serves.
  const listening = new Set<() => number>();
  const one = () => 1;
  return {
    received: (message) => publish('received', message),
    activeSubscriptions: () => {
      let count = 0;
      for (const subscribers of listening) count += subscribers();
      return count;
    },
    statusChanged: (message) => publish('status', message),
    conversationUpdated(update) {
      const { organizationId, assistantId } = update.conversation;
      pubsub.publish(topic('conversation', { organizationId }), update);
      if (assistantId) pubsub.publish(topic('conversation', { assistantId }), update);
    },
    subscribe: (kind, scope, subscribers = one) => listen(topic(kind, scope), subscribers, (value) => reviveMessage(value as Message)),
    subscribeConversations: (scope, subscribers = one) =>
      listen(topic('conversation', scope), subscribers, (value) => {
        const update = value as ConversationUpdate;
        return { change: update.change, conversation: reviveConversation(update.conversation) };
      }),
    async close() {
      await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
    },
  };

  function listen<T>(name: string, subscribers: () => number, revive: (value: Message | ConversationUpdate) => T): AsyncIterable<T> {
    const source = pubsub.subscribe(name);
    return {
      [Symbol.asyncIterator]() {
        const iterator = source[Symbol.asyncIterator]();
        // Its own function, so two iterators sharing `subscribers` are two entries.
        const served = () => subscribers();
        let counted = false;
        const release = () => {
          if (counted) listening.delete(served);
          counted = false;
        };
        return {
          next: async () => {
            // The first pull attaches the listener; from then on this subscriber receives events.
            const pending = iterator.next();
            if (!counted) {
              counted = true;
              listening.add(served);
            }
            const result = await pending;
            if (result.done) release();
            return result.done ? result : { done: false, value: revive(result.value) };
          },
          return: async () => {
            release();
            await iterator.return?.();
            return { done: true, value: undefined };
          },
        };
      },
    };
  }
}
