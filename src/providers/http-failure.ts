/**
 * How a failed send is reported, shared by the three providers: which failures are worth
 * retrying (429, 5xx, timeouts, the network), how long the provider asked us to wait, and
 * keeping credentials out of anything that leaves this module.
 */
import type { SendResult } from './types.js';

export type SendFailure = Extract<SendResult, { ok: false }>;

/** Whether the provider said "not now" rather than "no": try the same request again later. */
export function isRetryableStatus(httpStatus: number): boolean {
  // 408 is a request timeout on the provider's side: the same as our own timeout.
  return httpStatus === 408 || httpStatus === 429 || httpStatus >= 500;
}

/** Retry-After as milliseconds: either delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

export interface ProviderRefusal {
  httpStatus: number;
  /** The provider's own error code, when its body named one. */
  code?: string | null;
  /** The provider's human explanation. */
  message?: string | null;
  retryAfter?: string | null;
  /** Provider codes that mean "try again later" whatever the HTTP status says. */
  retryableCode?: boolean;
  recipientOptedOut?: boolean;
}

/** A refusal the provider answered over HTTP. */
export function refusal(answer: ProviderRefusal): SendFailure {
  const retryable = isRetryableStatus(answer.httpStatus) || answer.retryableCode === true;
  const failure: SendFailure = {
    ok: false,
    retryable,
    errorCode: answer.code ? String(answer.code) : `HTTP_${answer.httpStatus}`,
    errorMessage: answer.message?.trim() || `The provider answered HTTP ${answer.httpStatus}`,
  };
  if (retryable) {
    const retryAfterMs = parseRetryAfter(answer.retryAfter);
    if (retryAfterMs !== undefined) failure.retryAfterMs = retryAfterMs;
  }
  if (answer.recipientOptedOut) failure.recipientOptedOut = true;
  return failure;
}

// Error codes Node, undici and node-fetch put on connection-level failures.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ERR_NETWORK',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);
const NETWORK_NAMES = new Set(['AbortError', 'TimeoutError', 'FetchError', 'APIConnectionError', 'APIConnectionTimeoutError']);
const NETWORK_MESSAGE = /socket hang up|timeout|timed out|fetch failed|network|ECONN|other side closed/i;

/**
 * Recognises a request that never got an HTTP answer (refused, reset, timed out), looking
 * through `cause` chains because every SDK wraps the socket error differently. Returns
 * undefined for anything else, so a programming error is not mistaken for a flaky network.
 */
export function networkFailure(error: unknown): SendFailure | undefined {
  let isNetwork = false;
  let timedOut = false;
  let code = '';
  let message = '';
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    const candidate = current as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown };
    const levelCode = typeof candidate.code === 'string' ? candidate.code : '';
    const name = typeof candidate.name === 'string' ? candidate.name : '';
    const levelMessage = typeof candidate.message === 'string' ? candidate.message : '';
    if (NETWORK_CODES.has(levelCode) || NETWORK_NAMES.has(name) || NETWORK_MESSAGE.test(levelMessage)) {
      isNetwork = true;
      timedOut ||= /Timeout|Abort/.test(name) || /timeout|timed out/i.test(levelMessage) || levelCode.includes('TIMEDOUT');
      // The innermost socket error says most ("connect ECONNREFUSED 127.0.0.1:443").
      if (NETWORK_CODES.has(levelCode)) code = levelCode;
      if (levelMessage) message = levelMessage;
    }
    current = candidate.cause;
  }
  if (!isNetwork) return undefined;
  return {
    ok: false,
    retryable: true,
    errorCode: 'NETWORK',
    errorMessage: timedOut
      ? 'The provider did not answer in time'
      : `Could not reach the provider${code ? ` (${code})` : ''}${message ? `: ${message}` : ''}`,
  };
}

/**
 * A failure that is neither an HTTP answer nor a network problem, e.g. credentials the SDK
 * refuses before sending. Retrying the same input will not help.
 */
export function clientFailure(error: unknown, errorCode = 'PROVIDER_CLIENT_ERROR'): SendFailure {
  const message = error instanceof Error ? error.message : String(error);
  return { ok: false, retryable: false, errorCode, errorMessage: message || 'The provider SDK refused the request' };
}

/**
 * Removes every credential value from the texts of a result. Provider messages should never
 * echo a secret, but a send result is stored and shown to users, so we make sure.
 */
export function withoutSecrets(result: SendResult, secrets: Array<string | null | undefined>): SendResult {
  if (result.ok) return result;
  let errorMessage = result.errorMessage;
  for (const secret of secrets) {
    // Very short values (an empty optional field) would shred ordinary words.
    if (secret && secret.length >= 6) errorMessage = errorMessage.split(secret).join('[redacted]');
  }
  return errorMessage === result.errorMessage ? result : { ...result, errorMessage };
}
