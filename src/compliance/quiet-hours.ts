import { instantAt, wallClock } from './time-zones';

/** A daily sending window on the recipient's clock, in minutes since midnight; end may be before start (overnight). */
export interface SendingWindow {
  start: number;
  end: number;
}

const CLOCK_TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** "08:00" → 480; null when not a 24-hour HH:MM time. */
export function parseClockTime(text: string): number | null {
  const match = CLOCK_TIME.exec(text);
  return match ? Number(match[1]) * 60 + Number(match[2]) : null;
}

function inside(window: SendingWindow, minutes: number): boolean {
  return window.start <= window.end ? minutes >= window.start && minutes < window.end : minutes >= window.start || minutes < window.end;
}

/**
 * Null when `at` falls inside the window on a clock in `zone`; otherwise the next instant the
 * window opens there — today's start if it is still ahead, else tomorrow's, each computed on
 * that day's own offset, so a daylight-saving change in between moves it by the hour it should.
 */
export function nextAllowedTime(window: SendingWindow, zone: string, at: Date): Date | null {
  const clock = wallClock(at, zone);
  if (inside(window, clock.minutes)) return null;
  const day = clock.minutes < window.start ? clock.day : clock.day + 1;
  return instantAt(zone, clock.year, clock.month, day, window.start);
}
