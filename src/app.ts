import type { Config } from './config';
import type { PeriodicTask } from './lib/every';
import { createServices, type Services } from './services';
import { createOrganization } from './tenancy/api-keys';
import { SendQueue } from './queue/send-queue';
import { releaseExpiredLeases } from './queue/claim';
import { Forwarder } from './forwarding/forwarder';
import { startTallyCompaction } from './messaging/stats';
import { startHandBackSweep } from './console/takeover';
import { startRegistrationSync } from './compliance/registration';
import { createEdge } from './edge/server';
import { httpRoutes } from './edge/routes';

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
 * Builds the whole server: the services (database migrated), every transport on one port
 * (src/edge: HTTP routes, GraphQL over HTTP and WebSocket), the send queue and the forwarder;
 * start() and stop() run them in order.
 */
export async function buildApp(config: Config): Promise<App> {
  const { services, close } = await createServices(config);
  const edge = createEdge(services, httpRoutes(services));
  const sendQueue = new SendQueue(services);
  const forwarder = new Forwarder(services);

  /** The periodic tasks start() began, stopped in the same order. */
  let periodic: PeriodicTask[] = [];
  const app: App = {
    services,
    url: '',
    bootstrapApiKey: null,
    async start() {
      app.bootstrapApiKey = await bootstrapDefaultOrganization(services);
      // The embedded database has exactly one server: whatever it left SENDING is orphaned.
      if (config.dialect === 'sqlite') await releaseExpiredLeases(services, { all: true });
      const port = await edge.listen(config.port, config.host);
      app.url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
      // PORT=0 (tests): the public URL learns the port the system picked.
      if (config.publicUrl.endsWith(':0')) config.publicUrl = `${config.publicUrl.slice(0, -2)}:${port}`;
      await sendQueue.start();
      await forwarder.start();
      periodic = [
        startTallyCompaction(services, (error) => services.log.warn({ err: error }, 'message tallies: compaction failed')),
        startHandBackSweep(services, config.handBackSweepMs, (error) => services.log.warn({ err: error }, 'automatic hand-back failed')),
        startRegistrationSync(services, config.registrationSyncIntervalMs),
      ];
    },
    async stop() {
      // Stop taking work, let provider calls under way finish, then close sockets and the database.
      await edge.stopAccepting();
      await sendQueue.stop();
      await forwarder.stop();
      for (const task of periodic) await task.stop();
      await edge.close();
      await close();
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
