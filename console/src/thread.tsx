import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { Actions, Agent } from './console';
import { Composer, EMPTY_DRAFT, type Draft } from './composer';
import type { ConsoleMessageFragment } from './gql/graphql';
import { failed, formatNumber, fullTime, senderLabel, shortTime, STATUS_LABEL } from './format';
import { Avatar, ModePill } from './conversation-list';
import { visibleTimeline, type Thread, type TimelineEvent } from './thread-state';

interface Props {
  thread: Thread | null;
  loading: boolean;
  agents: Agent[];
  me: string | null;
  actions: Actions;
  drafts: Map<string, Draft>;
}

/** The right column: the thread's header and actions, its messages, and the reply box. */
export function ThreadView({ thread, loading, agents, me, actions, drafts }: Props) {
  if (!thread) {
    return <section class="thread-pane empty-state">{loading ? 'Loading…' : 'Select a conversation'}</section>;
  }
  const { conversation } = thread;
  const human = conversation.mode === 'HUMAN';
  return (
    <section class="thread-pane" data-testid="thread">
      <header class="thread-head">
        <Avatar number={conversation.customerPhoneNumber} />
        <div class="thread-title">
          <div class="customer">{formatNumber(conversation.customerPhoneNumber)}</div>
          <div class="muted small">
            to {formatNumber(conversation.phoneNumber.phoneNumber)}
            {conversation.assistant && ` · ${conversation.assistant.name}`}
            {human && conversation.takenOverBy && ` · taken over by ${conversation.takenOverBy.name}`}
            {human && conversation.handBackAt && ` · back to the assistant at ${shortTime(conversation.handBackAt)}`}
          </div>
        </div>
        <div class="thread-actions">
          <ModePill mode={conversation.mode} />
          <select
            aria-label="Assignee"
            value={conversation.assignee?.id ?? ''}
            onChange={(event) => actions.assign(conversation.id, event.currentTarget.value || null)}
          >
            <option value="">Unassigned</option>
            {agents.map((agent) => (
              <option value={agent.id}>
                {agent.name}
                {agent.id === me ? ' (me)' : ''}
              </option>
            ))}
          </select>
          <button class="secondary" disabled={conversation.unreadCount === 0} onClick={() => actions.markRead(conversation.id)}>
            Mark read
          </button>
          {human ? (
            <button class="secondary" onClick={() => actions.handBack(conversation.id)}>
              Hand back
            </button>
          ) : (
            <button class="primary" onClick={() => actions.takeOver(conversation.id)}>
              Take over
            </button>
          )}
        </div>
      </header>
      <Messages key={conversation.id} thread={thread} onLoadEarlier={(before) => actions.loadEarlier(conversation.id, before)} />
      {human ? (
        <Composer
          key={conversation.id}
          draft={drafts.get(conversation.id) ?? EMPTY_DRAFT}
          onDraft={(draft) => drafts.set(conversation.id, draft)}
          onSend={(draft) => actions.send(conversation, draft)}
        />
      ) : (
        <div class="composer locked">
          The assistant is answering this conversation.{' '}
          <button class="link" onClick={() => actions.takeOver(conversation.id)}>
            Take over
          </button>{' '}
          to reply yourself.
        </div>
      )}
    </section>
  );
}

type Item = { at: string; message: ConsoleMessageFragment; event?: undefined } | { at: string; event: TimelineEvent; message?: undefined };

function Messages({ thread, onLoadEarlier }: { thread: Thread; onLoadEarlier(before: string): Promise<void> }) {
  const { messages, earlier } = thread;
  // Sorting is stable: messages keep the server's order, and a note at a message's instant follows it.
  const items: Item[] = [
    ...messages.map((message) => ({ at: message.createdAt, message })),
    ...visibleTimeline(thread).map((event) => ({ at: event.at, event })),
  ].sort((a, b) => a.at.localeCompare(b.at));
  const scroller = useRef<HTMLDivElement>(null);
  // Follows the newest message, unless the agent has scrolled up to read.
  const pinned = useRef(true);
  // While older messages load, the message that was first stays where the agent sees it.
  const anchor = useRef<{ id: string; top: number } | null>(null);
  const [loadingEarlier, setLoadingEarlier] = useState(false);
  useLayoutEffect(() => {
    const element = scroller.current;
    if (!element) return;
    const kept = anchor.current;
    if (kept) {
      const top = topOf(element, kept.id);
      if (top !== null) element.scrollTop += top - kept.top;
      if (!loadingEarlier) anchor.current = null;
    } else if (pinned.current) {
      element.scrollTop = element.scrollHeight;
    }
  }, [messages, loadingEarlier]);

  async function loadEarlier() {
    const element = scroller.current;
    const first = messages[0];
    if (!element || !first || !earlier || loadingEarlier) return;
    const top = topOf(element, first.id);
    anchor.current = top === null ? null : { id: first.id, top };
    setLoadingEarlier(true);
    await onLoadEarlier(earlier);
    setLoadingEarlier(false);
  }

  const notLoaded = thread.totalCount - messages.length;
  return (
    <div
      class="messages"
      ref={scroller}
      onScroll={(event) => {
        const element = event.currentTarget;
        pinned.current = element.scrollHeight - element.scrollTop - element.clientHeight < 40;
      }}
    >
      {earlier && (
        <div class="older">
          <button class="secondary" onClick={loadEarlier} disabled={loadingEarlier}>
            {loadingEarlier ? 'Loading…' : 'Load earlier messages'}
          </button>
          {notLoaded > 0 && <span class="muted small">{notLoaded} more</span>}
        </div>
      )}
      {items.map((item, index) => {
        const dayBreak = index === 0 || !sameDay(items[index - 1].at, item.at);
        return item.message ? (
          <Bubble key={item.message.id} message={item.message} dayBreak={dayBreak} />
        ) : (
          <Note key={`${item.event.kind}-${item.at}`} event={item.event} dayBreak={dayBreak} />
        );
      })}
    </div>
  );
}

const NOTE: Record<TimelineEvent['kind'], (who: string) => string> = {
  TAKEN_OVER: (who) => `${who} took over from the assistant`,
  HANDED_BACK: (who) => `${who} handed the conversation back to the assistant`,
  AUTO_HANDED_BACK: () => 'Handed back to the assistant automatically',
  ASSIGNED: (who) => `Assigned to ${who}`,
  UNASSIGNED: () => 'Unassigned',
  ARCHIVED: () => 'Archived',
};

function Note({ event, dayBreak }: { event: TimelineEvent; dayBreak: boolean }) {
  return (
    <>
      {dayBreak && <Day at={event.at} />}
      <div class="note" data-testid="timeline-note">
        {NOTE[event.kind](event.agent?.name ?? event.apiKeyName ?? 'Someone')} · {shortTime(event.at)}
      </div>
    </>
  );
}

function Day({ at }: { at: string }) {
  return <div class="day">{new Date(at).toLocaleDateString([], { weekday: 'long', month: 'long', day: 'numeric' })}</div>;
}

function Bubble({ message, dayBreak }: { message: ConsoleMessageFragment; dayBreak: boolean }) {
  const outbound = message.direction === 'OUTBOUND';
  return (
    <>
      {dayBreak && <Day at={message.createdAt} />}
      <div class={`bubble-row ${outbound ? 'out' : 'in'}`} data-message-id={message.id}>
        <div class={`bubble ${outbound ? 'out' : 'in'}${outbound && failed(message.status) ? ' failed' : ''}`} title={fullTime(message.createdAt)}>
          {message.mediaUrls.length > 0 && (
            <div class="media">
              {message.mediaUrls.filter(isWebUrl).map((url) => (
                <a href={url} target="_blank" rel="noreferrer noopener">
                  <img src={url} alt="Attached image" loading="lazy" />
                </a>
              ))}
            </div>
          )}
          {message.body && <div class="body">{message.body}</div>}
        </div>
        <div class="bubble-meta">
          {outbound && senderLabel(message) && <span>{senderLabel(message)} · </span>}
          <span>{shortTime(message.createdAt)}</span>
          {outbound && (
            <>
              {' · '}
              <span class={`status ${message.status.toLowerCase()}`} data-testid="message-status">
                {STATUS_LABEL[message.status]}
              </span>
              {failed(message.status) && (message.errorMessage || message.errorCode) && (
                <span class="failure" data-testid="failure-reason">
                  {' '}
                  — {message.errorMessage ?? `error ${message.errorCode}`}
                  {message.errorMessage && message.errorCode ? ` (${message.errorCode})` : ''}
                </span>
              )}
            </>
          )}
        </div>
      </div>
    </>
  );
}

/** Media URLs come from providers' webhooks: only http(s) ones become links and images. */
function isWebUrl(url: string): boolean {
  return /^https?:\/\//i.test(url);
}

/** Where a message's row is, from the top of the visible part of the list; null when it is not shown. */
function topOf(list: HTMLElement, messageId: string): number | null {
  const row = list.querySelector(`[data-message-id="${CSS.escape(messageId)}"]`);
  return row ? row.getBoundingClientRect().top - list.getBoundingClientRect().top : null;
}

function sameDay(a: string, b: string): boolean {
  return new Date(a).toDateString() === new Date(b).toDateString();
}
