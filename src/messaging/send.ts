import type { Services } from '../services';
import type { Message } from '../db/client';
import { SwitchboardError } from '../errors';
import { invalidNumber } from '../assistants/phone-numbers';
import { configuredProviders } from '../assistants/assistants';
import { parseE164 } from './phone-number';
import { countSegments } from './segments';
import { announceStatusChanges, moveMessages } from './status';
import type { MessageSender } from './intake';

export const MAX_BODY_CHARACTERS = 1600;
export const MAX_MEDIA = 10;
/** Vonage's Messages API takes at most 1,000 characters of SMS text and one media item per MMS. */
export const VONAGE_MAX_BODY_CHARACTERS = 1000;
const MAX_SCHEDULE_AHEAD_MS = 365 * 24 * 3600_000;

export interface SendRequest {
  fromPhoneNumber: string;
  toPhoneNumber: string;
  message?: string | null;
  /** Present (even empty) = MMS. */
  mediaUrls?: string[] | null;
  idempotencyKey?: string | null;
  sendAt?: Date | null;
  /** Seconds after sendAt (or now) within which the message must reach its provider, else it ends FAILED. */
  validityPeriodSeconds?: number | null;
  /** Send even into a thread a person has taken over (the assistant's own sends are refused there otherwise). */
  force?: boolean | null;
}

/**
 * Accepts an outbound SMS or MMS: validates it, picks the provider from the sending number,
 * checks credentials and opt-outs, and stores it QUEUED (or SCHEDULED) in its conversation.
 * The provider is called later by the send queue; the message is safe once this returns.
 */
export async function sendMessage(services: Services, organizationId: string, request: SendRequest, sentBy: MessageSender | null = null): Promise<Message> {
  const idempotencyKey = request.idempotencyKey?.trim() || null;
  if (idempotencyKey && idempotencyKey.length > 255) {
    throw new SwitchboardError('INVALID_INPUT', 'idempotencyKey must be at most 255 characters', 'idempotencyKey');
  }
  const isMms = request.mediaUrls !== undefined && request.mediaUrls !== null;
  const from = parseE164(request.fromPhoneNumber);
  if (!from) throw invalidNumber('fromPhoneNumber', request.fromPhoneNumber);
  const to = parseE164(request.toPhoneNumber);
  if (!to) throw invalidNumber('toPhoneNumber', request.toPhoneNumber);
  const body = request.message ?? '';
  checkBody(body, isMms);
  const mediaUrls = isMms ? checkMedia(request.mediaUrls!) : [];
  const sendAt = checkSendAt(request.sendAt);
  const validUntil = validityDeadline(request.validityPeriodSeconds, sendAt);

  const sender = await services.senders.find(organizationId, from);
  if (!sender) throw new SwitchboardError('NUMBER_NOT_FOUND', `No phone number ${from} in this organization`, 'fromPhoneNumber');
  if (!sender.assistant) throw new SwitchboardError('NO_ASSISTANT', `${from} is not assigned to an assistant`, 'fromPhoneNumber');
  if (!configuredProviders(sender.assistant).includes(sender.provider)) {
    throw new SwitchboardError(
      'PROVIDER_NOT_CONFIGURED',
      `${from} is a ${sender.provider} number but its assistant has no ${sender.provider.toLowerCase()}Config`,
      'fromPhoneNumber',
    );
  }
  if (sender.provider === 'VONAGE') checkVonageLimits(body, mediaUrls);

  const { encoding, segments } = countSegments(body);
  // Stored with other sends arriving at the same moment, in one transaction that also checks
  // the idempotency key and the recipient's opt-out (src/messaging/intake.ts).
  return services.intake.add({
    organizationId,
    phoneNumberId: sender.id,
    assistantId: sender.assistant.id,
    provider: sender.provider,
    from,
    to,
    body,
    mediaUrls,
    status: sendAt && sendAt > new Date() ? 'SCHEDULED' : 'QUEUED',
    segments: isMms ? Math.max(segments, 1) : segments,
    encoding,
    idempotencyKey,
    sendAt,
    validUntil,
    sentBy,
    force: request.force ?? false,
  });
}

export async function cancelMessage(services: Services, organizationId: string, id: string): Promise<Message> {
  const message = await services.db.message.findFirst({ where: { id, organizationId }, select: { id: true } });
  if (!message) throw new SwitchboardError('NOT_FOUND', 'Message not found');
  const [canceled] = await services.sql.transaction((tx) => moveMessages(tx, [message.id], ['QUEUED', 'SCHEDULED'], { status: 'CANCELED' }, { nextAttemptAt: null }));
  if (!canceled) {
    const { status } = await services.db.message.findUniqueOrThrow({ where: { id: message.id }, select: { status: true } });
    throw new SwitchboardError('INVALID_STATE', `Only QUEUED or SCHEDULED messages can be canceled; this one is ${status}`);
  }
  announceStatusChanges(services, [canceled]);
  return canceled;
}

function characters(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

function checkBody(body: string, isMms: boolean) {
  if (typeof body !== 'string') throw new SwitchboardError('INVALID_INPUT', 'message must be a string', 'message');
  if (!isMms && body.trim() === '') throw new SwitchboardError('EMPTY_MESSAGE', 'message must not be empty', 'message');
  const length = characters(body);
  if (length > MAX_BODY_CHARACTERS) {
    throw new SwitchboardError('MESSAGE_TOO_LONG', `message is ${length} characters; the limit is ${MAX_BODY_CHARACTERS}`, 'message');
  }
}

function checkMedia(urls: string[]): string[] {
  if (!Array.isArray(urls) || urls.length === 0) throw new SwitchboardError('INVALID_MEDIA', 'an MMS needs at least one media URL', 'mediaUrls');
  if (urls.length > MAX_MEDIA) throw new SwitchboardError('INVALID_MEDIA', `an MMS carries at most ${MAX_MEDIA} media URLs`, 'mediaUrls');
  return urls.map((url, i) => {
    let parsed: URL | null = null;
    try {
      parsed = typeof url === 'string' && url.length <= 2048 ? new URL(url) : null;
    } catch {
      parsed = null;
    }
    if (!parsed || parsed.protocol !== 'https:' || !parsed.hostname) {
      throw new SwitchboardError('INVALID_MEDIA', `mediaUrls[${i}] must be an https URL`, `mediaUrls.${i}`);
    }
    return parsed.toString();
  });
}

function checkVonageLimits(body: string, mediaUrls: string[]) {
  if (mediaUrls.length > 1) {
    throw new SwitchboardError('INVALID_MEDIA', 'Vonage carries one media item per MMS; send one message per media URL', 'mediaUrls');
  }
  if (characters(body) > VONAGE_MAX_BODY_CHARACTERS) {
    throw new SwitchboardError('MESSAGE_TOO_LONG', `Vonage accepts at most ${VONAGE_MAX_BODY_CHARACTERS} characters per message`, 'message');
  }
}

export const MAX_VALIDITY_PERIOD_SECONDS = 3 * 24 * 3600;

function validityDeadline(seconds: number | null | undefined, sendAt: Date | null): Date | null {
  if (seconds === null || seconds === undefined) return null;
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_VALIDITY_PERIOD_SECONDS) {
    throw new SwitchboardError('INVALID_INPUT', `validityPeriodSeconds must be a whole number from 1 to ${MAX_VALIDITY_PERIOD_SECONDS}`, 'validityPeriodSeconds');
  }
  return new Date(Math.max(Date.now(), sendAt?.getTime() ?? 0) + seconds * 1000);
}

function checkSendAt(sendAt: Date | null | undefined): Date | null {
  if (!sendAt) return null;
  if (!(sendAt instanceof Date) || Number.isNaN(sendAt.getTime())) throw new SwitchboardError('INVALID_INPUT', 'sendAt must be an ISO 8601 date-time', 'sendAt');
  if (sendAt.getTime() - Date.now() > MAX_SCHEDULE_AHEAD_MS) throw new SwitchboardError('INVALID_INPUT', 'sendAt must be within a year', 'sendAt');
  return sendAt;
}
