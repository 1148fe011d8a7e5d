import type { MessageStatus } from '../types.js';

/**
 * Vonage Messages API status words → ours.
 *
 * `rejected` (Vonage or the carrier refused it, or its TTL ran out) and `undeliverable` (Vonage
 * could not reach the carrier) both mean the recipient will not get it after we had a message id:
 * UNDELIVERED, as the contract says. `read` (WhatsApp/RCS-style receipts) implies delivery.
 */
const VONAGE_STATUS: Readonly<Record<string, MessageStatus>> = {
  submitted: 'SENT',
  delivered: 'DELIVERED',
  read: 'DELIVERED',
  rejected: 'UNDELIVERED',
  undeliverable: 'UNDELIVERED',
};

export function mapStatus(providerStatus: string): MessageStatus | null {
  return VONAGE_STATUS[providerStatus.trim().toLowerCase()] ?? null;
}
