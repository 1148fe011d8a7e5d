import { randomUUID } from 'node:crypto';
import { encodeGlobalID } from '@pothos/plugin-relay';
import type { Assistant, Conversation, ConversationEventKind, Message, Prisma } from '../db/client';
import { newId } from '../db/ids';
import { insertRows } from '../db/rows';
import type { SqlTx, Work } from '../db/sql';
import { SwitchboardError } from '../errors';

/**
 * The kinds of event an assistant can receive at its smsWebhookUrl, each switched on per
 * assistant (Assistant.webhookEvents; sms_received alone by default). Every kind is a
 * WebhookForward row, delivered by the forwarder with the same signature and retries.
 */
export const WEBHOOK_EVENT_KINDS = ['sms_received', 'sms_status', 'conversation_mode'] as const;
export type WebhookEventKind = (typeof WEBHOOK_EVENT_KINDS)[number];

export function webhookEventsOf(assistant: Pick<Assistant, 'webhookEvents'>): WebhookEventKind[] {
  return assistant.webhookEvents.split(',').filter((k): k is WebhookEventKind => (WEBHOOK_EVENT_KINDS as readonly string[]).includes(k));
}

export function formatWebhookEvents(kinds: readonly string[]): string {
  const unknown = kinds.find((k) => !(WEBHOOK_EVENT_KINDS as readonly string[]).includes(k));
  if (unknown) throw new SwitchboardError('INVALID_INPUT', `Unknown webhook event kind ${unknown}`, 'webhookEvents');
  return WEBHOOK_EVENT_KINDS.filter((k) => kinds.includes(k)).join(',');
}

/** Whether `assistant` receives events of `kind`: it has a URL and the kind is switched on. */
export function wants(assistant: Pick<Assistant, 'smsWebhookUrl' | 'webhookEvents'> | null | undefined, kind: WebhookEventKind): assistant is Assistant & { smsWebhookUrl: string } {
  return !!assistant?.smsWebhookUrl && webhookEventsOf(assistant).includes(kind);
}

const envelope = (type: WebhookEventKind, at: Date, data: Record<string, unknown>) =>
  JSON.stringify({ type, id: `evt_${randomUUID().replace(/-/g, '')}`, timestamp: at.toISOString(), data });

/** The statuses an assistant hears of (sms_status): the provider's answer and the final word. */
const REPORTED = new Set<Message['status']>(['SENT', 'DELIVERED', 'UNDELIVERED', 'FAILED']);

export function statusPayload(message: Message, at: Date): string {
  return envelope('sms_status', at, {
    message_id: encodeGlobalID('Message', message.id),
    provider_message_id: message.providerMessageId,
    status: message.status.toLowerCase(),
    error_code: message.errorCode,
    error_message: message.errorMessage,
    from: message.from,
    to: message.to,
    provider: message.provider.toLowerCase(),
    conversation_id: message.conversationId ? encodeGlobalID('Conversation', message.conversationId) : null,
  });
}

export function conversationModePayload(conversation: Conversation, event: { kind: ConversationEventKind; at: Date }): string {
  return envelope('conversation_mode', event.at, {
    conversation_id: encodeGlobalID('Conversation', conversation.id),
    change: event.kind.toLowerCase(),
    mode: conversation.mode.toLowerCase(),
    taken_over_by_agent_id: conversation.takenOverByAgentId ? encodeGlobalID('Agent', conversation.takenOverByAgentId) : null,
    hand_back_at: conversation.handBackAt?.toISOString() ?? null,
    customer_phone_number: conversation.customerPhoneNumber,
  });
}

type ForwardRow = {
  id: string;
  organizationId: string;
  assistantId: string;
  messageId: string | null;
  conversationId: string | null;
  kind: WebhookEventKind;
  eventKey: string;
  url: string;
  payload: string;
  nextAttemptAt: Date;
  createdAt: Date;
  updatedAt: Date;
};

/**
 * sms_status events for outbound messages whose status just changed to SENT, DELIVERED,
 * UNDELIVERED or FAILED, for the assistants that sent them and asked for such events, written in
 * the transaction that changes the status: a crash after its commit cannot lose the event. One
 * look-up of those assistants per batch, and none unless a message reached such a status.
 * Answers whether any event was queued (the caller then wakes the forwarder, once committed).
 */
export function* queueStatusEvents(tx: SqlTx, messages: readonly Message[], now: Date): Work<boolean> {
  const reported = messages.filter((m) => m.direction === 'OUTBOUND' && m.assistantId !== null && REPORTED.has(m.status));
  if (reported.length === 0) return false;
  const assistants = new Map(
    (yield* tx.all<Pick<Assistant, 'id' | 'smsWebhookUrl' | 'webhookEvents'>>(
      `SELECT id, "smsWebhookUrl", "webhookEvents" FROM "Assistant" WHERE ${tx.inList('id')} AND "smsWebhookUrl" IS NOT NULL`,
      [tx.list([...new Set(reported.map((m) => m.assistantId!))])],
    )).map((a) => [a.id, a]),
  );
  const rows: ForwardRow[] = [];
  for (const message of reported) {
    const assistant = assistants.get(message.assistantId!);
    if (!wants(assistant, 'sms_status')) continue;
    rows.push({
      id: newId(),
      organizationId: message.organizationId,
      assistantId: assistant.id,
      messageId: message.id,
      conversationId: message.conversationId,
      kind: 'sms_status',
      eventKey: message.status.toLowerCase(),
      url: assistant.smsWebhookUrl,
      payload: statusPayload(message, now),
      nextAttemptAt: now,
      createdAt: now,
      updatedAt: now,
    });
  }
  // A status is reached once (statuses only move forward); a duplicate would be the same event.
  yield* insertRows(tx, 'WebhookForward', rows, { skipDuplicates: true });
  return rows.length > 0;
}

/**
 * conversation_mode events (taken over, handed back) for the threads' assistants that asked for
 * them, written through `tx`, the transaction that makes the change. Answers whether any was
 * queued (the caller then wakes the forwarder, once committed).
 */
export async function queueConversationModeEvents(
  tx: Pick<Prisma.TransactionClient, 'assistant' | 'webhookForward'>,
  changes: readonly { conversation: Conversation; event: { id: string; kind: ConversationEventKind; at: Date } }[],
): Promise<boolean> {
  const assistantIds = [...new Set(changes.flatMap(({ conversation }) => conversation.assistantId ?? []))];
  if (assistantIds.length === 0) return false;
  const assistants = new Map(
    (await tx.assistant.findMany({ where: { id: { in: assistantIds } }, select: { id: true, smsWebhookUrl: true, webhookEvents: true } })).map((a) => [a.id, a]),
  );
  const rows: ForwardRow[] = [];
  for (const { conversation, event } of changes) {
    const assistant = assistants.get(conversation.assistantId ?? '');
    if (!wants(assistant, 'conversation_mode')) continue;
    rows.push({
      id: newId(),
      organizationId: conversation.organizationId,
      assistantId: assistant.id,
      messageId: null,
      conversationId: conversation.id,
      kind: 'conversation_mode',
      eventKey: event.id,
      url: assistant.smsWebhookUrl,
      payload: conversationModePayload(conversation, event),
      nextAttemptAt: event.at,
      createdAt: event.at,
      updatedAt: event.at,
    });
  }
  if (rows.length > 0) await tx.webhookForward.createMany({ data: rows });
  return rows.length > 0;
}
