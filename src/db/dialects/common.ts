/** Helpers both dialects share. */

/** `%text%` for LIKE … ESCAPE '\': the text's own % _ and \ taken literally. */
export const likeContains = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** A bucket's start as read back: a Date, ISO text, or (SQLite, a day) "YYYY-MM-DD", as the UTC instant it stands for. */
export function bucketStart(value: Date | string): Date {
  if (value instanceof Date) return value;
  if (value.length === 10) return new Date(`${value}T00:00:00Z`);
  return new Date(/(Z|[+-]\d\d:?\d\d)$/.test(value) ? value : `${value.replace(' ', 'T')}Z`);
}
