-- Conversation.lastMessage: the newest message of the thread (latest createdAt, then highest
-- id: the last one of its messages, oldest first), kept by the trigger below in the same
-- transaction as every insert into Message, whoever makes it (a send batch, an inbound webhook).
-- A page of threads then reads its last messages by primary key, with the threads.

-- AlterTable: a column added in place, cheaper than Prisma's rebuild of the table.
ALTER TABLE "Conversation" ADD COLUMN "lastMessageId" TEXT REFERENCES "Message" ("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- CreateIndex
CREATE UNIQUE INDEX "Conversation_lastMessageId_key" ON "Conversation"("lastMessageId");

-- The newest of the thread unless it already has a newer one (an earlier createdAt stored later).
-- NOTE: a later migration that makes Prisma rebuild the Message table drops this trigger, and
-- one that rebuilds Conversation fails on it ("error in trigger"): drop it first, create it again.
CREATE TRIGGER "Message_last_message" AFTER INSERT ON "Message" WHEN new."conversationId" IS NOT NULL BEGIN
  UPDATE "Conversation" SET "lastMessageId" = new."id"
  WHERE "id" = new."conversationId"
    AND NOT EXISTS (SELECT 1 FROM "Message" AS l WHERE l."id" = "Conversation"."lastMessageId" AND (l."createdAt", l."id") > (new."createdAt", new."id"));
END;

-- The threads stored before this migration.
UPDATE "Conversation" SET "lastMessageId" = (
  SELECT m."id" FROM "Message" AS m WHERE m."conversationId" = "Conversation"."id" ORDER BY m."createdAt" DESC, m."id" DESC LIMIT 1
);
