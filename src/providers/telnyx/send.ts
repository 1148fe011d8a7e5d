/**
 * Sends one SMS/MMS through Telnyx's Messaging API v2 with the official SDK (POST /v2/messages).
 */
import Telnyx, { APIError } from 'telnyx';
import { ClientCache } from '../client-cache.js';
import { clientFailure, networkFailure, refusal } from '../http-failure.js';
import { isOptOutRefusal } from './status.js';
import type { OutboundMessage, SendOptions, SendResult } from '../types.js';
import type { TelnyxCredentials } from './credentials.js';

const TELNYX_API = 'https://api.telnyx.com/v2';
const RATE_LIMITED = '10011';

const clients = new ClientCache<Telnyx>();

function clientFor(credentials: TelnyxCredentials, baseUrl: string | undefined): Telnyx {
  return clients.get([credentials.apiKey, baseUrl], () =>
    new Telnyx({
      apiKey: credentials.apiKey,
      // Always explicit, so TELNYX_BASE_URL in the environment cannot reroute our requests.
      baseURL: baseUrl ?? TELNYX_API,
      // The SDK retries 408/409/429/5xx by default, and Telnyx answers an opted-out recipient
      // with 409: Switchboard's queue owns retries and knows which refusals are final.
      maxRetries: 0,
      // The SDK's logger can print requests; Switchboard does its own logging.
      logLevel: 'off',
    }),
  );
}

export async function sendTelnyx(
  credentials: TelnyxCredentials,
  message: OutboundMessage,
  options: SendOptions = {},
): Promise<SendResult> {
  const isMms = message.mediaUrls.length > 0;
  let result: SendResult;
  try {
    const { data } = await clientFor(credentials, options.baseUrl).messages.send(
      {
        from: message.from,
        to: message.to,
        // Telnyx wants text to be non-empty; an MMS may carry media only.
        ...(message.body ? { text: message.body } : {}),
        ...(isMms ? { media_urls: message.mediaUrls, type: 'MMS' as const } : {}),
        ...(message.statusCallbackUrl ? { webhook_url: message.statusCallbackUrl } : {}),
        ...(credentials.messagingProfileId ? { messaging_profile_id: credentials.messagingProfileId } : {}),
      },
      { maxRetries: 0, ...(options.timeoutMs ? { timeout: options.timeoutMs } : {}) },
    );
    if (!data?.id) {
      result = { ok: false, retryable: false, errorCode: 'INVALID_RESPONSE', errorMessage: 'Telnyx accepted the message but returned no id' };
    } else {
      result = { ok: true, providerMessageId: data.id, providerStatus: data.to?.[0]?.status ?? 'queued' };
    }
  } catch (error) {
    result = describeFailure(error);
  }
  return result;
}

interface TelnyxErrorBody {
  errors?: Array<{ code?: string | number; title?: string; detail?: string }>;
}

function describeFailure(error: unknown): SendResult {
  // APIConnectionError extends APIError but has no status: it is a network failure.
  if (error instanceof APIError && typeof error.status === 'number') {
    const first = (error.error as TelnyxErrorBody | undefined)?.errors?.[0];
    const code = first?.code !== undefined ? String(first.code) : undefined;
    return refusal({
      httpStatus: error.status,
      code,
      message: first?.detail ?? first?.title,
      retryAfter: error.headers?.get('retry-after'),
      retryableCode: code === RATE_LIMITED,
      recipientOptedOut: isOptOutRefusal(code),
    });
  }
  return networkFailure(error) ?? clientFailure(error);
}
