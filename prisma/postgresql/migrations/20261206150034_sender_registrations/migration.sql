-- CreateEnum
CREATE TYPE "RegistrationKind" AS ENUM ('BRAND', 'CAMPAIGN', 'TOLL_FREE_VERIFICATION');

-- AlterTable
ALTER TABLE "PhoneNumber" ADD COLUMN     "registrationId" TEXT,
ADD COLUMN     "registrationUseCase" TEXT;

-- CreateTable
CREATE TABLE "SenderRegistration" (
    "id" TEXT NOT NULL,
    "organizationId" TEXT NOT NULL,
    "assistantId" TEXT,
    "provider" TEXT NOT NULL,
    "kind" "RegistrationKind" NOT NULL,
    "brandRegistrationId" TEXT,
    "providerId" TEXT,
    "messagingServiceSid" TEXT,
    "status" "RegistrationStatus" NOT NULL DEFAULT 'PENDING',
    "providerStatus" TEXT,
    "failureReason" TEXT,
    "useCase" TEXT,
    "description" TEXT,
    "sampleMessages" TEXT NOT NULL DEFAULT '[]',
    "optInEvidence" TEXT,
    "details" TEXT NOT NULL DEFAULT '{}',
    "providerResponse" TEXT,
    "lastSyncedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SenderRegistration_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "SenderRegistration_organizationId_createdAt_idx" ON "SenderRegistration"("organizationId", "createdAt");

-- CreateIndex
CREATE INDEX "SenderRegistration_status_lastSyncedAt_idx" ON "SenderRegistration"("status", "lastSyncedAt");

-- AddForeignKey
ALTER TABLE "SenderRegistration" ADD CONSTRAINT "SenderRegistration_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SenderRegistration" ADD CONSTRAINT "SenderRegistration_assistantId_fkey" FOREIGN KEY ("assistantId") REFERENCES "Assistant"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SenderRegistration" ADD CONSTRAINT "SenderRegistration_brandRegistrationId_fkey" FOREIGN KEY ("brandRegistrationId") REFERENCES "SenderRegistration"("id") ON DELETE SET NULL ON UPDATE CASCADE;

