/**
 * Assistants' provider credentials: one ProviderCredential row per (assistant, provider),
 * holding the fields the provider's descriptor names, as JSON sealed with AES-256-GCM.
 * Write-only: they are checked and sealed on the way in and opened only to call the provider.
 */
import type { Services } from '../services';
import type { Assistant, ProviderCredential } from '../db/client';
import { SwitchboardError } from '../errors';
import type { SecretBox } from '../security/secrets';
import { ExpiringCache } from '../lib/expiring-cache';
import { allProviders, providerNamed } from '../providers';
import type { CredentialSchema, ProviderDescriptor, ProviderName } from '../providers/types';

/** What reading a credential needs of its row. */
export type StoredCredential = Pick<ProviderCredential, 'provider' | 'sealed'>;

/** An assistant with its credentials' rows, as senders and webhooks read it (one query with the number). */
export type AssistantWithCredentials = Assistant & { credentials: StoredCredential[] };

/** A `<provider>Config` input: each field's value; null removes the provider's credentials. */
export type CredentialInput = Readonly<Record<string, string | null | undefined>>;

/** The assistant's row for a provider, or null when it has no credentials for it. */
export function credentialFor(assistant: { credentials: StoredCredential[] } | null | undefined, provider: ProviderName): StoredCredential | null {
  return assistant?.credentials.find((c) => c.provider === provider) ?? null;
}

/** Which providers an assistant has credentials for, in registry order (never the credentials themselves). */
export function configuredProviders(assistant: { credentials: Pick<ProviderCredential, 'provider'>[] }): ProviderName[] {
  const configured = new Set(assistant.credentials.map((c) => c.provider));
  return allProviders()
    .map((p) => p.name)
    .filter((name) => configured.has(name));
}

/** A stored credential, opened and checked against its provider's fields. */
export function openCredential<C>(secrets: SecretBox, provider: ProviderDescriptor<C>, stored: StoredCredential): C {
  return openWithSecrets(secrets, provider, stored).credentials;
}

/**
 * Credentials opened recently, by their sealed text: every send and every webhook opens its
 * assistant's, and decrypting costs more than the rest of a webhook's check. A change of
 * credentials seals them anew (a fresh nonce), so an entry never outlives the value it holds.
 */
const opened = new WeakMap<SecretBox, ExpiringCache<{ credentials: unknown; secretValues: string[] }>>();

/** The same, with the values of its secret fields (to keep them out of provider error texts). */
export function openWithSecrets<C>(secrets: SecretBox, provider: ProviderDescriptor<C>, stored: StoredCredential): { credentials: C; secretValues: string[] } {
  let cache = opened.get(secrets);
  if (!cache) opened.set(secrets, (cache = new ExpiringCache(60_000, 1000)));
  const key = `${provider.name}|${stored.sealed}`;
  const hit = cache.get(key);
  if (hit) return hit as { credentials: C; secretValues: string[] };
  const result = openFresh(secrets, provider, stored);
  cache.set(key, result);
  return result;
}

function openFresh<C>(secrets: SecretBox, provider: ProviderDescriptor<C>, stored: StoredCredential): { credentials: C; secretValues: string[] } {
  const value = secrets.openJson<unknown>(stored.sealed);
  if (!hasFields(provider.credentials, value)) throw new Error(`stored ${provider.name} credentials lack a required field`);
  const fields: Readonly<Record<string, { secret?: boolean }>> = provider.credentials.fields;
  const record: Readonly<Record<string, unknown>> = value;
  const secretValues = Object.entries(fields).flatMap(([name, field]) => (field.secret && typeof record[name] === 'string' ? [record[name]] : []));
  return { credentials: value, secretValues };
}

function hasFields<C>(schema: CredentialSchema<C>, value: unknown): value is C & Readonly<Record<string, unknown>> {
  if (typeof value !== 'object' || value === null) return false;
  const fields: Readonly<Record<string, { required: boolean }>> = schema.fields;
  const record = value as Record<string, unknown>;
  return Object.entries(fields).every(([name, field]) => (field.required ? typeof record[name] === 'string' : record[name] === undefined || typeof record[name] === 'string'));
}

/**
 * The configs given on createAssistant/updateAssistant, each checked against its provider's
 * fields and sealed: provider → sealed JSON, or null to remove. A provider not mentioned is
 * left out. Throws INVALID_INPUT naming the field, before anything is written.
 */
export function sealCredentialInputs(services: Services, configs: Readonly<Record<ProviderName, CredentialInput | null | undefined>>): Map<ProviderName, string | null> {
  const sealed = new Map<ProviderName, string | null>();
  for (const [name, config] of Object.entries(configs)) {
    if (config === undefined) continue;
    sealed.set(name, config === null ? null : services.secrets.sealJson(checkCredentialInput(providerNamed(name), config)));
  }
  return sealed;
}

function checkCredentialInput(provider: ProviderDescriptor, config: CredentialInput): Record<string, string> {
  const { inputField } = provider.credentials;
  const fields: Readonly<Record<string, { required: boolean; check?(value: string): string | null }>> = provider.credentials.fields;
  const clean: Record<string, string> = {};
  for (const [name, field] of Object.entries(fields)) {
    const value = config[name];
    if (typeof value !== 'string' || value.trim() === '') {
      if (field.required) throw new SwitchboardError('INVALID_INPUT', `${inputField}.${name} is required`, `${inputField}.${name}`);
      continue; // Empty optional values are not kept.
    }
    const complaint = field.check?.(value);
    if (complaint) throw new SwitchboardError('INVALID_INPUT', `${inputField}.${name} ${complaint}`, `${inputField}.${name}`);
    clean[name] = value;
  }
  return clean;
}

/** The nested writes of an assistant's create: a row per provider given. */
export function credentialsCreate(organizationId: string, sealed: Map<ProviderName, string | null>) {
  return { create: [...sealed].flatMap(([provider, value]) => (value === null ? [] : [{ organizationId, provider, sealed: value }])) };
}

/** The nested writes of an assistant's update: a row per provider given, none for a removed one. */
export function credentialsUpdate(assistant: Pick<Assistant, 'id' | 'organizationId'>, sealed: Map<ProviderName, string | null>) {
  const removed = [...sealed].filter(([, value]) => value === null).map(([provider]) => provider);
  return {
    ...(removed.length > 0 && { deleteMany: { provider: { in: removed } } }),
    upsert: [...sealed].flatMap(([provider, value]) =>
      value === null
        ? []
        : [
            {
              where: { assistantId_provider: { assistantId: assistant.id, provider } },
              create: { organizationId: assistant.organizationId, provider, sealed: value },
              update: { sealed: value },
            },
          ],
    ),
  };
}
