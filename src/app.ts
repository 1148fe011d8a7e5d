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
import type { Context } from './graphql/context';
import { API_KEY_TTL_MS, authenticate, createOrganization } from './tenancy/api-keys';
import { ExpiringCache } from './expiring-cache';
import { SEARCH_PLAN_ENTRIES, SEARCH_PLAN_TTL_MS } from './messaging/delivery-log';
import { SendQueue } from './queue/send-queue';
import { SenderDirectory } from './assistants/sender-directory';
import { createIntake } from './messaging/intake';
import { releaseExpiredLeases } from './queue/claim';
import { restSend } from './http/rest-send';
import { handleExport, isExportPath } from './http/export';
import { sendJson, sendText } from './http/io';
import { handleProviderWebhook, WEBHOOK_ROUTES } from './webhooks/routes';
import { Forwarder } from './webhooks/forwarder';
import { startTallyCompaction } from './messaging/stats';
import { createLiveServer } from './realtime/ws-server';

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
    intake: undefined as never, // set below: it needs the services it belongs to
    wakeSendQueue: () => sendQueue.wake(),
    wakeForwarder: () => forwarder.wake(),
  };
  services.intake = createIntake(services);
  sendQueue = new SendQueue(services);
  forwarder = new Forwarder(services);

  const yoga = createYoga<{ req: IncomingMessage; res: ServerResponse }, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: { title: 'Switchboard', subscriptionsProtocol: 'WS' },
    logging: {
      debug: (...args) => log.debug(args.map(String).join(' ')),
      info: (...args) => log.info(args.map(String).join(' ')),
      warn: (...args) => log.warn(args.map(String).join(' ')),
      error: (...args) => log.error(args.map(String).join(' ')),
    },
    context: async ({ request }) => ({
      services,
      caller: await authenticate(services, request.headers.get('authorization')),
    }),
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
      if (config.metricsToken && req.headers.authorization !== `Bearer ${config.metricsToken}`) return sendText(res, 401, 'metrics token required');
      return sendText(res, 200, await services.metrics.render(), services.metrics.contentType);
    }
    if (WEBHOOK_ROUTES.has(path)) {
      if (req.method !== 'POST') return sendText(res, 405, 'POST only');
      return handleProviderWebhook(services, path, req, res);
    }
    if (path === '/') {
      res.writeHead(302, { location: '/graphql' });
      return res.end();
    }
    return yoga(req, res, { req, res });
  }

  // Longer than clients' idle keep-alive, so the server never closes a connection a client is
  // just reusing (which surfaces as ECONNRESET on the client).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  const live = createLiveServer(server, services);

  let tallyCompaction: ReturnType<typeof startTallyCompaction> | null = null;
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
    },
    async stop() {
      // Stop taking work, let provider calls under way finish, then close sockets and the database.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await live.stop();
      await sendQueue.stop();
      await forwarder.stop();
      await tallyCompaction?.stop();
      server.closeAllConnections();
      await closed;
      await events.close();
      await database.close();
    },
  };
  return app;
}

/** First start with an empty database and no ADMIN_TOKEN: a default organization and its key. */
async function bootstrapDefaultOrganization(services: Services): Promise<string | null> {
  if (services.config.adminToken) return null;
  if ((await services.db.organization.count()) > 0) return null;
  const { apiKey } = await createOrganization(services, 'Default organization');
  return apiKey;
}
