import type { Services } from '../services';
import type { PhoneNumber } from '../db/client';
import { effectiveRate } from './pacing';

export interface SenderQueue {
  /** Messages waiting to be handed to the provider now (QUEUED, or SENDING and waiting for a slot). */
  waiting: number;
  /** Messages scheduled for later. */
  scheduled: number;
  /** Roughly how long a message sent now would wait for its slot: the backlog at this sender's rate. */
  expectedWaitSeconds: number;
}

/** A sender's backlog in the shared queue (all instances), and what it means for a new message. */
export async function senderQueue(services: Services, number: PhoneNumber): Promise<SenderQueue> {
  const rows = await services.db.message.groupBy({
    by: ['status'],
    where: { phoneNumberId: number.id, status: { in: ['QUEUED', 'SENDING', 'SCHEDULED'] } },
    _count: { _all: true },
  });
  const count = (status: string) => rows.find((r) => r.status === status)?._count._all ?? 0;
  const waiting = count('QUEUED') + count('SENDING');
  const rate = effectiveRate(number, services.config.queue.defaultMessagesPerSecond);
  const slotDelay = Math.max(0, (number.nextSlotAt?.getTime() ?? 0) - Date.now()) / 1000;
  return { waiting, scheduled: count('SCHEDULED'), expectedWaitSeconds: slotDelay + waiting / rate };
}
