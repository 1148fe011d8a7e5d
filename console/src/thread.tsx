import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { countSegments } from '../../src/messaging/segments';
import type { Actions, Agent, Thread, TimelineEvent } from './console';
import type { ConsoleMessageFragment } from './gql/graphql';
import { failed, formatNumber, fullTime, senderLabel, shortTime, STATUS_LABEL } from './format';
import { Avatar, ModePill } from './conversation-list';

interface Props {
  thread: Thread | null;
  loading: boolean;
  agents: Agent[];
  me: string | null;
  actions: Actions;
}

/** The right column: the thread's header and actions, its messages, and the reply box. */
export function ThreadView({ thread, loading, agents, me, actions }: Props) {
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
      <Messages messages={thread.messages} timeline={thread.timeline} totalCount={thread.totalCount} />
      {human ? (
        <Composer onSend={(text) => actions.send(conversation, text)} />
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

function Messages({ messages, timeline, totalCount }: { messages: ConsoleMessageFragment[]; timeline: TimelineEvent[]; totalCount: number }) {
  // Events older than the oldest message shown belong to history not loaded either.
  const oldest = messages[0]?.createdAt ?? '';
  const items: Item[] = [
    ...messages.map((message) => ({ at: message.createdAt, message })),
    ...timeline.filter((event) => event.at >= oldest).map((event) => ({ at: event.at, event })),
  ].sort((a, b) => a.at.localeCompare(b.at));
  const scroller = useRef<HTMLDivElement>(null);
  // Follows the newest message, unless the agent has scrolled up to read.
  const pinned = useRef(true);
  useLayoutEffect(() => {
    const element = scroller.current;
    if (element && pinned.current) element.scrollTop = element.scrollHeight;
  }, [messages]);
  return (
    <div
      class="messages"
      ref={scroller}
      onScroll={(event) => {
        const element = event.currentTarget;
        pinned.current = element.scrollHeight - element.scrollTop - element.clientHeight < 40;
      }}
    >
      {totalCount > messages.length && <div class="older muted small">{totalCount - messages.length} earlier messages not shown</div>}
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

/** The reply box, counting segments and encoding with the server's own rules as the agent types. */
function Composer({ onSend }: { onSend(text: string): Promise<boolean> }) {
  const [text, setText] = useState('');
  const [sending, setSending] = useState(false);
  const input = useRef<HTMLTextAreaElement>(null);
  useEffect(() => input.current?.focus(), []);
  const count = countSegments(text);
  const tooLong = text.length > 1600;

  async function send() {
    if (!text.trim() || sending || tooLong) return;
    setSending(true);
    if (await onSend(text)) setText('');
    setSending(false);
    input.current?.focus();
  }

  return (
    <form
      class="composer"
      onSubmit={(event) => {
        event.preventDefault();
        void send();
      }}
    >
      <textarea
        ref={input}
        rows={3}
        placeholder="Write a reply…  (Enter to send, Shift+Enter for a new line)"
        aria-label="Reply"
        value={text}
        onInput={(event) => setText(event.currentTarget.value)}
        onKeyDown={(event) => {
          if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
            event.preventDefault();
            void send();
          }
        }}
      />
      <div class="composer-foot">
        <span class={`counter${tooLong ? ' over' : ''}`} data-testid="segment-counter">
          {count.segments} segment{count.segments === 1 ? '' : 's'} · {count.encoding === 'GSM7' ? 'GSM-7' : 'UCS-2'} · {text.length} chars
          {count.encoding === 'UCS2' && text.length > 0 && <span class="hint"> (a character outside GSM-7 makes the message UCS-2)</span>}
        </span>
        <button class="primary" type="submit" disabled={!text.trim() || sending || tooLong}>
          {sending ? 'Sending…' : 'Send'}
        </button>
      </div>
    </form>
  );
}

/** Media URLs come from providers' webhooks: only http(s) ones become links and images. */
function isWebUrl(url: string): boolean {
  return /^https?:\/\//i.test(url);
}

function sameDay(a: string, b: string): boolean {
  return new Date(a).toDateString() === new Date(b).toDateString();
}
