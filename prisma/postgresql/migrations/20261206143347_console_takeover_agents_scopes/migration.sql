-- CreateEnum
CREATE TYPE "ConversationMode" AS ENUM ('ASSISTANT', 'HUMAN');

-- CreateEnum
CREATE TYPE "ConversationEventKind" AS ENUM ('TAKEN_OVER', 'HANDED_BACK', 'AUTO_HANDED_BACK', 'ASSIGNED', 'UNASSIGNED', 'ARCHIVED');

-- CreateEnum
CREATE TYPE "MessageSenderKind" AS ENUM ('ASSISTANT', 'AGENT');

-- AlterEnum
ALTER TYPE "DeliveryState" ADD VALUE 'SKIPPED';

-- DropIndex
DROP INDEX "WebhookForward_messageId_assistantId_key";

-- AlterTable
ALTER TABLE "ApiKey" ADD COLUMN     "agentId" TEXT,
ADD COLUMN     "scopes" TEXT NOT NULL DEFAULT 'ADMIN';

-- AlterTable
ALTER TABLE "Assistant" ADD COLUMN     "webhookEvents" TEXT NOT NULL DEFAULT 'sms_received';

-- AlterTable
ALTER TABLE "Conversation" ADD COLUMN     "assigneeAgentId" TEXT,
ADD COLUMN     "handBackAt" TIMESTAMP(3),
ADD COLUMN     "handBackAfterMinutes" INTEGER,
ADD COLUMN     "mode" "ConversationMode" NOT NULL DEFAULT 'ASSISTANT',
ADD COLUMN     "takenOverAt" TIMESTAMP(3),
ADD COLUMN     "takenOverByAgentId" TEXT;

-- AlterTable
ALTER TABLE "Message" ADD COLUMN     "sentByAgentId" TEXT,
ADD COLUMN     "sentByApiKeyId" TEXT,
ADD COLUMN     "sentByKind" "MessageSenderKind";

-- AlterTable
ALTER TABLE "WebhookForward" ADD COLUMN     "conversationId" TEXT,
ADD COLUMN     "eventKey" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "kind" TEXT NOT NULL DEFAULT 'sms_received',
ADD COLUMN     "reason" TEXT,
ALTER COLUMN "messageId" DROP NOT NULL;

-- CreateTable
CREATE TABLE "Agent" (
    "id" TEXT NOT NULL,
    "organizationId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Agent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ConversationEvent" (
    "id" TEXT NOT NULL,
    "organizationId" TEXT NOT NULL,
    "conversationId" TEXT NOT NULL,
    "kind" "ConversationEventKind" NOT NULL,
    "agentId" TEXT,
    "apiKeyId" TEXT,
    "apiKeyName" TEXT,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ConversationEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Agent_organizationId_createdAt_idx" ON "Agent"("organizationId", "createdAt");

-- CreateIndex
CREATE INDEX "ConversationEvent_conversationId_at_idx" ON "ConversationEvent"("conversationId", "at");

-- CreateIndex
CREATE INDEX "Conversation_handBackAt_idx" ON "Conversation"("handBackAt");

-- CreateIndex
CREATE UNIQUE INDEX "WebhookForward_messageId_assistantId_kind_eventKey_key" ON "WebhookForward"("messageId", "assistantId", "kind", "eventKey");

-- AddForeignKey
ALTER TABLE "Agent" ADD CONSTRAINT "Agent_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ConversationEvent" ADD CONSTRAINT "ConversationEvent_conversationId_fkey" FOREIGN KEY ("conversationId") REFERENCES "Conversation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

