import type { Services } from '../services';
import type { ConsentEvent } from '../db/client';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { SwitchboardError } from '../errors';
import { csvField, neutralizeFormula } from '../export/encoders';
import { dateParam } from '../export/url-filter';
import { consentHistoryWhere, type ConsentHistoryFilter } from './consent';

export const CONSENT_CSV_COLUMNS = [
  'id',
  'customerPhoneNumber',
  'kind',
  'method',
  'phoneNumberId',
  'assistantId',
  'keyword',
  'source',
  'evidence',
  'messageId',
  'at',
  'createdAt',
] as const;

function consentRecord(event: ConsentEvent): Record<(typeof CONSENT_CSV_COLUMNS)[number], string | null> {
  return {
    id: encodeGlobalID('ConsentEvent', event.id),
    customerPhoneNumber: event.customerPhoneNumber,
    kind: event.kind,
    method: event.method,
    phoneNumberId: event.phoneNumberId && encodeGlobalID('PhoneNumber', event.phoneNumberId),
    assistantId: event.assistantId && encodeGlobalID('Assistant', event.assistantId),
    keyword: event.keyword,
    source: event.source,
    evidence: event.evidence,
    messageId: event.messageId && encodeGlobalID('Message', event.messageId),
    at: event.at.toISOString(),
    createdAt: event.createdAt.toISOString(),
  };
}

/** The query parameters of GET /export/consent, as a ConsentHistoryFilter. */
export function consentFilterFromParams(params: URLSearchParams, decodeId: (typename: string, globalId: string) => string): ConsentHistoryFilter {
  const filter: ConsentHistoryFilter = {};
  const customer = params.get('customerPhoneNumber');
  if (customer) filter.customerPhoneNumber = customer;
  const phoneNumberId = params.get('phoneNumberId');
  if (phoneNumberId) filter.phoneNumberId = decodeId('PhoneNumber', phoneNumberId);
  const kind = params.get('kind')?.toUpperCase();
  if (kind) {
    if (kind !== 'OPT_IN' && kind !== 'OPT_OUT') throw new SwitchboardError('INVALID_INPUT', 'kind must be OPT_IN or OPT_OUT', 'kind');
    filter.kind = kind;
  }
  for (const name of ['after', 'before'] as const) {
    const date = dateParam(params, name);
    if (date) filter[name] = date;
  }
  return filter;
}

/**
 * The consent history as CSV or JSON lines, oldest first, read a thousand rows at a time: an
 * audit trail to hand over, of any length.
 */
export async function* consentExportLines(services: Services, organizationId: string, filter: ConsentHistoryFilter, format: 'csv' | 'jsonl'): AsyncGenerator<string> {
  if (format === 'csv') yield `${CONSENT_CSV_COLUMNS.join(',')}\r\n`;
  const where = consentHistoryWhere(organizationId, filter);
  let after: string | null = null;
  for (;;) {
    const batch: ConsentEvent[] = await services.db.consentEvent.findMany({
      where: after ? { AND: [where, { id: { gt: after } }] } : where,
      orderBy: { id: 'asc' },
      take: 1000,
    });
    if (batch.length === 0) return;
    yield batch
      .map((event) => {
        const record = consentRecord(event);
        if (format === 'jsonl') return `${JSON.stringify(record)}\n`;
        return `${CONSENT_CSV_COLUMNS.map((c) => csvField(record[c] === null ? null : neutralizeFormula(record[c]!))).join(',')}\r\n`;
      })
      .join('');
    after = batch.at(-1)!.id;
  }
}
