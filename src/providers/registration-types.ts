/**
 * Sender registration at the providers: US 10DLC brands and campaigns, toll-free verification.
 * Each provider folder has a registration.ts exporting the same functions (RegistrationAdapter),
 * which its descriptor carries as `registration`; src/compliance/registration.ts keeps our rows
 * in step with what they answer.
 */

/** Where a sender stands with the carriers (the RegistrationStatus enum of the schema). */
export type RegistrationState = 'UNREGISTERED' | 'PENDING' | 'APPROVED' | 'REJECTED';
export type RegistrationKind = 'BRAND' | 'CAMPAIGN' | 'TOLL_FREE_VERIFICATION';

/** The business behind the messages, as the carriers' registries ask for it. */
export interface BusinessDetails {
  /** PRIVATE_PROFIT, PUBLIC_PROFIT, NON_PROFIT, GOVERNMENT, SOLE_PROPRIETOR */
  entityType?: string | null;
  displayName?: string | null;
  companyName?: string | null;
  /** Tax id (EIN in the US). */
  ein?: string | null;
  email?: string | null;
  /** E.164 */
  phone?: string | null;
  street?: string | null;
  city?: string | null;
  /** Two letters in the US. */
  state?: string | null;
  postalCode?: string | null;
  /** ISO 3166 alpha-2 */
  country?: string | null;
  website?: string | null;
  /** TECHNOLOGY, RETAIL, HEALTHCARE… */
  vertical?: string | null;
  stockSymbol?: string | null;
  stockExchange?: string | null;
}

export interface BrandSubmission {
  business: BusinessDetails;
  /** Twilio keeps the business details in Trust Hub bundles made beforehand; the brand names them. */
  twilio?: { customerProfileBundleSid: string; a2pProfileBundleSid: string; brandType?: string | null } | null;
}

export interface CampaignSubmission {
  /** The provider's id of the brand. */
  brandProviderId: string;
  /** CUSTOMER_CARE, ACCOUNT_NOTIFICATION, 2FA, MIXED… */
  useCase: string;
  description: string;
  /** One to five. */
  sampleMessages: string[];
  /** How recipients opt in (the opt-in evidence the registry reviews). */
  messageFlow: string;
  optInMessage?: string | null;
  optOutMessage?: string | null;
  helpMessage?: string | null;
  optInKeywords?: string[] | null;
  hasEmbeddedLinks: boolean;
  hasEmbeddedPhone: boolean;
  vertical?: string | null;
  /** Twilio: the Messaging Service to hold the campaign; one is created when none is given. */
  messagingServiceSid?: string | null;
}

export interface TollFreeSubmission {
  /** The toll-free number, E.164. */
  phoneNumber: string;
  business: BusinessDetails;
  contact: { firstName: string; lastName: string; email: string; phone: string };
  notificationEmail: string;
  /** Twilio's and Telnyx's use case categories ("Account Notifications", "2FA"…). */
  useCaseCategories: string[];
  useCaseSummary: string;
  sampleMessages: string[];
  optIn: { type: string; description: string; imageUrls: string[] };
  /** Expected monthly volume as the providers' lists spell it ("1,000", "10,000"…). */
  messageVolume: string;
  additionalInformation?: string | null;
}

/** A registration as the provider holds it. */
export interface ProviderRegistration {
  providerId: string;
  /** The provider's own word. */
  providerStatus: string;
  status: RegistrationState;
  failureReason?: string | null;
  /** Twilio: the Messaging Service holding a campaign. */
  messagingServiceSid?: string | null;
  /** The provider's answer (credentials never appear in it). */
  raw: unknown;
}

/** Which registration to read: enough to build the provider's path. */
export interface RegistrationRef {
  kind: RegistrationKind;
  providerId: string;
  /** For a campaign: its brand's provider id (Vonage's paths need it). */
  brandProviderId?: string | null;
  messagingServiceSid?: string | null;
}

/**
 * One of our numbers as the provider sees it under a registration: linked and approved, still
 * pending, refused, or not linked at all (UNREGISTERED).
 */
export interface NumberRegistration {
  phoneNumber: string;
  status: RegistrationState;
  providerStatus: string;
}

export interface RegistrationOptions {
  baseUrl?: string;
  timeoutMs?: number;
}

/** The provider said no (4xx) or could not answer (5xx, network): the message is the provider's. */
export class RegistrationRefused extends Error {
  constructor(
    message: string,
    readonly httpStatus: number | null,
    readonly code: string | null = null,
  ) {
    super(message);
    this.name = 'RegistrationRefused';
  }
}

/** No answer at all (network, timeout): the provider's name and what went wrong, no HTTP status. */
export function unreachable(provider: string, error: unknown): RegistrationRefused {
  return new RegistrationRefused(`${provider} could not be reached: ${(error as Error)?.message ?? String(error)}`, null);
}

/** The same functions in every provider folder's registration.ts; `C` is its credentials. */
export interface RegistrationAdapter<C = unknown> {
  submitBrand(credentials: C, brand: BrandSubmission, options: RegistrationOptions): Promise<ProviderRegistration>;
  submitCampaign(credentials: C, campaign: CampaignSubmission, options: RegistrationOptions): Promise<ProviderRegistration>;
  /** Absent where the provider has no toll-free verification API. */
  submitTollFreeVerification?(credentials: C, verification: TollFreeSubmission, options: RegistrationOptions): Promise<ProviderRegistration>;
  /** Links numbers (E.164) to a campaign; answers how each stands. */
  attachNumbers(credentials: C, registration: RegistrationRef, phoneNumbers: string[], options: RegistrationOptions): Promise<NumberRegistration[]>;
  /** Reads the registration's status. */
  fetchRegistration(credentials: C, registration: RegistrationRef, options: RegistrationOptions): Promise<ProviderRegistration>;
  /** How each of these numbers stands under the registration. */
  syncNumbers(credentials: C, registration: RegistrationRef, phoneNumbers: string[], options: RegistrationOptions): Promise<NumberRegistration[]>;
}

/**
 * A number's standing from its registration's and its own link's: refused if either was,
 * approved only when both are, not registered when the provider has it under nothing.
 */
export function combineStatus(registration: RegistrationState, link: RegistrationState): RegistrationState {
  if (registration === 'REJECTED' || link === 'REJECTED') return 'REJECTED';
  if (link === 'UNREGISTERED') return 'UNREGISTERED';
  if (registration === 'APPROVED' && link === 'APPROVED') return 'APPROVED';
  return 'PENDING';
}

/** The provider's answer as plain JSON, with every credential string replaced. */
export function stripSecrets(raw: unknown, secrets: ReadonlyArray<string | null | undefined>): unknown {
  let text = JSON.stringify(raw ?? null);
  for (const secret of secrets) {
    if (secret && secret.length >= 4) text = text.split(JSON.stringify(secret).slice(1, -1)).join('[redacted]');
  }
  return JSON.parse(text);
}
