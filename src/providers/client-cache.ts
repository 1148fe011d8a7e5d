import { createHash } from 'node:crypto';

/**
 * SDK clients, kept per (credentials, host, …) so a burst of sends reuses one client and its
 * keep-alive connections instead of building one per message. Bounded, least recently used
 * out first, because every assistant brings its own credentials. Keys are hashed so the map
 * does not hold a second readable copy of each secret.
 */
export class ClientCache<Client> {
  private readonly clients = new Map<string, Client>();

  constructor(private readonly maxClients = 256) {}

  get(keyParts: ReadonlyArray<string | number | null | undefined>, create: () => Client): Client {
    const key = createHash('sha256').update(JSON.stringify(keyParts)).digest('base64');
    const cached = this.clients.get(key);
    if (cached !== undefined) {
      // Re-insert to mark it most recently used (a Map iterates in insertion order).
      this.clients.delete(key);
      this.clients.set(key, cached);
      return cached;
    }
    const client = create();
    this.clients.set(key, client);
    if (this.clients.size > this.maxClients) {
      const oldest = this.clients.keys().next().value as string;
      this.clients.delete(oldest);
    }
    return client;
  }
}
