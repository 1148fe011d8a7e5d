import type { Services } from '../services';
import type { Prisma } from '../db/client';
import { parseE164 } from '../messaging/phone-number';

/** Open (unarchived) threads of the organization with unread inbound messages. */
export function unreadConversations(services: Services, organizationId: string): Promise<number> {
  return services.db.conversation.count({ where: { organizationId, archived: false, unreadCount: { gt: 0 } } });
}

export interface ConversationFilter {
  assistantId?: string;
  customerPhoneNumber?: string | null;
  archived?: boolean | null;
  lastMessageAfter?: Date | null;
  lastMessageBefore?: Date | null;
  unreadOnly?: boolean | null;
}

/** The organization's threads matching the filter (open ones unless `archived`), for a page and its totalCount. */
export function conversationWhere(organizationId: string, filter: ConversationFilter): Prisma.ConversationWhereInput {
  return {
    organizationId,
    archived: filter.archived ?? false,
    ...(filter.assistantId !== undefined && { assistantId: filter.assistantId }),
    ...(filter.customerPhoneNumber && { customerPhoneNumber: parseE164(filter.customerPhoneNumber) ?? filter.customerPhoneNumber }),
    ...((filter.lastMessageAfter || filter.lastMessageBefore) && {
      lastMessageAt: {
        ...(filter.lastMessageAfter && { gte: filter.lastMessageAfter }),
        ...(filter.lastMessageBefore && { lt: filter.lastMessageBefore }),
      },
    }),
    ...(filter.unreadOnly && { unreadCount: { gt: 0 } }),
  };
}
