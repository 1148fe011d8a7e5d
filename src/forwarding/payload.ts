import { createHmac, randomUUID } from 'node:crypto';
import { encodeGlobalID } from '@pothos/plugin-relay';
import type { Message } from '../db/client';
import type { InboundMedia } from '../providers/types';

/** The JSON an assistant receives for an inbound message, fixed once so retries send the same event. */
export function forwardPayload(message: Message, media: InboundMedia[], at: Date): string {
  return JSON.stringify({
    type: 'sms_received',
    id: `evt_${randomUUID().replace(/-/g, '')}`,
    timestamp: at.toISOString(),
    data: {
      message_id: encodeGlobalID('Message', message.id),
      provider_message_id: message.providerMessageId,
      from: message.from,
      to: message.to,
      body: message.body,
      media_urls: media.map((m) => m.url),
      media: media.map((m) => ({ url: m.url, content_type: m.contentType ?? null })),
      provider: message.provider.toLowerCase(),
      conversation_id: message.conversationId ? encodeGlobalID('Conversation', message.conversationId) : null,
    },
  });
}

/** `X-Switchboard-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. */
export function signForward(secret: string, body: string, at = new Date()): string {
  const t = Math.floor(at.getTime() / 1000);
  const v1 = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return `t=${t},v1=${v1}`;
}
