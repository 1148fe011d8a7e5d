import type { Services } from '../services';
import type { OptOut } from '../db/client';
import type { SqlTx, Work } from '../db/sql';
import { reviveDates } from '../db/rows';
import { newId } from '../db/ids';
import { notFound, SwitchboardError } from '../errors';
import { invalidNumber } from '../assistants/phone-numbers';
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

export function setOptOut(services: Services, entry: OptOutEntry): Promise<OptOut> {
  return services.sql.transaction((tx) => upsertOptOut(tx, entry));
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

/**
 * Opts a customer out of (or back into) one of the organization's numbers by hand, keeping the
 * reason. The number must belong to the organization; the customer must be a valid E.164 number.
 */
export async function setOptOutByHand(
  services: Services,
  organizationId: string,
  input: { phoneNumberId: string; customerPhoneNumber: string; reason?: string | null; optedOut: boolean },
) {
  const customerPhoneNumber = parseE164(input.customerPhoneNumber);
  if (!customerPhoneNumber) throw invalidNumber('customerPhoneNumber', input.customerPhoneNumber);
  const reason = input.reason?.trim() || null;
  if (reason && reason.length > 500) throw new SwitchboardError('INVALID_INPUT', 'reason must be at most 500 characters', 'reason');
  const number = await services.db.phoneNumber.findFirst({ where: { id: input.phoneNumberId, organizationId }, select: { id: true } });
  if (!number) throw notFound('Phone number');
  return setOptOut(services, { organizationId, phoneNumberId: number.id, customerPhoneNumber, optedOut: input.optedOut, keyword: null, reason });
}
