import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Services } from '../services';
import type { CredentialsByProvider, ProviderAdapter, ProviderName, VerifyResult, WebhookRequest } from '../providers/types';
import { providers } from '../providers';
import { MalformedWebhookError } from '../providers/webhook-helpers';
import { providerCredentials } from '../assistants/assistants';
import { parseE164 } from '../messaging/phone-number';
import type { Inbound, OurNumber, StatusUpdate } from '../messaging/receive';
import { BodyTooLarge, readBody, sendJson, sendText } from '../edge/io';

type Route = { provider: ProviderName; kind: 'inbound' | 'status' };

/** The provider webhook routes. Telnyx posts both kinds to one route; its event type tells them apart. */
export const WEBHOOK_ROUTES = new Map<string, Route>([
  ['/webhooks/twilio/messages', { provider: 'TWILIO', kind: 'inbound' }],
  ['/webhooks/twilio/status', { provider: 'TWILIO', kind: 'status' }],
  ['/webhooks/telnyx', { provider: 'TELNYX', kind: 'inbound' }],
  ['/webhooks/vonage/inbound', { provider: 'VONAGE', kind: 'inbound' }],
  ['/webhooks/vonage/status', { provider: 'VONAGE', kind: 'status' }],
]);

/**
 * Credentials no signature can match, for a number we do not know (or whose assistant has no
 * credentials): the request is refused exactly as a forged one would be (401 without a
 * signature, 403 with one), and says nothing about which numbers exist.
 */
const NO_CREDENTIALS: CredentialsByProvider = {
  TWILIO: { accountSid: '', authToken: '\u0000unverifiable' },
  TELNYX: { apiKey: '', publicKey: '' },
  VONAGE: { apiKey: '', apiSecret: '', signatureSecret: '\u0000unverifiable' },
};

export async function handleProviderWebhook(services: Services, path: string, req: IncomingMessage, res: ServerResponse) {
  const { provider, kind } = WEBHOOK_ROUTES.get(path)!;
  const adapter = providers[provider];
  let rawBody: string;
  try {
    rawBody = await readBody(req);
  } catch (error) {
    if (error instanceof BodyTooLarge) return sendText(res, 413, 'body too large');
    throw error;
  }
  const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(',') : v]));
  const request: WebhookRequest = { url: services.config.publicUrl + (req.url ?? path), headers, rawBody };

  const ourNumber = parseE164(adapter.ourNumber(request, kind) ?? '');
  // Several organizations may hold the number (each proved its account owns it): the webhook
  // is for the one whose account signed it, the oldest registration if more than one did.
  let number: OurNumber | null = null;
  let verdict: VerifyResult = adapter.verifyWebhook(NO_CREDENTIALS[provider] as never, request);
  for (const candidate of ourNumber ? await services.senders.forWebhook(provider, ourNumber) : []) {
    const candidateVerdict = await verifyForNumber(services, adapter, candidate, request);
    if (candidateVerdict.ok) {
      number = candidate;
      verdict = candidateVerdict;
      break;
    }
    verdict = candidateVerdict;
  }
  if (!verdict.ok || !number) {
    const status = verdict.ok ? 403 : verdict.httpStatus;
    services.metrics.webhooksRefused.inc({ provider, status: String(status) });
    services.log.warn({ provider, path, status, reason: verdict.ok ? 'unknown number' : verdict.reason }, 'webhook refused');
    return sendText(res, status, status === 401 ? 'missing signature' : 'invalid signature');
  }

  let events;
  try {
    events = adapter.normalizeWebhook(request, kind).map((event) => (event.kind === 'inbound' ? checkInbound(event) : event));
  } catch (error) {
    if (error instanceof MalformedWebhookError) return sendText(res, 400, error.message);
    throw error;
  }
  // Answered only once stored: a provider that gets no 200 sends the webhook again.
  for (const event of events) {
    if (event.kind === 'inbound') {
      const { message, duplicate } = await services.inbound.add({ event, number });
      services.log.debug({ provider, messageId: message.id, duplicate }, 'inbound message');
    } else {
      const outcome = await applyStatusSoon(services, event, number);
      services.log.debug({ provider, providerMessageId: event.providerMessageId, providerStatus: event.providerStatus, outcome }, 'delivery status');
    }
  }
  if (provider === 'TWILIO') return sendText(res, 200, '<?xml version="1.0" encoding="UTF-8"?><Response/>', 'text/xml');
  return sendJson(res, 200, { received: true });
}

/**
 * A webhook for one of our numbers is verified with its assistant's credentials for the
 * provider. A number without an assistant (or whose assistant has no such credentials) is
 * verified against its organization's other assistants' credentials for that provider, so
 * its inbound messages are still stored, just not forwarded.
 */
async function verifyForNumber(services: Services, adapter: ProviderAdapter, number: OurNumber, request: WebhookRequest): Promise<VerifyResult> {
  const own = number.assistant && providerCredentials(services, number.assistant, adapter.name);
  if (own) return adapter.verifyWebhook(own as never, request);
  const assistants = await services.db.assistant.findMany({ where: { organizationId: number.organizationId } });
  let verdict: VerifyResult = adapter.verifyWebhook(NO_CREDENTIALS[adapter.name] as never, request);
  for (const assistant of assistants) {
    const credentials = providerCredentials(services, assistant, adapter.name);
    if (!credentials) continue;
    verdict = adapter.verifyWebhook(credentials as never, request);
    if (verdict.ok) return verdict;
  }
  return verdict;
}

/**
 * A delivery status can overtake the send it is about: the provider posts it before our send
 * queue has recorded the provider's message id. Look again a few times before giving up on it.
 */
async function applyStatusSoon(services: Services, event: StatusUpdate, number: OurNumber) {
  for (let attempt = 0; ; attempt++) {
    const outcome = await services.deliveryStatuses.add({ event, number });
    if (outcome !== 'unknown' || attempt === STATUS_LOOKUP_RETRIES) return outcome;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
const STATUS_LOOKUP_RETRIES = 5;

/** Inbound text beyond this is not a message a carrier delivers (Twilio's own limit is 1,600 characters). */
export const MAX_INBOUND_BODY_CHARACTERS = 1600;

/**
 * What a verified inbound webhook may store: E.164 numbers on both ends, no NUL characters
 * (PostgreSQL refuses them in text, and they are never part of a message), and a body a
 * carrier could have delivered. Anything else is answered 400 and stores nothing.
 */
function checkInbound(event: Inbound): Inbound {
  const from = parseE164(event.from);
  const to = parseE164(event.to);
  if (!from || !to) throw new MalformedWebhookError(event.provider, 'from and to must be E.164 phone numbers');
  const body = event.body.replaceAll('\u0000', '');
  if ([...body].length > MAX_INBOUND_BODY_CHARACTERS) {
    throw new MalformedWebhookError(event.provider, `body over ${MAX_INBOUND_BODY_CHARACTERS} characters`);
  }
  return { ...event, from, to, body };
}
