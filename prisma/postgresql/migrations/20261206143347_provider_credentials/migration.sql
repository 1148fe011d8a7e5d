-- Provider credentials move from one column per provider on Assistant to one row per
-- (assistant, provider), and the provider columns become plain text: the registry in
-- src/providers/index.ts is the list of providers, so adding one needs no change here.

-- CreateTable
CREATE TABLE "ProviderCredential" (
    "id" TEXT NOT NULL,
    "organizationId" TEXT NOT NULL,
    "assistantId" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "sealed" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ProviderCredential_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ProviderCredential_organizationId_idx" ON "ProviderCredential"("organizationId");

-- CreateIndex
CREATE UNIQUE INDEX "ProviderCredential_assistantId_provider_key" ON "ProviderCredential"("assistantId", "provider");

-- AddForeignKey
ALTER TABLE "ProviderCredential" ADD CONSTRAINT "ProviderCredential_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ProviderCredential" ADD CONSTRAINT "ProviderCredential_assistantId_fkey" FOREIGN KEY ("assistantId") REFERENCES "Assistant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Copy each sealed config (already the JSON of its fields, sealed) into its row.
INSERT INTO "ProviderCredential" ("id", "organizationId", "assistantId", "provider", "sealed", "createdAt", "updatedAt")
SELECT md5(a."id" || '|' || c."provider"), a."organizationId", a."id", c."provider", c."sealed", a."updatedAt", a."updatedAt"
FROM "Assistant" a
CROSS JOIN LATERAL (VALUES ('TWILIO', a."twilioConfigSealed"), ('TELNYX', a."telnyxConfigSealed"), ('VONAGE', a."vonageConfigSealed")) AS c("provider", "sealed")
WHERE c."sealed" IS NOT NULL;

-- AlterTable
ALTER TABLE "Assistant" DROP COLUMN "telnyxConfigSealed",
DROP COLUMN "twilioConfigSealed",
DROP COLUMN "vonageConfigSealed";

-- The enum's values become the same words as text; indexes and MessageTally's key follow the column.
ALTER TABLE "PhoneNumber" ALTER COLUMN "provider" SET DATA TYPE TEXT USING "provider"::text;
ALTER TABLE "Message" ALTER COLUMN "provider" SET DATA TYPE TEXT USING "provider"::text;
ALTER TABLE "MessageTally" ALTER COLUMN "provider" SET DATA TYPE TEXT USING "provider"::text;

-- DropEnum
DROP TYPE "Provider";
