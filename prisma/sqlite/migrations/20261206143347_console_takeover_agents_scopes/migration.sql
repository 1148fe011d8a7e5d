-- AlterTable
ALTER TABLE "Message" ADD COLUMN "sentByAgentId" TEXT;
ALTER TABLE "Message" ADD COLUMN "sentByApiKeyId" TEXT;
ALTER TABLE "Message" ADD COLUMN "sentByKind" TEXT;

-- CreateTable
CREATE TABLE "Agent" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "organizationId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Agent_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ConversationEvent" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "organizationId" TEXT NOT NULL,
    "conversationId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "agentId" TEXT,
    "apiKeyId" TEXT,
    "apiKeyName" TEXT,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "ConversationEvent_conversationId_fkey" FOREIGN KEY ("conversationId") REFERENCES "Conversation" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- Plain column additions (Prisma's diff would rebuild these tables for them; Message and
-- Conversation carry hand-written triggers and partial indexes and must not be rebuilt).
ALTER TABLE "ApiKey" ADD COLUMN "scopes" TEXT NOT NULL DEFAULT 'ADMIN';
ALTER TABLE "ApiKey" ADD COLUMN "agentId" TEXT;
ALTER TABLE "Assistant" ADD COLUMN "webhookEvents" TEXT NOT NULL DEFAULT 'sms_received';
ALTER TABLE "Conversation" ADD COLUMN "mode" TEXT NOT NULL DEFAULT 'ASSISTANT';
ALTER TABLE "Conversation" ADD COLUMN "takenOverByAgentId" TEXT;
ALTER TABLE "Conversation" ADD COLUMN "takenOverAt" DATETIME;
ALTER TABLE "Conversation" ADD COLUMN "handBackAt" DATETIME;
ALTER TABLE "Conversation" ADD COLUMN "handBackAfterMinutes" INTEGER;
ALTER TABLE "Conversation" ADD COLUMN "assigneeAgentId" TEXT;
CREATE INDEX "Conversation_handBackAt_idx" ON "Conversation"("handBackAt");

-- WebhookForward (messageId now optional) is rebuilt: it has no triggers.
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_WebhookForward" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "organizationId" TEXT NOT NULL,
    "assistantId" TEXT NOT NULL,
    "messageId" TEXT,
    "conversationId" TEXT,
    "kind" TEXT NOT NULL DEFAULT 'sms_received',
    "eventKey" TEXT NOT NULL DEFAULT '',
    "reason" TEXT,
    "url" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "leaseExpiresAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "WebhookForward_messageId_fkey" FOREIGN KEY ("messageId") REFERENCES "Message" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_WebhookForward" ("assistantId", "attempts", "createdAt", "id", "leaseExpiresAt", "messageId", "nextAttemptAt", "organizationId", "payload", "state", "updatedAt", "url") SELECT "assistantId", "attempts", "createdAt", "id", "leaseExpiresAt", "messageId", "nextAttemptAt", "organizationId", "payload", "state", "updatedAt", "url" FROM "WebhookForward";
DROP TABLE "WebhookForward";
ALTER TABLE "new_WebhookForward" RENAME TO "WebhookForward";
CREATE INDEX "WebhookForward_state_nextAttemptAt_idx" ON "WebhookForward"("state", "nextAttemptAt");
CREATE UNIQUE INDEX "WebhookForward_messageId_assistantId_kind_eventKey_key" ON "WebhookForward"("messageId", "assistantId", "kind", "eventKey");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "Agent_organizationId_createdAt_idx" ON "Agent"("organizationId", "createdAt");

-- CreateIndex
CREATE INDEX "ConversationEvent_conversationId_at_idx" ON "ConversationEvent"("conversationId", "at");

