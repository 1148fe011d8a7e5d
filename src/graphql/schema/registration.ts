import { builder } from '../builder';
import { decodeId, idOrNone } from '../ids';
import { loadNumbersOfRegistration, loadRegistration } from '../loaders';
import { RegistrationKind, RegistrationStatus, type PhoneNumber, type SenderRegistration } from '../../db/client';
import {
  attachPhoneNumbersToRegistration,
  importSenderRegistration,
  markPhoneNumberRegistered,
  submitBrandRegistration,
  submitCampaignRegistration,
  submitTollFreeVerification,
  syncPendingRegistrations,
  syncPhoneNumberRegistration,
  syncSenderRegistration,
} from '../../compliance/registration';
import { ProviderEnum } from './enums';
import { PhoneNumberNode } from './assistant';

export const RegistrationStatusEnum = builder.enumType(RegistrationStatus, {
  name: 'RegistrationStatus',
  description: "Where a sender stands with the carriers' registration (10DLC campaign or toll-free verification).",
});
const RegistrationKindEnum = builder.enumType(RegistrationKind, {
  name: 'RegistrationKind',
  description: 'BRAND: a 10DLC brand, the business behind the messages. CAMPAIGN: a 10DLC campaign of a brand, the use case long-code numbers are attached to. TOLL_FREE_VERIFICATION: a toll-free number\'s verification.',
});

interface OptInEvidence {
  messageFlow?: string | null;
  type?: string | null;
  description?: string | null;
  imageUrls?: string[] | null;
  optInMessage?: string | null;
  optOutMessage?: string | null;
  helpMessage?: string | null;
  optInKeywords?: string[] | null;
}

const OptInEvidenceType = builder.objectRef<OptInEvidence>('OptInEvidence').implement({
  description: 'How recipients opt in, as submitted.',
  fields: (t) => ({
    messageFlow: t.string({ nullable: true, description: 'Campaigns: how a recipient comes to receive messages.', resolve: (e) => e.messageFlow ?? null }),
    type: t.string({ nullable: true, description: 'Toll-free: VERBAL, WEB_FORM, PAPER_FORM, VIA_TEXT or MOBILE_QR_CODE.', resolve: (e) => e.type ?? null }),
    description: t.string({ nullable: true, resolve: (e) => e.description ?? null }),
    imageUrls: t.stringList({ resolve: (e) => e.imageUrls ?? [] }),
    optInMessage: t.string({ nullable: true, resolve: (e) => e.optInMessage ?? null }),
    optOutMessage: t.string({ nullable: true, resolve: (e) => e.optOutMessage ?? null }),
    helpMessage: t.string({ nullable: true, resolve: (e) => e.helpMessage ?? null }),
    optInKeywords: t.stringList({ resolve: (e) => e.optInKeywords ?? [] }),
  }),
});

// Fields read scalars of their parent without `select`: the nodes load every scalar, and rows
// handed over by the batched look-ups below are whole rows (a `select` would make Pothos fetch
// each of them again).
export const SenderRegistrationNode = builder.prismaNode('SenderRegistration', {
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, ctx) => ({ id, organizationId: ctx.organizationId }),
  description: "A 10DLC brand, a 10DLC campaign or a toll-free verification at a provider, kept in step with the provider's answer.",
  fields: (t) => ({
    provider: t.expose('provider', { type: ProviderEnum }),
    kind: t.expose('kind', { type: RegistrationKindEnum }),
    providerId: t.exposeString('providerId', {
      nullable: true,
      description: "The provider's id: Twilio BN…/QE…/HH… sid, Telnyx brand/campaign/verification id, Vonage brand/campaign id.",
    }),
    status: t.expose('status', { type: RegistrationStatusEnum }),
    providerStatus: t.exposeString('providerStatus', { nullable: true, description: "The provider's own word for the status." }),
    failureReason: t.exposeString('failureReason', { nullable: true, description: 'Why the provider refused it, when it did.' }),
    useCase: t.exposeString('useCase', { nullable: true }),
    description: t.exposeString('description', { nullable: true }),
    sampleMessages: t.stringList({ resolve: (r) => JSON.parse(r.sampleMessages) as string[] }),
    optInEvidence: t.field({
      type: OptInEvidenceType,
      nullable: true,
      resolve: (r) => (r.optInEvidence ? (JSON.parse(r.optInEvidence) as OptInEvidence) : null),
    }),
    messagingServiceSid: t.exposeString('messagingServiceSid', { nullable: true, description: 'Twilio campaigns: the Messaging Service holding the campaign and its numbers.' }),
    brand: t.relation('brandRegistration', { nullable: true, description: 'Campaigns: the brand they belong to.' }),
    campaigns: t.relation('campaigns', { description: 'Brands: their campaigns.', query: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] } }),
    phoneNumbers: t.field({
      type: [PhoneNumberNode],
      description: 'The numbers attached to this campaign or verification.',
      resolve: (r, _args, ctx) => loadNumbersOfRegistration(ctx, r.id),
    }),
    assistant: t.relation('assistant', { nullable: true, description: 'Whose provider credentials submit and read it.' }),
    providerResponse: t.exposeString('providerResponse', { nullable: true, description: "The provider's last answer as JSON, credentials stripped." }),
    lastSyncedAt: t.expose('lastSyncedAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

builder.prismaObjectFields('PhoneNumber', (t) => ({
  registrationStatus: t.expose('registrationStatus', {
    type: RegistrationStatusEnum,
    description: 'Its standing with the carriers; with enforceRegistration on, a US/Canada number sends only once APPROVED.',
  }),
  registrationUseCase: t.exposeString('registrationUseCase', { nullable: true, description: 'The use case it is registered for.' }),
  registration: t.field({
    type: SenderRegistrationNode,
    nullable: true,
    description: 'The campaign or toll-free verification it is attached to; null when none (or when marked registered by hand).',
    resolve: (n, _args, ctx) => loadRegistration(ctx, n.registrationId),
  }),
}));

const BusinessInput = builder.inputType('RegistrationBusinessInput', {
  description: 'The business behind the messages, as the carriers\' registries ask for it.',
  fields: (t) => ({
    entityType: t.string({ description: 'PRIVATE_PROFIT, PUBLIC_PROFIT, NON_PROFIT, GOVERNMENT or SOLE_PROPRIETOR' }),
    displayName: t.string(),
    companyName: t.string({ description: 'Legal name.' }),
    ein: t.string({ description: 'Tax id (EIN in the US).' }),
    email: t.string(),
    phone: t.string({ description: 'E.164' }),
    street: t.string(),
    city: t.string(),
    state: t.string({ description: 'Two letters in the US.' }),
    postalCode: t.string(),
    country: t.string({ description: 'ISO 3166 alpha-2; default US.' }),
    website: t.string(),
    vertical: t.string({ description: 'TECHNOLOGY, RETAIL, HEALTHCARE…' }),
    stockSymbol: t.string(),
    stockExchange: t.string(),
  }),
});

const TwilioBrandInput = builder.inputType('TwilioBrandInput', {
  description: 'Twilio keeps the business details in Trust Hub bundles made beforehand; the brand names them.',
  fields: (t) => ({
    customerProfileBundleSid: t.string({ required: true }),
    a2pProfileBundleSid: t.string({ required: true }),
    brandType: t.string({ description: 'STANDARD (default) or SOLE_PROPRIETOR' }),
  }),
});

const SubmitBrandRegistrationInput = builder.inputType('SubmitBrandRegistrationInput', {
  fields: (t) => ({
    assistantId: t.id({ required: true, description: 'Whose provider credentials register it.' }),
    provider: t.field({ type: ProviderEnum, required: true }),
    business: t.field({ type: BusinessInput, description: 'Required at Telnyx and Vonage.' }),
    twilio: t.field({ type: TwilioBrandInput, description: 'Required at Twilio.' }),
  }),
});

const SubmitCampaignRegistrationInput = builder.inputType('SubmitCampaignRegistrationInput', {
  fields: (t) => ({
    brandRegistrationId: t.id({ required: true }),
    useCase: t.string({ required: true, description: 'CUSTOMER_CARE, ACCOUNT_NOTIFICATION, 2FA, MIXED, MARKETING…' }),
    description: t.string({ required: true }),
    sampleMessages: t.stringList({ required: true, description: '1 to 5 messages as they will be sent.' }),
    messageFlow: t.string({ required: true, description: 'Opt-in evidence: how a recipient comes to receive these messages.' }),
    optInMessage: t.string(),
    optOutMessage: t.string(),
    helpMessage: t.string(),
    optInKeywords: t.stringList(),
    hasEmbeddedLinks: t.boolean(),
    hasEmbeddedPhone: t.boolean(),
    vertical: t.string(),
    messagingServiceSid: t.string({ description: "Twilio: the Messaging Service to hold the campaign (default: the assistant's, else a new one)." }),
    phoneNumberIds: t.idList({ description: 'US/Canada long-code numbers to attach.' }),
  }),
});

const TollFreeContactInput = builder.inputType('TollFreeContactInput', {
  fields: (t) => ({
    firstName: t.string({ required: true }),
    lastName: t.string({ required: true }),
    email: t.string({ required: true }),
    phone: t.string({ required: true }),
  }),
});
const OptInEvidenceInput = builder.inputType('OptInEvidenceInput', {
  fields: (t) => ({
    type: t.string({ required: true, description: 'VERBAL, WEB_FORM, PAPER_FORM, VIA_TEXT or MOBILE_QR_CODE' }),
    description: t.string({ required: true }),
    imageUrls: t.stringList({ required: true, description: 'https URLs showing the opt-in.' }),
  }),
});
const SubmitTollFreeVerificationInput = builder.inputType('SubmitTollFreeVerificationInput', {
  fields: (t) => ({
    phoneNumberId: t.id({ required: true }),
    business: t.field({ type: BusinessInput, required: true }),
    contact: t.field({ type: TollFreeContactInput, required: true }),
    notificationEmail: t.string({ required: true }),
    useCaseCategories: t.stringList({ required: true, description: '"Account Notifications", "2FA", "Customer Care"…' }),
    useCaseSummary: t.string({ required: true }),
    sampleMessages: t.stringList({ required: true }),
    optIn: t.field({ type: OptInEvidenceInput, required: true }),
    messageVolume: t.string({ required: true, description: 'Monthly volume as the providers spell it: "1,000", "10,000"…' }),
    additionalInformation: t.string(),
  }),
});

const ImportSenderRegistrationInput = builder.inputType('ImportSenderRegistrationInput', {
  description: 'A brand, campaign or verification made outside Switchboard, by its provider id.',
  fields: (t) => ({
    assistantId: t.id({ required: true }),
    provider: t.field({ type: ProviderEnum, required: true }),
    kind: t.field({ type: RegistrationKindEnum, required: true }),
    providerId: t.string({ required: true }),
    brandProviderId: t.string({ description: 'Vonage campaigns: their brand id.' }),
    messagingServiceSid: t.string({ description: 'Twilio campaigns: their Messaging Service.' }),
    useCase: t.string(),
    phoneNumberIds: t.idList(),
  }),
});

const AttachPhoneNumbersInput = builder.inputType('AttachPhoneNumbersToRegistrationInput', {
  fields: (t) => ({ registrationId: t.id({ required: true }), phoneNumberIds: t.idList({ required: true }) }),
});

const MarkPhoneNumberRegisteredInput = builder.inputType('MarkPhoneNumberRegisteredInput', {
  fields: (t) => ({ phoneNumberId: t.id({ required: true }), useCase: t.string({ required: true }) }),
});

const registrationPayload = (name: string) =>
  builder.objectRef<{ registration: SenderRegistration }>(name).implement({
    fields: (t) => ({ registration: t.field({ type: SenderRegistrationNode, resolve: (p) => p.registration }) }),
  });
const phoneNumberPayload = (name: string) =>
  builder.objectRef<{ phoneNumber: PhoneNumber }>(name).implement({
    fields: (t) => ({ phoneNumber: t.field({ type: PhoneNumberNode, resolve: (p) => p.phoneNumber }) }),
  });

interface SyncOutcome {
  synced: SenderRegistration[];
  failed: Array<{ registration: SenderRegistration; error: { message: string } }>;
}
const RegistrationSyncFailure = builder
  .objectRef<SyncOutcome['failed'][number]>('RegistrationSyncFailure')
  .implement({
    fields: (t) => ({
      registration: t.field({ type: SenderRegistrationNode, resolve: (f) => f.registration }),
      message: t.string({ resolve: (f) => f.error.message }),
    }),
  });
const SyncSenderRegistrationsPayload = builder.objectRef<SyncOutcome>('SyncSenderRegistrationsPayload').implement({
  fields: (t) => ({
    registrations: t.field({ type: [SenderRegistrationNode], description: 'Those read from their providers.', resolve: (p) => p.synced }),
    failures: t.field({ type: [RegistrationSyncFailure], description: 'Those the provider could not be asked about.', resolve: (p) => p.failed }),
  }),
});

const RegistrationFilter = builder.inputType('SenderRegistrationFilter', {
  fields: (t) => ({
    provider: t.field({ type: ProviderEnum }),
    kind: t.field({ type: RegistrationKindEnum }),
    status: t.field({ type: RegistrationStatusEnum }),
  }),
});

builder.queryFields((t) => ({
  senderRegistrations: t.prismaConnection(
    {
      authScopes: { key: 'READ_ONLY' },
      type: 'SenderRegistration',
      cursor: 'id',
      description: 'Brands, campaigns and toll-free verifications, oldest first.',
      args: { filter: t.arg({ type: RegistrationFilter }) },
      resolve: (query, _root, { filter }, ctx) =>
        ctx.services.db.senderRegistration.findMany({
          ...query,
          where: {
            organizationId: ctx.organizationId,
            ...(filter?.provider && { provider: filter.provider }),
            ...(filter?.kind && { kind: filter.kind }),
            ...(filter?.status && { status: filter.status }),
          },
          orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        }),
    },
    { name: 'SenderRegistrationConnection' },
    { name: 'SenderRegistrationEdge' },
  ),
  senderRegistration: t.prismaField({
    authScopes: { key: 'READ_ONLY' },
    type: 'SenderRegistration',
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, { id }, ctx) =>
      ctx.services.db.senderRegistration.findFirst({ ...query, where: { id: idOrNone('SenderRegistration', id), organizationId: ctx.organizationId } }),
  }),
}));

const phoneNumberIds = (ids: readonly string[] | null | undefined) => (ids ?? []).map((id) => decodeId('PhoneNumber', id));

builder.mutationFields((t) => ({
  submitBrandRegistration: t.field({
    authScopes: { key: 'ADMIN' },
    type: registrationPayload('SubmitBrandRegistrationPayload'),
    errors: {},
    description: 'Registers a 10DLC brand with the provider. PROVIDER_ERROR carries the provider\'s refusal.',
    args: { input: t.arg({ type: SubmitBrandRegistrationInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({
      registration: await submitBrandRegistration(ctx.services, ctx.organizationId, { ...input, assistantId: decodeId('Assistant', input.assistantId) }),
    }),
  }),
  submitCampaignRegistration: t.field({
    authScopes: { key: 'ADMIN' },
    type: registrationPayload('SubmitCampaignRegistrationPayload'),
    errors: {},
    description: 'Registers a 10DLC campaign of a brand and attaches long-code numbers to it.',
    args: { input: t.arg({ type: SubmitCampaignRegistrationInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({
      registration: await submitCampaignRegistration(ctx.services, ctx.organizationId, {
        ...input,
        brandRegistrationId: decodeId('SenderRegistration', input.brandRegistrationId),
        phoneNumberIds: phoneNumberIds(input.phoneNumberIds),
      }),
    }),
  }),
  submitTollFreeVerification: t.field({
    authScopes: { key: 'ADMIN' },
    type: registrationPayload('SubmitTollFreeVerificationPayload'),
    errors: {},
    description: "Asks the number's provider (Twilio, Telnyx) to verify a toll-free number.",
    args: { input: t.arg({ type: SubmitTollFreeVerificationInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({
      registration: await submitTollFreeVerification(ctx.services, ctx.organizationId, { ...input, phoneNumberId: decodeId('PhoneNumber', input.phoneNumberId) }),
    }),
  }),
  importSenderRegistration: t.field({
    authScopes: { key: 'ADMIN' },
    type: registrationPayload('ImportSenderRegistrationPayload'),
    errors: {},
    description: 'Takes in a registration made outside Switchboard by its provider id, with its numbers, and syncs it.',
    args: { input: t.arg({ type: ImportSenderRegistrationInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({
      registration: await importSenderRegistration(ctx.services, ctx.organizationId, {
        ...input,
        assistantId: decodeId('Assistant', input.assistantId),
        phoneNumberIds: phoneNumberIds(input.phoneNumberIds),
      }),
    }),
  }),
  attachPhoneNumbersToRegistration: t.field({
    authScopes: { key: 'ADMIN' },
    type: registrationPayload('AttachPhoneNumbersToRegistrationPayload'),
    errors: {},
    args: { input: t.arg({ type: AttachPhoneNumbersInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({
      registration: await attachPhoneNumbersToRegistration(
        ctx.services,
        ctx.organizationId,
        decodeId('SenderRegistration', input.registrationId),
        phoneNumberIds(input.phoneNumberIds),
      ),
    }),
  }),
  syncSenderRegistration: t.field({
    authScopes: { key: 'ADMIN' },
    type: registrationPayload('SyncSenderRegistrationPayload'),
    errors: {},
    description: 'Reads a registration and its numbers from the provider now.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => ({
      registration: await syncSenderRegistration(ctx.services, ctx.organizationId, decodeId('SenderRegistration', id)),
    }),
  }),
  syncSenderRegistrations: t.field({
    authScopes: { key: 'ADMIN' },
    type: SyncSenderRegistrationsPayload,
    errors: {},
    description: 'Reads every registration still in progress from its provider now (the server also does it every REGISTRATION_SYNC_INTERVAL_MS).',
    resolve: (_root, _args, ctx) => syncPendingRegistrations(ctx.services, { organizationId: ctx.organizationId }),
  }),
  markPhoneNumberRegistered: t.field({
    authScopes: { key: 'ADMIN' },
    type: phoneNumberPayload('MarkPhoneNumberRegisteredPayload'),
    errors: {},
    description: 'Takes a number registered outside Switchboard as APPROVED for a use case.',
    args: { input: t.arg({ type: MarkPhoneNumberRegisteredInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({
      phoneNumber: await markPhoneNumberRegistered(ctx.services, ctx.organizationId, { ...input, phoneNumberId: decodeId('PhoneNumber', input.phoneNumberId) }),
    }),
  }),
  syncPhoneNumberRegistration: t.field({
    authScopes: { key: 'ADMIN' },
    type: phoneNumberPayload('SyncPhoneNumberRegistrationPayload'),
    errors: {},
    description: 'Reads the registration a number is attached to from its provider now.',
    args: { phoneNumberId: t.arg.id({ required: true }) },
    resolve: async (_root, { phoneNumberId }, ctx) => ({
      phoneNumber: await syncPhoneNumberRegistration(ctx.services, ctx.organizationId, decodeId('PhoneNumber', phoneNumberId)),
    }),
  }),
}));
