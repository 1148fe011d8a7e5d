import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/**
 * A phone number is accepted only in E.164 form ("+" and digits, nothing else) and only if
 * libphonenumber knows it as a valid number for its country, not merely the right length.
 * Returns the canonical E.164 string, or null.
 */
export function parseE164(input: string): string | null {
  if (typeof input !== 'string' || !/^\+[1-9]\d{6,14}$/.test(input)) return null;
  const parsed = parsePhoneNumberFromString(input);
  if (!parsed || !parsed.isValid()) return null;
  return parsed.number;
}

/** Numbers as some providers carry them (Vonage: digits without "+"). */
export function withPlus(number: string): string {
  return number.startsWith('+') ? number : `+${number}`;
}
