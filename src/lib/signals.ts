/**
 * Synchronous in-process signals: a producer says that work appeared (messages queued,
 * forwards queued) and whoever does that work listens, without either holding the other.
 * An emit with no listener does nothing.
 */
export class Signals<Name extends string> {
  readonly #listeners = new Map<Name, Set<() => void>>();

  /** Calls `listener` on every `emit(name)`; returns the function that stops it. */
  on(name: Name, listener: () => void): () => void {
    let listeners = this.#listeners.get(name);
    if (!listeners) this.#listeners.set(name, (listeners = new Set()));
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  emit(name: Name): void {
    const listeners = this.#listeners.get(name);
    if (listeners) for (const listener of listeners) listener();
  }
}
