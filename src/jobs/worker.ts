import type { Logger } from 'pino';

/**
 * The loop both background workers share (the send queue and the forwarder): claim due work
 * from the database, run up to `capacity` items at once, look again as soon as something
 * finishes or `wake()` is called, otherwise every `idleMs`. `stop()` stops claiming and waits
 * for the work under way.
 */
export abstract class Worker<Item> {
  #timer: NodeJS.Timeout | null = null;
  #running = false;
  #again = false;
  #stopped = true;
  readonly #inFlight = new Set<Promise<void>>();

  protected constructor(
    private readonly name: string,
    protected readonly log: Logger,
    private readonly capacity: number,
    private readonly idleMs: number,
  ) {}

  /** Claims up to `limit` items for this instance. */
  protected abstract claim(limit: number): Promise<Item[]>;
  /** Does one item; its own failures are its to record. */
  protected abstract run(item: Item): Promise<void>;

  async start() {
    this.#stopped = false;
    this.wake();
  }

  async stop() {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    while (this.#running || this.#inFlight.size > 0) {
      await Promise.race([...this.#inFlight, new Promise((r) => setTimeout(r, 10))]);
    }
  }

  wake() {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#tick(), 0);
  }

  async #tick() {
    this.#running = true;
    this.#again = false;
    let nextWakeMs = this.idleMs;
    try {
      const room = this.capacity - this.#inFlight.size;
      if (room > 0) {
        const claimed = await this.claim(room);
        for (const item of claimed) this.#track(item);
        if (claimed.length === room) nextWakeMs = 0;
      }
    } catch (error) {
      this.log.error({ err: error }, `${this.name}: claim failed`);
    } finally {
      this.#running = false;
    }
    if (this.#stopped) return;
    if (this.#again) nextWakeMs = 0;
    this.#timer = setTimeout(() => void this.#tick(), nextWakeMs);
  }

  #track(item: Item) {
    const work = this.run(item).catch((error) => this.log.error({ err: error }, `${this.name}: failed`));
    this.#inFlight.add(work);
    void work.finally(() => {
      this.#inFlight.delete(work);
      this.wake();
    });
  }
}
