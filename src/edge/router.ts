import type { IncomingMessage, ServerResponse } from 'node:http';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse, path: string) => Promise<void> | void;

/**
 * One entry of the HTTP route table: an exact path or a pattern, the methods it answers (all
 * when absent: the handler answers the others itself, e.g. 405), and its handler. A request
 * whose method the route does not list goes on to the next routes and, at the end, to the
 * fallback.
 */
export interface Route {
  path: string | RegExp;
  methods?: readonly string[];
  handle: RouteHandler;
}

/**
 * Dispatches a request to the first route of the table that matches its path (exact paths by
 * one Map look-up, patterns in table order) and method, else to `fallback`.
 */
export function createRouter(routes: readonly Route[], fallback: RouteHandler) {
  const exact = new Map<string, Route[]>();
  const patterns: Route[] = [];
  for (const route of routes) {
    if (typeof route.path === 'string') exact.set(route.path, [...(exact.get(route.path) ?? []), route]);
    else patterns.push(route);
  }
  const accepts = (route: Route, method: string) => !route.methods || route.methods.includes(method);
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    const method = req.method ?? 'GET';
    const route =
      exact.get(path)?.find((candidate) => accepts(candidate, method)) ??
      patterns.find((candidate) => (candidate.path as RegExp).test(path) && accepts(candidate, method));
    await (route?.handle ?? fallback)(req, res, path);
  };
}
