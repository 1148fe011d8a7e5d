import type { IncomingMessage, ServerResponse } from 'node:http';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { Services } from '../services';
import { schema } from '../graphql/schema';
import { contextFor, type Context } from '../graphql/context';
import { queryLimitPlugins } from '../graphql/limits';
import { authenticate, type Caller } from '../tenancy/api-keys';
import { BodyTooLarge, readBodyBytes, sendJson } from './io';
import { rateLimitedMessage } from '../security/rate-limit';

/** What the HTTP edge hands Yoga with each request (the caller once handle() has authenticated it). */
export type ServerContext = { req: IncomingMessage; res: ServerResponse; caller?: Caller | null };

export interface GraphqlHttp {
  /** The Yoga instance: the WebSocket server runs its operations through its getEnveloped. */
  yoga: YogaServerInstance<ServerContext, Context>;
  /** /graphql over HTTP. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

/** GraphQL over HTTP: Yoga with the query limits, CORS and logging, behind the key's rate limit and the body cap. */
export function createGraphqlHttp(services: Services): GraphqlHttp {
  const { config, log } = services;
  const yoga = createYoga<ServerContext, Context>({
    schema,
    // Depth, aliases, tokens, directives, cost and page size; the WebSocket server applies the same.
    plugins: queryLimitPlugins(config.limits.query),
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: { title: 'Switchboard', subscriptionsProtocol: 'WS' },
    // Yoga's default CORS answers any Origin with itself and allows credentials. Only the origins
    // in CORS_ORIGINS get CORS headers; without it, browsers keep to same-origin (GraphiQL included).
    cors: config.corsOrigins.length === 0 ? false : corsFor(config.corsOrigins),
    logging: {
      debug: (...args) => log.debug(args.map(String).join(' ')),
      info: (...args) => log.info(args.map(String).join(' ')),
      warn: (...args) => log.warn(args.map(String).join(' ')),
      error: (...args) => log.error(args.map(String).join(' ')),
    },
    // handle() has authenticated the request already (for its rate limit), GET requests too;
    // Yoga is reached only through it, and a request that did not pass there has no caller.
    context: ({ caller }) => contextFor(services, caller ?? null),
  });

  /**
   * The key's rate limit and the body cap are applied before Yoga sees the request. The body is
   * read here (refused from Content-Length up front, or as soon as the bytes counted pass the
   * cap) and handed to Yoga already read.
   */
  async function handle(req: IncomingMessage, res: ServerResponse) {
    const caller = await authenticate(services, req.headers.authorization);
    if (caller?.kind === 'organization') {
      const budget = await services.rateLimiter.take(caller.apiKeyId);
      if (!budget.allowed) {
        const error = { message: rateLimitedMessage(budget), extensions: { code: 'RATE_LIMITED' } };
        return sendJson(res, 429, { errors: [error] }, { 'retry-after': String(budget.retryAfterSeconds) });
      }
    }
    if (req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'OPTIONS') {
      try {
        (req as IncomingMessage & { body?: unknown }).body = parsedBody(req, await readBodyBytes(req, config.limits.graphqlMaxBodyBytes));
      } catch (error) {
        if (!(error instanceof BodyTooLarge)) throw error;
        const message = `The request body is over ${config.limits.graphqlMaxBodyBytes} bytes`;
        return sendJson(res, 413, { errors: [{ message, extensions: { code: 'PAYLOAD_TOO_LARGE' } }] });
      }
    }
    await yoga(req, res, { req, res, caller });
  }

  return { yoga, handle };
}

/**
 * A JSON body is handed to Yoga parsed: it then reads the object as it is, rather than streaming
 * the bytes through a Fetch body again (a pipeline, an AbortController and its AbortError per
 * request). Anything else (another content type, JSON that does not parse) goes as the bytes,
 * and Yoga answers it as it always does.
 */
function parsedBody(req: IncomingMessage, bytes: Buffer): unknown {
  if (!/^application\/(graphql-response\+)?json\b/i.test(req.headers['content-type'] ?? '')) return bytes;
  try {
    const parsed: unknown = JSON.parse(bytes.toString('utf8'));
    // Only an object with fields is taken as parsed; an array (a batch) or a scalar goes as bytes.
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) && Object.keys(parsed).length > 0 ? parsed : bytes;
  } catch {
    return bytes;
  }
}

/** CORS headers for a listed Origin only (with credentials); any other origin gets none. */
function corsFor(origins: string[]) {
  return (request: Request) => {
    const origin = request.headers.get('origin');
    if (!origin || !origins.includes(origin)) return false as const;
    return {
      origin: [origin],
      credentials: true,
      methods: ['GET', 'POST', 'OPTIONS'],
      allowedHeaders: ['authorization', 'content-type', 'accept'],
      maxAge: 600,
    };
  };
}
