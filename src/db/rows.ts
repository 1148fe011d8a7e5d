import type { Conversation, Message } from './client';
import type { Row, SqlTx, Work } from './sql';
import { newId } from './ids';

/** Message's DateTime columns: a row read through src/db/sql.ts (or an event through Redis) carries them as text. */
export const MESSAGE_DATE_FIELDS = ['createdAt', 'updatedAt', 'sendAt', 'validUntil', 'nextAttemptAt', 'leaseExpiresAt', 'handedOverAt', 'readAt'] as const satisfies readonly (keyof Message)[];

/** Conversation's DateTime columns. */
export const CONVERSATION_DATE_FIELDS = ['lastMessageAt', 'lastReadAt', 'takenOverAt', 'handBackAt', 'createdAt'] as const satisfies readonly (keyof Conversation)[];

/** A Conversation row with its dates as Dates (and SQLite's 0/1 as a boolean), whatever carried it. */
export function reviveConversation(row: object): Conversation {
  const conversation = reviveDates(row, CONVERSATION_DATE_FIELDS) as unknown as Conversation;
  conversation.archived = Boolean(conversation.archived);
  return conversation;
}

/** A new open thread with every column given (as the hot path inserts it and publishes it). */
export function newConversation(
  fields: Pick<Conversation, 'id' | 'organizationId' | 'phoneNumberId' | 'assistantId' | 'customerPhoneNumber' | 'openThreadKey' | 'lastMessageAt' | 'createdAt'> &
    Partial<Pick<Conversation, 'unreadCount'>>,
): Conversation {
  return {
    archived: false,
    lastMessageId: null,
    unreadCount: 0,
    lastReadAt: null,
    mode: 'ASSISTANT',
    takenOverByAgentId: null,
    takenOverAt: null,
    handBackAt: null,
    handBackAfterMinutes: null,
    assigneeAgentId: null,
    ...fields,
  };
}

/** A row with the named DateTime columns as Dates (SQLite returns them as text, Redis carries them as JSON). */
export function reviveDates(row: object, fields: readonly string[]): Row {
  const record = row as Row;
  for (const field of fields) {
    const value = record[field];
    if (typeof value === 'string') record[field] = new Date(value);
  }
  return record;
}

/** A Message row with its dates as Dates, whatever carried it. */
export function reviveMessage(row: object): Message {
  return reviveDates(row, MESSAGE_DATE_FIELDS) as unknown as Message;
}

/**
 * Inserts rows into a table in as few statements as the dialect allows: on SQLite one prepared
 * single-row INSERT per row (microseconds each, in the same synchronous transaction); on
 * PostgreSQL one INSERT of every row, passed as one JSON parameter and typed by the table's own
 * row type (enums, timestamps). Every row names the same columns; the others take their defaults.
 */
export function* insertRows(tx: SqlTx, table: string, rows: readonly Row[], options: { skipDuplicates?: boolean } = {}): Work<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]);
  const names = columns.map((c) => `"${c}"`).join(', ');
  // A row that would break a unique index is left out, the rest go in (both dialects).
  const conflict = options.skipDuplicates ? ' ON CONFLICT DO NOTHING' : '';
  if (tx.dialect === 'sqlite') {
    const sql = `INSERT INTO "${table}" (${names}) VALUES (${columns.map(() => '?').join(', ')})${conflict}`;
    for (const row of rows) yield* tx.run(sql, columns.map((c) => row[c]));
    return;
  }
  yield* tx.run(`INSERT INTO "${table}" (${names}) SELECT ${names} FROM json_populate_recordset(NULL::"${table}", ?::json)${conflict}`, [JSON.stringify(rows)]);
}

/** The first step of a new message's timeline: its MessageEvent row but for id and messageId. */
export type FirstStep = { status: Message['status']; at: Date } & Row;

/**
 * Inserts new messages and the first step of each one's timeline: two statements on PostgreSQL
 * (one per table), one per row on SQLite (see insertRows). `firstStepOf` answers for the message
 * at that index; every step must name the same columns.
 */
export function* insertMessages(tx: SqlTx, messages: readonly Message[], firstStepOf: (message: Message, index: number) => FirstStep): Work<void> {
  yield* insertRows(tx, 'Message', messages as unknown as Row[]);
  yield* insertRows(
    tx,
    'MessageEvent',
    messages.map((message, i) => ({ id: newId(), messageId: message.id, ...firstStepOf(message, i) })),
  );
}

/** The columns a new message may leave unset, and what they start as. */
const UNSET = {
  providerMessageId: null,
  errorCode: null,
  errorMessage: null,
  idempotencyKey: null,
  sendAt: null,
  validUntil: null,
  nextAttemptAt: null,
  attempts: 0,
  leaseExpiresAt: null,
  handedOverAt: null,
  readAt: null,
  sentByKind: null,
  sentByAgentId: null,
  sentByApiKeyId: null,
  category: null,
} satisfies Partial<Message>;

/** A new Message row with every column given (as the hot path inserts it and publishes it), the unset ones as they start. */
export function newMessage(fields: Omit<Message, keyof typeof UNSET> & Partial<Pick<Message, keyof typeof UNSET>>): Message {
  return { ...UNSET, ...fields };
}

/** Values grouped by a key, in the order first seen: one statement per group (an organization, a number…). */
export function groupBy<T>(values: readonly T[], keyOf: (value: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const value of values) {
    const k = keyOf(value);
    const group = groups.get(k);
    if (group) group.push(value);
    else groups.set(k, [value]);
  }
  return groups;
}
