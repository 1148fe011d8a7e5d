/* eslint-disable */
import * as types from './graphql';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  fragment ConsoleMessage on Message {\n    id\n    direction\n    body\n    mediaUrls\n    status\n    errorCode\n    errorMessage\n    createdAt\n    updatedAt\n    segments\n    encoding\n    conversation { id }\n    sentBy { kind apiKeyName agent { id name } }\n  }\n": typeof types.ConsoleMessageFragmentDoc,
    "\n  fragment ConsoleConversation on Conversation {\n    id\n    customerPhoneNumber\n    unreadCount\n    lastMessageAt\n    archived\n    mode\n    takenOverAt\n    handBackAt\n    phoneNumber { id phoneNumber }\n    assistant { id name }\n    assignee { id name }\n    takenOverBy { id name }\n    lastMessage { id body direction mediaUrls status createdAt sentBy { kind apiKeyName agent { id name } } }\n  }\n": typeof types.ConsoleConversationFragmentDoc,
    "\n  query ConsoleViewer {\n    viewer {\n      apiKey { id name scopes agent { id name } }\n      organization { id name unreadConversations }\n    }\n  }\n": typeof types.ConsoleViewerDocument,
    "\n  query ConsoleConversations($first: Int!, $filter: ConversationFilter) {\n    conversations(first: $first, filter: $filter) {\n      totalCount\n      edges { node { ...ConsoleConversation } }\n    }\n  }\n": typeof types.ConsoleConversationsDocument,
    "\n  fragment ConsoleMessagePage on ConversationMessagesConnection {\n    totalCount\n    pageInfo { hasPreviousPage startCursor }\n    edges { node { ...ConsoleMessage } }\n  }\n": typeof types.ConsoleMessagePageFragmentDoc,
    "\n  query ConsoleThread($id: ID!, $last: Int!) {\n    conversation(id: $id) {\n      ...ConsoleConversation\n      timeline { kind at agent { id name } apiKeyName }\n      messages(last: $last) { ...ConsoleMessagePage }\n    }\n  }\n": typeof types.ConsoleThreadDocument,
    "\n  query ConsoleEarlierMessages($id: ID!, $last: Int!, $before: String!) {\n    conversation(id: $id) {\n      id\n      messages(last: $last, before: $before) { ...ConsoleMessagePage }\n    }\n  }\n": typeof types.ConsoleEarlierMessagesDocument,
    "\n  query ConsoleAgents {\n    agents(first: 100) { edges { node { id name } } }\n  }\n": typeof types.ConsoleAgentsDocument,
    "\n  query ConsoleSearch($search: String!) {\n    messages(first: 25, filter: { search: $search }) {\n      totalCount\n      edges { node { ...ConsoleMessage from to } }\n    }\n  }\n": typeof types.ConsoleSearchDocument,
    "\n  mutation ConsoleTakeOver($input: TakeOverConversationInput!) {\n    takeOverConversation(input: $input) {\n      ... on TakeOverConversationPayload { conversation { ...ConsoleConversation } }\n      ... on Error { code message }\n    }\n  }\n": typeof types.ConsoleTakeOverDocument,
    "\n  mutation ConsoleHandBack($input: HandBackConversationInput!) {\n    handBackConversation(input: $input) {\n      ... on HandBackConversationPayload { conversation { ...ConsoleConversation } }\n      ... on Error { code message }\n    }\n  }\n": typeof types.ConsoleHandBackDocument,
    "\n  mutation ConsoleAssign($input: AssignConversationInput!) {\n    assignConversation(input: $input) {\n      ... on AssignConversationPayload { conversation { ...ConsoleConversation } }\n      ... on Error { code message }\n    }\n  }\n": typeof types.ConsoleAssignDocument,
    "\n  mutation ConsoleMarkRead($id: ID!) {\n    markConversationRead(id: $id) {\n      ... on MarkConversationReadPayload { conversation { ...ConsoleConversation } }\n      ... on Error { code message }\n    }\n  }\n": typeof types.ConsoleMarkReadDocument,
    "\n  mutation ConsoleSendSms($input: SendSmsInput!) {\n    sendSms(input: $input) {\n      ... on SendMessagePayload { outboundMessage { ...ConsoleMessage } }\n      ... on Error { code message }\n      ... on ApiError { field }\n    }\n  }\n": typeof types.ConsoleSendSmsDocument,
    "\n  mutation ConsoleSendMms($input: SendMmsInput!) {\n    sendMms(input: $input) {\n      ... on SendMessagePayload { outboundMessage { ...ConsoleMessage } }\n      ... on Error { code message }\n      ... on ApiError { field }\n    }\n  }\n": typeof types.ConsoleSendMmsDocument,
    "\n  subscription ConsoleConversationUpdated {\n    conversationUpdated { change conversation { ...ConsoleConversation } }\n  }\n": typeof types.ConsoleConversationUpdatedDocument,
    "\n  subscription ConsoleMessageReceived {\n    messageReceived { ...ConsoleMessage }\n  }\n": typeof types.ConsoleMessageReceivedDocument,
    "\n  subscription ConsoleMessageStatusChanged {\n    messageStatusChanged { ...ConsoleMessage }\n  }\n": typeof types.ConsoleMessageStatusChangedDocument,
};
const documents: Documents = {
    "\n  fragment ConsoleMessage on Message {\n    id\n    direction\n    body\n    mediaUrls\n    status\n    errorCode\n    errorMessage\n    createdAt\n    updatedAt\n    segments\n    encoding\n    conversation { id }\n    sentBy { kind apiKeyName agent { id name } }\n  }\n": types.ConsoleMessageFragmentDoc,
    "\n  fragment ConsoleConversation on Conversation {\n    id\n    customerPhoneNumber\n    unreadCount\n    lastMessageAt\n    archived\n    mode\n    takenOverAt\n    handBackAt\n    phoneNumber { id phoneNumber }\n    assistant { id name }\n    assignee { id name }\n    takenOverBy { id name }\n    lastMessage { id body direction mediaUrls status createdAt sentBy { kind apiKeyName agent { id name } } }\n  }\n": types.ConsoleConversationFragmentDoc,
    "\n  query ConsoleViewer {\n    viewer {\n      apiKey { id name scopes agent { id name } }\n      organization { id name unreadConversations }\n    }\n  }\n": types.ConsoleViewerDocument,
    "\n  query ConsoleConversations($first: Int!, $filter: ConversationFilter) {\n    conversations(first: $first, filter: $filter) {\n      totalCount\n      edges { node { ...ConsoleConversation } }\n    }\n  }\n": types.ConsoleConversationsDocument,
    "\n  fragment ConsoleMessagePage on ConversationMessagesConnection {\n    totalCount\n    pageInfo { hasPreviousPage startCursor }\n    edges { node { ...ConsoleMessage } }\n  }\n": types.ConsoleMessagePageFragmentDoc,
    "\n  query ConsoleThread($id: ID!, $last: Int!) {\n    conversation(id: $id) {\n      ...ConsoleConversation\n      timeline { kind at agent { id name } apiKeyName }\n      messages(last: $last) { ...ConsoleMessagePage }\n    }\n  }\n": types.ConsoleThreadDocument,
    "\n  query ConsoleEarlierMessages($id: ID!, $last: Int!, $before: String!) {\n    conversation(id: $id) {\n      id\n      messages(last: $last, before: $before) { ...ConsoleMessagePage }\n    }\n  }\n": types.ConsoleEarlierMessagesDocument,
    "\n  query ConsoleAgents {\n    agents(first: 100) { edges { node { id name } } }\n  }\n": types.ConsoleAgentsDocument,
    "\n  query ConsoleSearch($search: String!) {\n    messages(first: 25, filter: { search: $search }) {\n      totalCount\n      edges { node { ...ConsoleMessage from to } }\n    }\n  }\n": types.ConsoleSearchDocument,
    "\n  mutation ConsoleTakeOver($input: TakeOverConversationInput!) {\n    takeOverConversation(input: $input) {\n      ... on TakeOverConversationPayload { conversation { ...ConsoleConversation } }\n      ... on Error { code message }\n    }\n  }\n": types.ConsoleTakeOverDocument,
    "\n  mutation ConsoleHandBack($input: HandBackConversationInput!) {\n    handBackConversation(input: $input) {\n      ... on HandBackConversationPayload { conversation { ...ConsoleConversation } }\n      ... on Error { code message }\n    }\n  }\n": types.ConsoleHandBackDocument,
    "\n  mutation ConsoleAssign($input: AssignConversationInput!) {\n    assignConversation(input: $input) {\n      ... on AssignConversationPayload { conversation { ...ConsoleConversation } }\n      ... on Error { code message }\n    }\n  }\n": types.ConsoleAssignDocument,
    "\n  mutation ConsoleMarkRead($id: ID!) {\n    markConversationRead(id: $id) {\n      ... on MarkConversationReadPayload { conversation { ...ConsoleConversation } }\n      ... on Error { code message }\n    }\n  }\n": types.ConsoleMarkReadDocument,
    "\n  mutation ConsoleSendSms($input: SendSmsInput!) {\n    sendSms(input: $input) {\n      ... on SendMessagePayload { outboundMessage { ...ConsoleMessage } }\n      ... on Error { code message }\n      ... on ApiError { field }\n    }\n  }\n": types.ConsoleSendSmsDocument,
    "\n  mutation ConsoleSendMms($input: SendMmsInput!) {\n    sendMms(input: $input) {\n      ... on SendMessagePayload { outboundMessage { ...ConsoleMessage } }\n      ... on Error { code message }\n      ... on ApiError { field }\n    }\n  }\n": types.ConsoleSendMmsDocument,
    "\n  subscription ConsoleConversationUpdated {\n    conversationUpdated { change conversation { ...ConsoleConversation } }\n  }\n": types.ConsoleConversationUpdatedDocument,
    "\n  subscription ConsoleMessageReceived {\n    messageReceived { ...ConsoleMessage }\n  }\n": types.ConsoleMessageReceivedDocument,
    "\n  subscription ConsoleMessageStatusChanged {\n    messageStatusChanged { ...ConsoleMessage }\n  }\n": types.ConsoleMessageStatusChangedDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ConsoleMessage on Message {\n    id\n    direction\n    body\n    mediaUrls\n    status\n    errorCode\n    errorMessage\n    createdAt\n    updatedAt\n    segments\n    encoding\n    conversation { id }\n    sentBy { kind apiKeyName agent { id name } }\n  }\n"): typeof import('./graphql').ConsoleMessageFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ConsoleConversation on Conversation {\n    id\n    customerPhoneNumber\n    unreadCount\n    lastMessageAt\n    archived\n    mode\n    takenOverAt\n    handBackAt\n    phoneNumber { id phoneNumber }\n    assistant { id name }\n    assignee { id name }\n    takenOverBy { id name }\n    lastMessage { id body direction mediaUrls status createdAt sentBy { kind apiKeyName agent { id name } } }\n  }\n"): typeof import('./graphql').ConsoleConversationFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleViewer {\n    viewer {\n      apiKey { id name scopes agent { id name } }\n      organization { id name unreadConversations }\n    }\n  }\n"): typeof import('./graphql').ConsoleViewerDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleConversations($first: Int!, $filter: ConversationFilter) {\n    conversations(first: $first, filter: $filter) {\n      totalCount\n      edges { node { ...ConsoleConversation } }\n    }\n  }\n"): typeof import('./graphql').ConsoleConversationsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ConsoleMessagePage on ConversationMessagesConnection {\n    totalCount\n    pageInfo { hasPreviousPage startCursor }\n    edges { node { ...ConsoleMessage } }\n  }\n"): typeof import('./graphql').ConsoleMessagePageFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleThread($id: ID!, $last: Int!) {\n    conversation(id: $id) {\n      ...ConsoleConversation\n      timeline { kind at agent { id name } apiKeyName }\n      messages(last: $last) { ...ConsoleMessagePage }\n    }\n  }\n"): typeof import('./graphql').ConsoleThreadDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleEarlierMessages($id: ID!, $last: Int!, $before: String!) {\n    conversation(id: $id) {\n      id\n      messages(last: $last, before: $before) { ...ConsoleMessagePage }\n    }\n  }\n"): typeof import('./graphql').ConsoleEarlierMessagesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleAgents {\n    agents(first: 100) { edges { node { id name } } }\n  }\n"): typeof import('./graphql').ConsoleAgentsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleSearch($search: String!) {\n    messages(first: 25, filter: { search: $search }) {\n      totalCount\n      edges { node { ...ConsoleMessage from to } }\n    }\n  }\n"): typeof import('./graphql').ConsoleSearchDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleTakeOver($input: TakeOverConversationInput!) {\n    takeOverConversation(input: $input) {\n      ... on TakeOverConversationPayload { conversation { ...ConsoleConversation } }\n      ... on Error { code message }\n    }\n  }\n"): typeof import('./graphql').ConsoleTakeOverDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleHandBack($input: HandBackConversationInput!) {\n    handBackConversation(input: $input) {\n      ... on HandBackConversationPayload { conversation { ...ConsoleConversation } }\n      ... on Error { code message }\n    }\n  }\n"): typeof import('./graphql').ConsoleHandBackDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleAssign($input: AssignConversationInput!) {\n    assignConversation(input: $input) {\n      ... on AssignConversationPayload { conversation { ...ConsoleConversation } }\n      ... on Error { code message }\n    }\n  }\n"): typeof import('./graphql').ConsoleAssignDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleMarkRead($id: ID!) {\n    markConversationRead(id: $id) {\n      ... on MarkConversationReadPayload { conversation { ...ConsoleConversation } }\n      ... on Error { code message }\n    }\n  }\n"): typeof import('./graphql').ConsoleMarkReadDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleSendSms($input: SendSmsInput!) {\n    sendSms(input: $input) {\n      ... on SendMessagePayload { outboundMessage { ...ConsoleMessage } }\n      ... on Error { code message }\n      ... on ApiError { field }\n    }\n  }\n"): typeof import('./graphql').ConsoleSendSmsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleSendMms($input: SendMmsInput!) {\n    sendMms(input: $input) {\n      ... on SendMessagePayload { outboundMessage { ...ConsoleMessage } }\n      ... on Error { code message }\n      ... on ApiError { field }\n    }\n  }\n"): typeof import('./graphql').ConsoleSendMmsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription ConsoleConversationUpdated {\n    conversationUpdated { change conversation { ...ConsoleConversation } }\n  }\n"): typeof import('./graphql').ConsoleConversationUpdatedDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription ConsoleMessageReceived {\n    messageReceived { ...ConsoleMessage }\n  }\n"): typeof import('./graphql').ConsoleMessageReceivedDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription ConsoleMessageStatusChanged {\n    messageStatusChanged { ...ConsoleMessage }\n  }\n"): typeof import('./graphql').ConsoleMessageStatusChangedDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
