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

/** Lateness below this is timer jitter, not a stall: fast senders (1 ms intervals) keep their slots. */
export const LATE_SLOT_MS = 50;

/**
 * How late a timer may fire and still count as on time. Timers fire a millisecond or more late,
 * so a fast sender (1 ms apart at 1,000/s) catches up on the few slots such a delay cost
 * instead of losing one per timer; a longer stall still costs the next message its distance.
 */
export const TIMER_JITTER_MS = 5;

/**
 * What a message waiting to be handed over does at `now`: wait (for its slot, and for one
 * interval after this instance last handed over a message of the same sender), trade its slot
 * for a fresh one, or go. Lateness is measured from the slot itself, not from when this
 * instance's own spacing let the message go: an instance that fell behind its slots (a stall,
 * slow database writes) would otherwise hand its messages over later and later, into the slots
 * other instances keep on time, without ever counting as late.
 */
export function handOverStep(
  slot: number,
  lastHandedOver: number | undefined,
  interval: number,
  now: number,
  mayTrade: boolean,
): { wait: number } | 'trade' | 'go' {
  const earliest = Math.max(slot, (lastHandedOver ?? Number.NEGATIVE_INFINITY) + interval);
  if (earliest > now) return { wait: earliest - now };
  if (mayTrade && now - slot > Math.max(interval, LATE_SLOT_MS)) return 'trade';
  return 'go';
}

/**
 * When this instance counts a sender's message as handed over at `now`: the planned time while
 * on time to within timer jitter, so jitter does not accumulate into a slower rate; the real
 * time once the process was late by more (a synchronous database write, a GC pause), so the
 * next message keeps its full distance.
 */
export function handedOverMark(slot: number, lastHandedOver: number | undefined, interval: number, now: number): number {
  const planned = Math.max(slot, (lastHandedOver ?? Number.NEGATIVE_INFINITY) + interval);
  return Math.max(planned, now - TIMER_JITTER_MS);
}
