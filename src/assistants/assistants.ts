import type { Services } from '../services';
import type { Assistant } from '../db/client';
import { notFound, SwitchboardError } from '../errors';
import { randomToken } from '../security/secrets';
import { formatWebhookEvents } from '../forwarding/events';
import { BlockedAddressError, checkUrlHost, ipLiteral, isLoopback } from '../security/outbound-policy';
import type { ProviderName } from '../providers/types';
import { credentialsCreate, credentialsUpdate, sealCredentialInputs, type CredentialInput } from './credentials';
import { complianceColumns, type AssistantComplianceInput } from '../compliance/settings';

export interface AssistantInput {
  name?: string | null;
  smsWebhookUrl?: string | null;
  /** Credentials by provider (each its `<provider>Config` input); left out = unchanged, null = removed. */
  configs?: Readonly<Record<ProviderName, CredentialInput | null | undefined>>;
  /** The event kinds POSTed to smsWebhookUrl; sms_received alone when left out at creation. */
  webhookEvents?: readonly string[] | null;
  /** Keyword replies, footer, sending window, frequency cap (src/compliance/settings.ts). */
  compliance?: AssistantComplianceInput | null;
}

export async function createAssistant(services: Services, organizationId: string, input: AssistantInput) {
  const name = requireName(input.name);
  const smsWebhookUrl = checkWebhookUrl(services, input.smsWebhookUrl);
  const credentials = sealCredentialInputs(services, input.configs ?? {});
  const webhookSecret = randomToken('whsec_');
  const assistant = await services.db.assistant.create({
    data: {
      organizationId,
      name,
      smsWebhookUrl,
      webhookSecretSealed: services.secrets.seal(webhookSecret),
      ...(input.webhookEvents && { webhookEvents: formatWebhookEvents(input.webhookEvents) }),
      credentials: credentialsCreate(organizationId, credentials),
    },
  });
  return { assistant, webhookSecret };
}

/** Fields left out stay as they are; a config given as null is removed. */
export async function updateAssistant(services: Services, organizationId: string, id: string, input: AssistantInput) {
  const assistant = await findAssistant(services, organizationId, id);
  const data = {
    ...(input.name !== undefined && { name: requireName(input.name) }),
    ...(input.smsWebhookUrl !== undefined && { smsWebhookUrl: checkWebhookUrl(services, input.smsWebhookUrl) }),
    ...(input.webhookEvents && { webhookEvents: formatWebhookEvents(input.webhookEvents) }),
    credentials: credentialsUpdate(assistant, sealCredentialInputs(services, input.configs ?? {})),
    ...(input.compliance && complianceColumns(assistant, input.compliance)),
  };
  const updated = await services.db.assistant.update({ where: { id }, data });
  services.senders.forget();
  return updated;
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

export function webhookSecret(services: Services, assistant: Assistant): string {
  return services.secrets.open(assistant.webhookSecretSealed);
}

/** A name given on create or rename: trimmed, 1 to 200 characters, else INVALID_INPUT. */
export function requireName(name: string | null | undefined): string {
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
