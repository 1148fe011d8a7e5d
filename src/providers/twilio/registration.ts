/**
 * Twilio sender registration through the official SDK (Messaging v1, messaging.twilio.com):
 *
 *   brand      POST /v1/a2p/BrandRegistrations                         client.messaging.v1.brandRegistrations
 *   service    POST /v1/Services                                       client.messaging.v1.services
 *   campaign   POST /v1/Services/{MG}/Compliance/Usa2p                 services(MG).usAppToPerson
 *   numbers    POST /v1/Services/{MG}/PhoneNumbers (PhoneNumberSid)    services(MG).phoneNumbers
 *   toll-free  POST /v1/Tollfree/Verifications                         client.messaging.v1.tollfreeVerifications
 *
 * A 10DLC number is registered by being in the Messaging Service of a verified campaign.
 * Numbers are named by their PN… sid, found through IncomingPhoneNumbers.
 */
import type twilio from 'twilio';
import { clientFor, currentCall } from './send.js';
import { findIncomingNumber } from './ownership.js';
import type { TwilioCredentials } from './credentials.js';
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

/** BrandRegistration status: PENDING IN_REVIEW APPROVED FAILED SUSPENDED DELETION_PENDING DELETION_FAILED. */
export function mapBrandStatus(status: string): RegistrationState {
  if (status === 'APPROVED') return 'APPROVED';
  if (status === 'FAILED' || status === 'SUSPENDED' || status.startsWith('DELETION')) return 'REJECTED';
  return 'PENDING';
}

/** UsAppToPerson campaign_status: IN_PROGRESS VERIFIED FAILED (PENDING while Twilio queues it). */
export function mapCampaignStatus(status: string): RegistrationState {
  if (status === 'VERIFIED') return 'APPROVED';
  if (status === 'FAILED' || status === 'SUSPENDED' || status === 'EXPIRED') return 'REJECTED';
  return 'PENDING';
}

/** Toll-free verification status: PENDING_REVIEW IN_REVIEW TWILIO_APPROVED TWILIO_REJECTED. */
export function mapTollFreeStatus(status: string): RegistrationState {
  if (status === 'TWILIO_APPROVED') return 'APPROVED';
  if (status === 'TWILIO_REJECTED') return 'REJECTED';
  return 'PENDING';
}

async function call<T>(credentials: TwilioCredentials, options: RegistrationOptions, work: (client: twilio.Twilio) => Promise<T>): Promise<T> {
  try {
    return await currentCall.run({ timeoutMs: options.timeoutMs }, () => work(clientFor(credentials, options.baseUrl)));
  } catch (error) {
    throw refusedBy(error);
  }
}

function refusedBy(error: unknown): RegistrationRefused {
  if (error instanceof RegistrationRefused) return error;
  // RestException (legacy body) and TwilioServiceException (RFC 9457) both carry status and code.
  const answer = error as { status?: unknown; code?: unknown; message?: string; detail?: string };
  if (typeof answer.status === 'number') {
    const code = answer.code === undefined || answer.code === null ? null : String(answer.code);
    return new RegistrationRefused(answer.detail ?? answer.message ?? `Twilio answered HTTP ${answer.status}`, answer.status, code);
  }
  return unreachable('Twilio', error);
}

const json = (instance: { toJSON(): unknown }, credentials: TwilioCredentials) => stripSecrets(instance.toJSON(), [credentials.authToken]);

function failureOf(errors: unknown, reason: string | null | undefined): string | null {
  if (reason) return reason;
  if (Array.isArray(errors) && errors.length > 0) {
    return errors.map((e) => (e && typeof e === 'object' && 'description' in e ? String((e as { description: unknown }).description) : JSON.stringify(e))).join('; ');
  }
  return null;
}

/** A brand registration as submitted or read (BrandRegistrationInstance). */
function brandRegistration(
  brand: { sid: string; status: string; errors: unknown; failureReason?: string | null; toJSON(): unknown },
  credentials: TwilioCredentials,
): ProviderRegistration {
  return {
    providerId: brand.sid,
    providerStatus: brand.status,
    status: mapBrandStatus(brand.status),
    failureReason: failureOf(brand.errors, brand.failureReason),
    raw: json(brand, credentials),
  };
}

/** A campaign (UsAppToPersonInstance) in the Messaging Service `serviceSid`. */
function campaignRegistration(
  campaign: { sid: string; campaignStatus: string; errors: unknown; toJSON(): unknown },
  serviceSid: string,
  credentials: TwilioCredentials,
): ProviderRegistration {
  return {
    providerId: campaign.sid,
    providerStatus: campaign.campaignStatus,
    status: mapCampaignStatus(campaign.campaignStatus),
    failureReason: failureOf(campaign.errors, null),
    messagingServiceSid: serviceSid,
    raw: json(campaign, credentials),
  };
}

/** A toll-free verification (TollfreeVerificationInstance). */
function tollFreeRegistration(
  verification: { sid: string; status: string; rejectionReason?: string | null; toJSON(): unknown },
  credentials: TwilioCredentials,
): ProviderRegistration {
  return {
    providerId: verification.sid,
    providerStatus: verification.status,
    status: mapTollFreeStatus(verification.status),
    failureReason: verification.rejectionReason ?? null,
    raw: json(verification, credentials),
  };
}

export async function submitBrand(credentials: TwilioCredentials, brand: BrandSubmission, options: RegistrationOptions): Promise<ProviderRegistration> {
  const bundles = brand.twilio!;
  const created = await call(credentials, options, (client) =>
    client.messaging.v1.brandRegistrations.create({
      customerProfileBundleSid: bundles.customerProfileBundleSid,
      a2PProfileBundleSid: bundles.a2pProfileBundleSid,
      ...(bundles.brandType ? { brandType: bundles.brandType } : {}),
    }),
  );
  return brandRegistration(created, credentials);
}

export async function submitCampaign(credentials: TwilioCredentials, campaign: CampaignSubmission, options: RegistrationOptions): Promise<ProviderRegistration> {
  return call(credentials, options, async (client) => {
    // A campaign lives in a Messaging Service; its numbers are attached to that service.
    const serviceSid =
      campaign.messagingServiceSid ||
      (await client.messaging.v1.services.create({ friendlyName: `10DLC ${campaign.useCase}`.slice(0, 64), usecase: 'notifications' })).sid;
    const created = await client.messaging.v1.services(serviceSid).usAppToPerson.create({
      brandRegistrationSid: campaign.brandProviderId,
      description: campaign.description,
      messageFlow: campaign.messageFlow,
      messageSamples: campaign.sampleMessages,
      usAppToPersonUsecase: campaign.useCase,
      hasEmbeddedLinks: campaign.hasEmbeddedLinks,
      hasEmbeddedPhone: campaign.hasEmbeddedPhone,
      ...(campaign.optInMessage ? { optInMessage: campaign.optInMessage } : {}),
      ...(campaign.optOutMessage ? { optOutMessage: campaign.optOutMessage } : {}),
      ...(campaign.helpMessage ? { helpMessage: campaign.helpMessage } : {}),
      ...(campaign.optInKeywords?.length ? { optInKeywords: campaign.optInKeywords } : {}),
    });
    return campaignRegistration(created, serviceSid, credentials);
  });
}

export async function submitTollFreeVerification(
  credentials: TwilioCredentials,
  verification: TollFreeSubmission,
  options: RegistrationOptions,
): Promise<ProviderRegistration> {
  return call(credentials, options, async (client) => {
    const numberSid = await phoneNumberSid(client, verification.phoneNumber);
    const { business, contact } = verification;
    const created = await client.messaging.v1.tollfreeVerifications.create({
      businessName: business.companyName ?? business.displayName ?? '',
      businessWebsite: business.website ?? '',
      notificationEmail: verification.notificationEmail,
      useCaseCategories: verification.useCaseCategories,
      useCaseSummary: verification.useCaseSummary,
      productionMessageSample: verification.sampleMessages.join('\n\n'),
      optInImageUrls: verification.optIn.imageUrls,
      optInType: verification.optIn.type as 'WEB_FORM',
      messageVolume: verification.messageVolume,
      tollfreePhoneNumberSid: numberSid,
      ...(business.street ? { businessStreetAddress: business.street } : {}),
      ...(business.city ? { businessCity: business.city } : {}),
      ...(business.state ? { businessStateProvinceRegion: business.state } : {}),
      ...(business.postalCode ? { businessPostalCode: business.postalCode } : {}),
      ...(business.country ? { businessCountry: business.country } : {}),
      businessContactFirstName: contact.firstName,
      businessContactLastName: contact.lastName,
      businessContactEmail: contact.email,
      businessContactPhone: contact.phone,
      additionalInformation: [verification.optIn.description, verification.additionalInformation].filter(Boolean).join('\n\n'),
    });
    return tollFreeRegistration(created, credentials);
  });
}

/** The PN… sid of one of the account's numbers. */
async function phoneNumberSid(client: twilio.Twilio, phoneNumber: string): Promise<string> {
  const number = await findIncomingNumber(client, phoneNumber);
  if (!number) throw new RegistrationRefused(`${phoneNumber} is not a number of this Twilio account`, 404, '20404');
  return number.sid;
}

export async function attachNumbers(
  credentials: TwilioCredentials,
  registration: RegistrationRef,
  phoneNumbers: string[],
  options: RegistrationOptions,
): Promise<NumberRegistration[]> {
  if (registration.kind !== 'CAMPAIGN') return syncNumbers(credentials, registration, phoneNumbers, options);
  const serviceSid = requireService(registration);
  return call(credentials, options, async (client) => {
    const attached = await client.messaging.v1.services(serviceSid).phoneNumbers.list({ limit: 400 });
    const inService = new Set(attached.map((n) => n.phoneNumber));
    for (const phoneNumber of phoneNumbers) {
      if (inService.has(phoneNumber)) continue;
      await client.messaging.v1.services(serviceSid).phoneNumbers.create({ phoneNumberSid: await phoneNumberSid(client, phoneNumber) });
    }
    return phoneNumbers.map((phoneNumber) => ({ phoneNumber, status: 'APPROVED' as const, providerStatus: 'in-service' }));
  });
}

export async function fetchRegistration(credentials: TwilioCredentials, registration: RegistrationRef, options: RegistrationOptions): Promise<ProviderRegistration> {
  return call(credentials, options, async (client) => {
    switch (registration.kind) {
      case 'BRAND': {
        return brandRegistration(await client.messaging.v1.brandRegistrations(registration.providerId).fetch(), credentials);
      }
      case 'CAMPAIGN': {
        const serviceSid = requireService(registration);
        return campaignRegistration(await client.messaging.v1.services(serviceSid).usAppToPerson(registration.providerId).fetch(), serviceSid, credentials);
      }
      case 'TOLL_FREE_VERIFICATION': {
        return tollFreeRegistration(await client.messaging.v1.tollfreeVerifications(registration.providerId).fetch(), credentials);
      }
    }
  });
}

/**
 * A campaign's numbers are those in its Messaging Service (their link is "approved"; the
 * campaign's own status decides); a toll-free verification covers its one number.
 */
export async function syncNumbers(
  credentials: TwilioCredentials,
  registration: RegistrationRef,
  phoneNumbers: string[],
  options: RegistrationOptions,
): Promise<NumberRegistration[]> {
  if (registration.kind === 'BRAND') return phoneNumbers.map((phoneNumber) => ({ phoneNumber, status: 'UNREGISTERED', providerStatus: 'brand' }));
  return call(credentials, options, async (client) => {
    if (registration.kind === 'TOLL_FREE_VERIFICATION') {
      const verification = await client.messaging.v1.tollfreeVerifications(registration.providerId).fetch();
      return phoneNumbers.map((phoneNumber) =>
        verification.tollfreePhoneNumber === phoneNumber
          ? { phoneNumber, status: mapTollFreeStatus(verification.status), providerStatus: verification.status }
          : { phoneNumber, status: 'UNREGISTERED' as const, providerStatus: 'not-in-verification' },
      );
    }
    const attached = await client.messaging.v1.services(requireService(registration)).phoneNumbers.list({ limit: 400 });
    const inService = new Set(attached.map((n) => n.phoneNumber));
    return phoneNumbers.map((phoneNumber) =>
      inService.has(phoneNumber)
        ? { phoneNumber, status: 'APPROVED' as const, providerStatus: 'in-service' }
        : { phoneNumber, status: 'UNREGISTERED' as const, providerStatus: 'not-in-service' },
    );
  });
}

function requireService(registration: RegistrationRef): string {
  if (!registration.messagingServiceSid) throw new RegistrationRefused('A Twilio campaign needs its Messaging Service (messagingServiceSid)', 400);
  return registration.messagingServiceSid;
}

export const twilioRegistration: RegistrationAdapter<TwilioCredentials> = {
  submitBrand,
  submitCampaign,
  submitTollFreeVerification,
  attachNumbers,
  fetchRegistration,
  syncNumbers,
};
