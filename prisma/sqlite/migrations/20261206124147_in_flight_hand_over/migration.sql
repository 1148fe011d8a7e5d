-- AlterTable
ALTER TABLE "Message" ADD COLUMN "handedOverAt" DATETIME;

-- AlterTable (a column added in place: no rebuild of Organization, whose rows other tables reference)
ALTER TABLE "Organization" ADD COLUMN "inFlightPolicy" TEXT NOT NULL DEFAULT 'RESEND';
