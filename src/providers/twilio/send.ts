/**
 * Sends one SMS/MMS through Twilio's Messages API with the official SDK
 * (POST /2010-04-01/Accounts/{AccountSid}/Messages.json).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import twilio from 'twilio';
import { ClientCache } from '../client-cache.js';
import { clientFailure, networkFailure, refusal } from '../http-failure.js';
import { isOptOutRefusal } from './status.js';
import type { OutboundMessage, SendOptions, SendResult } from '../types.js';
import type { TwilioCredentials } from './credentials.js';

const TOO_MANY_REQUESTS = 20429;

type TwilioRequest = Parameters<InstanceType<typeof twilio.RequestClient>['request']>[0];

/** What one send tells the HTTP client, and what it hears back, across the SDK's layers. */
export interface TwilioCall {
  timeoutMs?: number;
  retryAfter?: string;
}
export const currentCall = new AsyncLocalStorage<TwilioCall>();

/**
 * The SDK's own HTTP client with three changes: it sends to `baseUrl` when one is configured
 * (the SDK has no host option), it takes the timeout of the send in progress (the SDK only has
 * a per-client one), and it hands the Retry-After header back to that send (the SDK's
 * RestException drops response headers). Its debug logging is switched off: it prints requests.
 */
class SwitchboardRequestClient extends twilio.RequestClient {
  constructor(private readonly baseUrl: string | undefined) {
    // No autoRetry: Switchboard's queue owns retries and their backoff.
    super({ autoRetry: false, keepAlive: true });
  }

  override async request<TData>(opts: TwilioRequest & { data?: TData }) {
    const call = currentCall.getStore();
    const response = await super.request<TData>({
      ...opts,
      uri: this.baseUrl ? rebase(opts.uri, this.baseUrl) : opts.uri,
      timeout: call?.timeoutMs ?? opts.timeout,
      logLevel: undefined,
    });
    if (call) {
      const retryAfter = (response.headers as Record<string, unknown> | undefined)?.['retry-after'];
      if (typeof retryAfter === 'string') call.retryAfter = retryAfter;
    }
    return response;
  }
}

/** https://api.twilio.com/2010-04-01/… → {baseUrl}/2010-04-01/… */
function rebase(uri: string, baseUrl: string): string {
  const { pathname, search } = new URL(uri);
  return baseUrl.replace(/\/+$/, '') + pathname + search;
}

const clients = new ClientCache<twilio.Twilio>();

/** The cached SDK client for these credentials (number and message look-ups use it too). */
export function clientFor(credentials: TwilioCredentials, baseUrl: string | undefined): twilio.Twilio {
  return clients.get([credentials.accountSid, credentials.authToken, baseUrl], () =>
    twilio(credentials.accountSid, credentials.authToken, {
      httpClient: new SwitchboardRequestClient(baseUrl),
      // Explicit so TWILIO_EDGE / TWILIO_REGION in the environment cannot reroute our requests.
      edge: '',
      region: '',
      autoRetry: false,
    }),
  );
}

export async function sendTwilio(
  credentials: TwilioCredentials,
  message: OutboundMessage,
  options: SendOptions = {},
): Promise<SendResult> {
  const call: TwilioCall = { timeoutMs: options.timeoutMs };
  const result = await currentCall.run(call, async (): Promise<SendResult> => {
    try {
      const sent = await clientFor(credentials, options.baseUrl).messages.create({
        to: message.to,
        // From is kept with a Messaging Service: Twilio then sends from this exact number
        // (its sender pool would otherwise pick one, and replies would land elsewhere).
        from: message.from,
        ...(credentials.messagingServiceSid ? { messagingServiceSid: credentials.messagingServiceSid } : {}),
        ...(message.body ? { body: message.body } : {}),
        ...(message.mediaUrls.length > 0 ? { mediaUrl: message.mediaUrls } : {}),
        ...(message.statusCallbackUrl ? { statusCallback: message.statusCallbackUrl } : {}),
      });
      return { ok: true, providerMessageId: sent.sid, providerStatus: sent.status };
    } catch (error) {
      return describeFailure(error, call.retryAfter);
    }
  });
  return result;
}

function describeFailure(error: unknown, retryAfter: string | undefined): SendResult {
  // RestException (legacy body) and TwilioServiceException (RFC 9457) both carry status and code.
  const answer = error as { status?: unknown; code?: unknown; message?: string; detail?: string };
  if (typeof answer.status === 'number') {
    const code = typeof answer.code === 'number' || typeof answer.code === 'string' ? Number(answer.code) : undefined;
    return refusal({
      httpStatus: answer.status,
      code: code ? String(code) : undefined,
      message: answer.detail ?? answer.message,
      retryAfter,
      retryableCode: code === TOO_MANY_REQUESTS,
      recipientOptedOut: isOptOutRefusal(code ? String(code) : undefined),
    });
  }
  return networkFailure(error) ?? clientFailure(error);
}
