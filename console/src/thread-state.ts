/**
 * The open thread as the console holds it: an unbroken run of the thread's newest messages,
 * oldest first, reaching further back a page at a time on request, kept current by live events
 * and by reading the thread again (after a reconnect, or when its timeline changes). Plain
 * functions of the state, so every way a message arrives goes through the same merge.
 */
import type { ConsoleConversationFragment, ConsoleMessageFragment, ConsoleMessagePageFragment, ConsoleThreadQuery } from './gql/graphql';

export type TimelineEvent = NonNullable<ConsoleThreadQuery['conversation']>['timeline'][number];

export interface Thread {
  conversation: ConsoleConversationFragment;
  messages: ConsoleMessageFragment[];
  totalCount: number;
  /** Takeovers, hand-backs and assignments, shown between the messages. */
  timeline: TimelineEvent[];
  /** Where the older messages not loaded yet end (the oldest loaded one's cursor); null once the thread is loaded from its start. */
  earlier: string | null;
}

export function threadOf(conversation: NonNullable<ConsoleThreadQuery['conversation']>): Thread {
  const { messages, timeline, ...fields } = conversation;
  return { conversation: fields, messages: nodes(messages), totalCount: messages.totalCount, timeline, earlier: earlierCursor(messages) };
}

/**
 * The thread read again (its newest page) into what is open. Where that page meets the messages
 * already loaded, the older pages stay and messages pushed since the read are kept; where it
 * does not (more arrived while the console was away than a page holds), it starts over from it.
 */
export function refreshed(open: Thread | null, fresh: Thread): Thread {
  if (!open || open.conversation.id !== fresh.conversation.id) return fresh;
  const known = new Set(open.messages.map((m) => m.id));
  if (fresh.earlier && !fresh.messages.some((m) => known.has(m.id))) return fresh;
  const newest = fresh.messages[fresh.messages.length - 1]?.createdAt ?? '';
  const read = new Set(fresh.messages.map((m) => m.id));
  const pushedSince = open.messages.filter((m) => !read.has(m.id) && m.createdAt > newest).length;
  return { ...fresh, messages: upsert(open.messages, fresh.messages), totalCount: fresh.totalCount + pushedSince, earlier: fresh.earlier && open.earlier };
}

/** A message pushed live (new, or a new status of one shown). */
export function withMessage(open: Thread, message: ConsoleMessageFragment): Thread {
  const known = open.messages.some((m) => m.id === message.id);
  // A late status of a message older than the pages loaded belongs to the history not shown.
  if (!known && open.earlier && open.messages.length > 0 && message.createdAt < open.messages[0].createdAt) return open;
  return { ...open, messages: upsert(open.messages, [message]), totalCount: open.totalCount + (known ? 0 : 1) };
}

/** The page of older messages read before `before`, put in front of what is loaded. */
export function withEarlier(open: Thread, page: ConsoleMessagePageFragment, before: string): Thread {
  // The thread was read again meanwhile and starts elsewhere now: the page may not join it.
  if (open.earlier !== before) return open;
  const known = new Set(open.messages.map((m) => m.id));
  const older = nodes(page).filter((m) => !known.has(m.id));
  return { ...open, messages: [...older, ...open.messages], earlier: earlierCursor(page) };
}

/** The timeline events that fall within the loaded messages: older ones belong to history not loaded. */
export function visibleTimeline(thread: Thread): TimelineEvent[] {
  const oldest = thread.messages[0]?.createdAt;
  return thread.earlier && oldest ? thread.timeline.filter((event) => event.at >= oldest) : thread.timeline;
}

/**
 * Known messages take their new state in place, unless what is shown is newer (a send's answer
 * or a read of the thread can arrive after the live status that followed it); new ones go after
 * every message not newer than them.
 */
function upsert(messages: ConsoleMessageFragment[], incoming: ConsoleMessageFragment[]): ConsoleMessageFragment[] {
  const merged = messages.slice();
  for (const message of incoming) {
    const at = merged.findIndex((m) => m.id === message.id);
    if (at !== -1) {
      if (merged[at].updatedAt <= message.updatedAt) merged[at] = message;
      continue;
    }
    let to = merged.length;
    while (to > 0 && merged[to - 1].createdAt > message.createdAt) to--;
    merged.splice(to, 0, message);
  }
  return merged;
}

function nodes(page: ConsoleMessagePageFragment): ConsoleMessageFragment[] {
  return page.edges.map((edge) => edge.node);
}

function earlierCursor(page: ConsoleMessagePageFragment): string | null {
  return page.pageInfo.hasPreviousPage ? page.pageInfo.startCursor : null;
}
