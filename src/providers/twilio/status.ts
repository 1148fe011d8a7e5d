import type { MessageStatus } from '../types.js';

/**
 * Twilio's MessageStatus words → ours.
 *
 * `canceled` → CANCELED: Twilio only cancels a message it was holding (scheduled) before it
 * went to the carrier, so nothing was sent and nothing more will happen to it; that is exactly
 * what our CANCELED means, and a "never move backwards" status machine needs a final state.
 * `receiving`/`received` describe inbound messages, and `partially_delivered` is not in the
 * statuses we map: all three map to null (kept in events as the provider's word, status unchanged).
 */
const TWILIO_STATUS: Readonly<Record<string, MessageStatus>> = {
  accepted: 'SENT',
  scheduled: 'SENT',
  queued: 'SENT',
  sending: 'SENT',
  sent: 'SENT',
  delivered: 'DELIVERED',
  read: 'DELIVERED',
  undelivered: 'UNDELIVERED',
  failed: 'FAILED',
  canceled: 'CANCELED',
};

/** Twilio 21610: "Attempt to send to unsubscribed recipient", from a send or in a status callback. */
const RECIPIENT_UNSUBSCRIBED = '21610';

export function isOptOutRefusal(errorCode: string | null | undefined): boolean {
  return errorCode === RECIPIENT_UNSUBSCRIBED;
}

export function mapStatus(providerStatus: string): MessageStatus | null {
  return TWILIO_STATUS[providerStatus.trim().toLowerCase()] ?? null;
}
