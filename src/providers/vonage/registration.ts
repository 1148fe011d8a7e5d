/**
 * Vonage 10DLC registration (api-eu.vonage.com, Basic api_key:api_secret, JSON):
 *
 *   brand     POST /v1/10dlc/brands                                            201 brand
 *             GET  /v1/10dlc/brands/{brand_id}
 *   campaign  POST /v1/10dlc/brands/{brand_id}/campaigns                       201 campaign
 *             GET  /v1/10dlc/brands/{brand_id}/campaigns/{campaign_id}
 *   numbers   POST /v1/10dlc/brands/{brand_id}/campaigns/{campaign_id}/numbers 202 { number, country, status }
 *             GET  /v1/10dlc/brands/{brand_id}/campaigns/{campaign_id}/numbers/{number}
 *
 * @vonage/server-sdk has no 10DLC module, so this is the SDK's own authenticated client
 * (@vonage/server-client) calling those paths. Vonage has no toll-free verification API.
 */
import { Client } from '@vonage/server-client';
import { ClientCache } from '../client-cache.js';
import type { VonageCredentials } from './credentials.js';
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
} from '../registration-types.js';

const VONAGE_10DLC_HOST = 'https://api-eu.vonage.com';

/** The SDK's client with Basic auth (the 10DLC API takes the API key and secret, never the JWT). */
class TenDlcClient extends Client {
  protected override authType = 'basic' as Client['authType'];

  get host(): string {
    return (this.config.apiHost ?? VONAGE_10DLC_HOST).replace(/\/+$/, '');
  }
}

const clients = new ClientCache<TenDlcClient>(64);

function clientFor(credentials: VonageCredentials, options: RegistrationOptions): TenDlcClient {
  const host = options.baseUrl?.replace(/\/+$/, '') ?? VONAGE_10DLC_HOST;
  return clients.get([credentials.apiKey, credentials.apiSecret, host, options.timeoutMs], () =>
    new TenDlcClient({ apiKey: credentials.apiKey, apiSecret: credentials.apiSecret }, { apiHost: host, ...(options.timeoutMs ? { timeout: options.timeoutMs } : {}) }),
  );
}

/** Brand status is free text at Vonage; TCR's words for a registered brand. */
export function mapBrandStatus(status: string | undefined): RegistrationState {
  const word = (status ?? '').toUpperCase();
  if (/FAIL|REJECT|SUSPEND|DELETED/.test(word)) return 'REJECTED';
  if (['OK', 'ACTIVE', 'APPROVED', 'REGISTERED', 'VERIFIED', 'VETTED_VERIFIED'].includes(word)) return 'APPROVED';
  return 'PENDING';
}

interface VonageCampaign {
  campaign_id: string;
  status?: string;
  mno_metadata?: Array<{ mno?: string; status?: string }>;
}

/**
 * A campaign is ACTIVE (or EXPIRED) at the registry; each carrier then reviews it
 * (mno_metadata[].status REVIEW, APPROVED, REJECTED, SUSPENDED). Approved once every carrier is.
 */
export function mapCampaignStatus(campaign: Pick<VonageCampaign, 'status' | 'mno_metadata'>): RegistrationState {
  const carriers = (campaign.mno_metadata ?? []).map((m) => (m.status ?? 'UNKNOWN').toUpperCase());
  if (campaign.status === 'EXPIRED' || carriers.some((s) => s === 'REJECTED' || s === 'SUSPENDED')) return 'REJECTED';
  if (campaign.status === 'ACTIVE' && carriers.length > 0 && carriers.every((s) => s === 'APPROVED')) return 'APPROVED';
  return 'PENDING';
}

/** A number's link to a campaign: PENDING, APPROVED, REJECTED, UNKNOWN. */
function mapNumberStatus(status: string | undefined): RegistrationState {
  if (status === 'APPROVED') return 'APPROVED';
  if (status === 'REJECTED') return 'REJECTED';
  return 'PENDING';
}

function campaignProviderStatus(campaign: VonageCampaign): string {
  const carriers = (campaign.mno_metadata ?? []).map((m) => `${m.mno ?? '?'}:${m.status ?? 'UNKNOWN'}`);
  return [campaign.status ?? 'UNKNOWN', ...carriers].join(' ');
}

interface ProblemDetails {
  title?: string;
  detail?: string;
  invalid_parameters?: Array<{ field?: string; name?: string; description?: string; reason?: string }>;
}

async function call<T>(work: () => Promise<{ data: T }>): Promise<T> {
  try {
    return (await work()).data;
  } catch (error) {
    throw await refusedBy(error);
  }
}

async function refusedBy(error: unknown): Promise<RegistrationRefused> {
  if (error instanceof RegistrationRefused) return error;
  // The SDK throws VetchError with the unread fetch Response of any non-2xx answer (RFC 7807 body).
  const response = (error as { response?: { status?: unknown; text(): Promise<string> } }).response;
  if (response && typeof response.status === 'number') {
    let problem: ProblemDetails = {};
    try {
      problem = JSON.parse(await response.text()) as ProblemDetails;
    } catch {
      // No body to read.
    }
    const fields = (problem.invalid_parameters ?? []).map((p) => `${p.field ?? p.name}: ${p.description ?? p.reason ?? 'invalid'}`);
    const message = [problem.detail ?? problem.title, fields.length > 0 ? `(${fields.join('; ')})` : ''].filter(Boolean).join(' ');
    return new RegistrationRefused(message || `Vonage answered HTTP ${response.status}`, response.status, problem.title ?? null);
  }
  return unreachable('Vonage', error);
}

const clean = (raw: unknown, credentials: VonageCredentials) => stripSecrets(raw, [credentials.apiSecret, credentials.privateKey, credentials.signatureSecret]);
const digits = (e164: string) => e164.replace(/\D/g, '');
const brandPath = (client: TenDlcClient, brandId: string) => `${client.host}/v1/10dlc/brands/${encodeURIComponent(brandId)}`;
const campaignPath = (client: TenDlcClient, ref: RegistrationRef) => {
  if (!ref.brandProviderId) throw new RegistrationRefused('A Vonage campaign needs its brand id', 400);
  return `${brandPath(client, ref.brandProviderId)}/campaigns/${encodeURIComponent(ref.providerId)}`;
};

/** Drops unset fields: Vonage validates the fields it is sent. */
const defined = (fields: Record<string, unknown>) => Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined && v !== null));

export async function submitBrand(credentials: VonageCredentials, brand: BrandSubmission, options: RegistrationOptions): Promise<ProviderRegistration> {
  const client = clientFor(credentials, options);
  const b = brand.business;
  const created = await call(() =>
    client.sendPostRequest<{ brand_id: string; status?: string }>(
      `${client.host}/v1/10dlc/brands`,
      defined({
        account_id: credentials.apiKey,
        entity_type: b.entityType,
        display_name: b.displayName,
        company_name: b.companyName,
        ein: b.ein,
        // E.164 without the leading +.
        phone: b.phone ? digits(b.phone) : undefined,
        street: b.street,
        city: b.city,
        state: b.state,
        postal_code: b.postalCode,
        country: b.country ?? 'US',
        email: b.email,
        website: b.website,
        vertical: b.vertical,
        stock_symbol: b.stockSymbol,
        stock_exchange: b.stockExchange,
      }),
    ),
  );
  return { providerId: created.brand_id, providerStatus: created.status ?? 'PENDING', status: mapBrandStatus(created.status), raw: clean(created, credentials) };
}

export async function submitCampaign(credentials: VonageCredentials, campaign: CampaignSubmission, options: RegistrationOptions): Promise<ProviderRegistration> {
  const client = clientFor(credentials, options);
  const sampleNames = ['sample_one', 'sample_two', 'sample_three', 'sample_four', 'sample_five'];
  const created = await call(() =>
    client.sendPostRequest<VonageCampaign>(
      `${brandPath(client, campaign.brandProviderId)}/campaigns`,
      defined({
        account_id: credentials.apiKey,
        usecase: campaign.useCase,
        vertical: campaign.vertical,
        description: campaign.description,
        ...Object.fromEntries(campaign.sampleMessages.slice(0, 5).map((text, i) => [sampleNames[i], text])),
        message_flow: campaign.messageFlow,
        help_message: campaign.helpMessage,
        embedded_link: campaign.hasEmbeddedLinks,
        embedded_phone: campaign.hasEmbeddedPhone,
        subscriber_opt_in: true,
        subscriber_opt_out: true,
        subscriber_help: true,
        number_pool: false,
        age_gated: false,
        direct_lending: false,
        affiliate_marketing: false,
      }),
    ),
  );
  return campaignRegistration(created, credentials);
}

function campaignRegistration(campaign: VonageCampaign, credentials: VonageCredentials): ProviderRegistration {
  return { providerId: campaign.campaign_id, providerStatus: campaignProviderStatus(campaign), status: mapCampaignStatus(campaign), raw: clean(campaign, credentials) };
}

export async function attachNumbers(
  credentials: VonageCredentials,
  registration: RegistrationRef,
  phoneNumbers: string[],
  options: RegistrationOptions,
): Promise<NumberRegistration[]> {
  const client = clientFor(credentials, options);
  const linked: NumberRegistration[] = [];
  for (const phoneNumber of phoneNumbers) {
    const link = await call(() =>
      client.sendPostRequest<{ status?: string }>(`${campaignPath(client, registration)}/numbers`, { country: 'US', number: digits(phoneNumber) }),
    );
    linked.push({ phoneNumber, status: mapNumberStatus(link.status), providerStatus: link.status ?? 'PENDING' });
  }
  return linked;
}

export async function fetchRegistration(credentials: VonageCredentials, registration: RegistrationRef, options: RegistrationOptions): Promise<ProviderRegistration> {
  const client = clientFor(credentials, options);
  if (registration.kind === 'BRAND') {
    const brand = await call(() => client.sendGetRequest<{ brand_id: string; status?: string }>(brandPath(client, registration.providerId)));
    return { providerId: brand.brand_id, providerStatus: brand.status ?? 'PENDING', status: mapBrandStatus(brand.status), raw: clean(brand, credentials) };
  }
  if (registration.kind === 'CAMPAIGN') {
    return campaignRegistration(await call(() => client.sendGetRequest<VonageCampaign>(campaignPath(client, registration))), credentials);
  }
  throw new RegistrationRefused('Vonage has no toll-free verification API', 400);
}

export async function syncNumbers(
  credentials: VonageCredentials,
  registration: RegistrationRef,
  phoneNumbers: string[],
  options: RegistrationOptions,
): Promise<NumberRegistration[]> {
  if (registration.kind !== 'CAMPAIGN') return phoneNumbers.map((phoneNumber) => ({ phoneNumber, status: 'UNREGISTERED', providerStatus: 'brand' }));
  const client = clientFor(credentials, options);
  const numbers: NumberRegistration[] = [];
  for (const phoneNumber of phoneNumbers) {
    try {
      const link = (await client.sendGetRequest<{ status?: string }>(`${campaignPath(client, registration)}/numbers/${digits(phoneNumber)}`)).data;
      numbers.push({ phoneNumber, status: mapNumberStatus(link.status), providerStatus: link.status ?? 'UNKNOWN' });
    } catch (error) {
      const refused = await refusedBy(error);
      // 404: the number is not linked to this campaign.
      if (refused.httpStatus === 404) numbers.push({ phoneNumber, status: 'UNREGISTERED', providerStatus: 'not-linked' });
      else throw refused;
    }
  }
  return numbers;
}

export const vonageRegistration: RegistrationAdapter<VonageCredentials> = {
  submitBrand,
  submitCampaign,
  attachNumbers,
  fetchRegistration,
  syncNumbers,
};
