import { describe, expect, it } from 'vitest';
import { parseE164, withPlus } from '../src/messaging/phone-number';

describe('parseE164', () => {
  it.each([
    ['+14155552671', '+14155552671'],
    ['+447911123456', '+447911123456'],
    ['+33612345678', '+33612345678'],
    ['+4915112345678', '+4915112345678'],
  ])('accepts the valid E.164 number %s', (input, expected) => {
    expect(parseE164(input)).toBe(expected);
  });

  it.each([
    ['no plus', '14155552671'],
    ['too short for its country', '+1555'],
    ['the right shape but no such area code (000)', '+10005552671'],
    ['letters', '+1415555CALL'],
    ['spaces', '+1 415 555 2671'],
    ['dashes', '+1-415-555-2671'],
    ['parentheses', '+1(415)5552671'],
    ['a leading space', ' +14155552671'],
    ['a trailing newline', '+14155552671\n'],
    ['a leading zero country code', '+04155552671'],
    ['too many digits', '+1415555267123456'],
    ['a national number', '(415) 555-2671'],
    ['a bare plus', '+'],
    ['nothing', ''],
  ])('refuses %s: %j', (_why, input) => {
    expect(parseE164(input)).toBeNull();
  });

  it('refuses a value that is not a string', () => {
    expect(parseE164(14155552671 as unknown as string)).toBeNull();
    expect(parseE164(null as unknown as string)).toBeNull();
  });
});

describe('withPlus', () => {
  it('adds the plus Vonage leaves off, and keeps one that is there', () => {
    expect(withPlus('14155552671')).toBe('+14155552671');
    expect(withPlus('+14155552671')).toBe('+14155552671');
  });
});
