/**
 * Values kept for a while by one server (API keys, senders, search plans): each entry expires
 * `ttlMs` after it was set, and past `maxEntries` the oldest goes. A miss is `undefined`, so a
 * null (a key that is not valid, a number that is not ours) can be kept too.
 */
export class ExpiringCache<V> {
  readonly #entries = new Map<string, { value: V; until: number }>();
  /** Bumped by clear(): a load that started before it must not keep what it read. */
  #generation = 0;

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

  /**
   * The kept value, or what `read` returns, kept unless clear() ran while it was being read: a
   * read racing a change could otherwise keep the row as it was before the change.
   */
  async load(key: string, read: () => Promise<V>): Promise<V> {
    const hit = this.get(key);
    if (hit !== undefined) return hit;
    const generation = this.#generation;
    const value = await read();
    if (generation === this.#generation) this.set(key, value);
    return value;
  }

  clear() {
    this.#entries.clear();
    this.#generation++;
  }
}
