import { builder } from '../builder';
import { keyCaller } from '../context';
import { decodeId } from '../ids';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { createApiKey, createOrganization, revokeApiKey } from '../../tenancy/api-keys';
import type { ApiKey, Organization } from '../../db/client';
import { parseScopes } from '../../tenancy/scopes';
import { loadAgent } from '../loaders';
import { unreadConversations } from '../../console/conversation-list';
import { AgentNode } from './agent';
import { updateOrganizationSettings } from '../../tenancy/organization-settings';

export const InFlightPolicyEnum = builder.enumType('InFlightPolicy', {
  description:
    'What becomes of a message whose provider call was under way when the instance sending it stopped (a crash), when its provider cannot say whether it took it.',
  values: {
    RESEND: { description: 'Send it again: at least once (a duplicate when the provider had taken it). The default.' },
    FAIL: { description: 'End it FAILED with errorCode DELIVERY_UNKNOWN: at most once.' },
  } as const,
});

export const ApiKeyScopeEnum = builder.enumType('ApiKeyScope', {
  description: 'What a key may do. Each includes the ones below it.',
  values: {
    ADMIN: { description: 'Everything in the organization.' },
    AGENT: { description: 'Read threads and messages, send, take over and hand back, mark read, assign.' },
    READ_ONLY: { description: 'Read only.' },
  } as const,
});

export const OrganizationNode = builder.prismaNode('Organization', {
  id: { field: 'id' },
  nullable: true,
  // Only the caller's own organization exists for it.
  findUnique: (id, ctx) => ({ id: id === ctx.organizationId ? id : '' }),
  fields: (t) => ({
    name: t.exposeString('name'),
    inFlightPolicy: t.expose('inFlightPolicy', {
      type: InFlightPolicyEnum,
      description:
        'For messages in flight at a crash: Twilio is asked first (a message it lists as taken ends SENT); otherwise, and for Telnyx and Vonage, this decides.',
    }),
    requireOptIn: t.exposeBoolean('requireOptIn', {
      description: 'Sends to customers without an opt-in are refused (CONSENT_REQUIRED), except replies within consentReplyWindowMinutes of their last message.',
    }),
    consentReplyWindowMinutes: t.exposeInt('consentReplyWindowMinutes'),
    enforceRegistration: t.exposeBoolean('enforceRegistration', {
      description: 'US and Canadian long codes and toll-free numbers send only once their registrationStatus is APPROVED (SENDER_NOT_REGISTERED).',
    }),
    unreadConversations: t.int({
      description: 'Open (unarchived) threads with unread inbound messages.',
      resolve: (organization, _args, ctx) => unreadConversations(ctx.services, organization.id),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

export const ApiKeyNode = builder.prismaNode('ApiKey', {
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, ctx) => ({ id, organizationId: ctx.organizationId }),
  fields: (t) => ({
    name: t.exposeString('name'),
    prefix: t.exposeString('prefix', { description: 'The first characters of the key, to tell keys apart. The key itself is shown once.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
    scopes: t.field({ type: [ApiKeyScopeEnum], select: { scopes: true }, resolve: (key) => parseScopes(key.scopes) }),
    agent: t.field({
      type: AgentNode,
      nullable: true,
      description: 'The agent the key belongs to: its sends and takeovers are that agent\'s.',
      select: { agentId: true },
      resolve: (key, _args, ctx) => loadAgent(ctx, key.agentId),
    }),
  }),
});

const Viewer = builder.objectRef<{ apiKeyId: string }>('Viewer').implement({
  description: 'The calling API key and its organization.',
  fields: (t) => ({
    apiKey: t.prismaField({
      type: 'ApiKey',
      resolve: (query, viewer, _args, ctx) => ctx.services.db.apiKey.findFirstOrThrow({ ...query, where: { id: viewer.apiKeyId, organizationId: ctx.organizationId } }),
    }),
    organization: t.prismaField({
      type: 'Organization',
      resolve: (query, _viewer, _args, ctx) => ctx.services.db.organization.findUniqueOrThrow({ ...query, where: { id: ctx.organizationId } }),
    }),
  }),
});

builder.queryFields((t) => ({
  organization: t.prismaField({
    authScopes: { key: 'READ_ONLY' },
    type: 'Organization',
    description: "The API key's organization.",
    resolve: (query, _root, _args, ctx) =>
      ctx.services.db.organization.findUniqueOrThrow({ ...query, where: { id: ctx.organizationId } }),
  }),
  viewer: t.field({
    type: Viewer,
    authScopes: { key: 'READ_ONLY' },
    description: 'The calling key (its name, scopes and agent) and its organization.',
    resolve: (_root, _args, ctx) => ({ apiKeyId: keyCaller(ctx).apiKeyId }),
  }),
  apiKeys: t.prismaField({
    authScopes: { key: 'ADMIN' },
    type: ['ApiKey'],
    resolve: (query, _root, _args, ctx) =>
      ctx.services.db.apiKey.findMany({ ...query, where: { organizationId: ctx.organizationId }, orderBy: { createdAt: 'asc' } }),
  }),
}));

const CreateOrganizationInput = builder.inputType('CreateOrganizationInput', {
  fields: (t) => ({ name: t.string({ required: true }) }),
});
const CreateOrganizationPayload = builder.objectRef<{ organization: Organization; apiKey: string }>('CreateOrganizationPayload').implement({
  fields: (t) => ({
    organization: t.field({ type: OrganizationNode, resolve: (p) => p.organization }),
    apiKey: t.exposeString('apiKey', { description: 'The plaintext key, shown this once.' }),
  }),
});

const CreateApiKeyInput = builder.inputType('CreateApiKeyInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    scopes: t.field({ type: [ApiKeyScopeEnum], description: 'ADMIN when left out.' }),
    agentId: t.id({ description: 'The agent the key belongs to (createAgent).' }),
  }),
});
const CreateApiKeyPayload = builder.objectRef<{ apiKey: string; apiKeyId: string }>('CreateApiKeyPayload').implement({
  fields: (t) => ({
    apiKey: t.exposeString('apiKey', { description: 'The plaintext key, shown this once.' }),
    apiKeyId: t.exposeID('apiKeyId'),
  }),
});
const RevokeApiKeyPayload = builder.objectRef<{ apiKey: ApiKey }>('RevokeApiKeyPayload').implement({
  fields: (t) => ({ apiKey: t.field({ type: ApiKeyNode, resolve: (p) => p.apiKey }) }),
});

const UpdateOrganizationSettingsInput = builder.inputType('UpdateOrganizationSettingsInput', {
  fields: (t) => ({
    inFlightPolicy: t.field({ type: InFlightPolicyEnum, required: false }),
    requireOptIn: t.boolean({ required: false }),
    consentReplyWindowMinutes: t.int({ required: false, description: '0 to 43200 (30 days); 1440 by default.' }),
    enforceRegistration: t.boolean({ required: false }),
  }),
});
const UpdateOrganizationSettingsPayload = builder.objectRef<{ organization: Organization }>('UpdateOrganizationSettingsPayload').implement({
  fields: (t) => ({ organization: t.field({ type: OrganizationNode, resolve: (p) => p.organization }) }),
});

builder.mutationFields((t) => ({
  updateOrganizationSettings: t.field({
    authScopes: { key: 'ADMIN' },
    type: UpdateOrganizationSettingsPayload,
    errors: {},
    description: "Changes the API key's organization's settings; fields left out keep their value.",
    args: { input: t.arg({ type: UpdateOrganizationSettingsInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({
      organization: await updateOrganizationSettings(ctx.services, ctx.organizationId, {
        inFlightPolicy: input.inFlightPolicy ?? undefined,
        requireOptIn: input.requireOptIn ?? undefined,
        consentReplyWindowMinutes: input.consentReplyWindowMinutes ?? undefined,
        enforceRegistration: input.enforceRegistration ?? undefined,
      }),
    }),
  }),
  createOrganization: t.field({
    authScopes: { operator: true },
    type: CreateOrganizationPayload,
    errors: {},
    description: 'Admin only (Authorization: Bearer ADMIN_TOKEN): a new organization and its first API key.',
    args: { input: t.arg({ type: CreateOrganizationInput, required: true }) },
    resolve: (_root, { input }, ctx) => createOrganization(ctx.services, input.name),
  }),
  createApiKey: t.field({
    authScopes: { key: 'ADMIN' },
    type: CreateApiKeyPayload,
    errors: {},
    args: { input: t.arg({ type: CreateApiKeyInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const { apiKey, apiKeyId } = await createApiKey(ctx.services, ctx.organizationId, {
        name: input.name,
        scopes: input.scopes,
        agentId: input.agentId ? decodeId('Agent', input.agentId) : null,
      });
      return { apiKey, apiKeyId: encodeGlobalID('ApiKey', apiKeyId) };
    },
  }),
  revokeApiKey: t.field({
    authScopes: { key: 'ADMIN' },
    type: RevokeApiKeyPayload,
    errors: {},
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => ({
      apiKey: await revokeApiKey(ctx.services, ctx.organizationId, decodeId('ApiKey', id)),
    }),
  }),
}));
