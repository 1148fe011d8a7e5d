/**
 * Telnyx sender registration through the official SDK (its answers are the bare objects, not
 * wrapped in `data`):
 *
 *   brand      POST /v2/10dlc/brand                                client.messaging10dlc.brand
 *   campaign   POST /v2/10dlc/campaignBuilder                      client.messaging10dlc.campaignBuilder.submit
 *   numbers    POST /v2/10dlc/phone_number_campaigns               client.messaging10dlc.phoneNumberCampaigns
 *              GET  /v2/10dlc/phone_number_campaigns/{phoneNumber}
 *   toll-free  POST /v2/messaging_tollfree/verification/requests   client.messagingTollfree.verification.requests
 */
import Telnyx, { APIError } from 'telnyx';
import { ClientCache } from '../client-cache.js';
import type { TelnyxCredentials } from './credentials.js';
import {
  RegistrationRefused,
  stripSecrets,
  unreachable,
  type BrandSubmission,
  type CampaignSubmission,
  type NumberRegistration,
  type ProviderRegistration,
  type RegistrationAdapter,
  type RegistrationOptions,
  type RegistrationRef,
  type RegistrationState,
  type TollFreeSubmission,
} from '../registration-types.js';

type BrandCreateParams = Parameters<Telnyx['messaging10dlc']['brand']['create']>[0];
type TollFreeCreateParams = Parameters<Telnyx['messagingTollfree']['verification']['requests']['create']>[0];

const TELNYX_API = 'https://api.telnyx.com/v2';
const clients = new ClientCache<Telnyx>(64);

function clientFor(credentials: TelnyxCredentials, options: RegistrationOptions): Telnyx {
  return clients.get([credentials.apiKey, options.baseUrl, options.timeoutMs], () =>
    new Telnyx({
      apiKey: credentials.apiKey,
      baseURL: options.baseUrl ?? TELNYX_API,
      // A submission is not idempotent (each brand costs a fee): never sent twice by the SDK.
      maxRetries: 0,
      logLevel: 'off',
      ...(options.timeoutMs ? { timeout: options.timeoutMs } : {}),
    }),
  );
}

/** Brand status: OK, REGISTRATION_PENDING, REGISTRATION_FAILED. */
export function mapBrandStatus(status: string | undefined): RegistrationState {
  if (status === 'OK') return 'APPROVED';
  if (status === 'REGISTRATION_FAILED') return 'REJECTED';
  return 'PENDING';
}

/**
 * campaignStatus: TCR_PENDING → TCR_ACCEPTED → MNO_PENDING → MNO_ACCEPTED → MNO_PROVISIONED, or
 * one of the failures. Carriers carry traffic once provisioned.
 */
export function mapCampaignStatus(status: string | undefined): RegistrationState {
  if (status === 'MNO_PROVISIONED') return 'APPROVED';
  if (status && /FAILED|REJECTED|SUSPENDED|EXPIRED/.test(status)) return 'REJECTED';
  return 'PENDING';
}

/** verificationStatus: Verified, Rejected, Waiting For Vendor/Customer/Telnyx, In Progress. */
export function mapTollFreeStatus(status: string | undefined): RegistrationState {
  if (status === 'Verified') return 'APPROVED';
  if (status === 'Rejected') return 'REJECTED';
  return 'PENDING';
}

/** assignmentStatus of a number in a campaign. */
function mapAssignment(status: string | undefined): RegistrationState {
  if (status === 'ASSIGNED') return 'APPROVED';
  if (status === 'FAILED_ASSIGNMENT') return 'REJECTED';
  if (status === 'PENDING_UNASSIGNMENT' || status === 'FAILED_UNASSIGNMENT') return 'UNREGISTERED';
  return 'PENDING';
}

async function call<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw refusedBy(error);
  }
}

interface TelnyxErrorBody {
  errors?: Array<{ code?: string | number; title?: string; detail?: string }>;
}

function refusedBy(error: unknown): RegistrationRefused {
  if (error instanceof RegistrationRefused) return error;
  // APIConnectionError extends APIError but has no status: it is a network failure.
  if (error instanceof APIError && typeof error.status === 'number') {
    const errors = (error.error as TelnyxErrorBody | undefined)?.errors ?? [];
    const message = errors.map((e) => e.detail ?? e.title).filter(Boolean).join('; ');
    const code = errors[0]?.code !== undefined ? String(errors[0].code) : null;
    return new RegistrationRefused(message || `Telnyx answered HTTP ${error.status}`, error.status, code);
  }
  return unreachable('Telnyx', error);
}

const clean = (raw: unknown, credentials: TelnyxCredentials) => stripSecrets(raw, [credentials.apiKey]);

export async function submitBrand(credentials: TelnyxCredentials, brand: BrandSubmission, options: RegistrationOptions): Promise<ProviderRegistration> {
  const b = brand.business;
  const params = {
    entityType: b.entityType,
    displayName: b.displayName,
    country: b.country ?? 'US',
    email: b.email,
    vertical: b.vertical,
    ...(b.companyName ? { companyName: b.companyName } : {}),
    ...(b.ein ? { ein: b.ein } : {}),
    ...(b.phone ? { phone: b.phone } : {}),
    ...(b.street ? { street: b.street } : {}),
    ...(b.city ? { city: b.city } : {}),
    ...(b.state ? { state: b.state } : {}),
    ...(b.postalCode ? { postalCode: b.postalCode } : {}),
    ...(b.website ? { website: b.website } : {}),
    ...(b.stockSymbol ? { stockSymbol: b.stockSymbol } : {}),
    ...(b.stockExchange ? { stockExchange: b.stockExchange } : {}),
  } as BrandCreateParams;
  const created = await call(() => clientFor(credentials, options).messaging10dlc.brand.create(params));
  return {
    providerId: created.brandId ?? '',
    providerStatus: created.status ?? 'REGISTRATION_PENDING',
    status: mapBrandStatus(created.status),
    failureReason: created.failureReasons ?? null,
    raw: clean(created, credentials),
  };
}

export async function submitCampaign(credentials: TelnyxCredentials, campaign: CampaignSubmission, options: RegistrationOptions): Promise<ProviderRegistration> {
  const samples = Object.fromEntries(campaign.sampleMessages.slice(0, 5).map((text, i) => [`sample${i + 1}`, text]));
  const created = await call(() =>
    clientFor(credentials, options).messaging10dlc.campaignBuilder.submit({
      brandId: campaign.brandProviderId,
      usecase: campaign.useCase,
      description: campaign.description,
      messageFlow: campaign.messageFlow,
      ...samples,
      embeddedLink: campaign.hasEmbeddedLinks,
      embeddedPhone: campaign.hasEmbeddedPhone,
      subscriberOptin: true,
      subscriberOptout: true,
      subscriberHelp: true,
      ...(campaign.optInMessage ? { optinMessage: campaign.optInMessage } : {}),
      ...(campaign.optOutMessage ? { optoutMessage: campaign.optOutMessage } : {}),
      ...(campaign.helpMessage ? { helpMessage: campaign.helpMessage } : {}),
      ...(campaign.optInKeywords?.length ? { optinKeywords: campaign.optInKeywords.join(',') } : {}),
    }),
  );
  return campaignRegistration(created, credentials);
}

function campaignRegistration(
  campaign: { campaignId: string; campaignStatus?: string; failureReasons?: string },
  credentials: TelnyxCredentials,
): ProviderRegistration {
  return {
    providerId: campaign.campaignId,
    providerStatus: campaign.campaignStatus ?? 'TCR_PENDING',
    status: mapCampaignStatus(campaign.campaignStatus),
    failureReason: campaign.failureReasons ?? null,
    raw: clean(campaign, credentials),
  };
}

export async function submitTollFreeVerification(
  credentials: TelnyxCredentials,
  verification: TollFreeSubmission,
  options: RegistrationOptions,
): Promise<ProviderRegistration> {
  const { business, contact } = verification;
  const params = {
    businessName: business.companyName ?? business.displayName ?? '',
    corporateWebsite: business.website ?? '',
    businessAddr1: business.street ?? '',
    businessCity: business.city ?? '',
    businessState: business.state ?? '',
    businessZip: business.postalCode ?? '',
    businessContactFirstName: contact.firstName,
    businessContactLastName: contact.lastName,
    businessContactEmail: contact.email,
    businessContactPhone: contact.phone,
    messageVolume: verification.messageVolume,
    phoneNumbers: [{ phoneNumber: verification.phoneNumber }],
    useCase: verification.useCaseCategories[0],
    useCaseSummary: verification.useCaseSummary,
    productionMessageContent: verification.sampleMessages.join('\n\n'),
    optInWorkflow: verification.optIn.description,
    optInWorkflowImageURLs: verification.optIn.imageUrls.map((url) => ({ url })),
    additionalInformation: verification.additionalInformation ?? verification.notificationEmail,
    ...(business.entityType ? { entityType: business.entityType } : {}),
  } as TollFreeCreateParams;
  const created = await call(() => clientFor(credentials, options).messagingTollfree.verification.requests.create(params));
  return {
    providerId: created.id,
    providerStatus: created.verificationStatus ?? 'In Progress',
    status: mapTollFreeStatus(created.verificationStatus),
    raw: clean(created, credentials),
  };
}

export async function attachNumbers(
  credentials: TelnyxCredentials,
  registration: RegistrationRef,
  phoneNumbers: string[],
  options: RegistrationOptions,
): Promise<NumberRegistration[]> {
  if (registration.kind !== 'CAMPAIGN') return syncNumbers(credentials, registration, phoneNumbers, options);
  const client = clientFor(credentials, options);
  const linked: NumberRegistration[] = [];
  for (const phoneNumber of phoneNumbers) {
    const assignment = await call(() => client.messaging10dlc.phoneNumberCampaigns.create({ phoneNumber, campaignId: registration.providerId }));
    linked.push({ phoneNumber, status: mapAssignment(assignment.assignmentStatus), providerStatus: assignment.assignmentStatus ?? 'PENDING_ASSIGNMENT' });
  }
  return linked;
}

export async function fetchRegistration(credentials: TelnyxCredentials, registration: RegistrationRef, options: RegistrationOptions): Promise<ProviderRegistration> {
  const client = clientFor(credentials, options);
  switch (registration.kind) {
    case 'BRAND': {
      const brand = await call(() => client.messaging10dlc.brand.retrieve(registration.providerId));
      return {
        providerId: brand.brandId ?? registration.providerId,
        providerStatus: brand.status ?? 'REGISTRATION_PENDING',
        status: mapBrandStatus(brand.status),
        failureReason: brand.failureReasons ?? null,
        raw: clean(brand, credentials),
      };
    }
    case 'CAMPAIGN':
      return campaignRegistration(await call(() => client.messaging10dlc.campaign.retrieve(registration.providerId)), credentials);
    case 'TOLL_FREE_VERIFICATION': {
      const verification = await call(() => client.messagingTollfree.verification.requests.retrieve(registration.providerId));
      return {
        providerId: verification.id,
        providerStatus: verification.verificationStatus,
        status: mapTollFreeStatus(verification.verificationStatus),
        failureReason: verification.reason ?? null,
        raw: clean(verification, credentials),
      };
    }
  }
}

export async function syncNumbers(
  credentials: TelnyxCredentials,
  registration: RegistrationRef,
  phoneNumbers: string[],
  options: RegistrationOptions,
): Promise<NumberRegistration[]> {
  const client = clientFor(credentials, options);
  if (registration.kind === 'BRAND') return phoneNumbers.map((phoneNumber) => ({ phoneNumber, status: 'UNREGISTERED', providerStatus: 'brand' }));
  if (registration.kind === 'TOLL_FREE_VERIFICATION') {
    const verification = await call(() => client.messagingTollfree.verification.requests.retrieve(registration.providerId));
    const covered = new Set(verification.phoneNumbers.map((n) => n.phoneNumber));
    return phoneNumbers.map((phoneNumber) =>
      covered.has(phoneNumber)
        ? { phoneNumber, status: mapTollFreeStatus(verification.verificationStatus), providerStatus: verification.verificationStatus }
        : { phoneNumber, status: 'UNREGISTERED' as const, providerStatus: 'not-in-verification' },
    );
  }
  const numbers: NumberRegistration[] = [];
  for (const phoneNumber of phoneNumbers) {
    try {
      const assignment = await client.messaging10dlc.phoneNumberCampaigns.retrieve(phoneNumber);
      const inCampaign = assignment.campaignId === registration.providerId || assignment.telnyxCampaignId === registration.providerId;
      numbers.push(
        inCampaign
          ? { phoneNumber, status: mapAssignment(assignment.assignmentStatus), providerStatus: assignment.assignmentStatus ?? 'PENDING_ASSIGNMENT' }
          : { phoneNumber, status: 'UNREGISTERED', providerStatus: 'other-campaign' },
      );
    } catch (error) {
      // 404: the number is in no campaign.
      if (error instanceof APIError && error.status === 404) numbers.push({ phoneNumber, status: 'UNREGISTERED', providerStatus: 'not-assigned' });
      else throw refusedBy(error);
    }
  }
  return numbers;
}

export const telnyxRegistration: RegistrationAdapter<TelnyxCredentials> = {
  submitBrand,
  submitCampaign,
  submitTollFreeVerification,
  attachNumbers,
  fetchRegistration,
  syncNumbers,
};
