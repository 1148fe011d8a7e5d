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
CREATE INDEX "Message_organizationId_createdAt_id_status_provider_directi_idx" ON "Message"("organizationId", "createdAt", "id", "status", "provider", "direction", "segments");

-- CreateIndex
CREATE INDEX "Message_organizationId_status_createdAt_id_idx" ON "Message"("organizationId", "status", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Message_conversationId_createdAt_id_idx" ON "Message"("conversationId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Message_organizationId_status_provider_direction_segments_c_idx" ON "Message"("organizationId", "status", "provider", "direction", "segments", "createdAt");

-- Hand-written (Prisma's schema language cannot express it): case-insensitive search over the
-- body and both numbers (ILIKE / LIKE '%…%', src/messaging/delivery-log.ts) served by trigram
-- indexes. pg_trgm is a trusted extension: the database owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX "Message_search_trgm_idx" ON "Message" USING gin ("body" gin_trgm_ops, "from" gin_trgm_ops, "to" gin_trgm_ops);
