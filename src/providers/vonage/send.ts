/**
 * Sends one SMS/MMS through Vonage's Messages API with the official SDK (POST /v1/messages,
 * answered 202 { message_uuid }).
 */
import { Vonage } from '@vonage/server-sdk';
import { ClientCache } from '../client-cache.js';
import { clientFailure, networkFailure, refusal, type SendFailure } from '../http-failure.js';
import { isOptOutRefusal } from './status.js';
import type { OutboundMessage, SendOptions, SendResult } from '../types.js';
import type { VonageCredentials } from './credentials.js';

/** Vonage's Messages API takes at most 1,000 characters of SMS text and one media item per MMS. */
export const VONAGE_LIMITS = { maxBodyCharacters: 1000, maxMedia: 1 } as const;

type VonageMessage = Parameters<Vonage['messages']['send']>[0];

const clients = new ClientCache<Vonage>();

function clientFor(credentials: VonageCredentials, baseUrl: string | undefined, timeoutMs: number | undefined): Vonage {
  const useJwt = Boolean(credentials.applicationId && credentials.privateKey);
  const host = baseUrl?.replace(/\/+$/, '');
  return clients.get(
    [credentials.apiKey, credentials.apiSecret, useJwt ? credentials.applicationId : null, useJwt ? credentials.privateKey : null, host, timeoutMs],
    () =>
      new Vonage(
        // The Messages API takes a JWT when an application is configured, Basic otherwise (the SDK
        // picks JWT whenever it holds both). Only the chosen scheme's secrets are handed over; the
        // webhook signature secret has no part in sending.
        useJwt
          ? { applicationId: credentials.applicationId!, privateKey: credentials.privateKey! }
          : { apiKey: credentials.apiKey, apiSecret: credentials.apiSecret },
        // The SDK never retries; its timeout is per client, hence part of the cache key.
        { ...(host ? { apiHost: host, restHost: host } : {}), ...(timeoutMs ? { timeout: timeoutMs } : {}) },
      ),
  );
}

/** Vonage writes numbers without the leading "+". */
const vonageNumber = (e164: string) => e164.replace(/^\+/, '');

function toVonageMessage(message: OutboundMessage): VonageMessage {
  const common = {
    to: vonageNumber(message.to),
    from: vonageNumber(message.from),
    ...(message.statusCallbackUrl ? { webhookUrl: message.statusCallbackUrl } : {}),
  };
  if (message.mediaUrls.length === 0) {
    return { ...common, channel: 'sms', messageType: 'text', text: message.body } as VonageMessage;
  }
  return {
    ...common,
    channel: 'mms',
    messageType: 'image',
    image: { url: message.mediaUrls[0], ...(message.body ? { caption: message.body } : {}) },
  } as VonageMessage;
}

export async function sendVonage(
  credentials: VonageCredentials,
  message: OutboundMessage,
  options: SendOptions = {},
): Promise<SendResult> {
  const refused = refuseBeforeSending(credentials, message);
  if (refused) return refused;
  let result: SendResult;
  try {
    const client = clientFor(credentials, options.baseUrl, options.timeoutMs);
    const { messageUUID } = await client.messages.send(toVonageMessage(message));
    // Vonage's 202 has no status word of its own; "submitted" is what its first status webhook says.
    result = { ok: true, providerMessageId: messageUUID, providerStatus: 'submitted' };
  } catch (error) {
    result = await describeFailure(error);
  }
  return result;
}

function refuseBeforeSending(credentials: VonageCredentials, message: OutboundMessage): SendFailure | undefined {
  if (message.mediaUrls.length > VONAGE_LIMITS.maxMedia) {
    // A Vonage MMS carries exactly one media object; splitting one message into several is
    // a product decision we did not take, so such a message is refused (the API validates it first).
    return { ok: false, retryable: false, errorCode: 'INVALID_MEDIA', errorMessage: 'A Vonage MMS carries exactly one media URL' };
  }
  if (credentials.applicationId && credentials.privateKey && !credentials.privateKey.includes('-----BEGIN')) {
    // The SDK reads privateKey as a file path when a file by that name exists on this server:
    // only key contents are accepted, so a stored credential can never name a local file.
    return { ok: false, retryable: false, errorCode: 'INVALID_CREDENTIALS', errorMessage: 'The Vonage private key must be a PEM key' };
  }
  return undefined;
}

interface ProblemDetails {
  type?: string;
  title?: string;
  detail?: string;
  /** Which fields a 422 objected to. */
  invalid_parameters?: Array<{ name?: string; reason?: string }>;
}

async function describeFailure(error: unknown): Promise<SendResult> {
  // The SDK throws VetchError with the unread fetch Response of any non-2xx answer.
  const response = (error as { response?: { status?: unknown; headers: { get(name: string): string | null }; text(): Promise<string> } })
    .response;
  if (response && typeof response.status === 'number') {
    const problem = await readProblem(response);
    const text = [problem.type, problem.title, problem.detail].filter(Boolean).join(' ');
    return refusal({
      httpStatus: response.status,
      code: problemCode(problem),
      message: describeProblem(problem),
      retryAfter: response.headers.get('retry-after'),
      recipientOptedOut: isOptOutRefusal(problem.type, text),
    });
  }
  return networkFailure(error) ?? clientFailure(error);
}

/** "The value of one or more parameters is invalid. (to: Invalid phone number.)" */
function describeProblem(problem: ProblemDetails): string | undefined {
  const message = problem.detail ?? problem.title;
  const fields = (problem.invalid_parameters ?? [])
    .filter((field) => field.name)
    .map((field) => `${field.name}: ${field.reason ?? 'invalid'}`);
  return fields.length > 0 ? `${message ?? 'Invalid parameters'} (${fields.join('; ')})` : message;
}

async function readProblem(response: { text(): Promise<string> }): Promise<ProblemDetails> {
  try {
    const body: unknown = JSON.parse(await response.text());
    return body && typeof body === 'object' ? (body as ProblemDetails) : {};
  } catch {
    return {};
  }
}

/**
 * RFC 7807 `type` is a URL naming the error: Vonage puts the code in the fragment
 * (…/api-errors/messages#1020) or the last path part (…/api-errors#unauthorized, …/errors/throttled).
 */
function problemCode(problem: ProblemDetails): string | undefined {
  if (problem.type) {
    try {
      const url = new URL(problem.type);
      const tail = url.hash.slice(1) || url.pathname.split('/').filter(Boolean).pop();
      if (tail) return decodeURIComponent(tail);
    } catch {
      // Not a URL: fall through to the title.
    }
  }
  return problem.title || undefined;
}
