import type { Services } from '../services';
import type { Assistant, Message, PhoneNumber } from '../db/client';
import type { NormalizedEvent } from '../providers/types';
import { isUniqueViolation, retrying } from '../db/errors';
import { countSegments } from './segments';
import { openThread } from './conversations';
import { isOptOutRefusal, keywordOf, setOptOut } from './opt-outs';
import { providerPayload, recordStatus } from './status';
import { forwardPayload } from '../webhooks/forward-payload';

type Inbound = Extract<NormalizedEvent, { kind: 'inbound' }>;
type StatusUpdate = Extract<NormalizedEvent, { kind: 'status' }>;
type OurNumber = PhoneNumber & { assistant: Assistant | null };

/**
 * Stores an inbound message once (a provider's retry of the same message id finds the first),
 * joins it to its thread, applies STOP/START keywords to the opt-out ledger, queues its
 * forwarding to the assistant, and publishes it. Returns whether it was new.
 */
export async function receiveInbound(services: Services, event: Inbound, number: OurNumber): Promise<{ message: Message; duplicate: boolean }> {
  const { db } = services;
  const earlier = () => db.message.findUnique({ where: { provider_providerMessageId: { provider: event.provider, providerMessageId: event.providerMessageId } } });
  const existing = await earlier();
  if (existing) return { message: existing, duplicate: true };

  const now = new Date();
  const { encoding, segments } = countSegments(event.body);
  const keyword = keywordOf(event.body);
  let message: Message;
  try {
    // A concurrent first message from the same customer may open the thread first: retried once.
    message = await retrying(() => services.db.$transaction(async (tx) => {
      const conversation = await openThread(
        tx,
        { organizationId: number.organizationId, phoneNumberId: number.id, assistantId: number.assistantId, customerPhoneNumber: event.from },
        now,
        { inbound: true },
      );
      const stored = await tx.message.create({
        data: {
          organizationId: number.organizationId,
          assistantId: number.assistantId,
          phoneNumberId: number.id,
          conversationId: conversation.id,
          direction: 'INBOUND',
          from: event.from,
          to: event.to,
          body: event.body,
          mediaUrls: JSON.stringify(event.media.map((m) => m.url)),
          provider: event.provider,
          providerMessageId: event.providerMessageId,
          status: 'RECEIVED',
          segments,
          encoding,
          createdAt: now,
          events: { create: { status: 'RECEIVED', providerStatus: 'received', payload: providerPayload(event.raw), at: now } },
        },
      });
      if (keyword && keyword.kind !== 'HELP') {
        const data = { optedOut: keyword.kind === 'OPT_OUT', keyword: keyword.keyword, reason: `inbound ${keyword.keyword}` };
        await tx.optOut.upsert({
          where: { phoneNumberId_customerPhoneNumber: { phoneNumberId: number.id, customerPhoneNumber: event.from } },
          create: { organizationId: number.organizationId, phoneNumberId: number.id, customerPhoneNumber: event.from, ...data },
          update: data,
        });
      }
      if (number.assistant?.smsWebhookUrl) {
        await tx.webhookForward.create({
          data: {
            organizationId: number.organizationId,
            assistantId: number.assistant.id,
            messageId: stored.id,
            url: number.assistant.smsWebhookUrl,
            payload: forwardPayload(stored, event.media, now),
            nextAttemptAt: now,
          },
        });
      }
      return stored;
    }), isUniqueViolation, 2);
  } catch (error) {
    // The same message delivered twice at once: the first stored wins.
    if (isUniqueViolation(error)) {
      const first = await earlier();
      if (first) return { message: first, duplicate: true };
    }
    throw error;
  }
  services.metrics.received.inc({ provider: message.provider });
  services.events.received(message);
  if (number.assistant?.smsWebhookUrl) services.wakeForwarder();
  return { message, duplicate: false };
}

/**
 * Applies a provider's delivery status to the outbound message it names, if that message was
 * sent from `number` (a webhook verified with one assistant's credentials can only touch its
 * own messages). The status moves only forward; every new provider word is kept in the
 * timeline, and a provider's retry of a word already recorded is ignored.
 */
export async function applyDeliveryStatus(services: Services, event: StatusUpdate, number: OurNumber): Promise<'applied' | 'duplicate' | 'unknown'> {
  const { db } = services;
  const message = await db.message.findUnique({
    where: { provider_providerMessageId: { provider: event.provider, providerMessageId: event.providerMessageId } },
  });
  if (!message || message.phoneNumberId !== number.id || message.direction !== 'OUTBOUND') return 'unknown';
  // The send queue's SENT step (the first one) carries the word of the provider's API answer,
  // which may be the word of its first callback too (Vonage "submitted"): that step is not a
  // callback, so a callback repeating its word is not a retry.
  const accepted = await db.messageEvent.findFirst({
    where: { messageId: message.id, status: 'SENT' },
    orderBy: [{ at: 'asc' }, { id: 'asc' }],
    select: { id: true },
  });
  const seen = await db.messageEvent.findFirst({
    where: {
      messageId: message.id,
      providerStatus: event.providerStatus,
      errorCode: event.errorCode ?? null,
      ...(accepted && { id: { not: accepted.id } }),
    },
    select: { id: true },
  });
  if (seen) return 'duplicate';
  const status = event.status ?? message.status;
  // The carrier refused because the customer opted out (Twilio 21610, Telnyx 40300…): later
  // sends from this number are refused here rather than by the provider.
  if ((event.status === 'FAILED' || event.status === 'UNDELIVERED') && isOptOutRefusal(event.provider, event.errorCode, event.errorMessage)) {
    await setOptOut(services, {
      organizationId: message.organizationId,
      phoneNumberId: number.id,
      customerPhoneNumber: message.to,
      optedOut: true,
      reason: `${event.provider} ${event.providerStatus}: ${event.errorCode ?? 'opted out'}`,
    });
  }
  await recordStatus(services, message, {
    status,
    providerStatus: event.providerStatus,
    errorCode: event.errorCode ?? null,
    errorMessage: event.errorMessage ?? null,
    payload: providerPayload(event.raw),
  });
  return 'applied';
}
