import type { Conversation, Message } from '../db/client';
import { SwitchboardError } from '../errors';
import type { ConversationUpdate } from '../realtime/events';
import type { MessageSender } from '../messaging/intake';
import { groupBy } from '../db/rows';

/**
 * What the hot paths (intake, inbound) need to know about threads a person handles, from the
 * thread rows each batch reads anyway: no query of its own.
 */

/** Why an inbound message of a thread a person handles is not forwarded (WebhookForward.reason). */
export const HANDLED_BY_A_PERSON = 'conversation handled by a person';

/**
 * A send into a thread a person has taken over is refused when it comes from the assistant's
 * backend (a key bound to no agent) without `force`. Agents' sends go through.
 */
export function takenOverRefusal(thread: Pick<Conversation, 'mode'> | undefined, sentBy: MessageSender | null, force: boolean, to: string): SwitchboardError | null {
  if (thread?.mode !== 'HUMAN' || force || sentBy?.kind === 'AGENT') return null;
  return new SwitchboardError(
    'CONVERSATION_TAKEN_OVER',
    `A person handles the conversation with ${to}; the assistant's sends are refused until it is handed back (or send with force: true)`,
    'toPhoneNumber',
  );
}

/**
 * Threads whose automatic hand-back moves on because an agent replied: handBackAt becomes
 * now + handBackAfterMinutes. Grouped by that new time, one UPDATE each.
 */
export function handBackPushes(threads: readonly Conversation[], agentReplied: ReadonlySet<string>, now: Date): Map<number, string[]> {
  const pushed = threads.filter((c) => c.mode === 'HUMAN' && c.handBackAfterMinutes && agentReplied.has(c.id));
  const groups = groupBy(pushed, (c) => String(now.getTime() + c.handBackAfterMinutes! * 60_000));
  return new Map([...groups].map(([at, group]) => [Number(at), group.map((c) => c.id).sort()]));
}

/**
 * The thread as it is after the batch stored `messages` in it: one conversationUpdated each
 * (CREATED for a thread the batch opened, MESSAGE otherwise). The newest message of the batch is
 * its lastMessage, as the trigger on Message keeps it.
 */
export function threadUpdates(
  threads: readonly { thread: Conversation; created: boolean }[],
  messages: readonly Message[],
  changes: (thread: Conversation) => Partial<Conversation>,
): ConversationUpdate[] {
  const newest = new Map<string, Message>();
  for (const message of messages) {
    const seen = newest.get(message.conversationId!);
    if (!seen || seen.createdAt < message.createdAt || (seen.createdAt.getTime() === message.createdAt.getTime() && seen.id < message.id)) {
      newest.set(message.conversationId!, message);
    }
  }
  return threads.flatMap(({ thread, created }) => {
    const last = newest.get(thread.id);
    if (!last) return [];
    return [{ change: created ? 'CREATED' : 'MESSAGE', conversation: { ...thread, ...changes(thread), lastMessageId: last.id, lastMessageAt: last.createdAt } }];
  });
}
