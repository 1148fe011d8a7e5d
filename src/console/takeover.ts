import type { Services } from '../services';
import type { Conversation, ConversationEventKind, Prisma } from '../db/client';
import { notFound, SwitchboardError } from '../errors';
import type { KeyCaller } from '../tenancy/api-keys';
import { agentOf } from '../tenancy/agents';
import type { ConversationChange } from '../realtime/events';
import { queueConversationModeEvents } from '../forwarding/events';
import { every, type PeriodicTask } from '../lib/every';

/** At most a week: a thread left to a person longer than that is handed back by hand. */
export const MAX_HAND_BACK_AFTER_MINUTES = 7 * 24 * 60;

/**
 * One change to a thread, as one transaction: the thread is updated only if it is the caller's
 * organization's and `step` answers a change for it as it is, the change goes on its timeline
 * (with, for takeover changes, the assistant's conversation_mode event), and once committed it
 * is pushed on conversationUpdated.
 */
async function changeThread(
  services: Services,
  organizationId: string,
  id: string,
  change: ConversationChange,
  step: (thread: Conversation) => { data: Prisma.ConversationUpdateManyMutationInput; kind: ConversationEventKind; agentId?: string | null } | null,
  by: KeyCaller | null,
): Promise<Conversation> {
  const { conversation, event, forwardsQueued } = await services.db.$transaction(async (tx) => {
    const thread = await tx.conversation.findFirst({ where: { id, organizationId } });
    if (!thread) throw notFound('Conversation');
    const next = step(thread);
    if (!next) return { conversation: thread, event: null, forwardsQueued: false };
    // Conditional on the state read: a concurrent change makes this one fail cleanly rather than overwrite it.
    const { count } = await tx.conversation.updateMany({ where: { id, organizationId, mode: thread.mode }, data: next.data });
    if (count === 0) throw new SwitchboardError('INVALID_STATE', 'The conversation changed meanwhile; try again');
    const event = await tx.conversationEvent.create({
      data: {
        organizationId,
        conversationId: id,
        kind: next.kind,
        agentId: next.agentId ?? null,
        apiKeyId: by?.apiKeyId ?? null,
        apiKeyName: by?.apiKeyName ?? null,
      },
    });
    const changed = await tx.conversation.findUniqueOrThrow({ where: { id } });
    const forwardsQueued = change === 'MODE' && (await queueConversationModeEvents(tx, [{ conversation: changed, event }]));
    return { conversation: changed, event, forwardsQueued };
  });
  if (event) announce(services, [{ change, conversation }], forwardsQueued);
  return conversation;
}

/** Once committed: pushes conversationUpdated, and wakes the forwarder for the events queued with the changes. */
function announce(services: Services, changes: { change: ConversationChange; conversation: Conversation }[], forwardsQueued: boolean) {
  for (const change of changes) services.events.conversationUpdated(change);
  if (forwardsQueued) services.signals.emit('forwardsQueued');
}

function checkMinutes(minutes: number | null | undefined): number | null {
  if (minutes === null || minutes === undefined) return null;
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_HAND_BACK_AFTER_MINUTES) {
    throw new SwitchboardError('INVALID_INPUT', `handBackAfterMinutes must be a whole number from 1 to ${MAX_HAND_BACK_AFTER_MINUTES}`, 'handBackAfterMinutes');
  }
  return minutes;
}

/**
 * A person takes the thread from its assistant: inbound messages are no longer forwarded to the
 * assistant, and its sends into the thread are refused (CONVERSATION_TAKEN_OVER) unless forced.
 * With `handBackAfterMinutes`, the thread goes back to the assistant by itself after that long
 * without a reply from a person (each reply starts the period again).
 */
export function takeOverConversation(services: Services, by: KeyCaller, id: string, handBackAfterMinutes?: number | null, now = new Date()) {
  const minutes = checkMinutes(handBackAfterMinutes);
  return changeThread(services, by.organizationId, id, 'MODE', (thread) => {
    if (thread.archived) throw new SwitchboardError('INVALID_STATE', 'An archived conversation cannot be taken over');
    return {
      kind: 'TAKEN_OVER',
      agentId: by.agentId,
      data: {
        mode: 'HUMAN',
        takenOverByAgentId: by.agentId,
        takenOverAt: now,
        handBackAfterMinutes: minutes,
        handBackAt: minutes ? new Date(now.getTime() + minutes * 60_000) : null,
      },
    };
  }, by);
}

const BACK_TO_ASSISTANT = { mode: 'ASSISTANT', takenOverByAgentId: null, takenOverAt: null, handBackAt: null, handBackAfterMinutes: null } as const;

/** The thread goes back to its assistant: inbound messages are forwarded to it again. */
export function handBackConversation(services: Services, by: KeyCaller, id: string) {
  return changeThread(services, by.organizationId, id, 'MODE', (thread) => {
    if (thread.mode !== 'HUMAN') throw new SwitchboardError('INVALID_STATE', 'The conversation is not taken over');
    return { kind: 'HANDED_BACK', data: BACK_TO_ASSISTANT };
  }, by);
}

/** Assigns the thread to an agent of the organization, or (agentId null) to nobody. */
export async function assignConversation(services: Services, by: KeyCaller, id: string, agentId: string | null) {
  // Agents are never deleted: checked once, before the change.
  if (agentId) await agentOf(services, by.organizationId, agentId);
  return changeThread(services, by.organizationId, id, 'ASSIGNEE', (thread) => {
    if (thread.assigneeAgentId === agentId) return null;
    return agentId ? { kind: 'ASSIGNED', agentId, data: { assigneeAgentId: agentId } } : { kind: 'UNASSIGNED', data: { assigneeAgentId: null } };
  }, by);
}

/** Hides the thread from default listings; the next message with the customer starts a new thread. */
export function archiveConversation(services: Services, by: KeyCaller, id: string) {
  return changeThread(services, by.organizationId, id, 'ARCHIVED', (thread) =>
    thread.archived ? null : { kind: 'ARCHIVED', data: { archived: true, openThreadKey: null } }, by);
}

/**
 * Hands back the threads whose handBackAt has passed (no reply from a person in time), a batch
 * at a time: each is moved only if it is still HUMAN and still due, so instances sweeping at
 * the same time hand each thread back once. Returns how many were handed back.
 */
export async function handBackDueConversations(services: Services, now = new Date(), limit = 100): Promise<number> {
  const due = await services.db.conversation.findMany({
    where: { mode: 'HUMAN', archived: false, handBackAt: { lte: now } },
    orderBy: { handBackAt: 'asc' },
    take: limit,
  });
  const handedBack: { conversation: Conversation; forwardsQueued: boolean }[] = [];
  for (const thread of due) {
    const done = await services.db.$transaction(async (tx) => {
      const { count } = await tx.conversation.updateMany({ where: { id: thread.id, mode: 'HUMAN', handBackAt: { lte: now } }, data: BACK_TO_ASSISTANT });
      if (count === 0) return null;
      const event = await tx.conversationEvent.create({ data: { organizationId: thread.organizationId, conversationId: thread.id, kind: 'AUTO_HANDED_BACK', at: now } });
      const conversation = await tx.conversation.findUniqueOrThrow({ where: { id: thread.id } });
      return { conversation, forwardsQueued: await queueConversationModeEvents(tx, [{ conversation, event }]) };
    });
    if (done) handedBack.push(done);
  }
  announce(services, handedBack.map(({ conversation }) => ({ change: 'MODE' as const, conversation })), handedBack.some((h) => h.forwardsQueued));
  return handedBack.length;
}

/** Runs handBackDueConversations every `intervalMs` until stopped. */
export function startHandBackSweep(services: Services, intervalMs: number, onError: (error: unknown) => void): PeriodicTask {
  return every(intervalMs, () => handBackDueConversations(services), onError);
}
