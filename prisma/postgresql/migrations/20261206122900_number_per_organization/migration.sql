-- DropIndex
DROP INDEX "PhoneNumber_phoneNumber_key";

-- AlterTable
ALTER TABLE "PhoneNumber" ADD COLUMN     "ownershipVerifiedAt" TIMESTAMP(3);

-- CreateIndex
CREATE INDEX "PhoneNumber_phoneNumber_provider_idx" ON "PhoneNumber"("phoneNumber", "provider");

-- CreateIndex
CREATE UNIQUE INDEX "PhoneNumber_organizationId_phoneNumber_key" ON "PhoneNumber"("organizationId", "phoneNumber");

