/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** What a key may do. Each includes the ones below it. */
export type ApiKeyScope =
  /** Everything in the organization. */
  | 'ADMIN'
  /** Read threads and messages, send, take over and hand back, mark read, assign. */
  | 'AGENT'
  /** Read only. */
  | 'READ_ONLY';

export type AssignConversationInput = {
  /** null unassigns. */
  agentId?: string | null | undefined;
  conversationId: string;
};

export type ConversationChange =
  /** Archived. */
  | 'ARCHIVED'
  /** Assigned or unassigned. */
  | 'ASSIGNEE'
  /** A new thread (its first message). */
  | 'CREATED'
  /** A message came in or went out: lastMessage, lastMessageAt and unreadCount moved. */
  | 'MESSAGE'
  /** Taken over by a person, or handed back to the assistant (by hand or automatically). */
  | 'MODE'
  /** markConversationRead: unreadCount is 0. */
  | 'READ';

export type ConversationEventKind =
  | 'ARCHIVED'
  | 'ASSIGNED'
  | 'AUTO_HANDED_BACK'
  | 'HANDED_BACK'
  | 'TAKEN_OVER'
  | 'UNASSIGNED';

export type ConversationFilter = {
  /** true lists archived threads; by default only open ones are listed. */
  archived?: boolean | null | undefined;
  assistantId?: string | null | undefined;
  customerPhoneNumber?: string | null | undefined;
  /** Threads whose last message is at or after this instant. */
  lastMessageAfter?: string | null | undefined;
  /** Threads whose last message is before this instant. */
  lastMessageBefore?: string | null | undefined;
  /** true lists only threads with unread inbound messages. */
  unreadOnly?: boolean | null | undefined;
};

export type ConversationMode =
  /** The assistant answers: inbound messages are forwarded to it. */
  | 'ASSISTANT'
  /** A person answers: inbound messages are not forwarded, and the assistant's sends are refused (CONVERSATION_TAKEN_OVER) unless forced. */
  | 'HUMAN';

export type Direction =
  | 'INBOUND'
  | 'OUTBOUND';

export type Encoding =
  | 'GSM7'
  | 'UCS2';

export type ErrorCode =
  | 'CONSENT_REQUIRED'
  | 'CONVERSATION_TAKEN_OVER'
  | 'EMPTY_MESSAGE'
  | 'FREQUENCY_CAP'
  | 'INVALID_INPUT'
  | 'INVALID_MEDIA'
  | 'INVALID_PHONE_NUMBER'
  | 'INVALID_STATE'
  | 'MESSAGE_TOO_LONG'
  | 'NOT_FOUND'
  | 'NO_ASSISTANT'
  | 'NUMBER_NOT_FOUND'
  | 'NUMBER_TAKEN'
  | 'PROVIDER_ERROR'
  | 'PROVIDER_NOT_CONFIGURED'
  | 'QUIET_HOURS'
  | 'RATE_LIMITED'
  | 'RECIPIENT_OPTED_OUT'
  | 'SENDER_NOT_REGISTERED';

export type HandBackConversationInput = {
  conversationId: string;
};

/** What a message is for. An assistant may exempt TRANSACTIONAL messages from quiet hours and its frequency cap. */
export type MessageCategory =
  /** Switchboard's own keyword replies: never refused by the compliance rules, not chosen by callers. */
  | 'COMPLIANCE'
  /** Replies in a conversation the customer is having. */
  | 'CONVERSATIONAL'
  /** Offers and promotions. */
  | 'MARKETING'
  /** One-time codes, receipts, appointment changes: what the customer is waiting for. */
  | 'TRANSACTIONAL';

export type MessageSenderKind =
  /** An agent: a key bound to one. */
  | 'AGENT'
  /** The assistant's backend: a key bound to no agent. */
  | 'ASSISTANT'
  /** Switchboard itself: a reply to STOP, START or HELP (category COMPLIANCE). */
  | 'SWITCHBOARD';

export type MessageStatus =
  | 'CANCELED'
  | 'DELIVERED'
  | 'FAILED'
  | 'QUEUED'
  | 'RECEIVED'
  | 'SCHEDULED'
  | 'SENDING'
  | 'SENT'
  | 'UNDELIVERED';

/** What a send outside the recipient's sending window does. */
export type OutsideQuietHours =
  /** Refused with QUIET_HOURS and the next allowed time. The default. */
  | 'REFUSE'
  /** Stored SCHEDULED for when the window next opens. */
  | 'SCHEDULE';

export type SendMmsInput = {
  category?: MessageCategory | null | undefined;
  /** Send even into a thread a person has taken over: without it, a key with no agent (the assistant's backend) is refused there with CONVERSATION_TAKEN_OVER. An agent's key needs no force. */
  force?: boolean | null | undefined;
  fromPhoneNumber: string;
  idempotencyKey?: string | null | undefined;
  /** 1 to 10 https URLs (Vonage: exactly 1). */
  mediaUrls: Array<string>;
  /** Optional caption, up to 1600 characters. */
  message?: string | null | undefined;
  outsideQuietHours?: OutsideQuietHours | null | undefined;
  sendAt?: string | null | undefined;
  toPhoneNumber: string;
  validityPeriodSeconds?: number | null | undefined;
};

export type SendSmsInput = {
  /** TRANSACTIONAL may be exempt from quiet hours and the frequency cap; COMPLIANCE is refused. */
  category?: MessageCategory | null | undefined;
  /** Send even into a thread a person has taken over: without it, a key with no agent (the assistant's backend) is refused there with CONVERSATION_TAKEN_OVER. An agent's key needs no force. */
  force?: boolean | null | undefined;
  /** One of your numbers, E.164. Its provider sends the message. */
  fromPhoneNumber: string;
  /** The same key within your organization returns the first message and sends once. */
  idempotencyKey?: string | null | undefined;
  /** 1 to 1600 characters. */
  message: string;
  outsideQuietHours?: OutsideQuietHours | null | undefined;
  /** Send later: the message stays SCHEDULED until then. */
  sendAt?: string | null | undefined;
  /** E.164 */
  toPhoneNumber: string;
  /** If the message has not reached its provider this many seconds after sendAt (or now), it ends FAILED (VALIDITY_PERIOD_EXPIRED) instead of going out late. 1 to 259200. */
  validityPeriodSeconds?: number | null | undefined;
};

export type TakeOverConversationInput = {
  conversationId: string;
  /** Hand the thread back to its assistant by itself after this many minutes without a reply from a person (1 to 10080). Left out: only handBackConversation does. */
  handBackAfterMinutes?: number | null | undefined;
};

export type ConsoleMessageFragment = { id: string, direction: Direction, body: string, mediaUrls: Array<string>, status: MessageStatus, errorCode: string | null, errorMessage: string | null, createdAt: string, updatedAt: string, segments: number, encoding: Encoding, conversation: { id: string } | null, sentBy: { kind: MessageSenderKind, apiKeyName: string | null, agent: { id: string, name: string } | null } | null };

export type ConsoleConversationFragment = { id: string, customerPhoneNumber: string, unreadCount: number, lastMessageAt: string, archived: boolean, mode: ConversationMode, takenOverAt: string | null, handBackAt: string | null, phoneNumber: { id: string, phoneNumber: string }, assistant: { id: string, name: string } | null, assignee: { id: string, name: string } | null, takenOverBy: { id: string, name: string } | null, lastMessage: { id: string, body: string, direction: Direction, mediaUrls: Array<string>, status: MessageStatus, createdAt: string, sentBy: { kind: MessageSenderKind, apiKeyName: string | null, agent: { id: string, name: string } | null } | null } | null };

export type ConsoleViewerQueryVariables = Exact<{ [key: string]: never; }>;


export type ConsoleViewerQuery = { viewer: { apiKey: { id: string, name: string, scopes: Array<ApiKeyScope>, agent: { id: string, name: string } | null }, organization: { id: string, name: string, unreadConversations: number } } };

export type ConsoleConversationsQueryVariables = Exact<{
  first: number;
  filter?: ConversationFilter | null | undefined;
}>;


export type ConsoleConversationsQuery = { conversations: { totalCount: number, edges: Array<{ node: { id: string, customerPhoneNumber: string, unreadCount: number, lastMessageAt: string, archived: boolean, mode: ConversationMode, takenOverAt: string | null, handBackAt: string | null, phoneNumber: { id: string, phoneNumber: string }, assistant: { id: string, name: string } | null, assignee: { id: string, name: string } | null, takenOverBy: { id: string, name: string } | null, lastMessage: { id: string, body: string, direction: Direction, mediaUrls: Array<string>, status: MessageStatus, createdAt: string, sentBy: { kind: MessageSenderKind, apiKeyName: string | null, agent: { id: string, name: string } | null } | null } | null } }> } };

export type ConsoleMessagePageFragment = { totalCount: number, pageInfo: { hasPreviousPage: boolean, startCursor: string | null }, edges: Array<{ node: { id: string, direction: Direction, body: string, mediaUrls: Array<string>, status: MessageStatus, errorCode: string | null, errorMessage: string | null, createdAt: string, updatedAt: string, segments: number, encoding: Encoding, conversation: { id: string } | null, sentBy: { kind: MessageSenderKind, apiKeyName: string | null, agent: { id: string, name: string } | null } | null } }> };

export type ConsoleThreadQueryVariables = Exact<{
  id: string;
  last: number;
}>;


export type ConsoleThreadQuery = { conversation: { id: string, customerPhoneNumber: string, unreadCount: number, lastMessageAt: string, archived: boolean, mode: ConversationMode, takenOverAt: string | null, handBackAt: string | null, timeline: Array<{ kind: ConversationEventKind, at: string, apiKeyName: string | null, agent: { id: string, name: string } | null }>, messages: { totalCount: number, pageInfo: { hasPreviousPage: boolean, startCursor: string | null }, edges: Array<{ node: { id: string, direction: Direction, body: string, mediaUrls: Array<string>, status: MessageStatus, errorCode: string | null, errorMessage: string | null, createdAt: string, updatedAt: string, segments: number, encoding: Encoding, conversation: { id: string } | null, sentBy: { kind: MessageSenderKind, apiKeyName: string | null, agent: { id: string, name: string } | null } | null } }> }, phoneNumber: { id: string, phoneNumber: string }, assistant: { id: string, name: string } | null, assignee: { id: string, name: string } | null, takenOverBy: { id: string, name: string } | null, lastMessage: { id: string, body: string, direction: Direction, mediaUrls: Array<string>, status: MessageStatus, createdAt: string, sentBy: { kind: MessageSenderKind, apiKeyName: string | null, agent: { id: string, name: string } | null } | null } | null } | null };

export type ConsoleEarlierMessagesQueryVariables = Exact<{
  id: string;
  last: number;
  before: string;
}>;


export type ConsoleEarlierMessagesQuery = { conversation: { id: string, messages: { totalCount: number, pageInfo: { hasPreviousPage: boolean, startCursor: string | null }, edges: Array<{ node: { id: string, direction: Direction, body: string, mediaUrls: Array<string>, status: MessageStatus, errorCode: string | null, errorMessage: string | null, createdAt: string, updatedAt: string, segments: number, encoding: Encoding, conversation: { id: string } | null, sentBy: { kind: MessageSenderKind, apiKeyName: string | null, agent: { id: string, name: string } | null } | null } }> } } | null };

export type ConsoleAgentsQueryVariables = Exact<{ [key: string]: never; }>;


export type ConsoleAgentsQuery = { agents: { edges: Array<{ node: { id: string, name: string } }> } };

export type ConsoleSearchQueryVariables = Exact<{
  search: string;
}>;


export type ConsoleSearchQuery = { messages: { totalCount: number, edges: Array<{ node: { from: string, to: string, id: string, direction: Direction, body: string, mediaUrls: Array<string>, status: MessageStatus, errorCode: string | null, errorMessage: string | null, createdAt: string, updatedAt: string, segments: number, encoding: Encoding, conversation: { id: string } | null, sentBy: { kind: MessageSenderKind, apiKeyName: string | null, agent: { id: string, name: string } | null } | null } }> } };

export type ConsoleTakeOverMutationVariables = Exact<{
  input: TakeOverConversationInput;
}>;


export type ConsoleTakeOverMutation = { takeOverConversation:
    | { code: ErrorCode, message: string }
    | { conversation: { id: string, customerPhoneNumber: string, unreadCount: number, lastMessageAt: string, archived: boolean, mode: ConversationMode, takenOverAt: string | null, handBackAt: string | null, phoneNumber: { id: string, phoneNumber: string }, assistant: { id: string, name: string } | null, assignee: { id: string, name: string } | null, takenOverBy: { id: string, name: string } | null, lastMessage: { id: string, body: string, direction: Direction, mediaUrls: Array<string>, status: MessageStatus, createdAt: string, sentBy: { kind: MessageSenderKind, apiKeyName: string | null, agent: { id: string, name: string } | null } | null } | null } }
   };

export type ConsoleHandBackMutationVariables = Exact<{
  input: HandBackConversationInput;
}>;


export type ConsoleHandBackMutation = { handBackConversation:
    | { code: ErrorCode, message: string }
    | { conversation: { id: string, customerPhoneNumber: string, unreadCount: number, lastMessageAt: string, archived: boolean, mode: ConversationMode, takenOverAt: string | null, handBackAt: string | null, phoneNumber: { id: string, phoneNumber: string }, assistant: { id: string, name: string } | null, assignee: { id: string, name: string } | null, takenOverBy: { id: string, name: string } | null, lastMessage: { id: string, body: string, direction: Direction, mediaUrls: Array<string>, status: MessageStatus, createdAt: string, sentBy: { kind: MessageSenderKind, apiKeyName: string | null, agent: { id: string, name: string } | null } | null } | null } }
   };

export type ConsoleAssignMutationVariables = Exact<{
  input: AssignConversationInput;
}>;


export type ConsoleAssignMutation = { assignConversation:
    | { code: ErrorCode, message: string }
    | { conversation: { id: string, customerPhoneNumber: string, unreadCount: number, lastMessageAt: string, archived: boolean, mode: ConversationMode, takenOverAt: string | null, handBackAt: string | null, phoneNumber: { id: string, phoneNumber: string }, assistant: { id: string, name: string } | null, assignee: { id: string, name: string } | null, takenOverBy: { id: string, name: string } | null, lastMessage: { id: string, body: string, direction: Direction, mediaUrls: Array<string>, status: MessageStatus, createdAt: string, sentBy: { kind: MessageSenderKind, apiKeyName: string | null, agent: { id: string, name: string } | null } | null } | null } }
   };

export type ConsoleMarkReadMutationVariables = Exact<{
  id: string;
}>;


export type ConsoleMarkReadMutation = { markConversationRead:
    | { code: ErrorCode, message: string }
    | { conversation: { id: string, customerPhoneNumber: string, unreadCount: number, lastMessageAt: string, archived: boolean, mode: ConversationMode, takenOverAt: string | null, handBackAt: string | null, phoneNumber: { id: string, phoneNumber: string }, assistant: { id: string, name: string } | null, assignee: { id: string, name: string } | null, takenOverBy: { id: string, name: string } | null, lastMessage: { id: string, body: string, direction: Direction, mediaUrls: Array<string>, status: MessageStatus, createdAt: string, sentBy: { kind: MessageSenderKind, apiKeyName: string | null, agent: { id: string, name: string } | null } | null } | null } }
   };

export type ConsoleSendSmsMutationVariables = Exact<{
  input: SendSmsInput;
}>;


export type ConsoleSendSmsMutation = { sendSms:
    | { code: ErrorCode, message: string, field: string | null }
    | { outboundMessage: { id: string, direction: Direction, body: string, mediaUrls: Array<string>, status: MessageStatus, errorCode: string | null, errorMessage: string | null, createdAt: string, updatedAt: string, segments: number, encoding: Encoding, conversation: { id: string } | null, sentBy: { kind: MessageSenderKind, apiKeyName: string | null, agent: { id: string, name: string } | null } | null } }
   };

export type ConsoleSendMmsMutationVariables = Exact<{
  input: SendMmsInput;
}>;


export type ConsoleSendMmsMutation = { sendMms:
    | { code: ErrorCode, message: string, field: string | null }
    | { outboundMessage: { id: string, direction: Direction, body: string, mediaUrls: Array<string>, status: MessageStatus, errorCode: string | null, errorMessage: string | null, createdAt: string, updatedAt: string, segments: number, encoding: Encoding, conversation: { id: string } | null, sentBy: { kind: MessageSenderKind, apiKeyName: string | null, agent: { id: string, name: string } | null } | null } }
   };

export type ConsoleConversationUpdatedSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type ConsoleConversationUpdatedSubscription = { conversationUpdated: { change: ConversationChange, conversation: { id: string, customerPhoneNumber: string, unreadCount: number, lastMessageAt: string, archived: boolean, mode: ConversationMode, takenOverAt: string | null, handBackAt: string | null, phoneNumber: { id: string, phoneNumber: string }, assistant: { id: string, name: string } | null, assignee: { id: string, name: string } | null, takenOverBy: { id: string, name: string } | null, lastMessage: { id: string, body: string, direction: Direction, mediaUrls: Array<string>, status: MessageStatus, createdAt: string, sentBy: { kind: MessageSenderKind, apiKeyName: string | null, agent: { id: string, name: string } | null } | null } | null } } };

export type ConsoleMessageReceivedSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type ConsoleMessageReceivedSubscription = { messageReceived: { id: string, direction: Direction, body: string, mediaUrls: Array<string>, status: MessageStatus, errorCode: string | null, errorMessage: string | null, createdAt: string, updatedAt: string, segments: number, encoding: Encoding, conversation: { id: string } | null, sentBy: { kind: MessageSenderKind, apiKeyName: string | null, agent: { id: string, name: string } | null } | null } };

export type ConsoleMessageStatusChangedSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type ConsoleMessageStatusChangedSubscription = { messageStatusChanged: { id: string, direction: Direction, body: string, mediaUrls: Array<string>, status: MessageStatus, errorCode: string | null, errorMessage: string | null, createdAt: string, updatedAt: string, segments: number, encoding: Encoding, conversation: { id: string } | null, sentBy: { kind: MessageSenderKind, apiKeyName: string | null, agent: { id: string, name: string } | null } | null } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const ConsoleConversationFragmentDoc = new TypedDocumentString(`
    fragment ConsoleConversation on Conversation {
  id
  customerPhoneNumber
  unreadCount
  lastMessageAt
  archived
  mode
  takenOverAt
  handBackAt
  phoneNumber {
    id
    phoneNumber
  }
  assistant {
    id
    name
  }
  assignee {
    id
    name
  }
  takenOverBy {
    id
    name
  }
  lastMessage {
    id
    body
    direction
    mediaUrls
    status
    createdAt
    sentBy {
      kind
      apiKeyName
      agent {
        id
        name
      }
    }
  }
}
    `, {"fragmentName":"ConsoleConversation"}) as unknown as TypedDocumentString<ConsoleConversationFragment, unknown>;
export const ConsoleMessageFragmentDoc = new TypedDocumentString(`
    fragment ConsoleMessage on Message {
  id
  direction
  body
  mediaUrls
  status
  errorCode
  errorMessage
  createdAt
  updatedAt
  segments
  encoding
  conversation {
    id
  }
  sentBy {
    kind
    apiKeyName
    agent {
      id
      name
    }
  }
}
    `, {"fragmentName":"ConsoleMessage"}) as unknown as TypedDocumentString<ConsoleMessageFragment, unknown>;
export const ConsoleMessagePageFragmentDoc = new TypedDocumentString(`
    fragment ConsoleMessagePage on ConversationMessagesConnection {
  totalCount
  pageInfo {
    hasPreviousPage
    startCursor
  }
  edges {
    node {
      ...ConsoleMessage
    }
  }
}
    fragment ConsoleMessage on Message {
  id
  direction
  body
  mediaUrls
  status
  errorCode
  errorMessage
  createdAt
  updatedAt
  segments
  encoding
  conversation {
    id
  }
  sentBy {
    kind
    apiKeyName
    agent {
      id
      name
    }
  }
}`, {"fragmentName":"ConsoleMessagePage"}) as unknown as TypedDocumentString<ConsoleMessagePageFragment, unknown>;
export const ConsoleViewerDocument = new TypedDocumentString(`
    query ConsoleViewer {
  viewer {
    apiKey {
      id
      name
      scopes
      agent {
        id
        name
      }
    }
    organization {
      id
      name
      unreadConversations
    }
  }
}
    `) as unknown as TypedDocumentString<ConsoleViewerQuery, ConsoleViewerQueryVariables>;
export const ConsoleConversationsDocument = new TypedDocumentString(`
    query ConsoleConversations($first: Int!, $filter: ConversationFilter) {
  conversations(first: $first, filter: $filter) {
    totalCount
    edges {
      node {
        ...ConsoleConversation
      }
    }
  }
}
    fragment ConsoleConversation on Conversation {
  id
  customerPhoneNumber
  unreadCount
  lastMessageAt
  archived
  mode
  takenOverAt
  handBackAt
  phoneNumber {
    id
    phoneNumber
  }
  assistant {
    id
    name
  }
  assignee {
    id
    name
  }
  takenOverBy {
    id
    name
  }
  lastMessage {
    id
    body
    direction
    mediaUrls
    status
    createdAt
    sentBy {
      kind
      apiKeyName
      agent {
        id
        name
      }
    }
  }
}`) as unknown as TypedDocumentString<ConsoleConversationsQuery, ConsoleConversationsQueryVariables>;
export const ConsoleThreadDocument = new TypedDocumentString(`
    query ConsoleThread($id: ID!, $last: Int!) {
  conversation(id: $id) {
    ...ConsoleConversation
    timeline {
      kind
      at
      agent {
        id
        name
      }
      apiKeyName
    }
    messages(last: $last) {
      ...ConsoleMessagePage
    }
  }
}
    fragment ConsoleMessage on Message {
  id
  direction
  body
  mediaUrls
  status
  errorCode
  errorMessage
  createdAt
  updatedAt
  segments
  encoding
  conversation {
    id
  }
  sentBy {
    kind
    apiKeyName
    agent {
      id
      name
    }
  }
}
fragment ConsoleConversation on Conversation {
  id
  customerPhoneNumber
  unreadCount
  lastMessageAt
  archived
  mode
  takenOverAt
  handBackAt
  phoneNumber {
    id
    phoneNumber
  }
  assistant {
    id
    name
  }
  assignee {
    id
    name
  }
  takenOverBy {
    id
    name
  }
  lastMessage {
    id
    body
    direction
    mediaUrls
    status
    createdAt
    sentBy {
      kind
      apiKeyName
      agent {
        id
        name
      }
    }
  }
}
fragment ConsoleMessagePage on ConversationMessagesConnection {
  totalCount
  pageInfo {
    hasPreviousPage
    startCursor
  }
  edges {
    node {
      ...ConsoleMessage
    }
  }
}`) as unknown as TypedDocumentString<ConsoleThreadQuery, ConsoleThreadQueryVariables>;
export const ConsoleEarlierMessagesDocument = new TypedDocumentString(`
    query ConsoleEarlierMessages($id: ID!, $last: Int!, $before: String!) {
  conversation(id: $id) {
    id
    messages(last: $last, before: $before) {
      ...ConsoleMessagePage
    }
  }
}
    fragment ConsoleMessage on Message {
  id
  direction
  body
  mediaUrls
  status
  errorCode
  errorMessage
  createdAt
  updatedAt
  segments
  encoding
  conversation {
    id
  }
  sentBy {
    kind
    apiKeyName
    agent {
      id
      name
    }
  }
}
fragment ConsoleMessagePage on ConversationMessagesConnection {
  totalCount
  pageInfo {
    hasPreviousPage
    startCursor
  }
  edges {
    node {
      ...ConsoleMessage
    }
  }
}`) as unknown as TypedDocumentString<ConsoleEarlierMessagesQuery, ConsoleEarlierMessagesQueryVariables>;
export const ConsoleAgentsDocument = new TypedDocumentString(`
    query ConsoleAgents {
  agents(first: 100) {
    edges {
      node {
        id
        name
      }
    }
  }
}
    `) as unknown as TypedDocumentString<ConsoleAgentsQuery, ConsoleAgentsQueryVariables>;
export const ConsoleSearchDocument = new TypedDocumentString(`
    query ConsoleSearch($search: String!) {
  messages(first: 25, filter: {search: $search}) {
    totalCount
    edges {
      node {
        ...ConsoleMessage
        from
        to
      }
    }
  }
}
    fragment ConsoleMessage on Message {
  id
  direction
  body
  mediaUrls
  status
  errorCode
  errorMessage
  createdAt
  updatedAt
  segments
  encoding
  conversation {
    id
  }
  sentBy {
    kind
    apiKeyName
    agent {
      id
      name
    }
  }
}`) as unknown as TypedDocumentString<ConsoleSearchQuery, ConsoleSearchQueryVariables>;
export const ConsoleTakeOverDocument = new TypedDocumentString(`
    mutation ConsoleTakeOver($input: TakeOverConversationInput!) {
  takeOverConversation(input: $input) {
    ... on TakeOverConversationPayload {
      conversation {
        ...ConsoleConversation
      }
    }
    ... on Error {
      code
      message
    }
  }
}
    fragment ConsoleConversation on Conversation {
  id
  customerPhoneNumber
  unreadCount
  lastMessageAt
  archived
  mode
  takenOverAt
  handBackAt
  phoneNumber {
    id
    phoneNumber
  }
  assistant {
    id
    name
  }
  assignee {
    id
    name
  }
  takenOverBy {
    id
    name
  }
  lastMessage {
    id
    body
    direction
    mediaUrls
    status
    createdAt
    sentBy {
      kind
      apiKeyName
      agent {
        id
        name
      }
    }
  }
}`) as unknown as TypedDocumentString<ConsoleTakeOverMutation, ConsoleTakeOverMutationVariables>;
export const ConsoleHandBackDocument = new TypedDocumentString(`
    mutation ConsoleHandBack($input: HandBackConversationInput!) {
  handBackConversation(input: $input) {
    ... on HandBackConversationPayload {
      conversation {
        ...ConsoleConversation
      }
    }
    ... on Error {
      code
      message
    }
  }
}
    fragment ConsoleConversation on Conversation {
  id
  customerPhoneNumber
  unreadCount
  lastMessageAt
  archived
  mode
  takenOverAt
  handBackAt
  phoneNumber {
    id
    phoneNumber
  }
  assistant {
    id
    name
  }
  assignee {
    id
    name
  }
  takenOverBy {
    id
    name
  }
  lastMessage {
    id
    body
    direction
    mediaUrls
    status
    createdAt
    sentBy {
      kind
      apiKeyName
      agent {
        id
        name
      }
    }
  }
}`) as unknown as TypedDocumentString<ConsoleHandBackMutation, ConsoleHandBackMutationVariables>;
export const ConsoleAssignDocument = new TypedDocumentString(`
    mutation ConsoleAssign($input: AssignConversationInput!) {
  assignConversation(input: $input) {
    ... on AssignConversationPayload {
      conversation {
        ...ConsoleConversation
      }
    }
    ... on Error {
      code
      message
    }
  }
}
    fragment ConsoleConversation on Conversation {
  id
  customerPhoneNumber
  unreadCount
  lastMessageAt
  archived
  mode
  takenOverAt
  handBackAt
  phoneNumber {
    id
    phoneNumber
  }
  assistant {
    id
    name
  }
  assignee {
    id
    name
  }
  takenOverBy {
    id
    name
  }
  lastMessage {
    id
    body
    direction
    mediaUrls
    status
    createdAt
    sentBy {
      kind
      apiKeyName
      agent {
        id
        name
      }
    }
  }
}`) as unknown as TypedDocumentString<ConsoleAssignMutation, ConsoleAssignMutationVariables>;
export const ConsoleMarkReadDocument = new TypedDocumentString(`
    mutation ConsoleMarkRead($id: ID!) {
  markConversationRead(id: $id) {
    ... on MarkConversationReadPayload {
      conversation {
        ...ConsoleConversation
      }
    }
    ... on Error {
      code
      message
    }
  }
}
    fragment ConsoleConversation on Conversation {
  id
  customerPhoneNumber
  unreadCount
  lastMessageAt
  archived
  mode
  takenOverAt
  handBackAt
  phoneNumber {
    id
    phoneNumber
  }
  assistant {
    id
    name
  }
  assignee {
    id
    name
  }
  takenOverBy {
    id
    name
  }
  lastMessage {
    id
    body
    direction
    mediaUrls
    status
    createdAt
    sentBy {
      kind
      apiKeyName
      agent {
        id
        name
      }
    }
  }
}`) as unknown as TypedDocumentString<ConsoleMarkReadMutation, ConsoleMarkReadMutationVariables>;
export const ConsoleSendSmsDocument = new TypedDocumentString(`
    mutation ConsoleSendSms($input: SendSmsInput!) {
  sendSms(input: $input) {
    ... on SendMessagePayload {
      outboundMessage {
        ...ConsoleMessage
      }
    }
    ... on Error {
      code
      message
    }
    ... on ApiError {
      field
    }
  }
}
    fragment ConsoleMessage on Message {
  id
  direction
  body
  mediaUrls
  status
  errorCode
  errorMessage
  createdAt
  updatedAt
  segments
  encoding
  conversation {
    id
  }
  sentBy {
    kind
    apiKeyName
    agent {
      id
      name
    }
  }
}`) as unknown as TypedDocumentString<ConsoleSendSmsMutation, ConsoleSendSmsMutationVariables>;
export const ConsoleSendMmsDocument = new TypedDocumentString(`
    mutation ConsoleSendMms($input: SendMmsInput!) {
  sendMms(input: $input) {
    ... on SendMessagePayload {
      outboundMessage {
        ...ConsoleMessage
      }
    }
    ... on Error {
      code
      message
    }
    ... on ApiError {
      field
    }
  }
}
    fragment ConsoleMessage on Message {
  id
  direction
  body
  mediaUrls
  status
  errorCode
  errorMessage
  createdAt
  updatedAt
  segments
  encoding
  conversation {
    id
  }
  sentBy {
    kind
    apiKeyName
    agent {
      id
      name
    }
  }
}`) as unknown as TypedDocumentString<ConsoleSendMmsMutation, ConsoleSendMmsMutationVariables>;
export const ConsoleConversationUpdatedDocument = new TypedDocumentString(`
    subscription ConsoleConversationUpdated {
  conversationUpdated {
    change
    conversation {
      ...ConsoleConversation
    }
  }
}
    fragment ConsoleConversation on Conversation {
  id
  customerPhoneNumber
  unreadCount
  lastMessageAt
  archived
  mode
  takenOverAt
  handBackAt
  phoneNumber {
    id
    phoneNumber
  }
  assistant {
    id
    name
  }
  assignee {
    id
    name
  }
  takenOverBy {
    id
    name
  }
  lastMessage {
    id
    body
    direction
    mediaUrls
    status
    createdAt
    sentBy {
      kind
      apiKeyName
      agent {
        id
        name
      }
    }
  }
}`) as unknown as TypedDocumentString<ConsoleConversationUpdatedSubscription, ConsoleConversationUpdatedSubscriptionVariables>;
export const ConsoleMessageReceivedDocument = new TypedDocumentString(`
    subscription ConsoleMessageReceived {
  messageReceived {
    ...ConsoleMessage
  }
}
    fragment ConsoleMessage on Message {
  id
  direction
  body
  mediaUrls
  status
  errorCode
  errorMessage
  createdAt
  updatedAt
  segments
  encoding
  conversation {
    id
  }
  sentBy {
    kind
    apiKeyName
    agent {
      id
      name
    }
  }
}`) as unknown as TypedDocumentString<ConsoleMessageReceivedSubscription, ConsoleMessageReceivedSubscriptionVariables>;
export const ConsoleMessageStatusChangedDocument = new TypedDocumentString(`
    subscription ConsoleMessageStatusChanged {
  messageStatusChanged {
    ...ConsoleMessage
  }
}
    fragment ConsoleMessage on Message {
  id
  direction
  body
  mediaUrls
  status
  errorCode
  errorMessage
  createdAt
  updatedAt
  segments
  encoding
  conversation {
    id
  }
  sentBy {
    kind
    apiKeyName
    agent {
      id
      name
    }
  }
}`) as unknown as TypedDocumentString<ConsoleMessageStatusChangedSubscription, ConsoleMessageStatusChangedSubscriptionVariables>;