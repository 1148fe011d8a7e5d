import type { Services } from '../services';

/** Carrier keywords (CONTRACT §5): the whole message, trimmed, any case. */
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

export async function isOptedOut(services: Services, phoneNumberId: string, customerPhoneNumber: string): Promise<boolean> {
  const row = await services.db.optOut.findUnique({
    where: { phoneNumberId_customerPhoneNumber: { phoneNumberId, customerPhoneNumber } },
    select: { optedOut: true },
  });
  return row?.optedOut ?? false;
}

export async function setOptOut(
  services: Services,
  entry: { organizationId: string; phoneNumberId: string; customerPhoneNumber: string; optedOut: boolean; keyword?: string | null; reason?: string | null },
) {
  const { organizationId, phoneNumberId, customerPhoneNumber, optedOut } = entry;
  const data = { optedOut, keyword: entry.keyword ?? null, reason: entry.reason ?? null };
  return services.db.optOut.upsert({
    where: { phoneNumberId_customerPhoneNumber: { phoneNumberId, customerPhoneNumber } },
    create: { organizationId, phoneNumberId, customerPhoneNumber, ...data },
    update: data,
  });
}
