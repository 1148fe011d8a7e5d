import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createYoga } from 'graphql-yoga';
import type { Config } from './config';
import { migrate } from './db/migrate';
import { openDatabase } from './db/client';
import { SecretBox } from './security/secrets';
import { createEvents } from './realtime/events';
import { createLogger } from './logger';
import { Metrics } from './observability/metrics';
import type { Services } from './services';
import { schema } from './graphql/schema';
import { contextFor, type Context } from './graphql/context';
import { API_KEY_TTL_MS, authenticate, createOrganization } from './tenancy/api-keys';
import { ExpiringCache } from './expiring-cache';
import { SEARCH_PLAN_ENTRIES, SEARCH_PLAN_TTL_MS } from './messaging/delivery-log';
import { SendQueue } from './queue/send-queue';
import { SenderDirectory } from './assistants/sender-directory';
import { createIntake } from './messaging/intake';
import { createDeliveryStatuses, createInbound } from './messaging/receive';
import { releaseExpiredLeases } from './queue/claim';
import { restSend } from './http/rest-send';
import { handleExport, isExportPath } from './http/export';
import { isConsolePath, serveConsole } from './http/console';
import { BodyTooLarge, readBodyBytes, sendJson, sendText } from './http/io';
import { handleProviderWebhook, WEBHOOK_ROUTES } from './webhooks/routes';
import { Forwarder } from './webhooks/forwarder';
import { startTallyCompaction } from './messaging/stats';
import { startHandBackSweep } from './console/takeover';
import { queryLimitPlugins } from './graphql/limits';
import { createRateLimiter } from './security/rate-limit';
import type { Caller } from './tenancy/api-keys';
import { createLiveServer, type ServerContext } from './realtime/ws-server';

export interface App {
  services: Services;
  /** Where the server listens, e.g. http://127.0.0.1:4000 (set once started). */
  url: string;
  /** Plaintext key of the default organization, when this start created it. */
  bootstrapApiKey: string | null;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Builds the whole server: database (migrated), GraphQL over HTTP and WebSocket on one port,
 * provider webhooks, the REST send route, the send queue and the forwarder.
 */
export async function buildApp(config: Config): Promise<App> {
  const log = createLogger(config.logLevel);
  await migrate(config.databaseUrl, config.dialect);
  // Counted into /metrics (switchboard_db_operations_total); `services` exists before any query runs.
  const database = await openDatabase(config.databaseUrl, config.dialect, {
    onOperation: (model, operation) => services.metrics.dbOperations.inc({ model, operation }),
  });
  const events = createEvents(config.redisUrl);
  let sendQueue: SendQueue;
  let forwarder: Forwarder;
  const services: Services = {
    config,
    db: database.db,
    sql: database.sql,
    dialect: database.dialect,
    secrets: new SecretBox(config.secretsKey),
    events,
    log,
    metrics: new Metrics({
      activeSubscriptions: () => events.activeSubscriptions(),
      queueDepth: async () =>
        (
          await database.db.message.groupBy({
            by: ['status'],
            where: { status: { in: ['SCHEDULED', 'QUEUED', 'SENDING'] } },
            _count: { _all: true },
          })
        ).map((row) => ({ status: row.status, count: row._count._all })),
    }),
    apiKeys: new ExpiringCache(API_KEY_TTL_MS),
    searchPlans: new ExpiringCache(SEARCH_PLAN_TTL_MS, SEARCH_PLAN_ENTRIES),
    senders: new SenderDirectory(database.db),
    rateLimiter: createRateLimiter(
      { perSecond: config.limits.rateLimitPerSecond, burst: config.limits.rateLimitBurst },
      config.redisUrl,
      log,
    ),
    // Set below: they need the services they belong to.
    intake: undefined as never,
    inbound: undefined as never,
    deliveryStatuses: undefined as never,
    wakeSendQueue: () => sendQueue.wake(),
    wakeForwarder: () => forwarder.wake(),
  };
  services.intake = createIntake(services);
  services.inbound = createInbound(services);
  services.deliveryStatuses = createDeliveryStatuses(services);
  sendQueue = new SendQueue(services);
  forwarder = new Forwarder(services);

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
    // route() has authenticated the request already (for its rate limit); GET requests too.
    context: async ({ request, caller }) =>
      contextFor(services, caller !== undefined ? caller : await authenticate(services, request.headers.get('authorization'))),
  });

  const server: Server = createServer((req, res) => {
    route(req, res).catch((error) => {
      log.error({ err: error, path: req.url }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });

  async function route(req: IncomingMessage, res: ServerResponse) {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz' && req.method === 'GET') {
      const healthy = await database.db.$queryRawUnsafe('SELECT 1').then(() => true, () => false);
      return sendJson(res, healthy ? 200 : 503, { status: healthy ? 'ok' : 'database unreachable' });
    }
    if (path === '/sms/send' && req.method === 'POST') return restSend(services, req, res);
    if (isExportPath(path)) return handleExport(services, req, res);
    if (path === '/metrics' && req.method === 'GET') {
      if (config.metricsToken && !sameSecret(req.headers.authorization ?? '', `Bearer ${config.metricsToken}`)) return sendText(res, 401, 'metrics token required');
      return sendText(res, 200, await services.metrics.render(), services.metrics.contentType);
    }
    if (WEBHOOK_ROUTES.has(path)) {
      if (req.method !== 'POST') return sendText(res, 405, 'POST only');
      return handleProviderWebhook(services, path, req, res);
    }
    if (isConsolePath(path)) return serveConsole(req, res, path);
    if (path === '/') {
      res.writeHead(302, { location: '/graphql' });
      return res.end();
    }
    return graphqlOverHttp(req, res);
  }

  /**
   * /graphql over HTTP: the key's rate limit and the body cap are applied before Yoga sees the
   * request. The body is read here (refused from Content-Length up front, or as soon as the
   * bytes counted pass the cap) and handed to Yoga already read.
   */
  async function graphqlOverHttp(req: IncomingMessage, res: ServerResponse) {
    const caller = await authenticate(services, req.headers.authorization);
    if (caller?.kind === 'organization') {
      const budget = await services.rateLimiter.take(caller.apiKeyId);
      if (!budget.allowed) {
        const error = { message: `Too many requests for this API key; retry in ${budget.retryAfterSeconds} s`, extensions: { code: 'RATE_LIMITED' } };
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
    return yoga(req, res, { req, res, caller });
  }

  // Longer than clients' idle keep-alive, so the server never closes a connection a client is
  // just reusing (which surfaces as ECONNRESET on the client).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  const live = createLiveServer(server, services, yoga);

  let tallyCompaction: ReturnType<typeof startTallyCompaction> | null = null;
  let handBackSweep: ReturnType<typeof startHandBackSweep> | null = null;
  const app: App = {
    services,
    url: '',
    bootstrapApiKey: null,
    async start() {
      app.bootstrapApiKey = await bootstrapDefaultOrganization(services);
      // The embedded database has exactly one server: whatever it left SENDING is orphaned.
      if (config.dialect === 'sqlite') await releaseExpiredLeases(services, { all: true });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => resolve());
      });
      const { port } = server.address() as AddressInfo;
      app.url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
      // PORT=0 (tests): the public URL learns the port the system picked.
      if (config.publicUrl.endsWith(':0')) config.publicUrl = `${config.publicUrl.slice(0, -2)}:${port}`;
      await sendQueue.start();
      await forwarder.start();
      live.start();
      tallyCompaction = startTallyCompaction(services, (error) => services.log.warn({ err: error }, 'message tallies: compaction failed'));
      handBackSweep = startHandBackSweep(services, config.handBackSweepMs, (error) => services.log.warn({ err: error }, 'automatic hand-back failed'));
    },
    async stop() {
      // Stop taking work, let provider calls under way finish, then close sockets and the database.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await live.stop();
      await sendQueue.stop();
      await forwarder.stop();
      await tallyCompaction?.stop();
      await handBackSweep?.stop();
      server.closeAllConnections();
      await closed;
      await events.close();
      await services.rateLimiter.close();
      await database.close();
    },
  };
  return app;
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

/** Constant-time comparison; hashing first makes the lengths equal, so the length does not leak either. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
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

/** First start with an empty database and no ADMIN_TOKEN: a default organization and its key. */
async function bootstrapDefaultOrganization(services: Services): Promise<string | null> {
  if (services.config.adminToken) return null;
  if ((await services.db.organization.count()) > 0) return null;
  const { apiKey } = await createOrganization(services, 'Default organization');
  return apiKey;
}
