import { builder } from '../builder';
import { decodeId, idOrNone } from '../ids';
import type { Assistant, PhoneNumber } from '../../db/client';
import { configuredProviders, createAssistant, rotateWebhookSecret, updateAssistant } from '../../assistants/assistants';
import { addPhoneNumber, assignPhoneNumber, updatePhoneNumber } from '../../assistants/phone-numbers';
import { ProviderEnum } from './enums';
import { webhookEventsOf } from '../../webhooks/assistant-events';
import { effectiveRate } from '../../queue/pacing';
import { senderQueue, type SenderQueue } from '../../queue/sender-queue';

const WebhookEventKindEnum = builder.enumType('WebhookEventKind', {
  description: 'An event an assistant can receive at its smsWebhookUrl (the JSON body\'s "type"), each signed and retried alike.',
  values: {
    SMS_RECEIVED: { value: 'sms_received', description: 'An inbound message (not while a person handles its thread).' },
    SMS_STATUS: { value: 'sms_status', description: 'A delivery status of an outbound message: sent, delivered, undelivered or failed, with the provider\'s error code.' },
    CONVERSATION_MODE: { value: 'conversation_mode', description: 'A thread taken over by a person or handed back (by hand or automatically).' },
  } as const,
});

export const AssistantNode = builder.prismaNode('Assistant', {
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, ctx) => ({ id, organizationId: ctx.organizationId }),
  fields: (t) => ({
    name: t.exposeString('name'),
    smsWebhookUrl: t.exposeString('smsWebhookUrl', { nullable: true }),
    configuredProviders: t.field({
      type: [ProviderEnum],
      description: 'Providers this assistant has credentials for. Credentials themselves are write-only.',
      select: { twilioConfigSealed: true, telnyxConfigSealed: true, vonageConfigSealed: true },
      resolve: (assistant) => configuredProviders(assistant as Assistant),
    }),
    webhookEvents: t.field({
      type: [WebhookEventKindEnum],
      description: 'The events POSTed to smsWebhookUrl.',
      select: { webhookEvents: true },
      resolve: (assistant) => webhookEventsOf(assistant),
    }),
    phoneNumbers: t.relation('phoneNumbers', { query: { orderBy: { createdAt: 'asc' } } }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const SenderQueueType = builder.objectRef<SenderQueue>('SenderQueue').implement({
  fields: (t) => ({
    waiting: t.exposeInt('waiting', { description: 'Messages waiting to be handed to the provider.' }),
    scheduled: t.exposeInt('scheduled', { description: 'Messages scheduled for later.' }),
    expectedWaitSeconds: t.exposeFloat('expectedWaitSeconds', { description: "How long a message sent now would wait for its slot at this sender's rate." }),
  }),
});

export const PhoneNumberNode = builder.prismaNode('PhoneNumber', {
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, ctx) => ({ id, organizationId: ctx.organizationId }),
  fields: (t) => ({
    phoneNumber: t.exposeString('phoneNumber', { description: 'E.164' }),
    provider: t.expose('provider', { type: ProviderEnum }),
    assistant: t.relation('assistant', { nullable: true }),
    messagesPerSecond: t.exposeFloat('messagesPerSecond', {
      nullable: true,
      description: "This sender's dispatch rate as set; null = the default for its number type.",
    }),
    effectiveMessagesPerSecond: t.float({
      description: 'The rate the queue paces this sender at, across all instances: messagesPerSecond, or the default for its number type (1/s US/Canada long code, 3/s toll-free, 10/s elsewhere).',
      select: { phoneNumber: true, provider: true, messagesPerSecond: true },
      resolve: (number, _args, ctx) => effectiveRate(number, ctx.services.config.queue.defaultMessagesPerSecond),
    }),
    queue: t.field({
      type: SenderQueueType,
      description: "This sender's backlog in the send queue.",
      resolve: (number, _args, ctx) => senderQueue(ctx.services, number as PhoneNumber),
    }),
    ownershipVerifiedAt: t.expose('ownershipVerifiedAt', {
      type: 'DateTime',
      nullable: true,
      description: "When the provider confirmed that the assistant's account owns this number; null when it was added without the check (VERIFY_NUMBER_OWNERSHIP=false).",
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const TwilioConfigInput = builder.inputType('TwilioConfigInput', {
  fields: (t) => ({
    accountSid: t.string({ required: true }),
    authToken: t.string({ required: true }),
    messagingServiceSid: t.string(),
  }),
});
const TelnyxConfigInput = builder.inputType('TelnyxConfigInput', {
  fields: (t) => ({
    apiKey: t.string({ required: true }),
    publicKey: t.string({ required: true, description: 'The Telnyx webhook public key (base64 Ed25519), used to verify webhooks.' }),
    messagingProfileId: t.string(),
  }),
});
const VonageConfigInput = builder.inputType('VonageConfigInput', {
  fields: (t) => ({
    apiKey: t.string({ required: true }),
    apiSecret: t.string({ required: true }),
    applicationId: t.string(),
    privateKey: t.string(),
    signatureSecret: t.string({ required: true, description: "Verifies Vonage's signed webhooks (HS256 JWT)." }),
  }),
});

const CreateAssistantInput = builder.inputType('CreateAssistantInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    smsWebhookUrl: t.string({ description: 'Where inbound messages are forwarded: https (http only for localhost outside production).' }),
    webhookEvents: t.field({ type: [WebhookEventKindEnum], description: 'The events POSTed to smsWebhookUrl; [SMS_RECEIVED] when left out.' }),
    twilioConfig: t.field({ type: TwilioConfigInput }),
    telnyxConfig: t.field({ type: TelnyxConfigInput }),
    vonageConfig: t.field({ type: VonageConfigInput }),
  }),
});
const UpdateAssistantInput = builder.inputType('UpdateAssistantInput', {
  description: 'Fields left out stay as they are; a provider config set to null is removed.',
  fields: (t) => ({
    id: t.id({ required: true }),
    name: t.string(),
    smsWebhookUrl: t.string({ description: 'Where inbound messages are forwarded: https (http only for localhost outside production).' }),
    webhookEvents: t.field({ type: [WebhookEventKindEnum], description: 'The events POSTed to smsWebhookUrl.' }),
    twilioConfig: t.field({ type: TwilioConfigInput }),
    telnyxConfig: t.field({ type: TelnyxConfigInput }),
    vonageConfig: t.field({ type: VonageConfigInput }),
  }),
});

const CreateAssistantPayload = builder.objectRef<{ assistant: Assistant; webhookSecret: string }>('CreateAssistantPayload').implement({
  fields: (t) => ({
    assistant: t.field({ type: AssistantNode, resolve: (p) => p.assistant }),
    webhookSecret: t.exposeString('webhookSecret', {
      description: 'Verifies X-Switchboard-Signature on forwarded messages. Shown this once; rotateWebhookSecret makes a new one.',
    }),
  }),
});
const UpdateAssistantPayload = builder.objectRef<{ assistant: Assistant }>('UpdateAssistantPayload').implement({
  fields: (t) => ({ assistant: t.field({ type: AssistantNode, resolve: (p) => p.assistant }) }),
});
const RotateWebhookSecretPayload = builder.objectRef<{ assistant: Assistant; secret: string }>('RotateWebhookSecretPayload').implement({
  fields: (t) => ({
    assistant: t.field({ type: AssistantNode, resolve: (p) => p.assistant }),
    secret: t.exposeString('secret', { description: 'The new webhook secret, shown this once.' }),
  }),
});

const AddPhoneNumberInput = builder.inputType('AddPhoneNumberInput', {
  fields: (t) => ({
    phoneNumber: t.string({ required: true, description: 'E.164, e.g. +14155552671' }),
    provider: t.field({ type: ProviderEnum, required: true }),
    assistantId: t.id(),
    messagesPerSecond: t.float(),
  }),
});
const UpdatePhoneNumberInput = builder.inputType('UpdatePhoneNumberInput', {
  fields: (t) => ({ id: t.id({ required: true }), messagesPerSecond: t.float() }),
});
const AssignPhoneNumberInput = builder.inputType('AssignPhoneNumberInput', {
  fields: (t) => ({ phoneNumberId: t.id({ required: true }), assistantId: t.id({ required: true }) }),
});
const phoneNumberPayload = (name: string) =>
  builder.objectRef<{ phoneNumber: PhoneNumber }>(name).implement({
    fields: (t) => ({ phoneNumber: t.field({ type: PhoneNumberNode, resolve: (p) => p.phoneNumber }) }),
  });
const AddPhoneNumberPayload = phoneNumberPayload('AddPhoneNumberPayload');
const UpdatePhoneNumberPayload = phoneNumberPayload('UpdatePhoneNumberPayload');
const AssignPhoneNumberPayload = phoneNumberPayload('AssignPhoneNumberPayload');

builder.queryFields((t) => ({
  assistants: t.prismaConnection({
    authScopes: { key: 'READ_ONLY' },
    type: 'Assistant',
    cursor: 'id',
    resolve: (query, _root, _args, ctx) =>
      ctx.services.db.assistant.findMany({ ...query, where: { organizationId: ctx.organizationId }, orderBy: { createdAt: 'asc' } }),
  }, { name: 'AssistantConnection' }, { name: 'AssistantEdge' }),
  assistant: t.prismaField({
    authScopes: { key: 'READ_ONLY' },
    type: 'Assistant',
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, { id }, ctx) =>
      ctx.services.db.assistant.findFirst({ ...query, where: { id: idOrNone('Assistant', id), organizationId: ctx.organizationId } }),
  }),
  phoneNumbers: t.prismaConnection({
    authScopes: { key: 'READ_ONLY' },
    type: 'PhoneNumber',
    cursor: 'id',
    resolve: (query, _root, _args, ctx) =>
      ctx.services.db.phoneNumber.findMany({ ...query, where: { organizationId: ctx.organizationId }, orderBy: { createdAt: 'asc' } }),
  }, { name: 'PhoneNumberConnection' }, { name: 'PhoneNumberEdge' }),
}));

builder.mutationFields((t) => ({
  createAssistant: t.field({
    authScopes: { key: 'ADMIN' },
    type: CreateAssistantPayload,
    errors: {},
    args: { input: t.arg({ type: CreateAssistantInput, required: true }) },
    resolve: (_root, { input }, ctx) => createAssistant(ctx.services, ctx.organizationId, input),
  }),
  updateAssistant: t.field({
    authScopes: { key: 'ADMIN' },
    type: UpdateAssistantPayload,
    errors: {},
    args: { input: t.arg({ type: UpdateAssistantInput, required: true }) },
    resolve: async (_root, { input: { id, ...input } }, ctx) => ({
      assistant: await updateAssistant(ctx.services, ctx.organizationId, decodeId('Assistant', id), input),
    }),
  }),
  rotateWebhookSecret: t.field({
    authScopes: { key: 'ADMIN' },
    type: RotateWebhookSecretPayload,
    errors: {},
    args: { assistantId: t.arg.id({ required: true }) },
    resolve: (_root, { assistantId }, ctx) => rotateWebhookSecret(ctx.services, ctx.organizationId, decodeId('Assistant', assistantId)),
  }),
  addPhoneNumber: t.field({
    authScopes: { key: 'ADMIN' },
    type: AddPhoneNumberPayload,
    errors: {},
    args: { input: t.arg({ type: AddPhoneNumberInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({
      phoneNumber: await addPhoneNumber(ctx.services, ctx.organizationId, {
        ...input,
        assistantId: input.assistantId ? decodeId('Assistant', input.assistantId) : null,
      }),
    }),
  }),
  updatePhoneNumber: t.field({
    authScopes: { key: 'ADMIN' },
    type: UpdatePhoneNumberPayload,
    errors: {},
    args: { input: t.arg({ type: UpdatePhoneNumberInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({
      phoneNumber: await updatePhoneNumber(ctx.services, ctx.organizationId, decodeId('PhoneNumber', input.id), input),
    }),
  }),
  assignPhoneNumber: t.field({
    authScopes: { key: 'ADMIN' },
    type: AssignPhoneNumberPayload,
    errors: {},
    args: { input: t.arg({ type: AssignPhoneNumberInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({
      phoneNumber: await assignPhoneNumber(
        ctx.services,
        ctx.organizationId,
        decodeId('PhoneNumber', input.phoneNumberId),
        decodeId('Assistant', input.assistantId),
      ),
    }),
  }),
}));
