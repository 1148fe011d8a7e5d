import { countSegments } from '../messaging/segments';

/**
 * The message with the assistant's opt-out footer ("Reply STOP to opt out") on a line of its
 * own, counted again: the footer goes on the first message of a new thread only.
 */
export function withOptOutFooter(message: { body: string; mediaUrls: string[] }, footer: string) {
  const body = message.body.trim() ? `${message.body}\n\n${footer}` : footer;
  const { encoding, segments } = countSegments(body);
  return { body, encoding, segments: message.mediaUrls.length ? Math.max(segments, 1) : segments };
}
