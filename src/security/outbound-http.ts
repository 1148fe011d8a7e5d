/**
 * The HTTP client for URLs tenants give the server (the assistant's smsWebhookUrl). Every
 * connection goes through the outbound policy: an IP literal is checked before the request,
 * a name through the agents' `lookup` hook, address by address, before the socket opens.
 * Redirects are not followed (a 3xx is the answer). Failures are reported as coarse
 * categories only: socket and TLS texts name internal hosts and addresses, and the
 * forwarding log they end up in is shown to the tenant.
 */
import http from 'node:http';
import https from 'node:https';
import { BlockedAddressError, checkUrlHost, guardedLookup, type OutboundPolicy } from './outbound-policy';

export type OutboundFailure =
  | 'BLOCKED_ADDRESS'
  | 'INVALID_URL'
  | 'DNS_FAILURE'
  | 'CONNECTION_REFUSED'
  | 'CONNECTION_RESET'
  | 'UNREACHABLE'
  | 'TIMEOUT'
  | 'TLS_ERROR'
  | 'CONNECTION_ERROR';

export class OutboundError extends Error {
  constructor(readonly category: OutboundFailure, cause?: unknown) {
    super(category, { cause });
    this.name = 'OutboundError';
  }
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA', 'ENODATA', 'ESERVFAIL']);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);
const UNREACHABLE_CODES = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'EADDRNOTAVAIL']);
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH|ERR_OSSL_)/;

/** The coarse category of a failed request (never its text). */
export function outboundFailure(error: unknown, timedOut = false): OutboundFailure {
  if (error instanceof OutboundError) return error.category;
  if (error instanceof BlockedAddressError) return 'BLOCKED_ADDRESS';
  if (timedOut) return 'TIMEOUT';
  const e = error as { code?: unknown; name?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (code === 'BLOCKED_ADDRESS') return 'BLOCKED_ADDRESS';
  if (e?.name === 'AbortError' || e?.name === 'TimeoutError' || code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT') return 'TIMEOUT';
  if (DNS_CODES.has(code)) return 'DNS_FAILURE';
  if (code === 'ECONNREFUSED') return 'CONNECTION_REFUSED';
  if (RESET_CODES.has(code) || (typeof e?.message === 'string' && /socket hang up/.test(e.message))) return 'CONNECTION_RESET';
  if (UNREACHABLE_CODES.has(code)) return 'UNREACHABLE';
  // EPROTO is OpenSSL failing the handshake (e.g. "wrong version number" from a non-TLS port).
  if (TLS_CODE.test(code) || code === 'EPROTO' || typeof (e as { library?: unknown } | null)?.library === 'string') return 'TLS_ERROR';
  return 'CONNECTION_ERROR';
}

export interface OutboundRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

export class OutboundHttp {
  readonly #httpAgent: http.Agent;
  readonly #httpsAgent: https.Agent;

  constructor(private readonly policy: OutboundPolicy) {
    const lookup = guardedLookup(policy);
    // Agent options reach net.connect / tls.connect for every socket the agent opens.
    this.#httpAgent = new http.Agent({ keepAlive: true, lookup } as http.AgentOptions);
    this.#httpsAgent = new https.Agent({ keepAlive: true, lookup } as https.AgentOptions);
  }

  /**
   * Sends one request and answers its status once the headers are in (the body is read and
   * dropped). Throws OutboundError with a coarse category when no HTTP answer came.
   */
  async request(target: string, request: OutboundRequest): Promise<{ status: number }> {
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      throw new OutboundError('INVALID_URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OutboundError('INVALID_URL');
    try {
      checkUrlHost(url, this.policy);
    } catch (error) {
      throw new OutboundError('BLOCKED_ADDRESS', error);
    }
    const secure = url.protocol === 'https:';
    const signal = AbortSignal.timeout(request.timeoutMs);
    return new Promise((resolve, reject) => {
      const req = (secure ? https : http).request(url, {
        method: request.method ?? 'POST',
        headers: request.headers,
        agent: secure ? this.#httpsAgent : this.#httpAgent,
        signal,
      });
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        res.on('error', () => {});
        res.resume();
        resolve({ status });
      });
      req.on('error', (error) => reject(new OutboundError(outboundFailure(error, signal.aborted), error)));
      req.end(request.body);
    });
  }

  close() {
    this.#httpAgent.destroy();
    this.#httpsAgent.destroy();
  }
}
