-- CreateEnum
CREATE TYPE "MessageCategory" AS ENUM ('TRANSACTIONAL', 'MARKETING', 'CONVERSATIONAL', 'COMPLIANCE');

-- CreateEnum
CREATE TYPE "ConsentKind" AS ENUM ('OPT_IN', 'OPT_OUT');

-- CreateEnum
CREATE TYPE "ConsentMethod" AS ENUM ('KEYWORD', 'PROVIDER_REFUSAL', 'BY_HAND', 'API');

-- AlterTable
ALTER TABLE "Organization" ADD COLUMN     "consentReplyWindowMinutes" INTEGER NOT NULL DEFAULT 1440,
ADD COLUMN     "requireOptIn" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "Assistant" ADD COLUMN     "businessName" TEXT,
ADD COLUMN     "dailyCapPerRecipient" INTEGER,
ADD COLUMN     "exemptTransactional" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "helpReply" TEXT,
ADD COLUMN     "keywordReplies" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "optOutFooter" TEXT,
ADD COLUMN     "sendingWindowEnd" TEXT,
ADD COLUMN     "sendingWindowStart" TEXT,
ADD COLUMN     "startReply" TEXT,
ADD COLUMN     "stopReply" TEXT,
ADD COLUMN     "timeZone" TEXT;

-- AlterTable
ALTER TABLE "PhoneNumber" ADD COLUMN     "providerAnswersKeywords" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "Message" ADD COLUMN     "category" TEXT;

-- CreateTable
CREATE TABLE "ConsentEvent" (
    "id" TEXT NOT NULL,
    "organizationId" TEXT NOT NULL,
    "customerPhoneNumber" TEXT NOT NULL,
    "kind" "ConsentKind" NOT NULL,
    "method" "ConsentMethod" NOT NULL,
    "phoneNumberId" TEXT,
    "assistantId" TEXT,
    "keyword" TEXT,
    "source" TEXT,
    "evidence" TEXT,
    "messageId" TEXT,
    "at" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ConsentEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ConsentEvent_organizationId_customerPhoneNumber_at_idx" ON "ConsentEvent"("organizationId", "customerPhoneNumber", "at");

-- CreateIndex
CREATE INDEX "ConsentEvent_organizationId_createdAt_id_idx" ON "ConsentEvent"("organizationId", "createdAt", "id");


-- The consent history is append-only: a row once written is never changed or removed.
CREATE FUNCTION "consent_event_append_only"() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'ConsentEvent is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER "ConsentEvent_append_only" BEFORE UPDATE OR DELETE ON "ConsentEvent"
FOR EACH ROW EXECUTE FUNCTION "consent_event_append_only"();
