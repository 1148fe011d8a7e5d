/** Display helpers: numbers, times, message statuses. */
import type { ConsoleMessageFragment, MessageStatus } from './gql/graphql';

/** +14155552671 → +1 415 555 2671 (North American numbers); other numbers as they are. */
export function formatNumber(e164: string): string {
  const nanp = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(e164);
  return nanp ? `+1 ${nanp[1]} ${nanp[2]} ${nanp[3]}` : e164;
}

/** Today: 14:05; this week: Mon; earlier: Dec 3. */
export function shortTime(iso: string, now = new Date()): string {
  const at = new Date(iso);
  if (at.toDateString() === now.toDateString()) return at.toLocaleTimeString([], { hour: 'numeric', minute: '2-digit' });
  if (now.getTime() - at.getTime() < 6 * 86_400_000) return at.toLocaleDateString([], { weekday: 'short' });
  return at.toLocaleDateString([], { month: 'short', day: 'numeric' });
}

export function fullTime(iso: string): string {
  return new Date(iso).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
}

/** Where an outbound message is on its way, in words an agent reads at a glance. */
export const STATUS_LABEL: Record<MessageStatus, string> = {
  SCHEDULED: 'Scheduled',
  QUEUED: 'Queued',
  SENDING: 'Sending',
  SENT: 'Sent',
  DELIVERED: 'Delivered',
  UNDELIVERED: 'Undelivered',
  FAILED: 'Failed',
  CANCELED: 'Canceled',
  RECEIVED: 'Received',
};

export function failed(status: MessageStatus): boolean {
  return status === 'FAILED' || status === 'UNDELIVERED';
}

/** Who wrote an outbound message: the agent, the assistant, Switchboard's keyword reply, or the key's name. */
export function senderLabel(message: Pick<ConsoleMessageFragment, 'sentBy'>): string {
  const sender = message.sentBy;
  if (!sender) return '';
  if (sender.agent) return sender.agent.name;
  if (sender.kind === 'ASSISTANT') return 'Assistant';
  if (sender.kind === 'SWITCHBOARD') return 'Automatic reply';
  return sender.apiKeyName ?? 'API';
}

/** A stable hue per number, for avatars. */
export function hueOf(text: string): number {
  let hash = 2166136261;
  for (const ch of text) hash = Math.imul(hash ^ ch.charCodeAt(0), 16777619);
  // Golden-angle steps spread neighbouring numbers across the wheel.
  return Math.round(((hash >>> 0) % 97) * 137.508) % 360;
}
