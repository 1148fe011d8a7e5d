import type { Services } from '../services';
import { webhookRoutes } from '../webhooks/routes';
import { restSend } from './rest-send';
import { EXPORT_ROUTES, handleExport } from './export';
import { sendJson, sendText } from './io';
import { CONSOLE_PATH, serveConsole } from './console';
import type { Route } from './router';
import { sameSecret } from '../security/secrets';

/**
 * The HTTP routes beside /graphql, one entry each (see Route); whatever none of them answers
 * goes to GraphQL over HTTP.
 */
export function httpRoutes(services: Services): Route[] {
  const { config, db, metrics } = services;
  return [
    {
      path: '/healthz',
      methods: ['GET'],
      handle: async (_req, res) => {
        const healthy = await db.$queryRawUnsafe('SELECT 1').then(() => true, () => false);
        sendJson(res, healthy ? 200 : 503, { status: healthy ? 'ok' : 'database unreachable' });
      },
    },
    { path: '/sms/send', methods: ['POST'], handle: (req, res) => restSend(services, req, res) },
    ...EXPORT_ROUTES.map((path) => ({ path, handle: (req, res) => handleExport(services, req, res) }) satisfies Route),
    {
      path: '/metrics',
      methods: ['GET'],
      handle: async (req, res) => {
        if (config.metricsToken && !sameSecret(req.headers.authorization ?? '', `Bearer ${config.metricsToken}`)) return sendText(res, 401, 'metrics token required');
        sendText(res, 200, await metrics.render(), metrics.contentType);
      },
    },
    // The providers registered when the app is built (src/providers/index.ts), each its own routes.
    ...webhookRoutes().map(
      (webhook) =>
        ({
          path: webhook.path,
          handle: (req, res) => (req.method === webhook.method ? webhook.handler(services, req, res) : sendText(res, 405, `${webhook.method} only`)),
        }) satisfies Route,
    ),
    // The agent console's page and its assets (console/dist, built by npm install and npm start).
    { path: CONSOLE_PATH, handle: (req, res, path) => serveConsole(req, res, path) },
    {
      path: '/',
      handle: (_req, res) => {
        res.writeHead(302, { location: '/graphql' });
        res.end();
      },
    },
  ];
}
