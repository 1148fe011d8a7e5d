import type { Services } from '../services';
import type { Message, MessageStatus } from '../db/client';

/**
 * Where each status stands on a message's way. A status only ever moves to a higher rank
 * (CONTRACT §4: a late "sent" after "delivered" is recorded in the timeline only); the final
 * statuses share the top rank, so the first final word wins.
 */
const RANK: Record<MessageStatus, number> = {
  SCHEDULED: 0,
  QUEUED: 1,
  SENDING: 2,
  SENT: 3,
  DELIVERED: 4,
  UNDELIVERED: 4,
  FAILED: 4,
  CANCELED: 4,
  RECEIVED: 4,
};

export const FINAL_STATUSES: MessageStatus[] = ['DELIVERED', 'UNDELIVERED', 'FAILED', 'CANCELED', 'RECEIVED'];

export function statusesBelow(status: MessageStatus): MessageStatus[] {
  return (Object.keys(RANK) as MessageStatus[]).filter((s) => RANK[s] < RANK[status]);
}

export interface StatusStep {
  status: MessageStatus;
  providerStatus?: string | null;
  errorCode?: string | null;
  errorMessage?: string | null;
}

/**
 * Records a step in a message's timeline and moves its status forward when the step is ahead
 * of where the message is. `from` limits the move to messages currently in one of those
 * statuses (the send queue's own transitions), instead of the forward-only rule.
 * Publishes messageStatusChanged only when the status really changed. Returns the message.
 */
export async function recordStatus(
  services: Services,
  message: Pick<Message, 'id' | 'organizationId'>,
  step: StatusStep,
  options: { from?: MessageStatus[]; data?: Partial<Pick<Message, 'providerMessageId' | 'nextAttemptAt' | 'leaseExpiresAt' | 'attempts'>> } = {},
): Promise<{ message: Message; changed: boolean }> {
  const from = options.from ?? statusesBelow(step.status);
  const { current, changed } = await services.db.$transaction(async (tx) => {
    const update = await tx.message.updateMany({
      where: { id: message.id, status: { in: from } },
      data: {
        status: step.status,
        ...(step.errorCode !== undefined && { errorCode: step.errorCode }),
        ...(step.errorMessage !== undefined && { errorMessage: step.errorMessage }),
        ...options.data,
      },
    });
    const changed = update.count === 1;
    // A provider's word is always kept in the timeline, even when it does not move the status;
    // a queue transition that lost a race (another instance, a cancel) leaves no trace.
    if (changed || !options.from) {
      await tx.messageEvent.create({
        data: {
          messageId: message.id,
          status: step.status,
          providerStatus: step.providerStatus ?? null,
          errorCode: step.errorCode ?? null,
          errorMessage: step.errorMessage ?? null,
        },
      });
    }
    return { current: await tx.message.findUniqueOrThrow({ where: { id: message.id } }), changed };
  });
  if (changed) {
    services.metrics.statusChanges.inc({ status: current.status, provider: current.provider });
    services.events.statusChanged(current);
  }
  return { message: current, changed };
}
