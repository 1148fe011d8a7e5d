import { useEffect, useState } from 'preact/hooks';
import type { ConsoleConversationFragment, ConsoleSearchQuery } from './gql/graphql';
import { failed, formatNumber, hueOf, senderLabel, shortTime, STATUS_LABEL } from './format';

export type ListFilter = 'ALL' | 'UNREAD' | 'MINE';
type SearchResults = ConsoleSearchQuery['messages'];
const TAB_LABEL: Record<ListFilter, string> = { ALL: 'All', UNREAD: 'Unread', MINE: 'Mine' };

interface Props {
  conversations: ConsoleConversationFragment[];
  totalCount: number;
  filter: ListFilter;
  me: string | null;
  selectedId: string | null;
  onFilter(filter: ListFilter): void;
  onOpen(id: string): void;
  search(text: string): Promise<SearchResults>;
}

/** The left column: filters, message search, and the threads, newest activity first. */
export function ConversationList({ conversations, totalCount, filter, me, selectedId, onFilter, onOpen, search }: Props) {
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<SearchResults | null>(null);

  useEffect(() => {
    const text = query.trim();
    if (!text) return setResults(null);
    // Searched once typing pauses, not on every key.
    const timer = setTimeout(() => {
      search(text).then(
        (found) => setResults(found),
        () => setResults({ totalCount: 0, edges: [] }),
      );
    }, 250);
    return () => clearTimeout(timer);
  }, [query, search]);

  const shown = filter === 'MINE' ? conversations.filter((c) => c.assignee?.id === me) : conversations;
  return (
    <aside class="list-pane">
      <div class="list-head">
        <div class="search">
          <input type="search" placeholder="Search messages" aria-label="Search messages" value={query} onInput={(event) => setQuery(event.currentTarget.value)} />
        </div>
        {!results && (
          <div class="tabs" role="tablist">
            {(['ALL', 'UNREAD', 'MINE'] as const).map((tab) => (
              <button role="tab" aria-selected={filter === tab} class={filter === tab ? 'tab active' : 'tab'} onClick={() => onFilter(tab)}>
                {TAB_LABEL[tab]}
                {filter === tab && <span class="tab-count">{tab === 'MINE' ? shown.length : totalCount}</span>}
              </button>
            ))}
          </div>
        )}
      </div>
      {results ? (
        <SearchResultList results={results} query={query.trim()} onOpen={onOpen} />
      ) : (
        <ul class="conversations" data-testid="conversation-list">
          {shown.length === 0 && <li class="empty">No conversations{filter === 'ALL' ? ' yet' : ' here'}.</li>}
          {shown.map((conversation) => (
            <ConversationRow key={conversation.id} conversation={conversation} selected={conversation.id === selectedId} onOpen={onOpen} />
          ))}
        </ul>
      )}
    </aside>
  );
}

function ConversationRow({ conversation, selected, onOpen }: { conversation: ConsoleConversationFragment; selected: boolean; onOpen(id: string): void }) {
  const last = conversation.lastMessage;
  const preview = last ? (last.body || (last.mediaUrls.length > 0 ? '📷 Photo' : '')) : 'No messages';
  const unread = conversation.unreadCount > 0;
  return (
    <li>
      <button class={`conversation${selected ? ' selected' : ''}${unread ? ' unread' : ''}`} onClick={() => onOpen(conversation.id)} data-conversation={conversation.customerPhoneNumber}>
        <Avatar number={conversation.customerPhoneNumber} />
        <span class="conversation-main">
          <span class="conversation-top">
            <span class="customer">{formatNumber(conversation.customerPhoneNumber)}</span>
            <span class="time">{shortTime(conversation.lastMessageAt)}</span>
          </span>
          <span class="conversation-preview">
            <span class="preview">
              {last?.direction === 'OUTBOUND' && <span class="sender">{senderLabel(last) || 'Sent'}: </span>}
              {last?.direction === 'OUTBOUND' && failed(last.status) && <span class="failed-mark">{STATUS_LABEL[last.status]} · </span>}
              {preview}
            </span>
            {unread && (
              <span class="badge" aria-label={`${conversation.unreadCount} unread`}>
                {conversation.unreadCount}
              </span>
            )}
          </span>
          <span class="conversation-meta">
            <ModePill mode={conversation.mode} />
            <span class="assignee">{conversation.assignee ? conversation.assignee.name : 'Unassigned'}</span>
          </span>
        </span>
      </button>
    </li>
  );
}

function SearchResultList({ results, query, onOpen }: { results: SearchResults; query: string; onOpen(id: string): void }) {
  return (
    <ul class="conversations search-results" data-testid="search-results">
      <li class="result-count">
        {results.totalCount} message{results.totalCount === 1 ? '' : 's'} match “{query}”
      </li>
      {results.edges.map(({ node }) => {
        const customer = node.direction === 'INBOUND' ? node.from : node.to;
        return (
          <li key={node.id}>
            <button class="conversation" onClick={() => node.conversation && onOpen(node.conversation.id)} disabled={!node.conversation}>
              <Avatar number={customer} />
              <span class="conversation-main">
                <span class="conversation-top">
                  <span class="customer">{formatNumber(customer)}</span>
                  <span class="time">{shortTime(node.createdAt)}</span>
                </span>
                <span class="preview">
                  <Highlight text={node.body} query={query} />
                </span>
              </span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}

/** The body with each case-insensitive occurrence of the query marked. */
function Highlight({ text, query }: { text: string; query: string }) {
  if (!query) return <>{text}</>;
  const parts: (string | preact.JSX.Element)[] = [];
  const lower = text.toLowerCase();
  const needle = query.toLowerCase();
  let from = 0;
  for (let at = lower.indexOf(needle); at !== -1; at = lower.indexOf(needle, from)) {
    parts.push(text.slice(from, at), <mark>{text.slice(at, at + needle.length)}</mark>);
    from = at + needle.length;
  }
  parts.push(text.slice(from));
  return <>{parts}</>;
}

export function Avatar({ number }: { number: string }) {
  return (
    <span class="avatar" style={{ '--hue': hueOf(number) }} aria-hidden="true">
      {number.slice(-2)}
    </span>
  );
}

export function ModePill({ mode }: { mode: ConsoleConversationFragment['mode'] }) {
  return <span class={`pill ${mode === 'HUMAN' ? 'human' : 'assistant'}`}>{mode === 'HUMAN' ? 'Human' : 'Assistant'}</span>;
}
