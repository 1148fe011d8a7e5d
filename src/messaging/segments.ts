/**
 * How many SMS segments a body costs and in which encoding (CONTRACT §4).
 * GSM-7: 160 septets in one segment, 153 per part when split; extension characters
 * (^ { } [ ] ~ \ | €, form feed) take two septets. Anything outside GSM-7 forces UCS-2:
 * 70 UTF-16 code units in one segment, 67 per part.
 */
export type Encoding = 'GSM7' | 'UCS2';

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
  let septets = 0;
  for (const ch of body) {
    if (basic.has(ch)) septets += 1;
    else if (extension.has(ch)) septets += 2;
    else return ucs2(body);
  }
  return { encoding: 'GSM7', units: septets, segments: split(septets, 160, 153) };
}

function ucs2(body: string): SegmentInfo {
  return { encoding: 'UCS2', units: body.length, segments: split(body.length, 70, 67) };
}

function split(units: number, single: number, perPart: number): number {
  if (units === 0) return 0;
  return units <= single ? 1 : Math.ceil(units / perPart);
}
