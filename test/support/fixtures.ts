import { telnyxKeyPair } from '../fakes/signing';
import { graphql } from '../gql';
import { ADMIN_TOKEN, type TestServer } from './server';
import { graphqlClient, ok, type Request } from './client';

/** Numbers libphonenumber accepts as valid. */
export const NUMBERS = {
  twilio: '+14155552671',
  telnyx: '+14155552672',
  vonage: '+14155552673',
  customer: '+14155552680',
  customer2: '+14155552681',
  uk: '+447911123456',
};

const CreateOrganization = graphql(`
  mutation CreateOrganization($input: CreateOrganizationInput!) {
    createOrganization(input: $input) {
      ... on CreateOrganizationPayload { apiKey organization { id name } }
      ... on Error { code message }
    }
  }
`);

const CreateAssistant = graphql(`
  mutation CreateAssistant($input: CreateAssistantInput!) {
    createAssistant(input: $input) {
      ... on CreateAssistantPayload { webhookSecret assistant { id name configuredProviders } }
      ... on Error { code message }
    }
  }
`);

const AddPhoneNumber = graphql(`
  mutation AddPhoneNumber($input: AddPhoneNumberInput!) {
    addPhoneNumber(input: $input) {
      ... on AddPhoneNumberPayload { phoneNumber { id phoneNumber provider } }
      ... on Error { code message }
    }
  }
`);

export interface OrganizationFixture {
  apiKey: string;
  organizationId: string;
  request: Request;
  assistantId: string;
  webhookSecret: string;
  credentials: ReturnType<typeof makeCredentials>;
  telnyxKeys: ReturnType<typeof telnyxKeyPair>;
  numbers: { twilio: { id: string; phoneNumber: string }; telnyx: { id: string; phoneNumber: string }; vonage: { id: string; phoneNumber: string } };
}

let counter = 0;
export function makeCredentials(publicKeyBase64: string) {
  const n = `${process.pid}${++counter}`.padStart(8, '0');
  return {
    twilio: { accountSid: `AC${'a'.repeat(24)}${n}`.slice(0, 34), authToken: `twilio-token-${n}-secret` },
    telnyx: { apiKey: `KEYtelnyx${n}secret`, publicKey: publicKeyBase64 },
    vonage: { apiKey: `vk${n}`, apiSecret: `vonage-secret-${n}`, signatureSecret: `vonage-signature-secret-${n}-0123456789abcdef` },
  };
}

/**
 * A new organization with one assistant holding credentials for all three providers and one
 * number at each, every number assigned to that assistant. `numberOffset` gives each
 * organization in a test its own numbers (a number belongs to one organization at most).
 */
export async function createOrganizationFixture(
  server: TestServer,
  options: { name?: string; numberOffset?: number; smsWebhookUrl?: string } = {},
): Promise<OrganizationFixture> {
  const admin = graphqlClient(server.url, ADMIN_TOKEN);
  const created = (await ok(admin(CreateOrganization, { input: { name: options.name ?? 'Acme' } }))).createOrganization;
  if (!('apiKey' in created)) throw new Error(`createOrganization: ${JSON.stringify(created)}`);
  const request = graphqlClient(server.url, created.apiKey);
  const telnyxKeys = telnyxKeyPair();
  const credentials = makeCredentials(telnyxKeys.publicKeyBase64);
  const assistantResult = (
    await ok(
      request(CreateAssistant, {
        input: {
          name: 'Front desk',
          smsWebhookUrl: options.smsWebhookUrl ?? null,
          twilioConfig: credentials.twilio,
          telnyxConfig: credentials.telnyx,
          vonageConfig: credentials.vonage,
        },
      }),
    )
  ).createAssistant;
  if (!('assistant' in assistantResult)) throw new Error(`createAssistant: ${JSON.stringify(assistantResult)}`);
  const assistantId = assistantResult.assistant.id;
  const offset = options.numberOffset ?? 0;
  const add = async (provider: 'TWILIO' | 'TELNYX' | 'VONAGE', phoneNumber: string) => {
    const result = (await ok(request(AddPhoneNumber, { input: { phoneNumber, provider, assistantId } }))).addPhoneNumber;
    if (!('phoneNumber' in result)) throw new Error(`addPhoneNumber: ${JSON.stringify(result)}`);
    return { id: result.phoneNumber.id, phoneNumber: result.phoneNumber.phoneNumber };
  };
  return {
    apiKey: created.apiKey,
    organizationId: created.organization.id,
    request,
    assistantId,
    webhookSecret: assistantResult.webhookSecret,
    credentials,
    telnyxKeys,
    numbers: {
      twilio: await add('TWILIO', shift(NUMBERS.twilio, offset * 10)),
      telnyx: await add('TELNYX', shift(NUMBERS.telnyx, offset * 10)),
      vonage: await add('VONAGE', shift(NUMBERS.vonage, offset * 10)),
    },
  };
}

/** +14155552671 shifted by 10 → +14155552681: another valid number in the same range. */
export function shift(number: string, by: number): string {
  return `+${BigInt(number.slice(1)) + BigInt(by)}`;
}
