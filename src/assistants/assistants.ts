import type { Services } from '../services';
import type { Assistant } from '../db/client';
import { notFound, SwitchboardError } from '../errors';
import { randomToken } from '../security/secrets';
import { formatWebhookEvents } from '../webhooks/assistant-events';
import { BlockedAddressError, checkUrlHost, ipLiteral, isLoopback } from '../security/outbound-policy';
import type { CredentialsByProvider, ProviderName, TelnyxCredentials, TwilioCredentials, VonageCredentials } from '../providers/types';

export interface AssistantInput {
  name?: string | null;
  smsWebhookUrl?: string | null;
  twilioConfig?: TwilioCredentials | null;
  telnyxConfig?: TelnyxCredentials | null;
  vonageConfig?: VonageCredentials | null;
  /** The event kinds POSTed to smsWebhookUrl; sms_received alone when left out at creation. */
  webhookEvents?: readonly string[] | null;
}

const SEALED_COLUMN = {
  TWILIO: 'twilioConfigSealed',
  TELNYX: 'telnyxConfigSealed',
  VONAGE: 'vonageConfigSealed',
} as const satisfies Record<ProviderName, keyof Assistant>;

const INPUT_FIELD = { TWILIO: 'twilioConfig', TELNYX: 'telnyxConfig', VONAGE: 'vonageConfig' } as const;

export async function createAssistant(services: Services, organizationId: string, input: AssistantInput) {
  const name = requireName(input.name);
  const webhookSecret = randomToken('whsec_');
  const assistant = await services.db.assistant.create({
    data: {
      organizationId,
      name,
      smsWebhookUrl: checkWebhookUrl(services, input.smsWebhookUrl),
      webhookSecretSealed: services.secrets.seal(webhookSecret),
      ...(input.webhookEvents && { webhookEvents: formatWebhookEvents(input.webhookEvents) }),
      ...sealedConfigs(services, input),
    },
  });
  return { assistant, webhookSecret };
}

/** Fields left out stay as they are; a config given as null is removed. */
export async function updateAssistant(services: Services, organizationId: string, id: string, input: AssistantInput) {
  await findAssistant(services, organizationId, id);
  services.senders.forget();
  return services.db.assistant.update({
    where: { id },
    data: {
      ...(input.name !== undefined && { name: requireName(input.name) }),
      ...(input.smsWebhookUrl !== undefined && { smsWebhookUrl: checkWebhookUrl(services, input.smsWebhookUrl) }),
      ...(input.webhookEvents && { webhookEvents: formatWebhookEvents(input.webhookEvents) }),
      ...sealedConfigs(services, input),
    },
  });
}

export async function rotateWebhookSecret(services: Services, organizationId: string, id: string) {
  await findAssistant(services, organizationId, id);
  const secret = randomToken('whsec_');
  const assistant = await services.db.assistant.update({
    where: { id },
    data: { webhookSecretSealed: services.secrets.seal(secret) },
  });
  return { assistant, secret };
}

export async function findAssistant(services: Services, organizationId: string, id: string) {
  const assistant = await services.db.assistant.findFirst({ where: { id, organizationId } });
  if (!assistant) throw notFound('Assistant');
  return assistant;
}

/** Which providers an assistant has credentials for (never the credentials themselves). */
export function configuredProviders(assistant: Assistant): ProviderName[] {
  return (Object.keys(SEALED_COLUMN) as ProviderName[]).filter((p) => assistant[SEALED_COLUMN[p]] !== null);
}

/** The assistant's decrypted credentials for a provider, or null when none are configured. */
export function providerCredentials<P extends ProviderName>(
  services: Services,
  assistant: Assistant,
  provider: P,
): CredentialsByProvider[P] | null {
  const sealed = assistant[SEALED_COLUMN[provider]];
  return sealed ? services.secrets.openJson<CredentialsByProvider[P]>(sealed) : null;
}

export function webhookSecret(services: Services, assistant: Assistant): string {
  return services.secrets.open(assistant.webhookSecretSealed);
}

function requireName(name: string | null | undefined): string {
  const trimmed = name?.trim();
  if (!trimmed) throw new SwitchboardError('INVALID_INPUT', 'name must not be empty', 'name');
  if (trimmed.length > 200) throw new SwitchboardError('INVALID_INPUT', 'name must be at most 200 characters', 'name');
  return trimmed;
}

/**
 * https anywhere; plain http only to this machine, and only outside production. The host must
 * pass the outbound policy: an IP literal (in any spelling the URL parser accepts: `127.1`,
 * `2130706433`, `[::ffff:127.0.0.1]`) that is loopback or private is refused unless
 * ALLOW_PRIVATE_WEBHOOK_URLS is true, link-local and metadata addresses always. Names are
 * checked again, address by address, each time the forwarder connects.
 */
export function checkWebhookUrl(services: Services, url: string | null | undefined): string | null {
  if (url === null || url === undefined || url === '') return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SwitchboardError('INVALID_INPUT', 'smsWebhookUrl must be an absolute URL', 'smsWebhookUrl');
  }
  if (parsed.protocol === 'http:' || parsed.protocol === 'https:') {
    try {
      checkUrlHost(parsed, { allowPrivate: services.config.allowPrivateWebhookUrls });
    } catch (error) {
      if (!(error instanceof BlockedAddressError)) throw error;
      throw new SwitchboardError('INVALID_INPUT', `smsWebhookUrl is not allowed: ${error.message}`, 'smsWebhookUrl');
    }
  }
  const literal = ipLiteral(parsed.hostname);
  const local = parsed.hostname === 'localhost' || (literal !== null && isLoopback(literal));
  if (parsed.protocol === 'https:' || (parsed.protocol === 'http:' && local && !services.config.production)) return parsed.toString();
  throw new SwitchboardError(
    'INVALID_INPUT',
    services.config.production ? 'smsWebhookUrl must use https' : 'smsWebhookUrl must use https (http only for localhost)',
    'smsWebhookUrl',
  );
}

const REQUIRED_FIELDS = {
  TWILIO: ['accountSid', 'authToken'],
  TELNYX: ['apiKey', 'publicKey'],
  VONAGE: ['apiKey', 'apiSecret', 'signatureSecret'],
} as const;

function sealedConfigs(services: Services, input: AssistantInput): Partial<Record<(typeof SEALED_COLUMN)[ProviderName], string | null>> {
  const out: Partial<Record<(typeof SEALED_COLUMN)[ProviderName], string | null>> = {};
  for (const provider of Object.keys(SEALED_COLUMN) as ProviderName[]) {
    const field = INPUT_FIELD[provider];
    const config = input[field];
    if (config === undefined) continue;
    if (config === null) {
      out[SEALED_COLUMN[provider]] = null;
      continue;
    }
    for (const key of REQUIRED_FIELDS[provider]) {
      const value = (config as unknown as Record<string, unknown>)[key];
      if (typeof value !== 'string' || value.trim() === '') {
        throw new SwitchboardError('INVALID_INPUT', `${field}.${key} is required`, `${field}.${key}`);
      }
    }
    if (provider === 'TELNYX' && Buffer.from((config as TelnyxCredentials).publicKey, 'base64').length !== 32) {
      throw new SwitchboardError('INVALID_INPUT', 'telnyxConfig.publicKey must be the base64 Ed25519 public key from the Telnyx portal', `${field}.publicKey`);
    }
    // Keep only the known fields, without empty optional values.
    const clean = Object.fromEntries(Object.entries(config).filter(([, v]) => v !== null && v !== undefined && v !== ''));
    out[SEALED_COLUMN[provider]] = services.secrets.sealJson(clean);
  }
  return out;
}
