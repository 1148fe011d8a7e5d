import type { ProviderName } from '../providers/types';

/**
 * Per-sender pacing. Carriers throttle each sending number: a US/Canadian long code (10DLC)
 * about 1 message per second on the base tier, a toll-free number about 3, long codes
 * elsewhere around 10. Switchboard hands a number's messages to its provider no faster than
 * its rate, and every instance shares that budget: the next free dispatch slot of each number
 * lives in the database (`PhoneNumber.nextSlotAt`) and claims reserve slots from it atomically.
 */
export const NORTH_AMERICAN_TOLL_FREE = /^\+1(800|833|844|855|866|877|888)\d{7}$/;

/** The dispatch rate of a number that has no `messagesPerSecond` of its own. */
export function defaultMessagesPerSecond(phoneNumber: string, _provider: ProviderName, override: number | null): number {
  if (override) return override;
  if (NORTH_AMERICAN_TOLL_FREE.test(phoneNumber)) return 3;
  if (phoneNumber.startsWith('+1')) return 1;
  return 10;
}

export function effectiveRate(
  number: { phoneNumber: string; provider: ProviderName; messagesPerSecond: number | null },
  override: number | null,
): number {
  return number.messagesPerSecond ?? defaultMessagesPerSecond(number.phoneNumber, number.provider, override);
}

/**
 * Slots for up to `wanted` messages of one sender: spaced 1/rate apart from the sender's next
 * free slot (never earlier than now), and only those that fall within `horizonMs`, so a claimed
 * message waits briefly for its slot rather than holding a lease for long. At least one slot is
 * given when the next free slot is within the horizon, so slow senders (below 1/horizon) still go.
 */
export function reserveSlots(
  nextSlotAt: Date | null,
  now: number,
  rate: number,
  wanted: number,
  horizonMs: number,
): { slots: number[]; nextSlotAt: Date } {
  const interval = 1000 / rate;
  const start = Math.max(now, nextSlotAt?.getTime() ?? 0);
  const slots: number[] = [];
  for (let slot = start; slots.length < wanted && slot <= now + horizonMs; slot += interval) slots.push(slot);
  return { slots, nextSlotAt: new Date(start + slots.length * interval) };
}
