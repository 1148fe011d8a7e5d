/**
 * The console's state: who is signed in, the conversation list, the open thread, and the live
 * socket that keeps both current. Each view below is a plain function of this state.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ConsoleApi, GraphQLRequestError } from './api';
import type { Draft, SendRefusal } from './composer';
import * as ops from './documents';
import type { ConsoleConversationFragment, ConsoleMessageFragment, ConsoleViewerQuery } from './gql/graphql';
import { SignIn } from './sign-in';
import { ConversationList, type ListFilter } from './conversation-list';
import { ThreadView } from './thread';
import { refreshed, threadOf, withEarlier, withMessage, type Thread } from './thread-state';

const KEY_STORAGE = 'switchboard.console.apiKey';
const PAGE = 50;
const TITLE = 'Switchboard console';

type Viewer = ConsoleViewerQuery['viewer'];
type Connection = 'connecting' | 'live' | 'reconnecting';
export interface Agent {
  id: string;
  name: string;
}

export function Console() {
  const [session, setSession] = useState<{ api: ConsoleApi; viewer: Viewer } | null>(null);
  const [restoring, setRestoring] = useState(() => sessionStorage.getItem(KEY_STORAGE) !== null);

  const signIn = useCallback(async (apiKey: string) => {
    const api = new ConsoleApi(apiKey);
    const { viewer } = await api.request(ops.Viewer);
    // The key lives as long as this tab: sessionStorage, never localStorage or a cookie.
    sessionStorage.setItem(KEY_STORAGE, apiKey);
    setSession({ api, viewer });
  }, []);

  const signOut = useCallback(() => {
    sessionStorage.removeItem(KEY_STORAGE);
    // Unmounting the inbox closes its socket.
    setSession(null);
  }, []);

  useEffect(() => {
    const saved = sessionStorage.getItem(KEY_STORAGE);
    if (saved === null) return;
    signIn(saved)
      .catch(() => sessionStorage.removeItem(KEY_STORAGE))
      .finally(() => setRestoring(false));
  }, [signIn]);

  if (session) return <Inbox api={session.api} viewer={session.viewer} onSignOut={signOut} />;
  if (restoring) return <div class="splash">Loading…</div>;
  return <SignIn onSignIn={signIn} />;
}

function Inbox({ api, viewer, onSignOut }: { api: ConsoleApi; viewer: Viewer; onSignOut: () => void }) {
  const [conversations, setConversations] = useState<ConsoleConversationFragment[]>([]);
  const [totalCount, setTotalCount] = useState(0);
  const [unreadConversations, setUnreadConversations] = useState(viewer.organization.unreadConversations);
  const [filter, setFilter] = useState<ListFilter>('ALL');
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [thread, setThread] = useState<Thread | null>(null);
  const [agents, setAgents] = useState<Agent[]>([]);
  const [connection, setConnection] = useState<Connection>('connecting');
  const [notice, setNotice] = useState<string | null>(null);
  const selected = useRef<string | null>(null);
  selected.current = selectedId;
  const filterRef = useRef(filter);
  filterRef.current = filter;

  const report = useCallback((error: unknown) => {
    setNotice(error instanceof Error ? error.message : String(error));
  }, []);

  const loadList = useCallback(async () => {
    const { conversations } = await api.request(ops.Conversations, { first: PAGE, filter: filterRef.current === 'UNREAD' ? { unreadOnly: true } : null });
    setConversations(conversations.edges.map((edge) => edge.node));
    setTotalCount(conversations.totalCount);
    const { viewer: fresh } = await api.request(ops.Viewer);
    setUnreadConversations(fresh.organization.unreadConversations);
  }, [api]);

  const loadThread = useCallback(
    async (id: string) => {
      const { conversation } = await api.request(ops.Thread, { id, last: PAGE });
      if (selected.current !== id) return;
      if (!conversation) return setThread(null);
      const fresh = threadOf(conversation);
      setThread((open) => refreshed(open, fresh));
    },
    [api],
  );

  /** The page before the oldest message loaded, put in front of the open thread. */
  const loadEarlier = useCallback(
    async (id: string, before: string) => {
      const { conversation } = await api.request(ops.EarlierMessages, { id, last: PAGE, before });
      if (!conversation) return;
      setThread((open) => (open && open.conversation.id === id ? withEarlier(open, conversation.messages, before) : open));
    },
    [api],
  );

  /** A conversation as the server has it now: in the list (newest activity first) and in the open thread. */
  const upsertConversation = useCallback((conversation: ConsoleConversationFragment) => {
    setConversations((list) => {
      const rest = list.filter((c) => c.id !== conversation.id);
      const hidden = (filterRef.current === 'UNREAD' && conversation.unreadCount === 0 && conversation.id !== selected.current) || conversation.archived;
      if (!hidden) rest.push(conversation);
      // A thread joining or leaving the listing (new, read under "Unread", archived) moves the count with it.
      const joined = rest.length - list.length;
      if (joined !== 0) setTotalCount((n) => n + joined);
      return rest.sort((a, b) => b.lastMessageAt.localeCompare(a.lastMessageAt));
    });
    setThread((open) => (open && open.conversation.id === conversation.id ? { ...open, conversation } : open));
  }, []);

  /** A message of the open thread: new ones join it in time order, known ones take their new status. */
  const upsertMessage = useCallback((message: ConsoleMessageFragment) => {
    setThread((open) => (open && message.conversation?.id === open.conversation.id ? withMessage(open, message) : open));
  }, []);

  /** The organization's count of unread threads, read again at most once a second however busy the inbox. */
  const unreadTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const refreshUnread = useCallback(() => {
    if (unreadTimer.current) return;
    unreadTimer.current = setTimeout(() => {
      unreadTimer.current = null;
      api.request(ops.Viewer).then(({ viewer }) => setUnreadConversations(viewer.organization.unreadConversations), report);
    }, 1_000);
  }, [api, report]);

  useEffect(() => {
    api.connect({
      onConnection: (connected) => setConnection(connected ? 'live' : 'reconnecting'),
      onRefused: onSignOut,
      onReconnected: () => {
        // Events sent while the socket was down are gone: read the list and the open thread again.
        loadList().catch(report);
        if (selected.current) loadThread(selected.current).catch(report);
      },
    });
    const stops = [
      api.subscribe(ops.ConversationUpdated, {}, ({ conversationUpdated }) => {
        const { change, conversation } = conversationUpdated;
        upsertConversation(conversation);
        // The open thread's timeline gains a line (taken over, handed back, assigned…).
        if (['MODE', 'ASSIGNEE', 'ARCHIVED'].includes(change) && conversation.id === selected.current) loadThread(conversation.id).catch(report);
        if (['CREATED', 'MESSAGE', 'READ', 'ARCHIVED'].includes(change)) refreshUnread();
      }),
      api.subscribe(ops.MessageReceived, {}, ({ messageReceived }) => upsertMessage(messageReceived)),
      api.subscribe(ops.MessageStatusChanged, {}, ({ messageStatusChanged }) => upsertMessage(messageStatusChanged)),
    ];
    api.request(ops.Agents).then(({ agents }) => setAgents(agents.edges.map((edge) => edge.node)), report);
    return () => {
      for (const stop of stops) stop();
      api.close();
      if (unreadTimer.current) clearTimeout(unreadTimer.current);
    };
  }, [api, loadList, loadThread, upsertConversation, upsertMessage, refreshUnread, report, onSignOut]);

  useEffect(() => {
    loadList().catch(report);
  }, [filter, loadList, report]);

  // The tab says how many threads wait, for an agent working in another tab.
  useEffect(() => {
    document.title = unreadConversations > 0 ? `(${unreadConversations}) ${TITLE}` : TITLE;
    return () => void (document.title = TITLE);
  }, [unreadConversations]);

  /** Unsent replies, per conversation, while the console is open: switching threads keeps them. */
  const drafts = useRef(new Map<string, Draft>()).current;

  const open = useCallback(
    (id: string) => {
      setSelectedId(id);
      selected.current = id;
      setThread((current) => (current?.conversation.id === id ? current : null));
      loadThread(id).catch(report);
    },
    [loadThread, report],
  );

  /** Runs a mutation that answers with the conversation (or a typed error) and shows the result. */
  const act = useCallback(
    async (run: () => Promise<{ conversation?: ConsoleConversationFragment; code?: string; message?: string }>) => {
      try {
        const result = await run();
        if (result.conversation) upsertConversation(result.conversation);
        else setNotice(result.message ?? 'The server refused the change');
      } catch (error) {
        report(error);
      }
    },
    [upsertConversation, report],
  );

  const actions = useMemo(
    () => ({
      takeOver: (id: string) => act(async () => (await api.request(ops.TakeOver, { input: { conversationId: id } })).takeOverConversation),
      handBack: (id: string) => act(async () => (await api.request(ops.HandBack, { input: { conversationId: id } })).handBackConversation),
      assign: (id: string, agentId: string | null) => act(async () => (await api.request(ops.Assign, { input: { conversationId: id, agentId } })).assignConversation),
      markRead: (id: string) => act(async () => (await api.request(ops.MarkRead, { id })).markConversationRead),
      /** An SMS, or an MMS when media is attached; null once stored, else why the server refused it. */
      send: async (conversation: ConsoleConversationFragment, { text, mediaUrls }: Draft): Promise<SendRefusal | null> => {
        const to = { fromPhoneNumber: conversation.phoneNumber.phoneNumber, toPhoneNumber: conversation.customerPhoneNumber };
        try {
          const result =
            mediaUrls.length > 0
              ? (await api.request(ops.SendMms, { input: { ...to, message: text || null, mediaUrls } })).sendMms
              : (await api.request(ops.SendSms, { input: { ...to, message: text } })).sendSms;
          if ('outboundMessage' in result) {
            upsertMessage(result.outboundMessage);
            return null;
          }
          return { code: result.code, message: result.message, field: 'field' in result ? (result.field ?? null) : null };
        } catch (error) {
          return { code: error instanceof GraphQLRequestError ? (error.code ?? null) : null, message: error instanceof Error ? error.message : String(error), field: null };
        }
      },
      loadEarlier: (id: string, before: string) => loadEarlier(id, before).catch(report),
      search: async (text: string) => (await api.request(ops.SearchMessages, { search: text })).messages,
    }),
    [api, act, upsertMessage, loadEarlier, report],
  );

  const me = viewer.apiKey.agent;
  return (
    <div class="shell">
      <header class="topbar">
        <div class="brand">
          <span class="logo" aria-hidden="true">◆</span> Switchboard
          <span class="org">{viewer.organization.name}</span>
        </div>
        <div class="topbar-right">
          <span class={`live-dot ${connection}`} title={connection === 'live' ? 'Live' : 'Connecting'} />
          <span class="unread-total" data-testid="unread-conversations" title="Conversations with unread messages">
            {unreadConversations} unread
          </span>
          <span class="me">
            <span class="avatar small" style={{ '--hue': 220 }}>
              {(me?.name ?? viewer.apiKey.name).slice(0, 1).toUpperCase()}
            </span>
            {me?.name ?? viewer.apiKey.name}
          </span>
          <button class="ghost" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      {connection === 'reconnecting' && (
        <div class="banner" role="status" data-testid="reconnect-banner">
          Connection lost. Reconnecting… Anything that happens meanwhile is loaded once the console is back.
        </div>
      )}
      {notice && (
        <div class="banner error" role="alert">
          {notice}
          <button class="ghost" onClick={() => setNotice(null)} aria-label="Dismiss">
            ×
          </button>
        </div>
      )}
      <main class="panes">
        <ConversationList
          conversations={conversations}
          totalCount={totalCount}
          filter={filter}
          me={me?.id ?? null}
          selectedId={selectedId}
          onFilter={setFilter}
          onOpen={open}
          search={actions.search}
        />
        <ThreadView thread={thread} loading={selectedId !== null && thread === null} agents={agents} me={me?.id ?? null} actions={actions} drafts={drafts} />
      </main>
    </div>
  );
}

export type Actions = {
  takeOver(id: string): Promise<void>;
  handBack(id: string): Promise<void>;
  assign(id: string, agentId: string | null): Promise<void>;
  markRead(id: string): Promise<void>;
  send(conversation: ConsoleConversationFragment, draft: Draft): Promise<SendRefusal | null>;
  loadEarlier(id: string, before: string): Promise<void>;
};
