import type { Encoding } from '../db/client';

/**
 * How many SMS segments a body costs and in which encoding.
 * GSM-7: 160 septets in one segment, 153 per part when split; extension characters
 * (^ { } [ ] ~ \ | €, form feed) take two septets. Anything outside GSM-7 forces UCS-2:
 * 70 UTF-16 code units in one segment, 67 per part.
 */
export type { Encoding };

const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM7_EXTENSION = '^{}\\[~]|€\f';

const basic = new Set(GSM7_BASIC);
const extension = new Set(GSM7_EXTENSION);

export interface SegmentInfo {
  encoding: Encoding;
  segments: number;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2). */
  units: number;
}

export function countSegments(body: string): SegmentInfo {
  const septets: number[] = [];
  for (const ch of body) {
    if (basic.has(ch)) septets.push(1);
    else if (extension.has(ch)) septets.push(2);
    else return ucs2(body);
  }
  return { encoding: 'GSM7', ...split(septets, 160, 153) };
}

function ucs2(body: string): SegmentInfo {
  const units: number[] = [];
  for (const ch of body) units.push(ch.length); // a surrogate pair (emoji) takes two units
  return { encoding: 'UCS2', ...split(units, 70, 67) };
}

/**
 * Parts of a concatenated message hold `perPart` units, and a character never straddles two
 * parts (an extension character's escape pair, a surrogate pair), so a part may end short.
 */
function split(sizes: number[], single: number, perPart: number): { units: number; segments: number } {
  const units = sizes.reduce((sum, n) => sum + n, 0);
  if (units === 0) return { units, segments: 0 };
  if (units <= single) return { units, segments: 1 };
  let segments = 1;
  let used = 0;
  for (const n of sizes) {
    if (used + n > perPart) {
      segments++;
      used = 0;
    }
    used += n;
  }
  return { units, segments };
}
