import { describe, expect, it } from 'vitest';
import { ExpiringCache } from '../src/lib/expiring-cache';

/** A read the test finishes by hand, so it can clear the cache while the read is in flight. */
function pendingRead<V>() {
  let finish!: (value: V) => void;
  const promise = new Promise<V>((resolve) => (finish = resolve));
  return { read: () => promise, finish };
}

describe('ExpiringCache.load', () => {
  it('keeps what it read, and answers from it until it expires', async () => {
    const cache = new ExpiringCache<string | null>(60_000);
    let reads = 0;
    const read = async () => (reads++, null);
    expect(await cache.load('k', read)).toBeNull();
    expect(await cache.load('k', read)).toBeNull();
    expect(reads).toBe(1);
  });

  it('does not keep a row read before a change that cleared the cache while the read was in flight', async () => {
    const cache = new ExpiringCache<string>(60_000);
    const before = pendingRead<string>();
    const loading = cache.load('sender', before.read);
    // The change is written and clears the cache; the read that started before it ends afterwards.
    cache.clear();
    before.finish('as it was');
    expect(await loading).toBe('as it was');
    // The next send reads afresh and sees the change.
    expect(await cache.load('sender', async () => 'as it is now')).toBe('as it is now');
    expect(await cache.load('sender', async () => 'never read')).toBe('as it is now');
  });

  it('a read that started after the clear is kept', async () => {
    const cache = new ExpiringCache<string>(60_000);
    cache.clear();
    expect(await cache.load('k', async () => 'fresh')).toBe('fresh');
    expect(cache.get('k')).toBe('fresh');
  });
});
