import { randomFillSync } from 'node:crypto';

let counter = 0;

/** Randomness drawn 8 KiB at a time: one call into the system's generator per 1,024 ids, not one per id. */
const pool = Buffer.alloc(8 * 1024);
let poolOffset = pool.length;

function randomUint64(): bigint {
  if (poolOffset + 8 > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const value = pool.readBigUInt64BE(poolOffset);
  poolOffset += 8;
  return value;
}

/**
 * Row ids made here rather than by the database, so a batch of rows can be inserted at once
 * and still be known by id: 'c' + milliseconds + a counter + randomness, lower-case base 36,
 * 25 characters like Prisma's cuid() and, like it, roughly in creation order.
 */
export function newId(): string {
  counter = (counter + 1) % 1679616; // 36^4
  const random = randomUint64().toString(36).padStart(12, '0').slice(0, 12);
  return `c${Date.now().toString(36).padStart(8, '0')}${counter.toString(36).padStart(4, '0')}${random}`;
}
