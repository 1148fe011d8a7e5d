import type { Assistant } from '../db/client';
import { SwitchboardError } from '../errors';
import { isTimeZone } from './time-zones';
import { parseClockTime, type SendingWindow } from './quiet-hours';

/** An assistant's compliance settings as set through updateAssistant; fields left out keep their value, null clears. */
export interface AssistantComplianceInput {
  businessName?: string | null;
  keywordReplies?: boolean | null;
  stopReply?: string | null;
  startReply?: string | null;
  helpReply?: string | null;
  optOutFooter?: string | null;
  sendingWindowStart?: string | null;
  sendingWindowEnd?: string | null;
  timeZone?: string | null;
  dailyCapPerRecipient?: number | null;
  exemptTransactional?: boolean | null;
}

/** The assistant columns these settings live in. */
export type AssistantCompliance = Pick<
  Assistant,
  | 'businessName'
  | 'keywordReplies'
  | 'stopReply'
  | 'startReply'
  | 'helpReply'
  | 'optOutFooter'
  | 'sendingWindowStart'
  | 'sendingWindowEnd'
  | 'timeZone'
  | 'dailyCapPerRecipient'
  | 'exemptTransactional'
>;

/** Trimmed text (empty is null) of at most `max` characters, else INVALID_INPUT naming the field. */
export function checkText(field: string, value: string | null | undefined, max: number): string | null {
  const trimmed = value?.trim() || null;
  if (trimmed && trimmed.length > max) throw new SwitchboardError('INVALID_INPUT', `${field} must be at most ${max} characters`, field);
  return trimmed;
}

/** Replies and footers go out as single messages: kept well under the 1,600-character limit. */
const MAX_TEXT = 500;

function text(field: keyof AssistantComplianceInput, value: string | null | undefined): string | null | undefined {
  return value === undefined ? undefined : checkText(`compliance.${field}`, value, MAX_TEXT);
}

/**
 * The column values for `input`, checked against `current` (a window needs both ends). Bad
 * input throws INVALID_INPUT naming the field, before anything is written.
 */
export function complianceColumns(current: AssistantCompliance, input: AssistantComplianceInput): Partial<AssistantCompliance> {
  const columns: Partial<AssistantCompliance> = {};
  for (const field of ['businessName', 'stopReply', 'startReply', 'helpReply', 'optOutFooter'] as const) {
    const value = text(field, input[field]);
    if (value !== undefined) columns[field] = value;
  }
  for (const field of ['keywordReplies', 'exemptTransactional'] as const) {
    if (input[field] !== undefined) columns[field] = input[field] ?? false;
  }
  for (const field of ['sendingWindowStart', 'sendingWindowEnd'] as const) {
    const value = input[field];
    if (value === undefined) continue;
    if (value !== null && parseClockTime(value) === null) {
      throw new SwitchboardError('INVALID_INPUT', `compliance.${field} must be a 24-hour time HH:MM, e.g. "08:00"`, `compliance.${field}`);
    }
    columns[field] = value;
  }
  const start = columns.sendingWindowStart !== undefined ? columns.sendingWindowStart : current.sendingWindowStart;
  const end = columns.sendingWindowEnd !== undefined ? columns.sendingWindowEnd : current.sendingWindowEnd;
  if ((start === null) !== (end === null) || (start !== null && start === end)) {
    throw new SwitchboardError('INVALID_INPUT', 'compliance.sendingWindowStart and sendingWindowEnd are set together, and differ', 'compliance.sendingWindowStart');
  }
  if (input.timeZone !== undefined) {
    if (input.timeZone !== null && !isTimeZone(input.timeZone)) {
      throw new SwitchboardError('INVALID_INPUT', `compliance.timeZone must be an IANA time zone, e.g. "America/New_York"`, 'compliance.timeZone');
    }
    columns.timeZone = input.timeZone;
  }
  if (input.dailyCapPerRecipient !== undefined) {
    const cap = input.dailyCapPerRecipient;
    if (cap !== null && (!Number.isInteger(cap) || cap < 1 || cap > 10_000)) {
      throw new SwitchboardError('INVALID_INPUT', 'compliance.dailyCapPerRecipient must be a whole number from 1 to 10000', 'compliance.dailyCapPerRecipient');
    }
    columns.dailyCapPerRecipient = cap;
  }
  return columns;
}

/** The assistant's sending window, or null while none is set. */
export function sendingWindow(assistant: AssistantCompliance): SendingWindow | null {
  if (!assistant.sendingWindowStart || !assistant.sendingWindowEnd) return null;
  return { start: parseClockTime(assistant.sendingWindowStart)!, end: parseClockTime(assistant.sendingWindowEnd)! };
}
