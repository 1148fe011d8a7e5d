-- Conversation.lastMessage: the newest message of the thread (latest createdAt, then highest
-- id: the last one of its messages, oldest first), kept by the trigger below in the same
-- transaction as every insert into Message, whoever makes it (a send batch, an inbound webhook).
-- A page of threads then reads its last messages by primary key, with the threads.

-- AlterTable
ALTER TABLE "Conversation" ADD COLUMN "lastMessageId" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "Conversation_lastMessageId_key" ON "Conversation"("lastMessageId");

-- AddForeignKey
ALTER TABLE "Conversation" ADD CONSTRAINT "Conversation_lastMessageId_fkey" FOREIGN KEY ("lastMessageId") REFERENCES "Message"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- A statement-level trigger: one UPDATE per statement for the threads it added messages to,
-- each taking the newest of its new messages unless the thread already has a newer one (a
-- message stored with an earlier createdAt by a transaction that committed later). The writers
-- of a thread lock its row (lastMessageAt) before they insert its messages, so this UPDATE
-- waits for no one.
CREATE FUNCTION "Message_last_message"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "Conversation" AS c SET "lastMessageId" = n."id"
  FROM (
    SELECT DISTINCT ON ("conversationId") "conversationId", "id", "createdAt" FROM "new_rows"
    WHERE "conversationId" IS NOT NULL
    ORDER BY "conversationId", "createdAt" DESC, "id" DESC
  ) AS n
  WHERE c."id" = n."conversationId"
    AND NOT EXISTS (SELECT 1 FROM "Message" AS l WHERE l."id" = c."lastMessageId" AND (l."createdAt", l."id") > (n."createdAt", n."id"));
  RETURN NULL;
END $$;

CREATE TRIGGER "Message_last_message" AFTER INSERT ON "Message" REFERENCING NEW TABLE AS "new_rows"
  FOR EACH STATEMENT EXECUTE FUNCTION "Message_last_message"();

-- The threads stored before this migration.
UPDATE "Conversation" AS c SET "lastMessageId" = (
  SELECT m."id" FROM "Message" AS m WHERE m."conversationId" = c."id" ORDER BY m."createdAt" DESC, m."id" DESC LIMIT 1
);
