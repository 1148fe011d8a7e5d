import type { MessageStatus } from '../types.js';

/**
 * Vonage Messages API status words → ours.
 *
 * `rejected` (Vonage or the carrier refused it, or its TTL ran out) and `undeliverable` (Vonage
 * could not reach the carrier) both mean the recipient will not get it after we had a message id:
 * UNDELIVERED. `read` (WhatsApp/RCS-style receipts) implies delivery.
 */
const VONAGE_STATUS: Readonly<Record<string, MessageStatus>> = {
  submitted: 'SENT',
  delivered: 'DELIVERED',
  read: 'DELIVERED',
  rejected: 'UNDELIVERED',
  undeliverable: 'UNDELIVERED',
};

/**
 * Vonage has no one code for an opted-out recipient: its RFC 7807 type, title or detail says
 * so in words ("recipient-opted-out", "unsubscribed", "blocked by recipient", "STOP").
 */
const OPTED_OUT = /opt(?:ed)?[\s_-]?out|unsubscribed|blocked by (?:the )?recipient|\bSTOP\b/i;

export function isOptOutRefusal(errorCode: string | null | undefined, errorMessage?: string | null): boolean {
  return OPTED_OUT.test(errorCode ?? '') || OPTED_OUT.test(errorMessage ?? '');
}

export function mapStatus(providerStatus: string): MessageStatus | null {
  return VONAGE_STATUS[providerStatus.trim().toLowerCase()] ?? null;
}
