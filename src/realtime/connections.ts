import type { WebSocket } from 'ws';
import type { Services } from '../services';
import { authenticate } from '../tenancy/api-keys';

/** The close code graphql-ws uses for a connection refused at connect: 4403 Forbidden. */
export const FORBIDDEN = 4403;

/**
 * The open graphql-ws connections and the key each was opened with. A subscription can stay
 * open for hours, so every second each connection's key is checked again (through the key
 * cache: at most one read per key per API_KEY_TTL_MS) and a connection whose key has been
 * revoked is closed with 4403, as a new one with that key would be refused. A revocation on
 * this instance closes its connections within a second; on another, within the cache's TTL.
 */
export class LiveConnections {
  readonly #keys = new Map<WebSocket, { authorization: string; organizationId: string }>();
  #timer: NodeJS.Timeout | null = null;
  #checking = false;

  constructor(private readonly services: Services) {}

  add(socket: WebSocket, authorization: string, organizationId: string) {
    this.#keys.set(socket, { authorization, organizationId });
    socket.once('close', () => this.#keys.delete(socket));
  }

  start(intervalMs = 1000) {
    // One check at a time: a slow database does not stack them up.
    this.#timer = setInterval(() => {
      if (this.#checking) return;
      this.#checking = true;
      void this.check().finally(() => (this.#checking = false));
    }, intervalMs);
    this.#timer.unref();
  }

  stop() {
    if (this.#timer) clearInterval(this.#timer);
  }

  /** Closes the connections whose key no longer authenticates as their organization. */
  async check() {
    const callers = new Map<string, Promise<string | null>>();
    for (const [socket, { authorization, organizationId }] of this.#keys) {
      if (!callers.has(authorization)) {
        callers.set(
          authorization,
          authenticate(this.services, authorization).then(
            (caller) => (caller?.kind === 'organization' ? caller.organizationId : null),
            () => organizationId, // the database unreachable for a moment is no revocation
          ),
        );
      }
      if ((await callers.get(authorization)) !== organizationId) {
        this.#keys.delete(socket);
        socket.close(FORBIDDEN, 'Forbidden: API key revoked');
      }
    }
  }
}
