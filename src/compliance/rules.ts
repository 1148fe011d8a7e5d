import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { Sender, SenderWithAssistant } from '../assistants/sender-directory';
import type { SqlTx, Work } from '../db/sql';
import { MessageCategory as MessageCategories } from '../db/client';
import { SwitchboardError, type ErrorCode } from '../errors';
import { groupBy } from '../db/rows';
import { credentialFor } from '../assistants/credentials';
import { providerNamed } from '../providers';
import { nextAllowedTime } from './quiet-hours';
import { recipientTimeZone } from './time-zones';
import { sendingWindow } from './settings';

/**
 * The compliance rules of a send, as one pipeline that both the send path and canSend run:
 *
 * - sender rules (no assistant, provider not configured, sender not registered) from the cached
 *   sender (src/assistants/sender-directory.ts), before anything is stored;
 * - quiet hours, computed from the assistant's window and the recipient's zone;
 * - recipient rules (opt-out, consent, frequency cap), one query per rule per batch inside the
 *   intake's group commit (src/messaging/intake.ts); canSend runs the same statements on its own.
 *
 * A rule that is off is still evaluated for canSend, which reports what it would say
 * (`enforced: false`); the send path skips its query altogether.
 */

export const MESSAGE_CATEGORIES = Object.values(MessageCategories);
export type MessageCategory = (typeof MESSAGE_CATEGORIES)[number];

export type RefusalCode = Extract<
  ErrorCode,
  'NO_ASSISTANT' | 'PROVIDER_NOT_CONFIGURED' | 'SENDER_NOT_REGISTERED' | 'RECIPIENT_OPTED_OUT' | 'CONSENT_REQUIRED' | 'QUIET_HOURS' | 'FREQUENCY_CAP'
>;

export interface Refusal {
  code: RefusalCode;
  message: string;
  field: string | null;
  /** QUIET_HOURS: when the sending window next opens. */
  nextAllowedAt: Date | null;
  /** False when the rule is off: the send would go out, but this is what the rule would say. */
  enforced: boolean;
}

const refusal = (code: RefusalCode, message: string, field: string | null, enforced = true, nextAllowedAt: Date | null = null): Refusal => ({
  code,
  message,
  field,
  nextAllowedAt,
  enforced,
});

export function refusalError(r: Refusal): SwitchboardError {
  return new SwitchboardError(r.code, r.message, r.field, r.nextAllowedAt);
}

/**
 * US and Canadian senders need carrier registration: long codes (10DLC campaigns) and
 * toll-free numbers (toll-free verification). Numbers elsewhere do not.
 */
export function requiresRegistration(phoneNumber: string): boolean {
  const parsed = parsePhoneNumberFromString(phoneNumber);
  if (!parsed || parsed.countryCallingCode !== '1') return false;
  return ['TOLL_FREE', 'FIXED_LINE', 'MOBILE', 'FIXED_LINE_OR_MOBILE', 'VOIP', 'PERSONAL_NUMBER'].includes(parsed.getType() ?? '');
}

/**
 * What the sending number itself allows. `report` (canSend) also evaluates registration where
 * the organization does not enforce it; the send path skips it then.
 */
export function senderRefusals(sender: Sender, mode: 'enforce' | 'report'): Refusal[] {
  const from = sender.phoneNumber;
  const reasons: Refusal[] = [];
  if (!sender.assistant) reasons.push(refusal('NO_ASSISTANT', `${from} is not assigned to an assistant`, 'fromPhoneNumber'));
  else if (!credentialFor(sender.assistant, sender.provider)) {
    const provider = providerNamed(sender.provider);
    reasons.push(refusal('PROVIDER_NOT_CONFIGURED', `${from} is a ${provider.name} number but its assistant has no ${provider.credentials.inputField}`, 'fromPhoneNumber'));
  }
  const checkRegistration = mode === 'report' || sender.organization.enforceRegistration;
  if (checkRegistration && sender.registrationStatus !== 'APPROVED' && requiresRegistration(from)) {
    reasons.push(
      refusal(
        'SENDER_NOT_REGISTERED',
        `${from} needs carrier registration (10DLC campaign or toll-free verification) and is ${sender.registrationStatus}`,
        'fromPhoneNumber',
        sender.organization.enforceRegistration,
      ),
    );
  }
  return reasons;
}

/** TRANSACTIONAL traffic when the assistant exempts it, and Switchboard's own compliance messages. */
function exempt(sender: Pick<SenderWithAssistant, 'assistant'>, category: MessageCategory | null): boolean {
  return category === 'COMPLIANCE' || (category === 'TRANSACTIONAL' && !!sender.assistant?.exemptTransactional);
}

/** QUIET_HOURS when `at` is outside the assistant's sending window on the recipient's clock. */
export function quietHoursRefusal(sender: Pick<SenderWithAssistant, 'assistant'>, to: string, category: MessageCategory | null, at: Date): Refusal | null {
  const window = sender.assistant && sendingWindow(sender.assistant);
  if (!window || exempt(sender, category)) return null;
  const zone = recipientTimeZone(to, sender.assistant!.timeZone ?? 'UTC');
  const next = nextAllowedTime(window, zone, at);
  if (!next) return null;
  return refusal(
    'QUIET_HOURS',
    `${to} may be messaged from ${sender.assistant!.sendingWindowStart} to ${sender.assistant!.sendingWindowEnd} (${zone}); next allowed at ${next.toISOString()}`,
    'toPhoneNumber',
    true,
    next,
  );
}

/** The recipient rules' settings for sends from this sender. */
export interface RecipientRules {
  requireOptIn: boolean;
  replyWindowMinutes: number;
  /** Null: no cap, or this message is exempt from it. */
  dailyCap: number | null;
}

export function recipientRules(sender: Sender, category: MessageCategory | null): RecipientRules {
  return {
    requireOptIn: sender.organization.requireOptIn,
    replyWindowMinutes: sender.organization.consentReplyWindowMinutes,
    dailyCap: exempt(sender, category) ? null : (sender.assistant?.dailyCapPerRecipient ?? null),
  };
}

export interface RecipientCheck {
  organizationId: string;
  phoneNumberId: string;
  assistantId: string;
  from: string;
  to: string;
  /** When the message goes out (sendAt, else now). */
  at: Date;
  rules: RecipientRules;
}

const DAY_MS = 24 * 3600_000;
const key = (...parts: string[]) => parts.join('|');

/**
 * The recipient rules for a batch of sends, in order: each send's refusals (empty when it may
 * go). `report` evaluates consent even where it is off (for canSend). One statement per rule
 * per group (number, organization, assistant) of the batch, none for a rule no send has on.
 * A send counts towards the cap of later sends in the batch when nothing refused it.
 */
export function* recipientRefusals(tx: SqlTx, checks: RecipientCheck[], mode: 'enforce' | 'report'): Work<Refusal[][]> {
  const reasons: Refusal[][] = checks.map(() => []);

  // Opt-outs (always on): the current state per (our number, customer).
  const optedOut = new Set<string>();
  for (const [phoneNumberId, group] of groupBy(checks, (c) => c.phoneNumberId)) {
    const rows = yield* tx.all<{ customerPhoneNumber: string }>(
      `SELECT "customerPhoneNumber" FROM "OptOut" WHERE "phoneNumberId" = ? AND "optedOut" AND ${tx.inList('"customerPhoneNumber"')}`,
      [phoneNumberId, tx.list(group.map((c) => c.to))],
    );
    for (const row of rows) optedOut.add(key(phoneNumberId, row.customerPhoneNumber));
  }
  checks.forEach((c, i) => {
    if (optedOut.has(key(c.phoneNumberId, c.to))) {
      reasons[i].push(refusal('RECIPIENT_OPTED_OUT', `${c.to} has opted out of messages from ${c.from}`, 'toPhoneNumber'));
    }
  });

  // Consent: the latest consent event covering the number is an opt-in, or the customer wrote
  // to the number within the reply window.
  const consentChecked = checks.map((c) => mode === 'report' || c.rules.requireOptIn);
  const consenting = yield* consentOf(tx, checks.filter((_, i) => consentChecked[i]));
  checks.forEach((c, i) => {
    if (consentChecked[i] && !consenting.has(key(c.phoneNumberId, c.to))) {
      reasons[i].push(
        refusal(
          'CONSENT_REQUIRED',
          `${c.to} has not opted in to messages from ${c.from}, and has not written to it in the last ${c.rules.replyWindowMinutes} minutes`,
          'toPhoneNumber',
          c.rules.requireOptIn,
        ),
      );
    }
  });

  // Frequency cap: messages from the assistant's numbers to the recipient in the 24 hours before.
  const capped = checks.filter((c) => c.rules.dailyCap !== null);
  const sent = new Map<string, number>();
  for (const [assistantId, group] of groupBy(capped, (c) => c.assistantId)) {
    const since = new Date(Math.min(...group.map((c) => c.at.getTime())) - DAY_MS);
    const rows = yield* tx.all<{ to: string; n: number | string }>(
      `SELECT "to", COUNT(*) AS n FROM "Message"
       WHERE "organizationId" = ? AND "assistantId" = ? AND "direction" = 'OUTBOUND' AND ${tx.inList('"to"')} AND "createdAt" > ?
         AND "status" <> 'CANCELED' AND ("category" IS NULL OR "category" <> 'COMPLIANCE')
       GROUP BY "to"`,
      [group[0].organizationId, assistantId, tx.list([...new Set(group.map((c) => c.to))]), since],
    );
    for (const row of rows) sent.set(key(assistantId, row.to), Number(row.n));
  }
  checks.forEach((c, i) => {
    const cap = c.rules.dailyCap;
    if (cap === null) return;
    const k = key(c.assistantId, c.to);
    const count = sent.get(k) ?? 0;
    if (count >= cap) {
      reasons[i].push(refusal('FREQUENCY_CAP', `${c.to} has had ${count} messages from this assistant in the last 24 hours; the cap is ${cap}`, 'toPhoneNumber'));
    } else if (!reasons[i].some((r) => r.enforced)) sent.set(k, count + 1);
  });
  return reasons;
}

/** Which (number, customer) pairs of the checks have consent: an opt-in covering the number, or a recent message from the customer. */
function* consentOf(tx: SqlTx, checks: RecipientCheck[]): Work<Set<string>> {
  const consenting = new Set<string>();
  if (checks.length === 0) return consenting;
  for (const [organizationId, group] of groupBy(checks, (c) => c.organizationId)) {
    const events = yield* tx.all<{ customerPhoneNumber: string; phoneNumberId: string | null; assistantId: string | null; kind: string }>(
      `SELECT "customerPhoneNumber", "phoneNumberId", "assistantId", "kind" FROM "ConsentEvent"
       WHERE "organizationId" = ? AND ${tx.inList('"customerPhoneNumber"')} ORDER BY "at", "id"`,
      [organizationId, tx.list([...new Set(group.map((c) => c.to))])],
    );
    // Each customer's events, oldest first (groupBy keeps the query's order).
    const eventsOf = groupBy(events, (e) => e.customerPhoneNumber);
    for (const c of group) {
      const covering = (eventsOf.get(c.to) ?? []).filter(
        (e) => e.phoneNumberId === c.phoneNumberId || e.assistantId === c.assistantId || (!e.phoneNumberId && !e.assistantId),
      );
      if (covering.at(-1)?.kind === 'OPT_IN') consenting.add(key(c.phoneNumberId, c.to));
    }
  }
  const rest = checks.filter((c) => !consenting.has(key(c.phoneNumberId, c.to)));
  for (const [phoneNumberId, group] of groupBy(rest, (c) => c.phoneNumberId)) {
    const since = new Date(Math.min(...group.map((c) => c.at.getTime() - c.rules.replyWindowMinutes * 60_000)));
    const rows = yield* tx.all<{ customerPhoneNumber: string; lastAt: string | Date }>(
      `SELECT c."customerPhoneNumber", MAX(m."createdAt") AS "lastAt" FROM "Conversation" c JOIN "Message" m ON m."conversationId" = c."id"
       WHERE c."phoneNumberId" = ? AND ${tx.inList('c."customerPhoneNumber"')} AND m."direction" = 'INBOUND' AND m."createdAt" >= ?
       GROUP BY c."customerPhoneNumber"`,
      [phoneNumberId, tx.list([...new Set(group.map((c) => c.to))]), since],
    );
    const lastWrote = new Map(rows.map((r) => [r.customerPhoneNumber, new Date(r.lastAt).getTime()]));
    for (const c of group) {
      const wrote = lastWrote.get(c.to);
      if (wrote !== undefined && c.at.getTime() - wrote <= c.rules.replyWindowMinutes * 60_000) consenting.add(key(c.phoneNumberId, c.to));
    }
  }
  return consenting;
}
