import type { OptOut } from '../db/client';
import type { SqlTx, Work } from '../db/sql';
import { reviveDates } from '../db/rows';
import { newId } from '../db/ids';
import { parseE164 } from './phone-number';

/** Carrier keywords: the whole message, trimmed, any case. */
const OPT_OUT = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'OPTOUT', 'REVOKE']);
const OPT_IN = new Set(['START', 'UNSTOP', 'YES']);
const HELP = new Set(['HELP', 'INFO']);

export type KeywordKind = 'OPT_OUT' | 'OPT_IN' | 'HELP';

export function keywordOf(body: string): { keyword: string; kind: KeywordKind } | null {
  const keyword = body.trim().toUpperCase();
  if (OPT_OUT.has(keyword)) return { keyword, kind: 'OPT_OUT' };
  if (OPT_IN.has(keyword)) return { keyword, kind: 'OPT_IN' };
  if (HELP.has(keyword)) return { keyword, kind: 'HELP' };
  return null;
}

export interface OptOutEntry {
  organizationId: string;
  phoneNumberId: string;
  customerPhoneNumber: string;
  optedOut: boolean;
  keyword?: string | null;
  reason?: string | null;
}

/** Sets the ledger row of (our number, customer), created on first use; returns it. */
export function* upsertOptOut(tx: SqlTx, entry: OptOutEntry, at = new Date()): Work<OptOut> {
  const [row] = yield* tx.all(
    `INSERT INTO "OptOut" ("id", "organizationId", "phoneNumberId", "customerPhoneNumber", "optedOut", "keyword", "reason", "createdAt", "updatedAt")
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT ("phoneNumberId", "customerPhoneNumber")
     DO UPDATE SET "optedOut" = excluded."optedOut", "keyword" = excluded."keyword", "reason" = excluded."reason", "updatedAt" = excluded."updatedAt"
     RETURNING *`,
    [newId(), entry.organizationId, entry.phoneNumberId, entry.customerPhoneNumber, entry.optedOut, entry.keyword ?? null, entry.reason ?? null, at, at],
  );
  // SQLite keeps booleans as 0 and 1.
  return { ...reviveDates(row, ['createdAt', 'updatedAt']), optedOut: Boolean(row.optedOut) } as unknown as OptOut;
}

export interface OptOutFilter {
  phoneNumberId?: string;
  customerPhoneNumber?: string;
  optedOut?: boolean | null;
}

/** The ledger rows an organization may see, narrowed by the filter. */
export function optOutWhere(organizationId: string, filter: OptOutFilter = {}) {
  return {
    organizationId,
    ...(filter.phoneNumberId !== undefined && { phoneNumberId: filter.phoneNumberId }),
    ...(filter.customerPhoneNumber !== undefined && { customerPhoneNumber: parseE164(filter.customerPhoneNumber) ?? filter.customerPhoneNumber }),
    ...(filter.optedOut !== undefined && filter.optedOut !== null && { optedOut: filter.optedOut }),
  };
}
