/**
 * The providers' sender registration APIs, as the official SDKs call them, inside the fake
 * provider server (provider-server.ts routes these paths here):
 *
 *   Twilio  (form in, JSON out; Basic AccountSid:AuthToken; Messaging v1)
 *     POST/GET /v1/a2p/BrandRegistrations[/{BN}]
 *     POST     /v1/Services
 *     POST/GET /v1/Services/{MG}/Compliance/Usa2p[/{QE}]
 *     POST/GET /v1/Services/{MG}/PhoneNumbers               (PhoneNumberSid → the account's number)
 *     POST/GET /v1/Tollfree/Verifications[/{HH}]
 *   Telnyx  (JSON; Bearer; answers are the bare objects)
 *     POST/GET /v2/10dlc/brand[/{brandId}]
 *     POST     /v2/10dlc/campaignBuilder,  GET /v2/10dlc/campaign/{campaignId}
 *     POST     /v2/10dlc/phone_number_campaigns,  GET /v2/10dlc/phone_number_campaigns/{phoneNumber}
 *     POST/GET /v2/messaging_tollfree/verification/requests[/{id}]
 *   Vonage  (JSON; Basic api_key:api_secret; RFC 7807 errors)
 *     POST/GET /v1/10dlc/brands[/{brand_id}]
 *     POST/GET /v1/10dlc/brands/{brand_id}/campaigns[/{campaign_id}]
 *     POST     /v1/10dlc/brands/{brand_id}/campaigns/{campaign_id}/numbers
 *     GET      /v1/10dlc/brands/{brand_id}/campaigns/{campaign_id}/numbers/{number}
 *
 * Every object starts where the provider starts it (pending); a test moves it on with
 * `update(id, patch)` in the provider's own words ({ campaign_status: 'VERIFIED' }), and a
 * number's link with `updateNumber`. `refuseNext` makes the next submission fail as the
 * provider refuses one.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';

type Provider = 'twilio' | 'telnyx' | 'vonage';
type Json = Record<string, unknown>;

export interface RegistrationFakeHelpers {
  send(res: ServerResponse, httpStatus: number, body: unknown, headers?: Record<string, string>): void;
  twilioError(httpStatus: number, code: number, message: string): { httpStatus: number; body: unknown; headers?: Record<string, string> };
  telnyxError(httpStatus: number, code: string, title: string, detail: string): { httpStatus: number; body: unknown; headers?: Record<string, string> };
  vonageProblem(httpStatus: number, type: string, title: string, detail: string, extra?: object): { httpStatus: number; body: unknown; headers?: Record<string, string> };
  /** The E.164 number of a Twilio account's PN… sid, from the numbers the fake says it owns. */
  twilioNumberBySid(accountSid: string, sid: string): string | null;
}

export interface RegistrationCall {
  provider: Provider;
  method: string;
  path: string;
  body: Json;
  auth: { scheme: 'basic'; username: string; password: string } | { scheme: 'bearer'; token: string } | null;
}

export interface RegistrationFake {
  /** Whether a request path is one of the registration APIs. */
  handles(path: string): boolean;
  /** Answers one request; returns the HTTP status it answered. */
  handle(res: ServerResponse, call: RegistrationCall): number;
  /** A brand, campaign or verification by its provider id, as the provider would answer it. */
  get(id: string): Json | undefined;
  /** Moves an object on: the patch is in the provider's own field names and words. */
  update(id: string, patch: Json): void;
  /** Moves a number's link to a campaign on (Telnyx assignmentStatus, Vonage status). */
  updateNumber(provider: 'telnyx' | 'vonage', phoneNumber: string, patch: Json): void;
  /** The next create request to this provider is refused with the provider's validation error. */
  refuseNext(provider: Provider, message: string): void;
  clear(): void;
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const twilioSid = (prefix: string) => `${prefix}${hex(16)}`;
const now = () => new Date().toISOString();
const digits = (n: string) => n.replace(/\D/g, '');
const list = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : value === undefined ? [] : [String(value)]);
const bool = (value: unknown) => value === true || value === 'true' || value === 'True';

export function createRegistrationFake(helpers: RegistrationFakeHelpers): RegistrationFake {
  const objects = new Map<string, { provider: Provider; kind: string; resource: Json }>();
  /** Twilio Messaging Service sid → numbers in it (PhoneNumber resources). */
  const serviceNumbers = new Map<string, Json[]>();
  /** `${provider} ${phoneNumber}` → the number's link to a campaign. */
  const links = new Map<string, Json>();
  const refusals = new Map<Provider, string>();
  const { send } = helpers;

  const reply = (res: ServerResponse, answer: { httpStatus: number; body: unknown; headers?: Record<string, string> }) => {
    send(res, answer.httpStatus, answer.body, answer.headers);
    return answer.httpStatus;
  };
  const ok = (res: ServerResponse, httpStatus: number, body: unknown) => reply(res, { httpStatus, body });
  const store = (provider: Provider, kind: string, id: string, resource: Json) => {
    objects.set(id, { provider, kind, resource });
    return resource;
  };
  const find = (provider: Provider, kind: string, id: string) => {
    const found = objects.get(id);
    return found && found.provider === provider && found.kind === kind ? found.resource : undefined;
  };

  function twilioMissing(body: Json, names: string[]) {
    const missing = names.find((name) => body[name] === undefined || body[name] === '');
    return missing ? helpers.twilioError(400, 21604, `Required parameter "${missing}" missing.`) : undefined;
  }
  const twilioNotFound = (path: string) => helpers.twilioError(404, 20404, `The requested resource ${path} was not found`);

  function twilio(res: ServerResponse, { method, path, body, auth }: RegistrationCall): number {
    if (auth?.scheme !== 'basic' || !auth.username.startsWith('AC') || !auth.password) return reply(res, helpers.twilioError(401, 20003, 'Authenticate'));
    const accountSid = auth.username;
    const refused = method === 'POST' ? takeRefusal('twilio') : undefined;
    if (refused) return reply(res, helpers.twilioError(400, 21717, refused));
    let m: RegExpExecArray | null;
    if (path === '/v1/a2p/BrandRegistrations' && method === 'POST') {
      const bad = twilioMissing(body, ['CustomerProfileBundleSid', 'A2PProfileBundleSid']);
      if (bad) return reply(res, bad);
      const sid = twilioSid('BN');
      return ok(res, 201, store('twilio', 'brand', sid, {
        sid,
        account_sid: accountSid,
        customer_profile_bundle_sid: body.CustomerProfileBundleSid,
        a2p_profile_bundle_sid: body.A2PProfileBundleSid,
        date_created: now(),
        date_updated: now(),
        brand_type: body.BrandType ?? 'STANDARD',
        status: 'PENDING',
        tcr_id: `B${hex(3).toUpperCase()}`,
        failure_reason: null,
        errors: [],
        url: `https://messaging.twilio.com/v1/a2p/BrandRegistrations/${sid}`,
        brand_score: null,
        brand_feedback: null,
        identity_status: 'UNVERIFIED',
        russell_3000: false,
        government_entity: false,
        tax_exempt_status: null,
        skip_automatic_sec_vet: false,
        mock: bool(body.Mock),
        links: { brand_vettings: `https://messaging.twilio.com/v1/a2p/BrandRegistrations/${sid}/Vettings` },
      }));
    }
    if ((m = /^\/v1\/a2p\/BrandRegistrations\/([^/]+)$/.exec(path)) && method === 'GET') {
      const brand = find('twilio', 'brand', m[1]);
      return brand ? ok(res, 200, brand) : reply(res, twilioNotFound(path));
    }
    if (path === '/v1/Services' && method === 'POST') {
      const bad = twilioMissing(body, ['FriendlyName']);
      if (bad) return reply(res, bad);
      const sid = twilioSid('MG');
      serviceNumbers.set(sid, []);
      return ok(res, 201, store('twilio', 'service', sid, {
        sid,
        account_sid: accountSid,
        friendly_name: body.FriendlyName,
        usecase: body.Usecase ?? 'undeclared',
        date_created: now(),
        date_updated: now(),
        url: `https://messaging.twilio.com/v1/Services/${sid}`,
        links: { phone_numbers: `https://messaging.twilio.com/v1/Services/${sid}/PhoneNumbers`, us_app_to_person: `https://messaging.twilio.com/v1/Services/${sid}/Compliance/Usa2p` },
      }));
    }
    if ((m = /^\/v1\/Services\/([^/]+)\/Compliance\/Usa2p$/.exec(path)) && method === 'POST') {
      const serviceSid = m[1];
      if (!find('twilio', 'service', serviceSid)) return reply(res, twilioNotFound(path));
      const bad = twilioMissing(body, ['BrandRegistrationSid', 'Description', 'MessageFlow', 'MessageSamples', 'UsAppToPersonUsecase', 'HasEmbeddedLinks', 'HasEmbeddedPhone']);
      if (bad) return reply(res, bad);
      if (!find('twilio', 'brand', String(body.BrandRegistrationSid))) return reply(res, helpers.twilioError(400, 21712, 'The brand registration was not found'));
      const sid = twilioSid('QE');
      return ok(res, 201, store('twilio', 'campaign', sid, {
        sid,
        account_sid: accountSid,
        brand_registration_sid: body.BrandRegistrationSid,
        messaging_service_sid: serviceSid,
        description: body.Description,
        message_samples: list(body.MessageSamples),
        us_app_to_person_usecase: body.UsAppToPersonUsecase,
        has_embedded_links: bool(body.HasEmbeddedLinks),
        has_embedded_phone: bool(body.HasEmbeddedPhone),
        subscriber_opt_in: body.SubscriberOptIn === undefined ? null : bool(body.SubscriberOptIn),
        age_gated: false,
        direct_lending: false,
        campaign_status: 'PENDING',
        campaign_id: null,
        is_externally_registered: false,
        rate_limits: {},
        message_flow: body.MessageFlow,
        opt_in_message: body.OptInMessage ?? null,
        opt_out_message: body.OptOutMessage ?? null,
        help_message: body.HelpMessage ?? null,
        opt_in_keywords: body.OptInKeywords === undefined ? null : list(body.OptInKeywords),
        opt_out_keywords: null,
        help_keywords: null,
        date_created: now(),
        date_updated: now(),
        url: `https://messaging.twilio.com/v1/Services/${serviceSid}/Compliance/Usa2p/${sid}`,
        mock: false,
        errors: [],
      }));
    }
    if ((m = /^\/v1\/Services\/([^/]+)\/Compliance\/Usa2p\/([^/]+)$/.exec(path)) && method === 'GET') {
      const campaign = find('twilio', 'campaign', m[2]);
      return campaign && campaign.messaging_service_sid === m[1] ? ok(res, 200, campaign) : reply(res, twilioNotFound(path));
    }
    if ((m = /^\/v1\/Services\/([^/]+)\/PhoneNumbers$/.exec(path))) {
      const serviceSid = m[1];
      const numbers = serviceNumbers.get(serviceSid);
      if (!numbers) return reply(res, twilioNotFound(path));
      if (method === 'GET') {
        const url = `https://messaging.twilio.com/v1/Services/${serviceSid}/PhoneNumbers?PageSize=50&Page=0`;
        return ok(res, 200, {
          phone_numbers: numbers,
          meta: { page: 0, page_size: 50, first_page_url: url, previous_page_url: null, url, next_page_url: null, key: 'phone_numbers' },
        });
      }
      const bad = twilioMissing(body, ['PhoneNumberSid']);
      if (bad) return reply(res, bad);
      const phoneNumber = helpers.twilioNumberBySid(accountSid, String(body.PhoneNumberSid));
      if (!phoneNumber) return reply(res, helpers.twilioError(400, 21710, 'The Phone Number SID is not a number of this account'));
      if (numbers.some((n) => n.sid === body.PhoneNumberSid)) return reply(res, helpers.twilioError(409, 21710, 'Phone Number is already in the Messaging Service.'));
      const resource = {
        sid: body.PhoneNumberSid,
        account_sid: accountSid,
        service_sid: serviceSid,
        date_created: now(),
        date_updated: now(),
        phone_number: phoneNumber,
        country_code: 'US',
        capabilities: ['SMS', 'MMS'],
        url: `https://messaging.twilio.com/v1/Services/${serviceSid}/PhoneNumbers/${String(body.PhoneNumberSid)}`,
      };
      numbers.push(resource);
      return ok(res, 201, resource);
    }
    if (path === '/v1/Tollfree/Verifications' && method === 'POST') {
      const bad = twilioMissing(body, [
        'BusinessName', 'BusinessWebsite', 'NotificationEmail', 'UseCaseCategories', 'UseCaseSummary',
        'ProductionMessageSample', 'OptInImageUrls', 'OptInType', 'MessageVolume', 'TollfreePhoneNumberSid',
      ]);
      if (bad) return reply(res, bad);
      const phoneNumber = helpers.twilioNumberBySid(accountSid, String(body.TollfreePhoneNumberSid));
      if (!phoneNumber) return reply(res, helpers.twilioError(400, 30404, 'The toll-free phone number sid is not a number of this account'));
      const sid = twilioSid('HH');
      return ok(res, 201, store('twilio', 'tollfree', sid, {
        sid,
        account_sid: accountSid,
        customer_profile_sid: body.CustomerProfileSid ?? null,
        trust_product_sid: null,
        regulated_item_sid: null,
        date_created: now(),
        date_updated: now(),
        business_name: body.BusinessName,
        business_street_address: body.BusinessStreetAddress ?? null,
        business_city: body.BusinessCity ?? null,
        business_state_province_region: body.BusinessStateProvinceRegion ?? null,
        business_postal_code: body.BusinessPostalCode ?? null,
        business_country: body.BusinessCountry ?? null,
        business_website: body.BusinessWebsite,
        business_contact_first_name: body.BusinessContactFirstName ?? null,
        business_contact_last_name: body.BusinessContactLastName ?? null,
        business_contact_email: body.BusinessContactEmail ?? null,
        business_contact_phone: body.BusinessContactPhone ?? null,
        notification_email: body.NotificationEmail,
        use_case_categories: list(body.UseCaseCategories),
        use_case_summary: body.UseCaseSummary,
        production_message_sample: body.ProductionMessageSample,
        opt_in_image_urls: list(body.OptInImageUrls),
        opt_in_type: body.OptInType,
        message_volume: body.MessageVolume,
        additional_information: body.AdditionalInformation ?? null,
        tollfree_phone_number_sid: body.TollfreePhoneNumberSid,
        tollfree_phone_number: phoneNumber,
        status: 'PENDING_REVIEW',
        url: `https://messaging.twilio.com/v1/Tollfree/Verifications/${sid}`,
        rejection_reason: null,
        error_code: null,
        edit_allowed: null,
        resource_links: {},
        external_reference_id: null,
      }));
    }
    if ((m = /^\/v1\/Tollfree\/Verifications\/([^/]+)$/.exec(path)) && method === 'GET') {
      const verification = find('twilio', 'tollfree', m[1]);
      return verification ? ok(res, 200, verification) : reply(res, twilioNotFound(path));
    }
    return reply(res, twilioNotFound(path));
  }

  const telnyxInvalid = (detail: string, pointer: string) => {
    const answer = helpers.telnyxError(400, '10015', 'Bad Request', detail);
    ((answer.body as { errors: Json[] }).errors[0]).source = { pointer };
    return answer;
  };
  const telnyxNotFound = () => helpers.telnyxError(404, '10005', 'Resource not found', 'The requested resource or URL could not be found.');

  function telnyx(res: ServerResponse, { method, path, body, auth }: RegistrationCall): number {
    if (auth?.scheme !== 'bearer' || !auth.token) {
      return reply(res, helpers.telnyxError(401, '10009', 'Authentication failed', 'The required authentication headers were either invalid or not included in the request.'));
    }
    const refused = method === 'POST' ? takeRefusal('telnyx') : undefined;
    if (refused) return reply(res, telnyxInvalid(refused, '/'));
    const missing = (names: string[]) => names.find((name) => body[name] === undefined || body[name] === '' || body[name] === null);
    let m: RegExpExecArray | null;
    if (path === '/v2/10dlc/brand' && method === 'POST') {
      const absent = missing(['entityType', 'displayName', 'country', 'email', 'vertical']);
      if (absent) return reply(res, telnyxInvalid(`${absent} is required`, `/${absent}`));
      const brandId = randomUUID();
      return ok(res, 200, store('telnyx', 'brand', brandId, {
        ...body,
        brandId,
        tcrBrandId: `B${hex(3).toUpperCase()}`,
        brandRelationship: 'BASIC_ACCOUNT',
        identityStatus: 'UNVERIFIED',
        status: 'REGISTRATION_PENDING',
        failureReasons: null,
        createdAt: now(),
        updatedAt: now(),
      }));
    }
    if ((m = /^\/v2\/10dlc\/brand\/([^/]+)$/.exec(path)) && method === 'GET') {
      const brand = find('telnyx', 'brand', m[1]);
      return brand ? ok(res, 200, { ...brand, assignedCampaignsCount: [...objects.values()].filter((o) => o.kind === 'campaign' && o.resource.brandId === m![1]).length }) : reply(res, telnyxNotFound());
    }
    if (path === '/v2/10dlc/campaignBuilder' && method === 'POST') {
      const absent = missing(['brandId', 'description', 'usecase']);
      if (absent) return reply(res, telnyxInvalid(`${absent} is required`, `/${absent}`));
      if (!find('telnyx', 'brand', String(body.brandId))) return reply(res, telnyxInvalid('Brand not found', '/brandId'));
      const campaignId = randomUUID();
      return ok(res, 200, store('telnyx', 'campaign', campaignId, {
        ...body,
        campaignId,
        cspId: 'SXXXXXX',
        mock: false,
        subUsecases: body.subUsecases ?? [],
        termsAndConditions: body.termsAndConditions ?? true,
        campaignStatus: 'TCR_PENDING',
        submissionStatus: 'CREATED',
        tcrCampaignId: null,
        createDate: now(),
      }));
    }
    if ((m = /^\/v2\/10dlc\/campaign\/([^/]+)$/.exec(path)) && method === 'GET') {
      const campaign = find('telnyx', 'campaign', m[1]);
      return campaign ? ok(res, 200, campaign) : reply(res, telnyxNotFound());
    }
    if (path === '/v2/10dlc/phone_number_campaigns' && method === 'POST') {
      const absent = missing(['phoneNumber', 'campaignId']);
      if (absent) return reply(res, telnyxInvalid(`${absent} is required`, `/${absent}`));
      const campaign = find('telnyx', 'campaign', String(body.campaignId));
      if (!campaign) return reply(res, telnyxInvalid('Campaign not found', '/campaignId'));
      const link = {
        phoneNumber: body.phoneNumber,
        campaignId: body.campaignId,
        telnyxCampaignId: body.campaignId,
        brandId: campaign.brandId,
        tcrBrandId: null,
        tcrCampaignId: campaign.tcrCampaignId ?? null,
        assignmentStatus: 'PENDING_ASSIGNMENT',
        failureReasons: null,
        createdAt: now(),
        updatedAt: now(),
      };
      links.set(`telnyx ${String(body.phoneNumber)}`, link);
      return ok(res, 200, link);
    }
    if ((m = /^\/v2\/10dlc\/phone_number_campaigns\/([^/]+)$/.exec(path)) && method === 'GET') {
      const link = links.get(`telnyx ${decodeURIComponent(m[1])}`);
      return link ? ok(res, 200, link) : reply(res, telnyxNotFound());
    }
    if (path === '/v2/messaging_tollfree/verification/requests' && method === 'POST') {
      const absent = missing([
        'businessName', 'corporateWebsite', 'businessAddr1', 'businessCity', 'businessState', 'businessZip',
        'businessContactFirstName', 'businessContactLastName', 'businessContactEmail', 'businessContactPhone',
        'messageVolume', 'phoneNumbers', 'useCase', 'useCaseSummary', 'productionMessageContent', 'optInWorkflow',
        'optInWorkflowImageURLs', 'additionalInformation',
      ]);
      if (absent) return reply(res, telnyxInvalid(`${absent} is required`, `/${absent}`));
      const id = randomUUID();
      return ok(res, 200, store('telnyx', 'tollfree', id, { ...body, id, verificationRequestId: id, verificationStatus: 'In Progress', createdAt: now(), updatedAt: now() }));
    }
    if ((m = /^\/v2\/messaging_tollfree\/verification\/requests\/([^/]+)$/.exec(path)) && method === 'GET') {
      const verification = find('telnyx', 'tollfree', m[1]);
      return verification ? ok(res, 200, verification) : reply(res, telnyxNotFound());
    }
    return reply(res, telnyxNotFound());
  }

  const vonageInvalid = (detail: string, field: string) =>
    helpers.vonageProblem(422, 'https://developer.vonage.com/api-errors/10dlc#invalid-brand-data', 'There were some issues with the submitted data', detail, {
      invalid_parameters: [{ field, description: `Field '${field}' is required` }],
    });
  const vonageNotFound = (path: string) => helpers.vonageProblem(404, 'https://developer.vonage.com/api-errors#not-found', 'Not Found', `The resource ${path} was not found`);
  const vonageId = () => hex(4).toUpperCase().slice(0, 7);
  const vonageLinks = (brandId: string, campaignId?: string) => ({
    self: { href: `https://api.nexmo.com/v1/10dlc/brands/${brandId}${campaignId ? `/campaigns/${campaignId}` : ''}` },
    brand: { href: `https://api.nexmo.com/v1/10dlc/brands/${brandId}` },
  });

  function vonage(res: ServerResponse, { method, path, body, auth }: RegistrationCall): number {
    if (auth?.scheme !== 'basic' || !auth.username || !auth.password) {
      return reply(res, helpers.vonageProblem(401, 'https://developer.vonage.com/api-errors#unauthorized', 'Unauthorized', 'You did not provide correct credentials.'));
    }
    const refused = method === 'POST' ? takeRefusal('vonage') : undefined;
    if (refused) return reply(res, helpers.vonageProblem(422, 'https://developer.vonage.com/api-errors/10dlc#invalid-campaign-data', 'There were some issues with the submitted data', refused));
    const missing = (names: string[]) => names.find((name) => body[name] === undefined || body[name] === '' || body[name] === null);
    let m: RegExpExecArray | null;
    if (path === '/v1/10dlc/brands' && method === 'POST') {
      const absent = missing(['account_id', 'entity_type', 'display_name', 'company_name', 'ein', 'phone', 'email', 'street', 'city', 'state', 'postal_code', 'country', 'website']);
      if (absent) return reply(res, vonageInvalid('There were some errors submitting your brand, please correct the requested fields', absent));
      if (body.account_id !== auth.username) return reply(res, vonageInvalid('account_id must be the account of the credentials', 'account_id'));
      const brandId = vonageId();
      return ok(res, 201, store('vonage', 'brand', brandId, {
        ...body,
        brand_id: brandId,
        primary_account_id: auth.username,
        universal_ein: body.ein,
        brand_relationship: 'BASIC_ACCOUNT',
        campaign_count: 0,
        partner: false,
        shared: false,
        owner: true,
        status: 'PENDING',
        reference_id: randomUUID(),
        created_date: now().replace('T', ' ').slice(0, 19),
        last_updated: now().replace('T', ' ').slice(0, 19),
        _links: { ...vonageLinks(brandId), campaigns: { href: `https://api.nexmo.com/v1/10dlc/brands/${brandId}/campaigns` } },
      }));
    }
    if ((m = /^\/v1\/10dlc\/brands\/([^/]+)$/.exec(path)) && method === 'GET') {
      const brand = find('vonage', 'brand', m[1]);
      return brand ? ok(res, 200, brand) : reply(res, vonageNotFound(path));
    }
    if ((m = /^\/v1\/10dlc\/brands\/([^/]+)\/campaigns$/.exec(path)) && method === 'POST') {
      const brandId = m[1];
      const brand = find('vonage', 'brand', brandId);
      if (!brand) return reply(res, vonageNotFound(path));
      const absent = missing(['account_id', 'usecase', 'description', 'subscriber_opt_in', 'subscriber_opt_out', 'subscriber_help']);
      if (absent) return reply(res, vonageInvalid('There were some errors submitting your campaign, please correct the requested fields', absent));
      const campaignId = vonageId();
      brand.campaign_count = Number(brand.campaign_count ?? 0) + 1;
      return ok(res, 201, store('vonage', 'campaign', campaignId, {
        ...body,
        campaign_id: campaignId,
        brand_id: brandId,
        csp_id: 'SXXXXXX',
        reseller_id: 'R000000',
        created_date: now(),
        last_updated: now(),
        status: 'ACTIVE',
        mno_metadata: [
          { network_id: '10017', mno: 'AT&T', status: 'REVIEW', qualify: true, mno_support: true, mno_review: true },
          { network_id: '10035', mno: 'TMO', status: 'REVIEW', qualify: true, mno_support: true, mno_review: false },
        ],
        _links: { ...vonageLinks(brandId, campaignId), numbers: { href: `https://api.nexmo.com/v1/10dlc/brands/${brandId}/campaigns/${campaignId}/numbers` } },
      }));
    }
    if ((m = /^\/v1\/10dlc\/brands\/([^/]+)\/campaigns\/([^/]+)$/.exec(path)) && method === 'GET') {
      const campaign = find('vonage', 'campaign', m[2]);
      return campaign && campaign.brand_id === m[1] ? ok(res, 200, campaign) : reply(res, vonageNotFound(path));
    }
    if ((m = /^\/v1\/10dlc\/brands\/([^/]+)\/campaigns\/([^/]+)\/numbers$/.exec(path)) && method === 'POST') {
      const [, brandId, campaignId] = m;
      const campaign = find('vonage', 'campaign', campaignId);
      if (!campaign || campaign.brand_id !== brandId) return reply(res, vonageNotFound(path));
      const absent = missing(['country', 'number']);
      if (absent) return reply(res, vonageInvalid('There were some errors submitting your number, please correct the requested fields', absent));
      if (!/^[0-9]{7,15}$/.test(String(body.number))) {
        return reply(res, helpers.vonageProblem(422, 'https://developer.vonage.com/api-errors/10dlc#invalid-number-data', 'There were some issues with the submitted data', 'number must be digits only', {
          invalid_parameters: [{ field: 'number', description: "Field 'number' is not a valid value" }],
        }));
      }
      const existing = links.get(`vonage +${String(body.number)}`);
      if (existing && existing.campaign_id !== campaignId) {
        return reply(res, helpers.vonageProblem(409, 'https://developer.vonage.com/api-errors/10dlc#number-already-linked', 'Number Already Linked', 'The number requested has already been linked to another campaign'));
      }
      const link = {
        number: body.number,
        country: body.country,
        status: 'PENDING',
        campaign_id: campaignId,
        _links: { ...vonageLinks(brandId, campaignId), self: { href: `https://api.nexmo.com/v1/10dlc/brands/${brandId}/campaigns/${campaignId}/numbers/${String(body.number)}` }, campaign: { href: `https://api.nexmo.com/v1/10dlc/brands/${brandId}/campaigns/${campaignId}` } },
      };
      links.set(`vonage +${String(body.number)}`, link);
      return ok(res, 202, link);
    }
    if ((m = /^\/v1\/10dlc\/brands\/([^/]+)\/campaigns\/([^/]+)\/numbers\/([^/]+)$/.exec(path)) && method === 'GET') {
      const link = links.get(`vonage +${m[3]}`);
      if (!link || link.campaign_id !== m[2]) return reply(res, vonageNotFound(path));
      const { campaign_id: _campaign, ...answer } = link;
      return ok(res, 200, answer);
    }
    return reply(res, vonageNotFound(path));
  }

  function takeRefusal(provider: Provider): string | undefined {
    const message = refusals.get(provider);
    refusals.delete(provider);
    return message;
  }

  return {
    handles: (path) =>
      path.startsWith('/v1/a2p/') ||
      path.startsWith('/v1/Services') ||
      path.startsWith('/v1/Tollfree/') ||
      path.startsWith('/v2/10dlc/') ||
      path.startsWith('/v2/messaging_tollfree/') ||
      path.startsWith('/v1/10dlc/'),
    handle(res, call) {
      switch (call.provider) {
        case 'twilio':
          return twilio(res, call);
        case 'telnyx':
          return telnyx(res, call);
        case 'vonage':
          return vonage(res, call);
      }
    },
    get: (id) => objects.get(id)?.resource,
    update(id, patch) {
      const found = objects.get(id);
      if (!found) throw new Error(`no registration object ${id} in the fake`);
      Object.assign(found.resource, patch);
    },
    updateNumber(provider, phoneNumber, patch) {
      const link = links.get(`${provider} +${digits(phoneNumber)}`);
      if (!link) throw new Error(`${phoneNumber} is in no ${provider} campaign in the fake`);
      Object.assign(link, patch);
    },
    refuseNext(provider, message) {
      refusals.set(provider, message);
    },
    clear() {
      objects.clear();
      serviceNumbers.clear();
      links.clear();
      refusals.clear();
    },
  };
}

/** Which provider a registration path belongs to. */
export function registrationProviderOf(path: string): Provider {
  if (path.startsWith('/v2/')) return 'telnyx';
  if (path.startsWith('/v1/10dlc/')) return 'vonage';
  return 'twilio';
}
