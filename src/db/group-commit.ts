/**
 * Group commit: work items that arrive while a batch is being written wait and are written
 * together in the next batch, so concurrent requests share one transaction (one commit, a
 * handful of statements) instead of paying one each. A single request still goes at once.
 */
export class GroupCommit<Item, Result> {
  #pending: { item: Item; resolve: (r: Result) => void; reject: (e: unknown) => void }[] = [];
  #writing = false;

  constructor(
    /** Writes a batch; returns one outcome per item, in order: a result or an Error to throw to its caller. */
    private readonly write: (items: Item[]) => Promise<(Result | Error)[]>,
    private readonly maxBatch = 256,
  ) {}

  add(item: Item): Promise<Result> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ item, resolve, reject });
      if (!this.#writing) void this.#drain();
    });
  }

  async #drain() {
    this.#writing = true;
    // Let the requests already parsed in this turn of the event loop join the first batch.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.#pending.length > 0) {
      const batch = this.#pending.splice(0, this.maxBatch);
      try {
        const outcomes = await this.write(batch.map((b) => b.item));
        batch.forEach((b, i) => (outcomes[i] instanceof Error ? b.reject(outcomes[i]) : b.resolve(outcomes[i] as Result)));
      } catch (error) {
        for (const b of batch) b.reject(error);
      }
    }
    this.#writing = false;
  }
}
