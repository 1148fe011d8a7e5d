import { createHash } from 'node:crypto';
import type { Services } from '../services';
import { notFound, SwitchboardError } from '../errors';
import { randomToken, sameSecret } from '../security/secrets';
import type { ExpiringCache } from '../lib/expiring-cache';
import type { MessageSender } from '../messaging/intake';
import { formatScopes, parseScopes, type ApiKeyScope } from './scopes';
import { agentOf } from './agents';

/**
 * Who is calling: an organization's API key (its scopes, and the agent it belongs to, if any),
 * or the operator with ADMIN_TOKEN. Resolved once per request (and per WebSocket connection).
 */
export type Caller = KeyCaller | { kind: 'admin' };
export interface KeyCaller {
  kind: 'organization';
  organizationId: string;
  apiKeyId: string;
  apiKeyName: string;
  scopes: ApiKeyScope[];
  agentId: string | null;
}

/** Who an outbound message is recorded as sent by: an agent's key, or the assistant's backend (a key with no agent). */
export function senderOf(caller: KeyCaller): MessageSender {
  return { kind: caller.agentId ? 'AGENT' : 'ASSISTANT', agentId: caller.agentId, apiKeyId: caller.apiKeyId };
}

const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');

/**
 * Recently seen keys (by hash), so a burst of requests does not read the key table once per
 * request: Services.apiKeys. A revocation clears this instance's cache at once; other
 * instances notice within API_KEY_TTL_MS.
 */
export const API_KEY_TTL_MS = 5_000;
export type ApiKeyCache = ExpiringCache<Caller | null>;

export async function createOrganization(services: Services, name: string) {
  const trimmed = name?.trim();
  if (!trimmed) throw new SwitchboardError('INVALID_INPUT', 'name must not be empty', 'name');
  const organization = await services.db.organization.create({ data: { name: trimmed } });
  const { apiKey } = await createApiKey(services, organization.id, { name: 'default' });
  return { organization, apiKey };
}

export interface NewApiKey {
  name: string;
  /** ADMIN when left out. */
  scopes?: readonly ApiKeyScope[] | null;
  /** The agent the key belongs to: its sends and takeovers are that agent's. */
  agentId?: string | null;
}

export async function createApiKey(services: Services, organizationId: string, input: NewApiKey) {
  const scopes = formatScopes(input.scopes);
  const agentId = input.agentId ? (await agentOf(services, organizationId, input.agentId)).id : null;
  const apiKey = randomToken('sk_live_');
  const row = await services.db.apiKey.create({
    data: { organizationId, name: input.name?.trim() || 'unnamed', keyHash: hashKey(apiKey), prefix: apiKey.slice(0, 12), scopes, agentId },
  });
  return { apiKey, apiKeyId: row.id };
}

export async function revokeApiKey(services: Services, organizationId: string, apiKeyId: string) {
  const { count } = await services.db.apiKey.updateMany({
    where: { id: apiKeyId, organizationId, revokedAt: null },
    data: { revokedAt: new Date() },
  });
  if (count === 0) throw notFound('API key');
  services.apiKeys.clear();
  return services.db.apiKey.findUniqueOrThrow({ where: { id: apiKeyId } });
}

/** Resolves an `Authorization` header to a caller, or null when it names no live key. */
export async function authenticate(services: Services, authorization: string | null | undefined): Promise<Caller | null> {
  const token = /^Bearer\s+(.+)$/i.exec(authorization?.trim() ?? '')?.[1]?.trim();
  if (!token) return null;
  if (services.config.adminToken && sameSecret(token, services.config.adminToken)) return { kind: 'admin' };
  const hash = hashKey(token);
  return services.apiKeys.load(hash, async () => {
    const key = await services.db.apiKey.findUnique({ where: { keyHash: hash } });
    return key && !key.revokedAt
      ? { kind: 'organization', organizationId: key.organizationId, apiKeyId: key.id, apiKeyName: key.name, scopes: parseScopes(key.scopes), agentId: key.agentId }
      : null;
  });
}

