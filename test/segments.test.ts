import { describe, expect, it } from 'vitest';
import { countSegments } from '../src/messaging/segments';

const gsm = (n: number) => 'a'.repeat(n);
const ucs2 = (n: number) => 'Ж'.repeat(n); // Cyrillic: one UTF-16 unit, outside GSM-7

describe('countSegments', () => {
  it.each([
    [1, 1],
    [160, 1],
    [161, 2],
    [306, 2],
    [307, 3],
    [459, 3],
    [460, 4],
  ])('GSM-7: %i characters are %i segment(s)', (length, segments) => {
    expect(countSegments(gsm(length))).toMatchObject({ encoding: 'GSM7', segments });
  });

  it('an empty body is GSM-7 and no segments', () => {
    expect(countSegments('')).toEqual({ encoding: 'GSM7', segments: 0, units: 0 });
  });

  it('keeps every GSM-7 basic character (accents, Greek capitals, £ ¥ § ¿) in GSM-7', () => {
    const basic = '@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCXYZÄÖÑÜ§¿abcxyzäöñüà\n\r';
    expect(countSegments(basic)).toMatchObject({ encoding: 'GSM7', units: [...basic].length, segments: 1 });
  });

  it.each([...'^{}\\[~]|€'])('the extension character %s counts two septets', (ch) => {
    expect(countSegments(ch)).toMatchObject({ encoding: 'GSM7', units: 2, segments: 1 });
  });

  it("counts '{' twice: 80 fit one segment, 81 need two", () => {
    expect(countSegments('{'.repeat(80))).toMatchObject({ encoding: 'GSM7', units: 160, segments: 1 });
    expect(countSegments('{'.repeat(81))).toMatchObject({ encoding: 'GSM7', units: 162, segments: 2 });
  });

  it('never splits an extension character across two parts', () => {
    // 152 + 2 + 152 = 306 septets, but the '{' cannot straddle the first part's last septet:
    // part 1 = 152 'a', part 2 = '{' + 151 'a', part 3 = 1 'a'.
    expect(countSegments(`${gsm(152)}{${gsm(152)}`)).toMatchObject({ encoding: 'GSM7', segments: 3 });
    expect(countSegments(`${gsm(151)}{${gsm(153)}`)).toMatchObject({ encoding: 'GSM7', segments: 2 });
  });

  it.each([
    [1, 1],
    [70, 1],
    [71, 2],
    [134, 2],
    [135, 3],
    [201, 3],
    [202, 4],
  ])('UCS-2: %i characters are %i segment(s)', (length, segments) => {
    expect(countSegments(ucs2(length))).toMatchObject({ encoding: 'UCS2', segments });
  });

  it('one character outside GSM-7 makes the whole body UCS-2', () => {
    expect(countSegments(`${gsm(100)}😀`)).toMatchObject({ encoding: 'UCS2', segments: 2 });
    expect(countSegments('😀')).toMatchObject({ encoding: 'UCS2', segments: 1 });
    expect(countSegments('hello “quoted”')).toMatchObject({ encoding: 'UCS2', segments: 1 });
  });

  it('an emoji takes two UCS-2 units (a surrogate pair), as carriers bill it', () => {
    expect(countSegments('😀'.repeat(35))).toMatchObject({ encoding: 'UCS2', units: 70, segments: 1 });
    expect(countSegments('😀'.repeat(36))).toMatchObject({ encoding: 'UCS2', units: 72, segments: 2 });
  });

  it('never splits a surrogate pair across two parts', () => {
    // 66 + 2 + 66 = 134 units, but the emoji cannot straddle the first part's last unit:
    // part 1 = 66 'Ж', part 2 = emoji + 65 'Ж', part 3 = 1 'Ж'.
    expect(countSegments(`${ucs2(66)}😀${ucs2(66)}`)).toMatchObject({ encoding: 'UCS2', segments: 3 });
    expect(countSegments(`${ucs2(65)}😀${ucs2(67)}`)).toMatchObject({ encoding: 'UCS2', segments: 2 });
  });
});
