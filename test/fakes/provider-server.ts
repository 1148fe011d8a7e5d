/**
 * One local HTTP server that answers like Twilio, Telnyx and Vonage do when the official SDKs
 * send a message, so tests and benchmarks exercise the real SDKs end to end:
 *
 *   Twilio  POST /2010-04-01/Accounts/{AccountSid}/Messages.json  Basic, form  → 201 message resource
 *   Telnyx  POST /v2/messages                                     Bearer, JSON → 200 { data }
 *   Vonage  POST /v1/messages                                     Basic or Bearer JWT, JSON → 202 { message_uuid }
 *
 * and, for the ownership check when a number is added, each provider's list of the account's
 * numbers (`ownNumbers` declares which account owns which):
 *
 *   Twilio  GET /2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json?PhoneNumber=  Basic → page of incoming_phone_numbers
 *   Telnyx  GET /v2/phone_numbers?filter[phone_number]=                                   Bearer (API key) → { data, meta }
 *   Vonage  GET /account/numbers?pattern=&search_pattern=                                 Basic api_key:api_secret → { count, numbers }
 *
 * and lists what it accepted as Twilio does (GET /2010-04-01/Accounts/{AccountSid}/Messages.json
 * with To, From, DateSent / DateSent> / DateSent<, PageSize, Page: newest first, Twilio's paging
 * fields), so that a client can ask whether a message it sent was taken; and the sender
 * registration APIs (10DLC brands, campaigns, number links; toll-free
 * verification) of all three, in registration.ts.
 *
 * Failures are injected per recipient (`failFor`) or for everything (`setOutage`), with each
 * provider's own error bodies. Every request is recorded with its outcome, refused ones too.
 *
 * Standalone: `node --import tsx test/fakes/provider-server.ts` prints one JSON line
 * ({ "baseUrls": … , "controlUrl": … }) and serves until killed; the /__fake/* routes then
 * drive it from another process (see handleControl).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { countSegments } from '../../src/messaging/segments.js';
import { withPlus } from '../../src/messaging/phone-number.js';
import { createRegistrationFake, registrationProviderOf, type RegistrationFake } from './registration.js';

export type FakeProvider = 'twilio' | 'telnyx' | 'vonage';

export type InjectedFailure =
  /** Twilio 400/21211, Telnyx 400/40310, Vonage 422 (…/messages#1020). */
  | { kind: 'invalid-number' }
  /** Twilio 400/21610, Telnyx 409/40300, Vonage 422 (…#recipient-opted-out). */
  | { kind: 'opted-out' }
  /** 429 `times` times (Twilio 20429, Telnyx 10011, Vonage throttled), then success. */
  | { kind: 'rate-limited'; times: number; retryAfterSeconds?: number }
  /** 503 `times` times, then success. */
  | { kind: 'server-error'; times: number }
  /** Answers (successfully) only after `ms`: long enough to trip a client timeout. */
  | { kind: 'hang'; ms: number };

export type RecordedAuth =
  | { scheme: 'basic'; username: string; password: string }
  | { scheme: 'bearer'; token: string }
  | null;

export interface RecordedRequest {
  provider: FakeProvider;
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  auth: RecordedAuth;
  /** Form fields (repeated ones, e.g. MediaUrl, as arrays) or the parsed JSON body. */
  body: Record<string, unknown>;
  /** The recipient in E.164 with '+', whatever the provider's wire format (Vonage has none). */
  to: string | null;
  /** What the fake answered. */
  outcome: {
    httpStatus: number;
    /** Which injected failure (or 'outage', 'unauthorized', 'bad-request') made it refuse. */
    failure?: InjectedFailure['kind'] | 'outage' | 'unauthorized' | 'bad-request';
    /** The id it gave an accepted message. */
    providerMessageId?: string;
  };
  receivedAt: number;
}

export interface FakeProvidersOptions {
  /** Delay every answer by this much (network + provider time). */
  latencyMs?: number;
  /** Keep every request in `requests` (default true). Benchmarks may turn it off and read `requestCount`. */
  recordRequests?: boolean;
  /** Default 0 (any free port). */
  port?: number;
}

export interface FakeProviders {
  baseUrls: { twilio: string; telnyx: string; vonage: string };
  /** Requests in arrival order, refused ones included. */
  readonly requests: RecordedRequest[];
  /** All requests answered so far, recorded or not. */
  readonly requestCount: number;
  /** Messages the fake accepted for this recipient (E.164, with or without '+'). */
  sentTo(number: string): RecordedRequest[];
  /** Every request to this recipient fails as described until `clear()` (or `times` runs out). */
  failFor(to: string, failure: InjectedFailure): void;
  /** While on, every request answers 503. */
  setOutage(on: boolean): void;
  /**
   * The numbers an account owns, as the providers' number lists report them: `account` is the
   * Twilio AccountSid, the Telnyx API key or the Vonage API key. Adds to what it owned before.
   */
  ownNumbers(provider: FakeProvider, account: string, numbers: string[]): void;
  setLatency(ms: number): void;
  /** The sender registration APIs (10DLC brands and campaigns, toll-free verification): see registration.ts. */
  readonly registration: RegistrationFake;
  /** Twilio messages the fake accepted (what its list endpoint answers from), oldest first. */
  readonly twilioMessages: readonly TwilioMessageResource[];
  /** Forgets recorded requests, accepted messages, injected failures, outage, latency, owned numbers and registrations. */
  clear(): void;
  close(): Promise<void>;
}

/** A Twilio Message resource as the API answers it (snake_case, RFC 2822 dates). */
export type TwilioMessageResource = Record<string, unknown> & { sid: string; account_sid: string; to: string; from: string | null; body: string; date_created: string };

interface FailureRule {
  failure: InjectedFailure;
  /** For counted failures: how many more requests fail. */
  remaining: number;
}

interface Refusal {
  httpStatus: number;
  body: unknown;
  headers?: Record<string, string>;
}

export async function startFakeProviders(options: FakeProvidersOptions = {}): Promise<FakeProviders> {
  const recordRequests = options.recordRequests ?? true;
  const requests: RecordedRequest[] = [];
  const twilioMessages: TwilioMessageResource[] = [];
  const rules = new Map<string, FailureRule>();
  /** `${provider} ${account}` → numbers it owns (E.164 with '+'). */
  const owned = new Map<string, Set<string>>();
  const pendingTimers = new Set<NodeJS.Timeout>();
  let requestCount = 0;
  let outage = false;
  let latencyMs = options.latencyMs ?? 0;
  const registration = createRegistrationFake({
    send,
    twilioError,
    telnyxError,
    vonageProblem,
    twilioNumberBySid: (accountSid, sid) => [...(owned.get(`twilio ${accountSid}`) ?? [])].find((n) => twilioNumberSid(n) === sid) ?? null,
  });

  const server = createServer((req, res) => {
    readBody(req).then(
      (raw) => {
        try {
          handle(req, res, raw);
        } catch (error) {
          send(res, 500, { error: String(error) });
        }
      },
      () => res.destroy(),
    );
  });
  // Benchmarks hold many keep-alive connections open; don't let Node's defaults cut them.
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 65_000;
  server.requestTimeout = 0;

  function handle(req: IncomingMessage, res: ServerResponse, raw: string): void {
    const path = (req.url ?? '/').split('?')[0];
    if (path.startsWith('/__fake/')) return handleControl(req, res, path, raw);
    if (registration.handles(path)) return answerRegistration(req, res, path, raw);

    const listing = numberListOf(req.method ?? 'GET', path);
    if (listing) return answerNumberList(req, res, listing, path);
    const list = req.method === 'GET' ? TWILIO_MESSAGES.exec(path) : null;
    if (list) return handleTwilioList(req, res, path, decodeURIComponent(list[1]));

    const route = routeOf(req.method ?? 'GET', path);
    if (!route) return send(res, 404, { error: 'not found', path });
    requestCount++;

    const body = parseBody(req.headers['content-type'], raw);
    const auth = decodeAuth(req.headers.authorization);
    const to = recipientOf(route.provider, body);
    const record: RecordedRequest = {
      provider: route.provider,
      method: req.method ?? 'POST',
      path,
      headers: req.headers,
      auth,
      body,
      to,
      outcome: { httpStatus: 0 },
      receivedAt: Date.now(),
    };
    if (recordRequests) requests.push(record);

    let delayMs = latencyMs;
    let answer: { httpStatus: number; body: unknown; headers?: Record<string, string>; failure?: RecordedRequest['outcome']['failure'] };
    const authProblem = checkAuth(route, auth);
    const badRequest = authProblem ? undefined : validate(route.provider, body);
    const rule = to ? rules.get(to) : undefined;
    if (outage) {
      answer = { ...serverError(route.provider), failure: 'outage' };
    } else if (authProblem) {
      answer = { ...authProblem, failure: 'unauthorized' };
    } else if (badRequest) {
      answer = { ...badRequest, failure: 'bad-request' };
    } else if (rule && rule.failure.kind !== 'hang' && isActive(rule)) {
      answer = { ...injected(route.provider, rule.failure, to!, body), failure: rule.failure.kind };
    } else {
      if (rule?.failure.kind === 'hang') delayMs += rule.failure.ms;
      const accepted = accept(route, body);
      answer = accepted;
      record.outcome.providerMessageId = accepted.providerMessageId;
      // Listed from the moment it is taken, before the (delayed) answer reaches the client.
      if (route.provider === 'twilio') twilioMessages.push(accepted.body as TwilioMessageResource);
    }
    record.outcome.httpStatus = answer.httpStatus;
    if (answer.failure) record.outcome.failure = answer.failure;

    if (delayMs > 0) {
      const timer = setTimeout(() => {
        pendingTimers.delete(timer);
        send(res, answer.httpStatus, answer.body, answer.headers);
      }, delayMs);
      pendingTimers.add(timer);
    } else {
      send(res, answer.httpStatus, answer.body, answer.headers);
    }
  }

  /** The registration APIs: recorded like every request, answered by registration.ts (outage applies). */
  function answerRegistration(req: IncomingMessage, res: ServerResponse, path: string, raw: string): void {
    requestCount++;
    const provider = registrationProviderOf(path);
    const method = req.method ?? 'GET';
    const body = method === 'GET' ? Object.fromEntries(new URL(req.url ?? '/', 'http://fake').searchParams) : parseBody(req.headers['content-type'], raw);
    const auth = decodeAuth(req.headers.authorization);
    const record: RecordedRequest = { provider, method, path, headers: req.headers, auth, body, to: null, outcome: { httpStatus: 0 }, receivedAt: Date.now() };
    if (recordRequests) requests.push(record);
    if (outage) {
      const answer = serverError(provider);
      record.outcome = { httpStatus: answer.httpStatus, failure: 'outage' };
      return send(res, answer.httpStatus, answer.body, answer.headers);
    }
    record.outcome.httpStatus = registration.handle(res, { provider, method, path, body, auth });
  }

  /** A provider's list of the account's own numbers, filtered as each API filters it. */
  function answerNumberList(req: IncomingMessage, res: ServerResponse, route: Route, path: string): void {
    requestCount++;
    const query = new URL(req.url ?? '/', 'http://fake').searchParams;
    const auth = decodeAuth(req.headers.authorization);
    const record: RecordedRequest = {
      provider: route.provider,
      method: req.method ?? 'GET',
      path,
      headers: req.headers,
      auth,
      body: Object.fromEntries(query),
      to: null,
      outcome: { httpStatus: 0 },
      receivedAt: Date.now(),
    };
    if (recordRequests) requests.push(record);
    let answer: Refusal;
    let account: string | undefined;
    if (route.provider === 'twilio') account = route.accountSid;
    else if (route.provider === 'telnyx') account = auth?.scheme === 'bearer' ? auth.token : undefined;
    else account = auth?.scheme === 'basic' ? auth.username : (query.get('api_key') ?? undefined);
    const authProblem = route.provider === 'vonage' && query.get('api_key') && query.get('api_secret') ? undefined : checkAuth(route, auth);
    if (outage) answer = serverError(route.provider);
    else if (authProblem) answer = authProblem;
    else answer = numberList(route, query, [...(owned.get(`${route.provider} ${account}`) ?? [])]);
    record.outcome.httpStatus = answer.httpStatus;
    if (outage) record.outcome.failure = 'outage';
    else if (authProblem) record.outcome.failure = 'unauthorized';
    setTimeout(() => send(res, answer.httpStatus, answer.body, answer.headers), latencyMs);
  }

  /**
   * Twilio's Messages list: the messages this fake accepted for the account, filtered by To, From
   * and DateSent (a day `YYYY-MM-DD` or an instant; `DateSent>`/`DateSent<` compare inclusively,
   * as Twilio's `>=`/`<=`), newest first, PageSize (default 50) per page with Twilio's paging
   * fields. A listed message shows as Twilio shows one a moment after taking it: "sent", with
   * date_sent. Outage and latency apply as to sends.
   */
  function handleTwilioList(req: IncomingMessage, res: ServerResponse, path: string, accountSid: string): void {
    requestCount++;
    const query = new URL(req.url ?? '/', 'http://fake').searchParams;
    const auth = decodeAuth(req.headers.authorization);
    const record: RecordedRequest = {
      provider: 'twilio',
      method: 'GET',
      path,
      headers: req.headers,
      auth,
      body: Object.fromEntries(query),
      to: query.get('To') ? withPlus(query.get('To')!) : null,
      outcome: { httpStatus: 0 },
      receivedAt: Date.now(),
    };
    if (recordRequests) requests.push(record);
    let answer: Refusal & { failure?: RecordedRequest['outcome']['failure'] };
    const authProblem = checkAuth({ provider: 'twilio', accountSid }, auth);
    if (outage) answer = { ...serverError('twilio'), failure: 'outage' };
    else if (authProblem) answer = { ...authProblem, failure: 'unauthorized' };
    else answer = { httpStatus: 200, body: twilioListPage(twilioMessages, accountSid, query) };
    record.outcome.httpStatus = answer.httpStatus;
    if (answer.failure) record.outcome.failure = answer.failure;
    const reply = () => send(res, answer.httpStatus, answer.body, answer.headers);
    if (latencyMs <= 0) return reply();
    const timer = setTimeout(() => {
      pendingTimers.delete(timer);
      reply();
    }, latencyMs);
    pendingTimers.add(timer);
  }

  /** Counted failures (rate-limited, server-error) use one of their turns; others always apply. */
  function isActive(rule: FailureRule): boolean {
    const { failure } = rule;
    if (failure.kind !== 'rate-limited' && failure.kind !== 'server-error') return true;
    if (rule.remaining <= 0) return false;
    rule.remaining--;
    return true;
  }

  /** Drives a fake running in another process: JSON in, JSON out. */
  function handleControl(req: IncomingMessage, res: ServerResponse, path: string, raw: string): void {
    const input = (raw ? JSON.parse(raw) : {}) as Record<string, unknown>;
    switch (`${req.method} ${path}`) {
      case 'GET /__fake/requests':
        return send(res, 200, { requestCount, requests });
      case 'POST /__fake/fail-for':
        fake.failFor(String(input.to), input.failure as InjectedFailure);
        return send(res, 200, { ok: true });
      case 'POST /__fake/outage':
        fake.setOutage(Boolean(input.on));
        return send(res, 200, { ok: true });
      case 'POST /__fake/latency':
        fake.setLatency(Number(input.ms) || 0);
        return send(res, 200, { ok: true });
      case 'POST /__fake/own-numbers':
        fake.ownNumbers(input.provider as FakeProvider, String(input.account), (input.numbers as string[]) ?? []);
        return send(res, 200, { ok: true });
      case 'POST /__fake/clear':
        fake.clear();
        return send(res, 200, { ok: true });
      default:
        return send(res, 404, { error: 'unknown control route', path });
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;

  const fake: FakeProviders = {
    baseUrls: { twilio: origin, telnyx: `${origin}/v2`, vonage: origin },
    requests,
    registration,
    twilioMessages,
    get requestCount() {
      return requestCount;
    },
    sentTo(number) {
      const e164 = withPlus(number);
      return requests.filter((r) => r.to === e164 && r.outcome.providerMessageId !== undefined);
    },
    failFor(to, failure) {
      const remaining = failure.kind === 'rate-limited' || failure.kind === 'server-error' ? failure.times : Infinity;
      rules.set(withPlus(to), { failure, remaining });
    },
    setOutage(on) {
      outage = on;
    },
    ownNumbers(provider, account, numbers) {
      const key = `${provider} ${account}`;
      const set = owned.get(key) ?? new Set<string>();
      for (const number of numbers) set.add(withPlus(number));
      owned.set(key, set);
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    clear() {
      requests.length = 0;
      twilioMessages.length = 0;
      requestCount = 0;
      rules.clear();
      owned.clear();
      registration.clear();
      outage = false;
      latencyMs = options.latencyMs ?? 0;
    },
    async close() {
      for (const timer of pendingTimers) clearTimeout(timer);
      pendingTimers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}

// ---------------------------------------------------------------------------------------------
// Routing, auth and parsing

interface Route {
  provider: FakeProvider;
  /** Twilio's account in the path, which must match the Basic username. */
  accountSid?: string;
}

const TWILIO_MESSAGES = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/;

function routeOf(method: string, path: string): Route | null {
  if (method !== 'POST') return null;
  const twilio = TWILIO_MESSAGES.exec(path);
  if (twilio) return { provider: 'twilio', accountSid: decodeURIComponent(twilio[1]) };
  if (path === '/v2/messages') return { provider: 'telnyx' };
  if (path === '/v1/messages') return { provider: 'vonage' };
  return null;
}

const TWILIO_NUMBERS = /^\/2010-04-01\/Accounts\/([^/]+)\/IncomingPhoneNumbers\.json$/;

function numberListOf(method: string, path: string): Route | null {
  if (method !== 'GET') return null;
  const twilio = TWILIO_NUMBERS.exec(path);
  if (twilio) return { provider: 'twilio', accountSid: decodeURIComponent(twilio[1]) };
  if (path === '/v2/phone_numbers') return { provider: 'telnyx' };
  if (path === '/account/numbers') return { provider: 'vonage' };
  return null;
}

/**
 * The page each API answers. Twilio's PhoneNumber matches any part of the number; Telnyx's
 * filter[phone_number] wants digits (anything else matches nothing) and matches any part;
 * Vonage's pattern matches by search_pattern (0 starts with, 1 anywhere, 2 ends with) on
 * msisdn, digits without '+'.
 */
function numberList(route: Route, query: URLSearchParams, numbers: string[]): Refusal {
  const digits = (n: string) => n.replace(/\D/g, '');
  switch (route.provider) {
    case 'twilio': {
      const wanted = digits(query.get('PhoneNumber') ?? '');
      const pageSize = Number(query.get('PageSize')) || 50;
      const matching = numbers.filter((n) => digits(n).includes(wanted)).slice(0, pageSize);
      const uri = `/2010-04-01/Accounts/${route.accountSid}/IncomingPhoneNumbers.json?PageSize=${pageSize}&Page=0`;
      return {
        httpStatus: 200,
        body: {
          end: Math.max(matching.length - 1, 0),
          first_page_uri: uri,
          incoming_phone_numbers: matching.map((phoneNumber) => ({
            account_sid: route.accountSid,
            api_version: '2010-04-01',
            capabilities: { mms: true, sms: true, voice: true, fax: false },
            friendly_name: phoneNumber,
            phone_number: phoneNumber,
            sid: twilioNumberSid(phoneNumber),
            status: 'in-use',
            uri: `/2010-04-01/Accounts/${route.accountSid}/IncomingPhoneNumbers/PN${digits(phoneNumber)}.json`,
          })),
          next_page_uri: null,
          page: 0,
          page_size: pageSize,
          previous_page_uri: null,
          start: 0,
          uri,
        },
      };
    }
    case 'telnyx': {
      const wanted = query.get('filter[phone_number]') ?? '';
      const matching = /^\d+$/.test(wanted) ? numbers.filter((n) => digits(n).includes(wanted)) : wanted ? [] : numbers;
      return {
        httpStatus: 200,
        body: {
          data: matching.map((phoneNumber) => ({
            id: digits(phoneNumber),
            record_type: 'phone_number',
            phone_number: phoneNumber,
            status: 'active',
            messaging_profile_id: null,
            country_iso_alpha2: 'US',
            phone_number_type: 'local',
            purchased_at: '2026-01-01T00:00:00Z',
          })),
          meta: { page_number: 1, page_size: 20, total_pages: 1, total_results: matching.length },
        },
      };
    }
    case 'vonage': {
      const pattern = query.get('pattern') ?? '';
      const how = query.get('search_pattern') ?? '1';
      const matching = numbers.filter((n) => {
        const msisdn = digits(n);
        return how === '0' ? msisdn.startsWith(pattern) : how === '2' ? msisdn.endsWith(pattern) : msisdn.includes(pattern);
      });
      const body: Record<string, unknown> = { count: matching.length };
      // Vonage leaves `numbers` out when there are none.
      if (matching.length > 0) {
        body.numbers = matching.map((n) => ({ country: 'US', msisdn: digits(n), type: 'mobile-lvn', features: ['VOICE', 'SMS', 'MMS'] }));
      }
      return { httpStatus: 200, body };
    }
  }
}

/** The PN… sid the fake gives one of a Twilio account's numbers. */
function twilioNumberSid(phoneNumber: string): string {
  return `PN${phoneNumber.replace(/\D/g, '').padEnd(32, '0').slice(0, 32)}`;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseBody(contentType: string | undefined, raw: string): Record<string, unknown> {
  if (!raw) return {};
  if (contentType?.includes('application/x-www-form-urlencoded')) {
    const fields: Record<string, unknown> = {};
    for (const [name, value] of new URLSearchParams(raw)) {
      const existing = fields[name];
      if (existing === undefined) fields[name] = name === 'MediaUrl' ? [value] : value;
      else fields[name] = Array.isArray(existing) ? [...existing, value] : [existing, value];
    }
    return fields;
  }
  try {
    const parsed: unknown = JSON.parse(raw);
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function decodeAuth(header: string | undefined): RecordedAuth {
  if (!header) return null;
  const [scheme, value = ''] = header.split(' ', 2);
  if (/^basic$/i.test(scheme)) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon < 0 ? null : { scheme: 'basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (/^bearer$/i.test(scheme)) return { scheme: 'bearer', token: value };
  return null;
}

function recipientOf(provider: FakeProvider, body: Record<string, unknown>): string | null {
  const to = provider === 'twilio' ? body.To : body.to;
  return typeof to === 'string' && to !== '' ? withPlus(to) : null;
}

/** Each provider's answer to missing or mismatched credentials. Which secret is right is not checked. */
function checkAuth(route: Route, auth: RecordedAuth): Refusal | undefined {
  switch (route.provider) {
    case 'twilio':
      if (auth?.scheme === 'basic' && auth.username === route.accountSid && auth.password) return undefined;
      return twilioError(401, 20003, 'Authenticate');
    case 'telnyx':
      if (auth?.scheme === 'bearer' && auth.token) return undefined;
      return telnyxError(401, '10009', 'Authentication failed', 'The required authentication headers were either invalid or not included in the request.');
    case 'vonage':
      if ((auth?.scheme === 'basic' && auth.username && auth.password) || (auth?.scheme === 'bearer' && auth.token.split('.').length === 3)) {
        return undefined;
      }
      return vonageProblem(401, 'https://developer.vonage.com/api-errors#unauthorized', 'Unauthorized', 'You did not provide correct credentials.');
  }
}

/** The checks each API makes on the request shape, so a client sending the wrong fields finds out. */
function validate(provider: FakeProvider, body: Record<string, unknown>): Refusal | undefined {
  switch (provider) {
    case 'twilio':
      if (!body.To) return twilioError(400, 21604, "A 'To' phone number is required.");
      if (!body.From && !body.MessagingServiceSid) return twilioError(400, 21603, "A 'From' phone number is required.");
      if (!body.Body && !body.MediaUrl) return twilioError(400, 21602, 'Message body is required.');
      if (Array.isArray(body.MediaUrl) && body.MediaUrl.length > 10) return twilioError(400, 21623, 'Number of media files exceeds allowed limit.');
      return undefined;
    case 'telnyx': {
      if (!body.to) return telnyxError(400, '40310', "Invalid 'to' address", "The 'to' address is required.");
      if (!body.from && !body.messaging_profile_id) return telnyxError(400, '40305', "Invalid 'from' address", "The 'from' address is required.");
      const media = Array.isArray(body.media_urls) ? body.media_urls : [];
      if (!body.text && media.length === 0) return telnyxError(400, '40003', 'Message text is required', "Either 'text' or 'media_urls' must be given.");
      return undefined;
    }
    case 'vonage': {
      const missing = ['to', 'from', 'channel', 'message_type'].filter((name) => !body[name]);
      if (missing.length > 0) return vonageInvalidParams(missing.map((name) => ({ name, reason: 'Is required.' })));
      const withPlusSign = ['to', 'from'].filter((name) => String(body[name]).startsWith('+'));
      if (withPlusSign.length > 0) return vonageInvalidParams(withPlusSign.map((name) => ({ name, reason: 'Must be E.164 without a leading +.' })));
      if (body.message_type === 'text' && !body.text) return vonageInvalidParams([{ name: 'text', reason: 'Is required.' }]);
      if (body.message_type === 'image' && !(body.image as { url?: unknown } | undefined)?.url) {
        return vonageInvalidParams([{ name: 'image.url', reason: 'Is required.' }]);
      }
      return undefined;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Answers

function accept(route: Route, body: Record<string, unknown>): Refusal & { providerMessageId: string } {
  switch (route.provider) {
    case 'twilio':
      return twilioMessage(route.accountSid!, body);
    case 'telnyx':
      return telnyxMessage(body);
    case 'vonage': {
      const id = randomUUID();
      return { httpStatus: 202, body: { message_uuid: id }, providerMessageId: id };
    }
  }
}

function twilioMessage(accountSid: string, body: Record<string, unknown>) {
  const sid = `SM${randomUUID().replace(/-/g, '')}`;
  const text = typeof body.Body === 'string' ? body.Body : '';
  const media = Array.isArray(body.MediaUrl) ? body.MediaUrl : [];
  const now = new Date().toUTCString().replace('GMT', '+0000');
  const uri = `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`;
  return {
    httpStatus: 201,
    providerMessageId: sid,
    body: {
      account_sid: accountSid,
      api_version: '2010-04-01',
      body: text,
      date_created: now,
      date_sent: null,
      date_updated: now,
      direction: 'outbound-api',
      error_code: null,
      error_message: null,
      from: body.From ?? null,
      messaging_service_sid: body.MessagingServiceSid ?? null,
      num_media: String(media.length),
      num_segments: String(countSegments(text).segments || 1),
      price: null,
      price_unit: 'USD',
      sid,
      // With a Messaging Service and no From, Twilio first answers "accepted" while it picks a sender.
      status: body.MessagingServiceSid && !body.From ? 'accepted' : 'queued',
      subresource_uris: { media: `${uri.slice(0, -5)}/Media.json` },
      to: body.To,
      uri,
    },
  };
}

/** One page of Twilio's Messages list over `messages` (oldest first), as the API answers it. */
function twilioListPage(messages: readonly TwilioMessageResource[], accountSid: string, query: URLSearchParams) {
  const to = query.get('To');
  const from = query.get('From');
  const instant = (value: string | null, endOfDay: boolean) => {
    if (!value) return null;
    // A day alone means the whole day (UTC): from its first instant, or to its last.
    if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return Date.parse(`${value}T00:00:00Z`) + (endOfDay ? 86_400_000 - 1 : 0);
    const parsed = Date.parse(value);
    return Number.isNaN(parsed) ? null : parsed;
  };
  const on = query.get('DateSent');
  const after = instant(query.get('DateSent>') ?? (on && /^\d{4}-\d{2}-\d{2}$/.test(on) ? on : null), false);
  const before = instant(query.get('DateSent<') ?? (on && /^\d{4}-\d{2}-\d{2}$/.test(on) ? on : null), true);
  const matching = messages
    .filter((m) => m.account_sid === accountSid)
    .filter((m) => !to || withPlus(String(m.to)) === withPlus(to))
    .filter((m) => !from || (m.from !== null && withPlus(String(m.from)) === withPlus(from)))
    .filter((m) => {
      const sent = Date.parse(String(m.date_created));
      return (after === null || sent >= after) && (before === null || sent <= before);
    })
    .reverse();
  const pageSize = Math.min(1000, Math.max(1, Number(query.get('PageSize')) || 50));
  const page = Math.max(0, Number(query.get('Page')) || 0);
  const slice = matching.slice(page * pageSize, (page + 1) * pageSize);
  const base = `/2010-04-01/Accounts/${accountSid}/Messages.json`;
  const pageUri = (n: number) => {
    const params = new URLSearchParams([...query].filter(([name]) => name !== 'Page' && name !== 'PageToken' && name !== 'PageSize'));
    params.set('PageSize', String(pageSize));
    params.set('Page', String(n));
    if (n > 0) params.set('PageToken', `PA${n}`);
    return `${base}?${params}`;
  };
  return {
    messages: slice.map((m) => ({ ...m, status: 'sent', date_sent: m.date_created, date_updated: m.date_created })),
    end: page * pageSize + Math.max(0, slice.length - 1),
    first_page_uri: pageUri(0),
    next_page_uri: (page + 1) * pageSize < matching.length ? pageUri(page + 1) : null,
    page,
    page_size: pageSize,
    previous_page_uri: page > 0 ? pageUri(page - 1) : null,
    start: page * pageSize,
    uri: pageUri(page),
  };
}

function telnyxMessage(body: Record<string, unknown>) {
  const id = randomUUID();
  const text = typeof body.text === 'string' ? body.text : '';
  const media = Array.isArray(body.media_urls) ? (body.media_urls as string[]) : [];
  const segments = countSegments(text);
  const now = new Date();
  return {
    httpStatus: 200,
    providerMessageId: id,
    body: {
      data: {
        record_type: 'message',
        direction: 'outbound',
        id,
        type: media.length > 0 ? 'MMS' : 'SMS',
        messaging_profile_id: body.messaging_profile_id ?? null,
        organization_id: '6a09cdc3-8948-47f0-aa62-74ac943d6c58',
        from: { phone_number: body.from, carrier: 'Telnyx', line_type: 'Wireless' },
        to: [{ phone_number: body.to, status: 'queued', carrier: 'T-MOBILE USA, INC.', line_type: 'Wireless' }],
        cc: [],
        text,
        subject: null,
        media: media.map((url) => ({ url, content_type: null, sha256: null, size: null })),
        webhook_url: body.webhook_url ?? null,
        webhook_failover_url: body.webhook_failover_url ?? null,
        encoding: segments.encoding === 'GSM7' ? 'GSM-7' : 'UCS-2',
        parts: segments.segments || 1,
        tags: [],
        cost: null,
        received_at: now.toISOString(),
        sent_at: null,
        completed_at: null,
        valid_until: new Date(now.getTime() + 4 * 3600_000).toISOString(),
        errors: [],
      },
    },
  };
}

function injected(provider: FakeProvider, failure: InjectedFailure, to: string, body: Record<string, unknown>): Refusal {
  switch (failure.kind) {
    case 'invalid-number':
      return invalidNumber(provider, to);
    case 'opted-out':
      return optedOut(provider, to, String(provider === 'twilio' ? body.From : body.from));
    case 'rate-limited': {
      const refusal = rateLimited(provider);
      if (failure.retryAfterSeconds !== undefined) refusal.headers = { 'retry-after': String(failure.retryAfterSeconds) };
      return refusal;
    }
    case 'server-error':
    case 'hang':
      return serverError(provider);
  }
}

function invalidNumber(provider: FakeProvider, to: string): Refusal {
  switch (provider) {
    case 'twilio':
      return twilioError(400, 21211, `The 'To' number ${to} is not a valid phone number.`);
    case 'telnyx':
      return telnyxError(400, '40310', "Invalid 'to' address", "The 'to' address should be in E.164 format or be a valid short code.");
    case 'vonage':
      return vonageInvalidParams([{ name: 'to', reason: 'Invalid phone number.' }]);
  }
}

function optedOut(provider: FakeProvider, to: string, from: string): Refusal {
  switch (provider) {
    case 'twilio':
      return twilioError(400, 21610, 'Attempt to send to unsubscribed recipient');
    case 'telnyx':
      return telnyxError(409, '40300', 'Blocked due to STOP message', `Messages cannot be sent from '${withPlus(from)}' to '${to}' due to an existing block rule.`);
    case 'vonage':
      return vonageProblem(
        422,
        'https://developer.vonage.com/api-errors/messages#recipient-opted-out',
        'Recipient opted out',
        'The recipient has opted out of messages from this sender (STOP).',
      );
  }
}

function rateLimited(provider: FakeProvider): Refusal {
  switch (provider) {
    case 'twilio':
      return twilioError(429, 20429, 'Too Many Requests');
    case 'telnyx':
      return telnyxError(429, '10011', 'Too many requests', 'You have exceeded the maximum number of allowed requests.');
    case 'vonage':
      return vonageProblem(429, 'https://developer.vonage.com/api-errors#throttled', 'Rate Limit Hit', 'Please wait, then retry your request');
  }
}

function serverError(provider: FakeProvider): Refusal {
  switch (provider) {
    case 'twilio':
      return twilioError(503, 20503, 'Service unavailable');
    case 'telnyx':
      return telnyxError(503, '10007', 'Unexpected error', 'An unexpected error occurred.');
    case 'vonage':
      return vonageProblem(503, 'https://developer.vonage.com/api-errors#service-unavailable', 'Service Unavailable', 'The service is temporarily unavailable.');
  }
}

function twilioError(httpStatus: number, code: number, message: string): Refusal {
  return { httpStatus, body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status: httpStatus } };
}

function telnyxError(httpStatus: number, code: string, title: string, detail: string): Refusal {
  return {
    httpStatus,
    body: { errors: [{ code, title, detail, meta: { url: `https://developers.telnyx.com/docs/overview/errors/${code}` } }] },
  };
}

function vonageProblem(httpStatus: number, type: string, title: string, detail: string, extra: object = {}): Refusal {
  return {
    httpStatus,
    body: { type, title, detail, instance: randomUUID(), ...extra },
    headers: { 'content-type': 'application/problem+json' },
  };
}

function vonageInvalidParams(invalid: Array<{ name: string; reason: string }>): Refusal {
  return vonageProblem(422, 'https://developer.vonage.com/api-errors/messages#1020', 'Invalid params', 'The value of one or more parameters is invalid.', {
    invalid_parameters: invalid,
  });
}

function send(res: ServerResponse, httpStatus: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed) return; // the client gave up (timeout) before a delayed answer
  const payload = JSON.stringify(body);
  res.writeHead(httpStatus, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
    ...headers,
  });
  res.end(payload);
}

// ---------------------------------------------------------------------------------------------
// Standalone: print the base URLs as one JSON line, serve until killed.

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const port = Number(process.env.FAKE_PROVIDERS_PORT) || 0;
  const latencyMs = Number(process.env.FAKE_PROVIDERS_LATENCY_MS) || 0;
  const fake = await startFakeProviders({ port, latencyMs, recordRequests: process.env.FAKE_PROVIDERS_RECORD !== '0' });
  const controlUrl = `${fake.baseUrls.twilio}/__fake`;
  process.stdout.write(`${JSON.stringify({ baseUrls: fake.baseUrls, controlUrl })}\n`);
  const stop = () => void fake.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
