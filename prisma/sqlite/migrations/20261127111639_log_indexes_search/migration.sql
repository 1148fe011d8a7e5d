-- DropIndex
DROP INDEX "Conversation_organizationId_archived_lastMessageAt_idx";

-- DropIndex
DROP INDEX "Message_organizationId_createdAt_idx";

-- DropIndex
DROP INDEX "Message_organizationId_status_idx";

-- DropIndex
DROP INDEX "Message_conversationId_createdAt_idx";

-- CreateIndex
CREATE INDEX "Conversation_organizationId_archived_lastMessageAt_id_idx" ON "Conversation"("organizationId", "archived", "lastMessageAt", "id");

-- CreateIndex
CREATE INDEX "Message_organizationId_createdAt_id_status_provider_direction_segments_idx" ON "Message"("organizationId", "createdAt", "id", "status", "provider", "direction", "segments");

-- CreateIndex
CREATE INDEX "Message_organizationId_status_createdAt_id_idx" ON "Message"("organizationId", "status", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Message_conversationId_createdAt_id_idx" ON "Message"("conversationId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Message_organizationId_status_provider_direction_segments_createdAt_idx" ON "Message"("organizationId", "status", "provider", "direction", "segments", "createdAt");

-- Hand-written (Prisma's schema language cannot express it): full-text search over the body
-- and both numbers. A trigram FTS5 index answers "contains this text, any case" for 3 or more
-- characters (src/messaging/delivery-log.ts). External content: the text stays in "Message";
-- the index is keyed by Message's rowid and kept by the triggers below. A later migration that
-- redefines "Message" (Prisma's "RedefineTables") drops these triggers and renumbers rowids:
-- it must re-create them and end with the 'rebuild' below.
CREATE VIRTUAL TABLE "MessageSearch" USING fts5("body", "from", "to", content='Message', content_rowid='rowid', tokenize='trigram');
CREATE TRIGGER "Message_search_insert" AFTER INSERT ON "Message" BEGIN
  INSERT INTO "MessageSearch"(rowid, "body", "from", "to") VALUES (new.rowid, new."body", new."from", new."to");
END;
CREATE TRIGGER "Message_search_delete" AFTER DELETE ON "Message" BEGIN
  INSERT INTO "MessageSearch"("MessageSearch", rowid, "body", "from", "to") VALUES ('delete', old.rowid, old."body", old."from", old."to");
END;
CREATE TRIGGER "Message_search_update" AFTER UPDATE OF "body", "from", "to" ON "Message" BEGIN
  INSERT INTO "MessageSearch"("MessageSearch", rowid, "body", "from", "to") VALUES ('delete', old.rowid, old."body", old."from", old."to");
  INSERT INTO "MessageSearch"(rowid, "body", "from", "to") VALUES (new.rowid, new."body", new."from", new."to");
END;
INSERT INTO "MessageSearch"("MessageSearch") VALUES ('rebuild');

-- Planner statistics for the shape these tables take at scale (a million messages, each
-- organization a large share of them), so that SQLite picks the same indexes on a young
-- database as on a big one: without sqlite_stat1 it guesses ~10 rows per organization and may
-- walk the wrong index. Documented use of sqlite_stat1 (https://sqlite.org/fileformat2.html);
-- a later ANALYZE replaces these with measured figures.
ANALYZE sqlite_schema;
DELETE FROM sqlite_stat1 WHERE tbl IN ('Message', 'Conversation');
INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
  ('Message', 'sqlite_autoindex_Message_1', '1000000 1'),
  ('Message', 'Message_organizationId_createdAt_id_status_provider_direction_segments_idx', '1000000 100000 2 1 1 1 1 1'),
  ('Message', 'Message_organizationId_status_createdAt_id_idx', '1000000 100000 20000 2 1'),
  ('Message', 'Message_conversationId_createdAt_id_idx', '1000000 100 2 1'),
  ('Message', 'Message_organizationId_status_provider_direction_segments_createdAt_idx', '1000000 100000 20000 7000 4000 1000 2'),
  ('Message', 'Message_status_nextAttemptAt_idx', '1000000 200000 2'),
  ('Message', 'Message_organizationId_idempotencyKey_key', '1000000 100000 1'),
  ('Message', 'Message_provider_providerMessageId_key', '1000000 300000 1'),
  ('Conversation', 'sqlite_autoindex_Conversation_1', '10000 1'),
  ('Conversation', 'Conversation_openThreadKey_key', '10000 1'),
  ('Conversation', 'Conversation_organizationId_archived_lastMessageAt_id_idx', '10000 1000 500 1 1'),
  ('Conversation', 'Conversation_phoneNumberId_customerPhoneNumber_idx', '10000 100 1');
