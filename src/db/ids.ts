import { randomBytes } from 'node:crypto';

let counter = 0;

/**
 * Row ids made here rather than by the database, so a batch of rows can be inserted at once
 * and still be known by id: 'c' + milliseconds + a counter + randomness, lower-case base 36,
 * 25 characters like Prisma's cuid() and, like it, roughly in creation order.
 */
export function newId(): string {
  counter = (counter + 1) % 1679616; // 36^4
  const random = BigInt(`0x${randomBytes(8).toString('hex')}`).toString(36).padStart(12, '0').slice(0, 12);
  return `c${Date.now().toString(36).padStart(8, '0')}${counter.toString(36).padStart(4, '0')}${random}`;
}
