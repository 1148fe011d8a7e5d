import type { Dialect } from '../../config';
import type { Db, Prisma } from '../client';
import type { SqlTx, Work } from '../sql';
import { postgresqlDialect } from './postgresql';
import { sqliteDialect } from './sqlite';

/**
 * What SQLite and PostgreSQL do differently, one object per dialect (./sqlite.ts,
 * ./postgresql.ts): matching text, counting a series of buckets, picking due messages and
 * locking rows. Everything else is written once, for both.
 */
export interface SqlDialect {
  /** Case-insensitive `contains` in a Prisma where (SQLite's LIKE already is, for ASCII). */
  containsText(text: string): Prisma.StringFilter;
  /** The text in the body (any case) or in either number, by LIKE, with % _ \ taken literally. */
  likeMatch(text: string): Prisma.Sql;
  /** Whether the text index serves likeMatch itself (PostgreSQL's trigram index does; SQLite's FTS5 table needs MATCH). */
  likeUsesTextIndex: boolean;
  /** The same match on Message, through the dialect's text index where it can serve it. */
  indexedMatch(text: string): Prisma.Sql;
  /** A bound value compared with a column of one of our enum types (PostgreSQL needs the cast). */
  enumValue(value: string, type: 'Direction' | 'MessageStatus'): Prisma.Sql;
  /** How many of the organization's newest `rows` messages `match` holds. */
  countNewestMatches(db: Db, organizationId: string, match: Prisma.Sql, rows: number): Promise<number>;
  /** The organization's messages with the text, from the text index where it helps (see TextLookUp). */
  lookUpText(db: Db, lookUp: TextLookUp): Promise<{ matches: number; ids?: string[] }>;
  /** Messages per hour or day, counted over each bucket's range of the createdAt index (see SeriesQuery). */
  messageSeries(db: Db, query: SeriesQuery): Promise<SeriesRow[]>;
  /** The tally table's hour, or its day, as a bucket (read back with bucketStart). */
  tallyBucket(interval: 'HOUR' | 'DAY'): Prisma.Sql;
  /** Due messages, oldest first, from senders with pacing budget within the horizon (parameters: now, horizon, limit). */
  pickDueMessages: string;
  /** Locks rows of `table` for an update of their non-key columns, in id order; null where one writer needs no lock. */
  lockForUpdate(table: string, idIn: string): string | null;
}

export function sqlDialect(dialect: Dialect): SqlDialect {
  return dialect === 'postgresql' ? postgresqlDialect : sqliteDialect;
}

/**
 * The organization's messages containing `search`: how many (up to `limit` + 1), and their ids
 * when at most `idsUpTo` (PostgreSQL: or when the index read more than `readsPerMatch` rows per
 * match of the organization's). `match` is likeMatch(search).
 */
export interface TextLookUp {
  organizationId: string;
  search: string;
  match: Prisma.Sql;
  limit: number;
  idsUpTo: number;
  readsPerMatch: number;
}

/**
 * A series over Message: `where` is the whole filter, `inner` the filter without its date range,
 * which is folded into each bucket's bounds instead (createdAfter, createdBefore).
 */
export interface SeriesQuery {
  where: Prisma.Sql;
  inner: Prisma.Sql;
  createdAfter: Date | null;
  createdBefore: Date | null;
  interval: 'HOUR' | 'DAY';
}

/** Per bucket: total, inbound, delivered, undelivered, failed, outbound segments. */
export type SeriesRow = { start: Date; counts: number[] };

/**
 * Locks rows of `table` for an update until the transaction ends, in id order (no deadlock
 * between instances locking overlapping sets), where the dialect needs it (lockForUpdate).
 */
export function* lockRows(tx: SqlTx, table: string, ids: readonly string[]): Work<void> {
  const lock = ids.length === 0 ? null : sqlDialect(tx.dialect).lockForUpdate(table, tx.inList('id'));
  if (lock) yield* tx.all(lock, [tx.list([...ids].sort())]);
}
