/**
 * Values kept for a while by one server (API keys, senders, search plans): each entry expires
 * `ttlMs` after it was set, and past `maxEntries` the oldest goes. A miss is `undefined`, so a
 * null (a key that is not valid, a number that is not ours) can be kept too.
 */
export class ExpiringCache<V> {
  readonly #entries = new Map<string, { value: V; until: number }>();

  constructor(
    readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.until > Date.now()) return entry.value;
    this.#entries.delete(key);
    return undefined;
  }

  set(key: string, value: V) {
    this.#entries.delete(key);
    if (this.#entries.size >= this.maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(key, { value, until: Date.now() + this.ttlMs });
  }

  clear() {
    this.#entries.clear();
  }
}
