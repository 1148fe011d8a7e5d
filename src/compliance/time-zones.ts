import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/**
 * Countries (and North American Numbering Plan members with a country of their own) that keep
 * one time zone throughout: a recipient's number from one of them settles their zone. Numbers
 * of countries spanning several zones (the United States, Canada, Mexico, Brazil, Russia,
 * Australia, Spain with the Canaries, Portugal with the Azores…) do not, and take the
 * assistant's default zone.
 */
const SINGLE_ZONE: Record<string, string> = {
  AE: 'Asia/Dubai',
  AT: 'Europe/Vienna',
  BB: 'America/Barbados',
  BE: 'Europe/Brussels',
  BG: 'Europe/Sofia',
  BS: 'America/Nassau',
  CH: 'Europe/Zurich',
  CN: 'Asia/Shanghai',
  CZ: 'Europe/Prague',
  DE: 'Europe/Berlin',
  DK: 'Europe/Copenhagen',
  DO: 'America/Santo_Domingo',
  FI: 'Europe/Helsinki',
  FR: 'Europe/Paris',
  GB: 'Europe/London',
  GG: 'Europe/Guernsey',
  GR: 'Europe/Athens',
  HK: 'Asia/Hong_Kong',
  HU: 'Europe/Budapest',
  IE: 'Europe/Dublin',
  IL: 'Asia/Jerusalem',
  IM: 'Europe/Isle_of_Man',
  IN: 'Asia/Kolkata',
  IT: 'Europe/Rome',
  JE: 'Europe/Jersey',
  JM: 'America/Jamaica',
  JP: 'Asia/Tokyo',
  KE: 'Africa/Nairobi',
  KR: 'Asia/Seoul',
  NG: 'Africa/Lagos',
  NL: 'Europe/Amsterdam',
  NO: 'Europe/Oslo',
  PH: 'Asia/Manila',
  PL: 'Europe/Warsaw',
  PR: 'America/Puerto_Rico',
  RO: 'Europe/Bucharest',
  SE: 'Europe/Stockholm',
  SG: 'Asia/Singapore',
  TH: 'Asia/Bangkok',
  TT: 'America/Port_of_Spain',
  TW: 'Asia/Taipei',
  ZA: 'Africa/Johannesburg',
};

/** The recipient's time zone: from their number where it settles one, else `fallback`. */
export function recipientTimeZone(phoneNumber: string, fallback: string): string {
  const country = parsePhoneNumberFromString(phoneNumber)?.country;
  return (country && SINGLE_ZONE[country]) || fallback;
}

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export interface WallClock {
  year: number;
  month: number;
  day: number;
  /** Minutes since local midnight. */
  minutes: number;
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** The date and time on a clock in `zone` at the instant `at`. */
export function wallClock(at: Date, zone: string): WallClock {
  let format = formats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formats.set(zone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(at).map((p) => [p.type, Number(p.value)]));
  return { year: parts.year, month: parts.month, day: parts.day, minutes: parts.hour * 60 + parts.minute + parts.second / 60 };
}

/** How far `zone`'s clocks are ahead of UTC at the instant `at`, in milliseconds. */
function offsetMs(at: Date, zone: string): number {
  const clock = wallClock(at, zone);
  const asUtc = Date.UTC(clock.year, clock.month - 1, clock.day) + Math.round(clock.minutes * 60) * 1000;
  return asUtc - Math.floor(at.getTime() / 1000) * 1000;
}

/**
 * The instant a clock in `zone` shows `minutes` after midnight on the given day (the day may
 * overflow the month: Date.UTC carries it). Of a time shown twice (the fall-back night) the
 * first; a time skipped by a spring-forward change (02:30) is moved on by the change, to 03:30
 * the new time, as JavaScript's own Date does.
 */
export function instantAt(zone: string, year: number, month: number, day: number, minutes: number): Date {
  const local = Date.UTC(year, month - 1, day) + minutes * 60_000;
  const guess = offsetMs(new Date(local), zone);
  const first = local - guess;
  const offset = offsetMs(new Date(first), zone);
  if (offset === guess) return new Date(first);
  const second = local - offset;
  return new Date(offsetMs(new Date(second), zone) === offset ? second : Math.max(first, second));
}
