/**
 * Every operation the console runs. codegen (codegen.ts) types each from schema.graphql into
 * ./gql; a field the schema drops or renames fails `npm run typecheck`.
 */
import { graphql } from './gql';

export const MessageFields = graphql(`
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
    conversation { id }
    sentBy { kind apiKeyName agent { id name } }
  }
`);

export const ConversationFields = graphql(`
  fragment ConsoleConversation on Conversation {
    id
    customerPhoneNumber
    unreadCount
    lastMessageAt
    archived
    mode
    takenOverAt
    handBackAt
    phoneNumber { id phoneNumber }
    assistant { id name }
    assignee { id name }
    takenOverBy { id name }
    lastMessage { id body direction mediaUrls status createdAt sentBy { kind apiKeyName agent { id name } } }
  }
`);

export const Viewer = graphql(`
  query ConsoleViewer {
    viewer {
      apiKey { id name scopes agent { id name } }
      organization { id name unreadConversations }
    }
  }
`);

export const Conversations = graphql(`
  query ConsoleConversations($first: Int!, $filter: ConversationFilter) {
    conversations(first: $first, filter: $filter) {
      totalCount
      edges { node { ...ConsoleConversation } }
    }
  }
`);

export const MessagePageFields = graphql(`
  fragment ConsoleMessagePage on ConversationMessagesConnection {
    totalCount
    pageInfo { hasPreviousPage startCursor }
    edges { node { ...ConsoleMessage } }
  }
`);

export const Thread = graphql(`
  query ConsoleThread($id: ID!, $last: Int!) {
    conversation(id: $id) {
      ...ConsoleConversation
      timeline { kind at agent { id name } apiKeyName }
      messages(last: $last) { ...ConsoleMessagePage }
    }
  }
`);

/** The page of messages just before `before`, for "Load earlier messages". */
export const EarlierMessages = graphql(`
  query ConsoleEarlierMessages($id: ID!, $last: Int!, $before: String!) {
    conversation(id: $id) {
      id
      messages(last: $last, before: $before) { ...ConsoleMessagePage }
    }
  }
`);

export const Agents = graphql(`
  query ConsoleAgents {
    agents(first: 100) { edges { node { id name } } }
  }
`);

export const SearchMessages = graphql(`
  query ConsoleSearch($search: String!) {
    messages(first: 25, filter: { search: $search }) {
      totalCount
      edges { node { ...ConsoleMessage from to } }
    }
  }
`);

export const TakeOver = graphql(`
  mutation ConsoleTakeOver($input: TakeOverConversationInput!) {
    takeOverConversation(input: $input) {
      ... on TakeOverConversationPayload { conversation { ...ConsoleConversation } }
      ... on Error { code message }
    }
  }
`);

export const HandBack = graphql(`
  mutation ConsoleHandBack($input: HandBackConversationInput!) {
    handBackConversation(input: $input) {
      ... on HandBackConversationPayload { conversation { ...ConsoleConversation } }
      ... on Error { code message }
    }
  }
`);

export const Assign = graphql(`
  mutation ConsoleAssign($input: AssignConversationInput!) {
    assignConversation(input: $input) {
      ... on AssignConversationPayload { conversation { ...ConsoleConversation } }
      ... on Error { code message }
    }
  }
`);

export const MarkRead = graphql(`
  mutation ConsoleMarkRead($id: ID!) {
    markConversationRead(id: $id) {
      ... on MarkConversationReadPayload { conversation { ...ConsoleConversation } }
      ... on Error { code message }
    }
  }
`);

export const SendSms = graphql(`
  mutation ConsoleSendSms($input: SendSmsInput!) {
    sendSms(input: $input) {
      ... on SendMessagePayload { outboundMessage { ...ConsoleMessage } }
      ... on Error { code message }
      ... on ApiError { field }
    }
  }
`);

export const SendMms = graphql(`
  mutation ConsoleSendMms($input: SendMmsInput!) {
    sendMms(input: $input) {
      ... on SendMessagePayload { outboundMessage { ...ConsoleMessage } }
      ... on Error { code message }
      ... on ApiError { field }
    }
  }
`);

export const ConversationUpdated = graphql(`
  subscription ConsoleConversationUpdated {
    conversationUpdated { change conversation { ...ConsoleConversation } }
  }
`);

export const MessageReceived = graphql(`
  subscription ConsoleMessageReceived {
    messageReceived { ...ConsoleMessage }
  }
`);

export const MessageStatusChanged = graphql(`
  subscription ConsoleMessageStatusChanged {
    messageStatusChanged { ...ConsoleMessage }
  }
`);
