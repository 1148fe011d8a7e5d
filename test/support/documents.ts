/**
 * GraphQL documents several suites use unchanged (operation names are unique across the
 * repo, so a document two files need lives here once).
 */
import { graphql } from '../gql';

export const SharedCreateAssistant = graphql(`
  mutation SharedCreateAssistant($input: CreateAssistantInput!) {
    createAssistant(input: $input) {
      __typename
      ... on CreateAssistantPayload { assistant { id } }
      ... on Error { code message }
    }
  }
`);

export const SharedAddPhoneNumber = graphql(`
  mutation SharedAddPhoneNumber($input: AddPhoneNumberInput!) {
    addPhoneNumber(input: $input) {
      __typename
      ... on AddPhoneNumberPayload { phoneNumber { id } }
      ... on Error { code message }
    }
  }
`);

export const SharedUpdatePhoneNumber = graphql(`
  mutation SharedUpdatePhoneNumber($input: UpdatePhoneNumberInput!) {
    updatePhoneNumber(input: $input) {
      __typename
      ... on UpdatePhoneNumberPayload { phoneNumber { id messagesPerSecond } }
      ... on Error { code message }
    }
  }
`);

export const SharedRotateWebhookSecret = graphql(`
  mutation SharedRotateWebhookSecret($assistantId: ID!) {
    rotateWebhookSecret(assistantId: $assistantId) {
      __typename
      ... on RotateWebhookSecretPayload { secret }
      ... on Error { code message }
    }
  }
`);

export const SharedSendMms = graphql(`
  mutation SharedSendMms($input: SendMmsInput!) {
    sendMms(input: $input) {
      __typename
      ... on SendMessagePayload { outboundMessage { id status provider mediaUrls } }
      ... on Error { code message }
    }
  }
`);

export const SharedCancelMessage = graphql(`
  mutation SharedCancelMessage($id: ID!) {
    cancelMessage(id: $id) {
      __typename
      ... on CancelMessagePayload { canceled: message { id status } }
      ... on Error { code message }
    }
  }
`);
