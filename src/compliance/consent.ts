import type { Services } from '../services';
import type { ConsentEvent, OptOut } from '../db/client';
import type { Row, SqlTx, Work } from '../db/sql';
import { insertRows } from '../db/rows';
import { newId } from '../db/ids';
import { notFound, SwitchboardError } from '../errors';
import { findPhoneNumber, invalidNumber } from '../assistants/phone-numbers';
import { parseE164 } from '../messaging/phone-number';
import { upsertOptOut } from '../messaging/opt-outs';
import { checkText } from './settings';

/**
 * One change to a customer's consent: a row appended to the consent history (ConsentEvent,
 * never changed afterwards) and, for the numbers in `optOutNumbers`, the opt-out state the send
 * path reads (OptOut).
 */
export interface ConsentChange {
  organizationId: string;
  customerPhoneNumber: string;
  kind: ConsentEvent['kind'];
  method: ConsentEvent['method'];
  /** What the event covers: one number, one assistant's numbers, or (both null) the organization. */
  phoneNumberId: string | null;
  assistantId?: string | null;
  keyword?: string | null;
  source?: string | null;
  evidence?: string | null;
  messageId?: string | null;
  at: Date;
  /** Numbers whose OptOut row is set to this change (opted out for OPT_OUT, back in for OPT_IN). */
  optOutNumbers: string[];
  /** Kept on the OptOut row. */
  reason?: string | null;
}

/**
 * Applies the changes in order: the OptOut rows one by one (each an upsert), the history in one
 * insert. Returns the OptOut rows set and the ids of the history rows.
 */
export function* recordConsent(tx: SqlTx, changes: ConsentChange[], now = new Date()): Work<{ optOuts: OptOut[]; eventIds: string[] }> {
  const optOuts: OptOut[] = [];
  const events: Row[] = [];
  for (const change of changes) {
    for (const phoneNumberId of change.optOutNumbers) {
      optOuts.push(
        yield* upsertOptOut(
          tx,
          {
            organizationId: change.organizationId,
            phoneNumberId,
            customerPhoneNumber: change.customerPhoneNumber,
            optedOut: change.kind === 'OPT_OUT',
            keyword: change.keyword ?? null,
            reason: change.reason ?? null,
          },
          now,
        ),
      );
    }
    events.push({
      id: newId(),
      organizationId: change.organizationId,
      customerPhoneNumber: change.customerPhoneNumber,
      kind: change.kind,
      method: change.method,
      phoneNumberId: change.phoneNumberId,
      assistantId: change.assistantId ?? null,
      keyword: change.keyword ?? null,
      source: change.source ?? null,
      evidence: change.evidence ?? null,
      messageId: change.messageId ?? null,
      at: change.at,
      createdAt: now,
    });
  }
  yield* insertRows(tx, 'ConsentEvent', events);
  return { optOuts, eventIds: events.map((e) => e.id as string) };
}

/** A provider refused a send because the customer opted out with the carrier: later sends from the number are refused here. */
export function providerRefusal(
  message: { organizationId: string; to: string; provider: string },
  phoneNumberId: string,
  reason: string,
  at: Date,
): ConsentChange {
  return {
    organizationId: message.organizationId,
    customerPhoneNumber: message.to,
    kind: 'OPT_OUT',
    method: 'PROVIDER_REFUSAL',
    phoneNumberId,
    source: reason,
    at,
    optOutNumbers: [phoneNumberId],
    reason,
  };
}

function customerNumber(value: string): string {
  const customer = parseE164(value);
  if (!customer) throw invalidNumber('customerPhoneNumber', value);
  return customer;
}

/**
 * Opts a customer out of (or back into) one of the organization's numbers by hand, keeping the
 * reason. The number must belong to the organization; the customer must be a valid E.164 number.
 */
export async function setOptOutByHand(
  services: Services,
  organizationId: string,
  input: { phoneNumberId: string; customerPhoneNumber: string; reason?: string | null; optedOut: boolean },
): Promise<OptOut> {
  const customerPhoneNumber = customerNumber(input.customerPhoneNumber);
  const reason = checkText('reason', input.reason, 500);
  const number = await findPhoneNumber(services, organizationId, input.phoneNumberId);
  const change: ConsentChange = {
    organizationId,
    customerPhoneNumber,
    kind: input.optedOut ? 'OPT_OUT' : 'OPT_IN',
    method: 'BY_HAND',
    phoneNumberId: number.id,
    source: reason,
    at: new Date(),
    optOutNumbers: [number.id],
    reason,
  };
  const { optOuts } = await services.sql.transaction((tx) => recordConsent(tx, [change]));
  return optOuts[0];
}

export interface OptInRecord {
  customerPhoneNumber: string;
  /** Where consent was collected, e.g. "checkout form". */
  source: string;
  evidence?: string | null;
  /** The numbers and assistants it covers; neither = every number of the organization. */
  phoneNumberIds?: string[] | null;
  assistantIds?: string[] | null;
  /** When the customer gave it; now when left out. */
  at?: Date | null;
}

/**
 * Records an opt-in collected outside Switchboard (a web form, a paper form), one history row
 * per number or assistant it covers. It gives consent for requireOptIn; it does not undo an
 * opt-out (the customer texts START, or optInRecipient).
 */
export async function recordOptIn(services: Services, organizationId: string, input: OptInRecord): Promise<ConsentEvent[]> {
  const customerPhoneNumber = customerNumber(input.customerPhoneNumber);
  const source = checkText('source', input.source, 200);
  if (!source) throw new SwitchboardError('INVALID_INPUT', 'source must not be empty', 'source');
  const evidence = checkText('evidence', input.evidence, 5000);
  const now = new Date();
  const at = input.at ?? now;
  if (Number.isNaN(at.getTime()) || at.getTime() > now.getTime() + 60_000) throw new SwitchboardError('INVALID_INPUT', 'at must not be in the future', 'at');
  const phoneNumberIds = [...new Set(input.phoneNumberIds ?? [])];
  const assistantIds = [...new Set(input.assistantIds ?? [])];
  const [numbers, assistants] = await Promise.all([
    services.db.phoneNumber.count({ where: { organizationId, id: { in: phoneNumberIds } } }),
    services.db.assistant.count({ where: { organizationId, id: { in: assistantIds } } }),
  ]);
  if (numbers !== phoneNumberIds.length) throw notFound('Phone number');
  if (assistants !== assistantIds.length) throw notFound('Assistant');
  const scopes = [
    ...phoneNumberIds.map((phoneNumberId) => ({ phoneNumberId, assistantId: null })),
    ...assistantIds.map((assistantId) => ({ phoneNumberId: null, assistantId })),
  ];
  const changes: ConsentChange[] = (scopes.length ? scopes : [{ phoneNumberId: null, assistantId: null }]).map((scope) => ({
    organizationId,
    customerPhoneNumber,
    kind: 'OPT_IN',
    method: 'API',
    ...scope,
    source,
    evidence,
    at,
    optOutNumbers: [],
  }));
  const { eventIds } = await services.sql.transaction((tx) => recordConsent(tx, changes, now));
  return services.db.consentEvent.findMany({ where: { id: { in: eventIds } }, orderBy: { id: 'asc' } });
}

export interface ConsentHistoryFilter {
  customerPhoneNumber?: string | null;
  phoneNumberId?: string | null;
  kind?: ConsentEvent['kind'] | null;
  after?: Date | null;
  before?: Date | null;
}

/**
 * The consent history rows an organization may see, narrowed by the filter. A number's history
 * holds its own rows and the organization-wide ones (STOPALL, an opt-in covering every number).
 */
export function consentHistoryWhere(organizationId: string, filter: ConsentHistoryFilter = {}) {
  return {
    organizationId,
    ...(filter.customerPhoneNumber && { customerPhoneNumber: parseE164(filter.customerPhoneNumber) ?? filter.customerPhoneNumber }),
    ...(filter.phoneNumberId && { OR: [{ phoneNumberId: filter.phoneNumberId }, { phoneNumberId: null, assistantId: null }] }),
    ...(filter.kind && { kind: filter.kind }),
    ...((filter.after || filter.before) && { at: { ...(filter.after && { gte: filter.after }), ...(filter.before && { lt: filter.before }) } }),
  };
}
