-- AlterTable
ALTER TABLE "PhoneNumber" ADD COLUMN "registrationId" TEXT;
ALTER TABLE "PhoneNumber" ADD COLUMN "registrationUseCase" TEXT;

-- CreateTable
CREATE TABLE "SenderRegistration" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "organizationId" TEXT NOT NULL,
    "assistantId" TEXT,
    "provider" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "brandRegistrationId" TEXT,
    "providerId" TEXT,
    "messagingServiceSid" TEXT,
    "status" TEXT NOT NULL DEFAULT 'PENDING',
    "providerStatus" TEXT,
    "failureReason" TEXT,
    "useCase" TEXT,
    "description" TEXT,
    "sampleMessages" TEXT NOT NULL DEFAULT '[]',
    "optInEvidence" TEXT,
    "details" TEXT NOT NULL DEFAULT '{}',
    "providerResponse" TEXT,
    "lastSyncedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "SenderRegistration_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "SenderRegistration_assistantId_fkey" FOREIGN KEY ("assistantId") REFERENCES "Assistant" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "SenderRegistration_brandRegistrationId_fkey" FOREIGN KEY ("brandRegistrationId") REFERENCES "SenderRegistration" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "SenderRegistration_organizationId_createdAt_idx" ON "SenderRegistration"("organizationId", "createdAt");

-- CreateIndex
CREATE INDEX "SenderRegistration_status_lastSyncedAt_idx" ON "SenderRegistration"("status", "lastSyncedAt");

