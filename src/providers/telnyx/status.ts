import type { MessageStatus } from '../types.js';

/**
 * Telnyx's per-recipient `to[].status` words → ours.
 *
 * `delivery_unconfirmed` → SENT: Telnyx handed the message to the carrier, which never sent a
 * delivery receipt. The message did leave, so SENT is true; it is also Telnyx's final word, and
 * since a status never moves backwards it cannot undo a DELIVERED that arrived some other way.
 * Mapping it to null would leave a message stuck at SENDING if this was the first callback.
 * `webhook_delivered` (inbound) and anything unknown map to null.
 */
const TELNYX_STATUS: Readonly<Record<string, MessageStatus>> = {
  queued: 'SENT',
  sending: 'SENT',
  sent: 'SENT',
  delivery_unconfirmed: 'SENT',
  delivered: 'DELIVERED',
  delivery_failed: 'UNDELIVERED',
  expired: 'UNDELIVERED',
  sending_failed: 'FAILED',
};

/** Telnyx 40300: "Blocked due to STOP message", from a send or in a status callback. */
const BLOCKED_BY_STOP = '40300';

export function isOptOutRefusal(errorCode: string | null | undefined): boolean {
  return errorCode === BLOCKED_BY_STOP;
}

export function mapStatus(providerStatus: string): MessageStatus | null {
  return TELNYX_STATUS[providerStatus.trim().toLowerCase()] ?? null;
}
