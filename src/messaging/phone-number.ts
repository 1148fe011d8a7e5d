import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/**
 * A phone number is accepted only in E.164 form ("+" and digits, nothing else) and only if
 * libphonenumber knows it as a valid number for its country, not merely the right length.
 * Returns the canonical E.164 string, or null.
 */
export function parseE164(input: string): string | null {
  if (typeof input !== 'string' || !/^\+[1-9]\d{6,14}$/.test(input)) return null;
  const known = parsed.get(input);
  if (known !== undefined) return known;
  const number = parsePhoneNumberFromString(input);
  const answer = number && number.isValid() ? number.number : null;
  if (parsed.size >= PARSED_KEPT) parsed.clear();
  parsed.set(input, answer);
  return answer;
}

/**
 * Answers already given: the same numbers come again and again (our own on every webhook and
 * send, a customer on every message of a thread), and libphonenumber takes tens of
 * microseconds a number. The answer depends on the input alone.
 */
const parsed = new Map<string, string | null>();
const PARSED_KEPT = 10_000;

/** Numbers as some providers carry them (Vonage: digits without "+"). */
export function withPlus(number: string): string {
  return number.startsWith('+') ? number : `+${number}`;
}
