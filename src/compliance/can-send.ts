import type { Services } from '../services';
import { invalidNumber } from '../assistants/phone-numbers';
import { parseE164 } from '../messaging/phone-number';
import { checkCategory, findSender } from '../messaging/send';
import { quietHoursRefusal, recipientRefusals, recipientRules, senderRefusals, type MessageCategory, type Refusal } from './rules';

export interface CanSendInput {
  fromPhoneNumber: string;
  toPhoneNumber: string;
  category?: MessageCategory | null;
  /** When the message would go out; now when left out. */
  at?: Date | null;
}

export interface SendVerdict {
  /** True when no rule that is on refuses the send. */
  allowed: boolean;
  /** Every rule's refusal, those that are off included (enforced: false). */
  reasons: Refusal[];
}

/**
 * Whether a send would be accepted, with every reason it would not: the rules the send path
 * runs (src/compliance/rules.ts), the recipient rules through the same statements, outside
 * the intake's group commit. Changes nothing.
 */
export async function canSend(services: Services, organizationId: string, input: CanSendInput): Promise<SendVerdict> {
  const from = parseE164(input.fromPhoneNumber);
  if (!from) throw invalidNumber('fromPhoneNumber', input.fromPhoneNumber);
  const to = parseE164(input.toPhoneNumber);
  if (!to) throw invalidNumber('toPhoneNumber', input.toPhoneNumber);
  const category = checkCategory(input.category);
  const at = input.at ?? new Date();
  const sender = await findSender(services, organizationId, from);

  const reasons = senderRefusals(sender, 'report');
  if (sender.assistant) {
    const quiet = quietHoursRefusal(sender, to, category, at);
    if (quiet) reasons.push(quiet);
    const check = { organizationId, phoneNumberId: sender.id, assistantId: sender.assistant.id, from, to, at, rules: recipientRules(sender, category) };
    const [recipient] = await services.sql.transaction((tx) => recipientRefusals(tx, [check], 'report'));
    reasons.push(...recipient);
  }
  return { allowed: reasons.every((r) => !r.enforced), reasons };
}
