/**
 * Documents and helpers the compliance suites share: switching rules on for an organization,
 * an assistant or a number, asking canSend, sending through GraphQL and REST, and reading the
 * consent history.
 */
import { expect } from 'vitest';
import { graphql } from '../gql';
import type { AssistantComplianceInput, MessageCategory, OutsideQuietHours } from '../gql/graphql';
import { ok } from './client';
import type { OrganizationFixture } from './fixtures';
import type { TestServer } from './server';

export const ComplianceOrganizationSettings = graphql(`
  mutation ComplianceOrganizationSettings($input: UpdateOrganizationSettingsInput!) {
    updateOrganizationSettings(input: $input) {
      __typename
      ... on UpdateOrganizationSettingsPayload { organization { requireOptIn consentReplyWindowMinutes enforceRegistration } }
      ... on Error { code message }
    }
  }
`);

export const ComplianceUpdateAssistant = graphql(`
  mutation ComplianceUpdateAssistant($input: UpdateAssistantInput!) {
    updateAssistant(input: $input) {
      __typename
      ... on UpdateAssistantPayload {
        assistant {
          compliance {
            businessName keywordReplies stopReply startReply helpReply optOutFooter
            sendingWindowStart sendingWindowEnd timeZone dailyCapPerRecipient exemptTransactional
          }
        }
      }
      ... on ApiError { code message field }
    }
  }
`);

export const ComplianceUpdatePhoneNumber = graphql(`
  mutation ComplianceUpdatePhoneNumber($input: UpdatePhoneNumberInput!) {
    updatePhoneNumber(input: $input) {
      __typename
      ... on UpdatePhoneNumberPayload { phoneNumber { id providerAnswersKeywords } }
      ... on Error { code message }
    }
  }
`);

export const ComplianceCanSend = graphql(`
  query ComplianceCanSend($input: CanSendInput!) {
    canSend(input: $input) {
      __typename
      ... on CanSend { allowed reasons { code message nextAllowedAt enforced } }
      ... on Error { code message }
    }
  }
`);

export const ComplianceSendSms = graphql(`
  mutation ComplianceSendSms($input: SendSmsInput!) {
    sendSms(input: $input) {
      __typename
      ... on SendMessagePayload { outboundMessage { id status sendAt body category segments } }
      ... on ApiError { code message field nextAllowedAt }
    }
  }
`);

export const ComplianceMessagesTo = graphql(`
  query ComplianceMessagesTo($to: String!) {
    messages(filter: { to: $to }, first: 100) { edges { node { id direction status body category } } }
  }
`);

export const ComplianceConsentHistory = graphql(`
  query ComplianceConsentHistory($filter: ConsentHistoryFilter) {
    consentHistory(filter: $filter, first: 100) {
      edges { node { id customerPhoneNumber kind method phoneNumberId assistantId keyword source evidence messageId at createdAt } }
    }
  }
`);

export const ComplianceRecordOptIn = graphql(`
  mutation ComplianceRecordOptIn($input: RecordOptInInput!) {
    recordOptIn(input: $input) {
      __typename
      ... on RecordOptInPayload { consentEvents { id kind method phoneNumberId assistantId source evidence at } }
      ... on ApiError { code message field }
    }
  }
`);

export async function organizationSettings(org: OrganizationFixture, input: { requireOptIn?: boolean; consentReplyWindowMinutes?: number; enforceRegistration?: boolean }) {
  const result = (await ok(org.request(ComplianceOrganizationSettings, { input }))).updateOrganizationSettings;
  expect(result.__typename).toBe('UpdateOrganizationSettingsPayload');
}

export async function assistantCompliance(org: OrganizationFixture, compliance: AssistantComplianceInput, assistantId = org.assistantId) {
  const result = (await ok(org.request(ComplianceUpdateAssistant, { input: { id: assistantId, compliance } }))).updateAssistant;
  if (result.__typename !== 'UpdateAssistantPayload') throw new Error(`updateAssistant: ${JSON.stringify(result)}`);
  return result.assistant.compliance;
}

export async function canSend(org: OrganizationFixture, from: string, to: string, options: { category?: MessageCategory; at?: string } = {}) {
  const result = (await ok(org.request(ComplianceCanSend, { input: { fromPhoneNumber: from, toPhoneNumber: to, ...options } }))).canSend;
  if (result.__typename !== 'CanSend') throw new Error(`canSend: ${JSON.stringify(result)}`);
  return result;
}

export async function sendSms(
  org: OrganizationFixture,
  from: string,
  to: string,
  options: { message?: string; category?: MessageCategory; outsideQuietHours?: OutsideQuietHours; sendAt?: string } = {},
) {
  const { message = 'Hello from the front desk', ...rest } = options;
  return (await ok(org.request(ComplianceSendSms, { input: { fromPhoneNumber: from, toPhoneNumber: to, message, ...rest } }))).sendSms;
}

export async function restSend(server: TestServer, org: OrganizationFixture, body: Record<string, unknown>) {
  const response = await fetch(`${server.url}/sms/send`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${org.apiKey}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

export async function messagesTo(org: OrganizationFixture, to: string) {
  return (await ok(org.request(ComplianceMessagesTo, { to }))).messages.edges.map((e) => e.node);
}

/** The consent history, oldest first. */
export async function consentHistory(org: OrganizationFixture, filter: { customerPhoneNumber?: string; phoneNumberId?: string } = {}) {
  const { consentHistory } = await ok(org.request(ComplianceConsentHistory, { filter }));
  return consentHistory.edges.map((e) => e.node).reverse();
}
