/**
 * Sender registration: US 10DLC brands and campaigns, toll-free verification. Each is a
 * SenderRegistration row mirroring an object at the provider (src/providers/<name>/registration.ts);
 * the numbers attached to a campaign or verification carry its standing in
 * PhoneNumber.registrationStatus, which the send gate reads when the organization enforces
 * registration. Submitting, syncing and marking a number by hand all end with
 * services.senders.forget(), so the gate sees the new standing on the next send.
 */
import type { Services } from '../services';
import type { PhoneNumber, SenderRegistration } from '../db/client';
import { groupBy } from '../db/rows';
import { notFound, SwitchboardError } from '../errors';
import { credentialFor, openCredential } from '../assistants/credentials';
import { findPhoneNumber } from '../assistants/phone-numbers';
import { NORTH_AMERICAN_TOLL_FREE } from '../queue/pacing';
import type { ProviderName } from '../providers/types';
import { providerNamed } from '../providers';
import {
  combineStatus,
  RegistrationRefused,
  type BrandSubmission,
  type BusinessDetails,
  type CampaignSubmission,
  type NumberRegistration,
  type ProviderRegistration,
  type RegistrationAdapter,
  type RegistrationKind,
  type RegistrationOptions,
  type RegistrationRef,
  type RegistrationState,
  type TollFreeSubmission,
} from '../providers/registration-types';
import { every, NEVER, type PeriodicTask } from '../lib/every';

/** A brand as our API takes it: for the assistant whose provider account registers it. */
export interface SubmitBrandInput extends Pick<BrandSubmission, 'twilio'> {
  assistantId: string;
  provider: ProviderName;
  business?: BusinessDetails | null;
}

/**
 * A campaign as our API takes it: the brand is our SenderRegistration (its provider id is looked
 * up), the embedded links/phone flags default to false, and numbers may be attached at once.
 */
export interface SubmitCampaignInput extends Omit<CampaignSubmission, 'brandProviderId' | 'hasEmbeddedLinks' | 'hasEmbeddedPhone'> {
  brandRegistrationId: string;
  hasEmbeddedLinks?: boolean | null;
  hasEmbeddedPhone?: boolean | null;
  phoneNumberIds?: string[] | null;
}

/** A toll-free verification as our API takes it: the number is one of ours, by id. */
export interface SubmitTollFreeInput extends Omit<TollFreeSubmission, 'phoneNumber'> {
  phoneNumberId: string;
}

export interface ImportRegistrationInput {
  assistantId: string;
  provider: ProviderName;
  kind: RegistrationKind;
  /** The provider's id of the existing campaign or verification (or brand). */
  providerId: string;
  /** Vonage campaigns: the id of their brand. */
  brandProviderId?: string | null;
  /** Twilio campaigns: the Messaging Service holding them. */
  messagingServiceSid?: string | null;
  useCase?: string | null;
  phoneNumberIds?: string[] | null;
}

const ENTITY_TYPES = ['PRIVATE_PROFIT', 'PUBLIC_PROFIT', 'NON_PROFIT', 'GOVERNMENT', 'SOLE_PROPRIETOR'];
const TWILIO_BUNDLE = /^BU[0-9a-fA-F]{32}$/;
const TWILIO_SERVICE = /^MG[0-9a-fA-F]{32}$/;
const USE_CASE = /^[A-Z0-9_]{2,50}$/;
const OPT_IN_TYPES = ['VERBAL', 'WEB_FORM', 'PAPER_FORM', 'VIA_TEXT', 'MOBILE_QR_CODE'];

/** How long an approved registration goes without being read again. */
const RECHECK_APPROVED_MS = 24 * 3600_000;

const invalid = (field: string, message: string) => new SwitchboardError('INVALID_INPUT', message, field);

export async function findSenderRegistration(services: Services, organizationId: string, id: string): Promise<SenderRegistration> {
  const registration = await services.db.senderRegistration.findFirst({ where: { id, organizationId } });
  if (!registration) throw notFound('Sender registration');
  return registration;
}

/** Registers the business behind the messages (a 10DLC brand) with the provider. */
export async function submitBrandRegistration(services: Services, organizationId: string, input: SubmitBrandInput): Promise<SenderRegistration> {
  const account = await accountOf(services, organizationId, input.assistantId, input.provider);
  const business = input.business ?? {};
  if (input.provider === 'TWILIO') {
    const bundles = input.twilio;
    if (!bundles) throw invalid('twilio', 'A Twilio brand names its Trust Hub bundles: twilio { customerProfileBundleSid a2pProfileBundleSid }');
    if (!TWILIO_BUNDLE.test(bundles.customerProfileBundleSid)) throw invalid('twilio.customerProfileBundleSid', 'customerProfileBundleSid must be a BU… bundle sid');
    if (!TWILIO_BUNDLE.test(bundles.a2pProfileBundleSid)) throw invalid('twilio.a2pProfileBundleSid', 'a2pProfileBundleSid must be a BU… bundle sid');
  } else {
    checkBusiness(business, input.provider);
  }
  const submitted = await atProvider(input.provider, () =>
    account.adapter.submitBrand(account.credentials, { business, twilio: input.twilio ?? null }, account.options),
  );
  return services.db.senderRegistration.create({
    data: {
      organizationId,
      assistantId: account.assistantId,
      provider: input.provider,
      kind: 'BRAND',
      ...fromProvider(submitted),
      details: JSON.stringify({ business, ...(input.twilio ? { twilio: input.twilio } : {}) }),
    },
  });
}

/**
 * Registers a use case of a brand (a 10DLC campaign) and attaches long-code numbers to it. The
 * campaign is stored as soon as the provider took it; a refusal while attaching numbers leaves
 * it stored with the numbers as they were, and is reported.
 */
export async function submitCampaignRegistration(services: Services, organizationId: string, input: SubmitCampaignInput): Promise<SenderRegistration> {
  const brand = await findSenderRegistration(services, organizationId, input.brandRegistrationId);
  if (brand.kind !== 'BRAND' || !brand.providerId) throw invalid('brandRegistrationId', 'brandRegistrationId must name a brand registration');
  if (brand.status === 'REJECTED') throw new SwitchboardError('INVALID_STATE', 'The brand was rejected; a campaign needs a brand in good standing', 'brandRegistrationId');
  const useCase = checkUseCase(input.useCase);
  const description = required('description', input.description, 4096);
  const messageFlow = required('messageFlow', input.messageFlow, 2048);
  const sampleMessages = checkSamples(input.sampleMessages, 5);
  const numbers = await numbersFor(services, organizationId, input.phoneNumberIds ?? [], brand.provider, 'long-code');
  const account = await registrationAccount(services, brand);
  // Twilio keeps a campaign in a Messaging Service: the one given, or the one its credentials name.
  const messagingServiceSid =
    brand.provider === 'TWILIO' ? input.messagingServiceSid || (account.credentials as { messagingServiceSid?: string | null }).messagingServiceSid || null : null;
  if (messagingServiceSid && !TWILIO_SERVICE.test(messagingServiceSid)) throw invalid('messagingServiceSid', 'messagingServiceSid must be an MG… sid');
  const optIn = {
    messageFlow,
    optInMessage: input.optInMessage ?? null,
    optOutMessage: input.optOutMessage ?? null,
    helpMessage: input.helpMessage ?? null,
    optInKeywords: input.optInKeywords ?? [],
  };
  const submitted = await atProvider(brand.provider, () =>
    account.adapter.submitCampaign(
      account.credentials,
      {
        brandProviderId: brand.providerId!,
        useCase,
        description,
        sampleMessages,
        ...optIn,
        hasEmbeddedLinks: input.hasEmbeddedLinks ?? false,
        hasEmbeddedPhone: input.hasEmbeddedPhone ?? false,
        vertical: input.vertical ?? null,
        messagingServiceSid: messagingServiceSid ?? null,
      },
      account.options,
    ),
  );
  const campaign = await services.db.senderRegistration.create({
    data: {
      organizationId,
      assistantId: account.assistantId,
      provider: brand.provider,
      kind: 'CAMPAIGN',
      brandRegistrationId: brand.id,
      ...fromProvider(submitted),
      useCase,
      description,
      sampleMessages: JSON.stringify(sampleMessages),
      optInEvidence: JSON.stringify(optIn),
      details: JSON.stringify({ hasEmbeddedLinks: input.hasEmbeddedLinks ?? false, hasEmbeddedPhone: input.hasEmbeddedPhone ?? false, vertical: input.vertical ?? null }),
    },
  });
  if (numbers.length > 0) {
    try {
      await attach(services, campaign, account, numbers);
    } catch (error) {
      if (!(error instanceof SwitchboardError)) throw error;
      // The campaign exists at the provider: say so, so that the numbers are attached to it
      // (attachPhoneNumbersToRegistration) rather than a second campaign submitted.
      throw new SwitchboardError(
        error.code,
        `The campaign was registered (${brand.provider} ${campaign.providerId}; see senderRegistrations) but attaching its numbers failed: ${error.message}`,
        error.field ?? 'phoneNumberIds',
      );
    }
  }
  return campaign;
}

/** Asks the provider to verify a toll-free number (business, use case, samples, opt-in evidence). */
export async function submitTollFreeVerification(services: Services, organizationId: string, input: SubmitTollFreeInput): Promise<SenderRegistration> {
  const number = await findPhoneNumber(services, organizationId, input.phoneNumberId);
  if (!NORTH_AMERICAN_TOLL_FREE.test(number.phoneNumber)) throw invalid('phoneNumberId', `${number.phoneNumber} is not a US or Canadian toll-free number`);
  if (!number.assistantId) throw new SwitchboardError('NO_ASSISTANT', 'The number is not assigned to an assistant, whose credentials would submit it', 'phoneNumberId');
  const account = await accountOf(services, organizationId, number.assistantId, number.provider);
  const submitTollFree = account.adapter.submitTollFreeVerification?.bind(account.adapter);
  if (!submitTollFree) throw invalid('phoneNumberId', `${number.provider} has no toll-free verification API; verify the number with ${number.provider} and mark it registered`);
  checkTollFree(input);
  const sampleMessages = checkSamples(input.sampleMessages, 5);
  const submitted = await atProvider(number.provider, () =>
    submitTollFree(account.credentials, { ...input, phoneNumber: number.phoneNumber, sampleMessages }, account.options),
  );
  const verification = await services.db.senderRegistration.create({
    data: {
      organizationId,
      assistantId: account.assistantId,
      provider: number.provider,
      kind: 'TOLL_FREE_VERIFICATION',
      ...fromProvider(submitted),
      useCase: input.useCaseCategories.join(', '),
      description: input.useCaseSummary,
      sampleMessages: JSON.stringify(sampleMessages),
      optInEvidence: JSON.stringify(input.optIn),
      details: JSON.stringify({
        business: input.business,
        contact: input.contact,
        notificationEmail: input.notificationEmail,
        messageVolume: input.messageVolume,
        additionalInformation: input.additionalInformation ?? null,
      }),
    },
  });
  await applyNumbers(services, verification, [{ phoneNumber: number.phoneNumber, status: submitted.status, providerStatus: submitted.providerStatus }], [number]);
  return verification;
}

/**
 * Takes in a campaign, verification or brand made outside Switchboard (in the provider's console,
 * or before Switchboard), by the provider's id, with the numbers that belong to it; then syncs it.
 */
export async function importSenderRegistration(services: Services, organizationId: string, input: ImportRegistrationInput): Promise<SenderRegistration> {
  const account = await accountOf(services, organizationId, input.assistantId, input.provider);
  const providerId = required('providerId', input.providerId, 200);
  if (input.kind === 'CAMPAIGN' && input.provider === 'VONAGE' && !input.brandProviderId) throw invalid('brandProviderId', 'A Vonage campaign is found through its brand: give brandProviderId');
  if (input.kind === 'CAMPAIGN' && input.provider === 'TWILIO' && !input.messagingServiceSid) throw invalid('messagingServiceSid', 'A Twilio campaign is found through its Messaging Service: give messagingServiceSid');
  if (input.kind === 'TOLL_FREE_VERIFICATION' && !account.adapter.submitTollFreeVerification) {
    throw invalid('kind', `${input.provider} has no toll-free verification API`);
  }
  const numbers = await numbersFor(services, organizationId, input.phoneNumberIds ?? [], input.provider, input.kind === 'TOLL_FREE_VERIFICATION' ? 'toll-free' : 'long-code');
  const ref: RegistrationRef = { kind: input.kind, providerId, brandProviderId: input.brandProviderId ?? null, messagingServiceSid: input.messagingServiceSid ?? null };
  const found = await atProvider(input.provider, () => account.adapter.fetchRegistration(account.credentials, ref, account.options));
  const registration = await services.db.senderRegistration.create({
    data: {
      organizationId,
      assistantId: account.assistantId,
      provider: input.provider,
      kind: input.kind,
      ...fromProvider({ ...found, messagingServiceSid: found.messagingServiceSid ?? input.messagingServiceSid ?? null }),
      useCase: input.useCase ? checkUseCase(input.useCase) : null,
      details: JSON.stringify({ imported: true, brandProviderId: input.brandProviderId ?? null }),
    },
  });
  if (numbers.length > 0) {
    const standing = await atProvider(input.provider, () =>
      account.adapter.syncNumbers(account.credentials, ref, numbers.map((n) => n.phoneNumber), account.options),
    );
    await applyNumbers(services, registration, standing, numbers);
  }
  return registration;
}

/** Attaches more numbers to a campaign (or a toll-free number to its verification). */
export async function attachPhoneNumbersToRegistration(services: Services, organizationId: string, registrationId: string, phoneNumberIds: string[]) {
  const registration = await findSenderRegistration(services, organizationId, registrationId);
  if (registration.kind === 'BRAND') throw invalid('registrationId', 'Numbers attach to a campaign or a toll-free verification, not to a brand');
  if (!registration.providerId) throw new SwitchboardError('INVALID_STATE', 'The registration has no provider id yet', 'registrationId');
  if (phoneNumberIds.length === 0) throw invalid('phoneNumberIds', 'Give at least one phone number');
  const numbers = await numbersFor(services, organizationId, phoneNumberIds, registration.provider, registration.kind === 'CAMPAIGN' ? 'long-code' : 'toll-free');
  await attach(services, registration, await registrationAccount(services, registration), numbers);
  return registration;
}

/** Reads one registration and its numbers from the provider and stores what it answered. */
export async function syncSenderRegistration(services: Services, organizationId: string, id: string): Promise<SenderRegistration> {
  return sync(services, await findSenderRegistration(services, organizationId, id));
}

/**
 * Syncs the registrations still in progress (pending themselves, or with numbers still pending),
 * and approved ones not read for a day (carriers suspend campaigns), of one organization or of
 * all, least recently synced first. A provider failure on one is reported and does not stop the
 * others.
 */
export async function syncPendingRegistrations(
  services: Services,
  options: { organizationId?: string; limit?: number; notSyncedSince?: Date } = {},
): Promise<{ synced: SenderRegistration[]; failed: Array<{ registration: SenderRegistration; error: SwitchboardError }> }> {
  const { db } = services;
  const org = options.organizationId ? { organizationId: options.organizationId } : {};
  const withPendingNumbers = await db.phoneNumber.findMany({
    where: { ...org, registrationStatus: 'PENDING', registrationId: { not: null } },
    select: { registrationId: true },
    distinct: ['registrationId'],
  });
  const due = await db.senderRegistration.findMany({
    where: {
      ...org,
      providerId: { not: null },
      OR: [
        { status: 'PENDING' },
        { id: { in: withPendingNumbers.map((n) => n.registrationId!) } },
        { status: 'APPROVED', lastSyncedAt: { lt: new Date(Date.now() - RECHECK_APPROVED_MS) } },
      ],
      ...(options.notSyncedSince && { AND: [{ OR: [{ lastSyncedAt: null }, { lastSyncedAt: { lt: options.notSyncedSince } }] }] }),
    },
    orderBy: [{ lastSyncedAt: { sort: 'asc', nulls: 'first' } }, { id: 'asc' }],
    take: options.limit ?? 100,
  });
  const synced: SenderRegistration[] = [];
  const failed: Array<{ registration: SenderRegistration; error: SwitchboardError }> = [];
  for (const registration of due) {
    try {
      synced.push(await sync(services, registration));
    } catch (error) {
      if (!(error instanceof SwitchboardError)) throw error;
      failed.push({ registration, error });
    }
  }
  return { synced, failed };
}

/**
 * A number registered outside Switchboard, taken as the carriers' word: APPROVED for its use
 * case, attached to no registration here (so no sync changes it until it is attached to one).
 */
export async function markPhoneNumberRegistered(services: Services, organizationId: string, input: { phoneNumberId: string; useCase: string }): Promise<PhoneNumber> {
  const number = await findPhoneNumber(services, organizationId, input.phoneNumberId);
  const useCase = checkUseCase(input.useCase);
  const updated = await services.db.phoneNumber.update({
    where: { id: number.id },
    data: { registrationStatus: 'APPROVED', registrationUseCase: useCase, registrationId: null },
  });
  services.senders.forget();
  return updated;
}

/** Syncs the registration a number is attached to; the number as it then stands. */
export async function syncPhoneNumberRegistration(services: Services, organizationId: string, phoneNumberId: string): Promise<PhoneNumber> {
  const number = await findPhoneNumber(services, organizationId, phoneNumberId);
  if (!number.registrationId) {
    throw new SwitchboardError(
      'INVALID_STATE',
      `${number.phoneNumber} is attached to no registration here: import its campaign or verification (importSenderRegistration), or mark it registered`,
      'phoneNumberId',
    );
  }
  await syncSenderRegistration(services, organizationId, number.registrationId);
  return findPhoneNumber(services, organizationId, phoneNumberId);
}

/** Polls pending registrations every `intervalMs` (REGISTRATION_SYNC_INTERVAL_MS); 0 = never. */
export function startRegistrationSync(services: Services, intervalMs: number): PeriodicTask {
  if (intervalMs <= 0) return NEVER;
  const tick = async () => {
    // Another instance may have just synced them: only those not synced for half an interval.
    const { failed } = await syncPendingRegistrations(services, { notSyncedSince: new Date(Date.now() - intervalMs / 2) });
    for (const { registration, error } of failed) {
      services.log.warn({ registrationId: registration.id, provider: registration.provider, reason: error.message }, 'sender registration: sync failed');
    }
  };
  return every(intervalMs, tick, (error) => services.log.warn({ err: error }, 'sender registration: periodic sync failed'));
}

// ---------------------------------------------------------------------------------------------

async function sync(services: Services, registration: SenderRegistration): Promise<SenderRegistration> {
  const account = await registrationAccount(services, registration);
  const ref = await refOf(services, registration);
  const found = await atProvider(registration.provider, () => account.adapter.fetchRegistration(account.credentials, ref, account.options));
  const updated = await services.db.senderRegistration.update({
    where: { id: registration.id },
    data: { ...fromProvider({ ...found, messagingServiceSid: found.messagingServiceSid ?? registration.messagingServiceSid }) },
  });
  const numbers = await services.db.phoneNumber.findMany({ where: { organizationId: registration.organizationId, registrationId: registration.id } });
  if (numbers.length > 0) {
    const standing = await atProvider(registration.provider, () =>
      account.adapter.syncNumbers(account.credentials, ref, numbers.map((n) => n.phoneNumber), account.options),
    );
    await applyNumbers(services, updated, standing, numbers);
  }
  return updated;
}

async function attach(services: Services, registration: SenderRegistration, account: ProviderAccount, numbers: PhoneNumber[]) {
  const ref = await refOf(services, registration);
  const linked = await atProvider(registration.provider, () =>
    account.adapter.attachNumbers(account.credentials, ref, numbers.map((n) => n.phoneNumber), account.options),
  );
  await applyNumbers(services, registration, linked, numbers);
}

/** Stores each number's standing under the registration and tells the send gate. */
async function applyNumbers(services: Services, registration: SenderRegistration, standing: NumberRegistration[], numbers: PhoneNumber[]) {
  const byNumber = new Map(standing.map((s) => [s.phoneNumber, s]));
  // One update per resulting standing (and kept use case), not one per number.
  const changes = groupBy(numbers, (number) => {
    const link = byNumber.get(number.phoneNumber);
    const status: RegistrationState = link ? combineStatus(registration.status, link.status) : 'UNREGISTERED';
    return JSON.stringify([status, registration.useCase ?? number.registrationUseCase]);
  });
  await services.db.$transaction(
    [...changes].map(([key, group]) => {
      const [registrationStatus, registrationUseCase] = JSON.parse(key) as [RegistrationState, string | null];
      return services.db.phoneNumber.updateMany({
        where: { id: { in: group.map((n) => n.id) } },
        data: { registrationStatus, registrationId: registration.id, registrationUseCase },
      });
    }),
  );
  services.senders.forget();
}

async function refOf(services: Services, registration: SenderRegistration): Promise<RegistrationRef> {
  let brandProviderId: string | null = null;
  if (registration.brandRegistrationId) {
    const brand = await services.db.senderRegistration.findFirst({ where: { id: registration.brandRegistrationId, organizationId: registration.organizationId } });
    brandProviderId = brand?.providerId ?? null;
  }
  brandProviderId ??= (JSON.parse(registration.details) as { brandProviderId?: string | null }).brandProviderId ?? null;
  return { kind: registration.kind, providerId: registration.providerId!, brandProviderId, messagingServiceSid: registration.messagingServiceSid };
}

function fromProvider(answer: ProviderRegistration) {
  return {
    providerId: answer.providerId,
    providerStatus: answer.providerStatus,
    status: answer.status,
    failureReason: answer.failureReason ?? null,
    messagingServiceSid: answer.messagingServiceSid ?? null,
    providerResponse: JSON.stringify(answer.raw),
    lastSyncedAt: new Date(),
  };
}

async function atProvider<T>(provider: ProviderName, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof RegistrationRefused) {
      throw new SwitchboardError('PROVIDER_ERROR', `${provider}${error.httpStatus ? ` (HTTP ${error.httpStatus}${error.code ? `, ${error.code}` : ''})` : ''}: ${error.message}`);
    }
    throw error;
  }
}

/** A provider account to register with: an assistant's credentials, opened, and the provider's registration API. */
interface ProviderAccount {
  assistantId: string;
  adapter: RegistrationAdapter;
  credentials: unknown;
  options: RegistrationOptions;
}

async function accountOf(services: Services, organizationId: string, assistantId: string, provider: ProviderName): Promise<ProviderAccount> {
  const assistant = await services.db.assistant.findFirst({ where: { id: assistantId, organizationId }, include: { credentials: true } });
  if (!assistant) throw notFound('Assistant');
  const descriptor = providerNamed(provider);
  if (!descriptor.registration) throw invalid('provider', `${descriptor.displayName} sender registration is not available through Switchboard`);
  const stored = credentialFor(assistant, provider);
  if (!stored) throw new SwitchboardError('PROVIDER_NOT_CONFIGURED', `The assistant has no ${descriptor.displayName} credentials`, 'assistantId');
  return {
    assistantId: assistant.id,
    adapter: descriptor.registration,
    credentials: openCredential(services.secrets, descriptor, stored),
    options: { baseUrl: services.config.providerBaseUrls[provider], timeoutMs: services.config.queue.providerTimeoutMs },
  };
}

/** The account a stored registration was submitted with. */
function registrationAccount(services: Services, registration: SenderRegistration): Promise<ProviderAccount> {
  if (!registration.assistantId) throw new SwitchboardError('NO_ASSISTANT', 'The assistant whose credentials held this registration was deleted');
  return accountOf(services, registration.organizationId, registration.assistantId, registration.provider);
}

/** The organization's numbers by id, at this provider, of the kind the registration covers. */
async function numbersFor(services: Services, organizationId: string, ids: string[], provider: ProviderName, kind: 'long-code' | 'toll-free'): Promise<PhoneNumber[]> {
  if (ids.length > 50) throw invalid('phoneNumberIds', 'At most 50 numbers at once');
  const unique = [...new Set(ids)];
  const found = new Map((await services.db.phoneNumber.findMany({ where: { id: { in: unique }, organizationId } })).map((n) => [n.id, n]));
  const numbers: PhoneNumber[] = [];
  for (const [i, id] of unique.entries()) {
    const number = found.get(id);
    if (!number) throw new SwitchboardError('NOT_FOUND', 'Phone number not found', `phoneNumberIds.${i}`);
    if (number.provider !== provider) throw invalid(`phoneNumberIds.${i}`, `${number.phoneNumber} is a ${number.provider} number; the registration is at ${provider}`);
    const tollFree = NORTH_AMERICAN_TOLL_FREE.test(number.phoneNumber);
    if (kind === 'long-code' && (tollFree || !number.phoneNumber.startsWith('+1'))) {
      throw invalid(`phoneNumberIds.${i}`, `${number.phoneNumber} is not a US or Canadian long code: ${tollFree ? 'toll-free numbers are verified, not put in campaigns' : '10DLC is for +1 numbers'}`);
    }
    if (kind === 'toll-free' && !tollFree) throw invalid(`phoneNumberIds.${i}`, `${number.phoneNumber} is not a toll-free number`);
    numbers.push(number);
  }
  return numbers;
}

function required(field: string, value: string | null | undefined, max: number): string {
  const trimmed = value?.trim();
  if (!trimmed) throw invalid(field, `${field} must not be empty`);
  if (trimmed.length > max) throw invalid(field, `${field} must be at most ${max} characters`);
  return trimmed;
}

function checkUseCase(useCase: string): string {
  const value = useCase?.trim().toUpperCase();
  if (!value || !USE_CASE.test(value)) throw invalid('useCase', 'useCase must be a use case name such as CUSTOMER_CARE, ACCOUNT_NOTIFICATION or 2FA');
  return value;
}

function checkSamples(samples: string[], max: number): string[] {
  const trimmed = samples.map((s) => s.trim());
  if (trimmed.length === 0 || trimmed.length > max) throw invalid('sampleMessages', `Give 1 to ${max} sample messages`);
  const bad = trimmed.findIndex((s) => s.length < 20 || s.length > 1024);
  if (bad >= 0) throw invalid(`sampleMessages.${bad}`, 'A sample message is 20 to 1024 characters');
  return trimmed;
}

/** What the registries require of a business (Telnyx and Vonage take it on the brand). */
function checkBusiness(business: BusinessDetails, provider: ProviderName) {
  const entityType = business.entityType ?? '';
  // Vonage's 10DLC API registers companies and non-profits only.
  const allowed = provider === 'VONAGE' ? ENTITY_TYPES.slice(0, 3) : ENTITY_TYPES;
  if (!allowed.includes(entityType)) throw invalid('business.entityType', `business.entityType must be one of ${allowed.join(', ')} at ${provider}`);
  const needed: Array<keyof BusinessDetails> = ['displayName', 'email', 'vertical', 'country'];
  if (entityType !== 'SOLE_PROPRIETOR') needed.push('companyName', 'ein', 'phone', 'street', 'city', 'state', 'postalCode', 'website');
  if (entityType === 'PUBLIC_PROFIT') needed.push('stockSymbol', 'stockExchange');
  for (const field of needed) {
    if (!business[field]?.trim()) throw invalid(`business.${field}`, `business.${field} is required for a ${entityType} brand at ${provider}`);
  }
  if (business.email && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(business.email)) throw invalid('business.email', 'business.email must be an email address');
  if (business.country && !/^[A-Z]{2}$/.test(business.country)) throw invalid('business.country', 'business.country must be an ISO 3166 alpha-2 code such as US');
  if (business.website && !/^https?:\/\/\S+$/.test(business.website)) throw invalid('business.website', 'business.website must be an http(s) URL');
}

function checkTollFree(input: SubmitTollFreeInput) {
  for (const field of ['companyName', 'website', 'street', 'city', 'state', 'postalCode', 'country'] as const) {
    if (!input.business[field]?.trim()) throw invalid(`business.${field}`, `business.${field} is required for a toll-free verification`);
  }
  for (const field of ['firstName', 'lastName', 'email', 'phone'] as const) {
    if (!input.contact[field]?.trim()) throw invalid(`contact.${field}`, `contact.${field} is required`);
  }
  required('notificationEmail', input.notificationEmail, 200);
  required('useCaseSummary', input.useCaseSummary, 2048);
  required('messageVolume', input.messageVolume, 20);
  if (input.useCaseCategories.length === 0) throw invalid('useCaseCategories', 'Give at least one use case category');
  if (!OPT_IN_TYPES.includes(input.optIn.type)) throw invalid('optIn.type', `optIn.type must be one of ${OPT_IN_TYPES.join(', ')}`);
  required('optIn.description', input.optIn.description, 2048);
  if (input.optIn.imageUrls.length === 0) throw invalid('optIn.imageUrls', 'Give at least one URL showing how recipients opt in');
  const bad = input.optIn.imageUrls.findIndex((url) => !/^https:\/\/\S+$/.test(url));
  if (bad >= 0) throw invalid(`optIn.imageUrls.${bad}`, 'Opt-in evidence URLs must be https URLs');
}
