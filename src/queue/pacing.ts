/**
 * Per-sender pacing inside one instance: each sending number gets dispatch slots spaced
 * 1/rate seconds apart, so one busy sender never holds up another (no head-of-line blocking).
 */
export class Pacer {
  readonly #nextSlot = new Map<string, number>();
  readonly #waiting = new Map<string, number>();

  async wait(senderId: string, messagesPerSecond: number) {
    const now = Date.now();
    const slot = Math.max(now, this.#nextSlot.get(senderId) ?? 0);
    this.#nextSlot.set(senderId, slot + 1000 / messagesPerSecond);
    if (slot <= now) return;
    this.#waiting.set(senderId, (this.#waiting.get(senderId) ?? 0) + 1);
    try {
      await new Promise((resolve) => setTimeout(resolve, slot - now));
    } finally {
      const left = (this.#waiting.get(senderId) ?? 1) - 1;
      if (left > 0) this.#waiting.set(senderId, left);
      else this.#waiting.delete(senderId);
    }
  }

  /** A provider asked us to slow down (429 with Retry-After): hold this sender's next slot back. */
  pause(senderId: string, ms: number) {
    this.#nextSlot.set(senderId, Math.max(this.#nextSlot.get(senderId) ?? 0, Date.now() + ms));
  }

  /** Senders with messages already waiting for a slot: claim no more for them yet. */
  busySenders(): string[] {
    return [...this.#waiting.keys()];
  }
}
