import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Services } from '../services';
import type { ProviderDescriptor, VerifyResult, WebhookKind, WebhookRequest } from '../providers/types';
import { allProviders } from '../providers';
import { MalformedWebhookError } from '../providers/webhook-helpers';
import { credentialFor, openCredential, type StoredCredential } from '../assistants/credentials';
import { parseE164 } from '../messaging/phone-number';
import type { Inbound, OurNumber, StatusUpdate } from '../messaging/receive';
import { BodyTooLarge, readBody, sendText } from '../edge/io';

export interface WebhookRoute {
  method: 'POST';
  path: string;
  handler(services: Services, req: IncomingMessage, res: ServerResponse): Promise<void>;
}

/** Every registered provider's webhook routes (its descriptor's `webhooks`), each handled the same way. */
export function webhookRoutes(): WebhookRoute[] {
  return allProviders().flatMap((provider) =>
    provider.webhooks.map(({ path, kind }) => ({
      method: 'POST' as const,
      path,
      handler: (services: Services, req: IncomingMessage, res: ServerResponse) => handleProviderWebhook(services, provider, kind, path, req, res),
    })),
  );
}

async function handleProviderWebhook<C>(
  services: Services,
  provider: ProviderDescriptor<C>,
  kind: WebhookKind,
  path: string,
  req: IncomingMessage,
  res: ServerResponse,
) {
  let rawBody: string;
  try {
    rawBody = await readBody(req);
  } catch (error) {
    if (error instanceof BodyTooLarge) return sendText(res, 413, 'body too large');
    throw error;
  }
  const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(',') : v]));
  const request: WebhookRequest = { url: services.config.publicUrl + (req.url ?? path), headers, rawBody };

  const ourNumber = parseE164(provider.ourNumber(request, kind) ?? '');
  // Several organizations may hold the number (each proved its account owns it): the webhook
  // is for the one whose account signed it, the oldest registration if more than one did.
  // A number we do not know (or whose assistant has no credentials) is checked against
  // credentials no signature can match: refused exactly as a forged request would be (401
  // without a signature, 403 with one), saying nothing about which numbers exist.
  let number: OurNumber | null = null;
  let verdict: VerifyResult | null = null;
  for (const candidate of ourNumber ? await services.senders.forWebhook(provider.name, ourNumber) : []) {
    const candidateVerdict = await verifyForNumber(services, provider, candidate, request);
    if (candidateVerdict.ok) {
      number = candidate;
      verdict = candidateVerdict;
      break;
    }
    verdict = candidateVerdict;
  }
  verdict ??= provider.verifyWebhook(provider.credentials.unverifiable, request);
  const name = provider.name;
  if (!verdict.ok || !number) {
    const status = verdict.ok ? 403 : verdict.httpStatus;
    services.metrics.webhooksRefused.inc({ provider: name, status: String(status) });
    services.log.warn({ provider: name, path, status, reason: verdict.ok ? 'unknown number' : verdict.reason }, 'webhook refused');
    return sendText(res, status, status === 401 ? 'missing signature' : 'invalid signature');
  }

  let events;
  try {
    events = provider.normalizeWebhook(request, kind).map((event) => (event.kind === 'inbound' ? checkInbound(event) : event));
  } catch (error) {
    if (error instanceof MalformedWebhookError) return sendText(res, 400, error.message);
    throw error;
  }
  // Answered only once stored: a provider that gets no 200 sends the webhook again.
  for (const event of events) {
    if (event.kind === 'inbound') {
      const { message, duplicate } = await services.inbound.add({ event, number });
      services.log.debug({ provider: name, messageId: message.id, duplicate }, 'inbound message');
    } else {
      const outcome = await applyStatusSoon(services, event, number);
      services.log.debug({ provider: name, providerMessageId: event.providerMessageId, providerStatus: event.providerStatus, outcome }, 'delivery status');
    }
  }
  return sendText(res, 200, provider.webhookReply.body, provider.webhookReply.contentType);
}

/**
 * A webhook for one of our numbers is verified with its assistant's credentials for the
 * provider. A number without an assistant (or whose assistant has no such credentials) is
 * verified against its organization's other assistants' credentials for that provider, so
 * its inbound messages are still stored, just not forwarded.
 */
async function verifyForNumber<C>(services: Services, provider: ProviderDescriptor<C>, number: OurNumber, request: WebhookRequest): Promise<VerifyResult> {
  const verify = (credential: StoredCredential) => provider.verifyWebhook(openCredential(services.secrets, provider, credential), request);
  const own = credentialFor(number.assistant, provider.name);
  if (own) return verify(own);
  const others = await services.db.providerCredential.findMany({
    where: { organizationId: number.organizationId, provider: provider.name },
    orderBy: { createdAt: 'asc' },
  });
  let verdict: VerifyResult | null = null;
  for (const credential of others) {
    verdict = verify(credential);
    if (verdict.ok) return verdict;
  }
  return verdict ?? provider.verifyWebhook(provider.credentials.unverifiable, request);
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
