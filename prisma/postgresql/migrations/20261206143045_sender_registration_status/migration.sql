-- CreateEnum
CREATE TYPE "RegistrationStatus" AS ENUM ('UNREGISTERED', 'PENDING', 'APPROVED', 'REJECTED');

-- AlterTable
ALTER TABLE "Organization" ADD COLUMN     "enforceRegistration" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "PhoneNumber" ADD COLUMN     "registrationStatus" "RegistrationStatus" NOT NULL DEFAULT 'UNREGISTERED';

