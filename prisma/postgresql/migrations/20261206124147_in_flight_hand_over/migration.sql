-- CreateEnum
CREATE TYPE "InFlightPolicy" AS ENUM ('RESEND', 'FAIL');

-- AlterTable
ALTER TABLE "Organization" ADD COLUMN     "inFlightPolicy" "InFlightPolicy" NOT NULL DEFAULT 'RESEND';

-- AlterTable
ALTER TABLE "Message" ADD COLUMN     "handedOverAt" TIMESTAMP(3);

