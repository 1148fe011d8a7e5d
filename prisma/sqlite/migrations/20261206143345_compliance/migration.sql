-- Plain column additions (Prisma's diff would rebuild Organization, Assistant and PhoneNumber for them).
ALTER TABLE "Message" ADD COLUMN "category" TEXT;
ALTER TABLE "Organization" ADD COLUMN "requireOptIn" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "Organization" ADD COLUMN "consentReplyWindowMinutes" INTEGER NOT NULL DEFAULT 1440;
ALTER TABLE "Assistant" ADD COLUMN "businessName" TEXT;
ALTER TABLE "Assistant" ADD COLUMN "keywordReplies" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "Assistant" ADD COLUMN "stopReply" TEXT;
ALTER TABLE "Assistant" ADD COLUMN "startReply" TEXT;
ALTER TABLE "Assistant" ADD COLUMN "helpReply" TEXT;
ALTER TABLE "Assistant" ADD COLUMN "optOutFooter" TEXT;
ALTER TABLE "Assistant" ADD COLUMN "sendingWindowStart" TEXT;
ALTER TABLE "Assistant" ADD COLUMN "sendingWindowEnd" TEXT;
ALTER TABLE "Assistant" ADD COLUMN "timeZone" TEXT;
ALTER TABLE "Assistant" ADD COLUMN "dailyCapPerRecipient" INTEGER;
ALTER TABLE "Assistant" ADD COLUMN "exemptTransactional" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "PhoneNumber" ADD COLUMN "providerAnswersKeywords" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "ConsentEvent" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "organizationId" TEXT NOT NULL,
    "customerPhoneNumber" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "method" TEXT NOT NULL,
    "phoneNumberId" TEXT,
    "assistantId" TEXT,
    "keyword" TEXT,
    "source" TEXT,
    "evidence" TEXT,
    "messageId" TEXT,
    "at" DATETIME NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateIndex
CREATE INDEX "ConsentEvent_organizationId_customerPhoneNumber_at_idx" ON "ConsentEvent"("organizationId", "customerPhoneNumber", "at");

-- CreateIndex
CREATE INDEX "ConsentEvent_organizationId_createdAt_id_idx" ON "ConsentEvent"("organizationId", "createdAt", "id");

-- The consent history is append-only: a row once written is never changed or removed.
CREATE TRIGGER "ConsentEvent_no_update" BEFORE UPDATE ON "ConsentEvent"
BEGIN
  SELECT RAISE(ABORT, 'ConsentEvent is append-only');
END;
CREATE TRIGGER "ConsentEvent_no_delete" BEFORE DELETE ON "ConsentEvent"
BEGIN
  SELECT RAISE(ABORT, 'ConsentEvent is append-only');
END;
