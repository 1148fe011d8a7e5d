-- Provider credentials move from one column per provider on Assistant to one row per
-- (assistant, provider). Provider columns are TEXT on SQLite already. The old columns are
-- dropped in place (ALTER TABLE … DROP COLUMN), so no table is rebuilt.

-- CreateTable
CREATE TABLE "ProviderCredential" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "organizationId" TEXT NOT NULL,
    "assistantId" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "sealed" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "ProviderCredential_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "ProviderCredential_assistantId_fkey" FOREIGN KEY ("assistantId") REFERENCES "Assistant" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "ProviderCredential_organizationId_idx" ON "ProviderCredential"("organizationId");

-- CreateIndex
CREATE UNIQUE INDEX "ProviderCredential_assistantId_provider_key" ON "ProviderCredential"("assistantId", "provider");

-- Copy each sealed config (already the JSON of its fields, sealed) into its row.
INSERT INTO "ProviderCredential" ("id", "organizationId", "assistantId", "provider", "sealed", "createdAt", "updatedAt")
SELECT lower(hex(randomblob(12))), "organizationId", "id", 'TWILIO', "twilioConfigSealed", "updatedAt", "updatedAt" FROM "Assistant" WHERE "twilioConfigSealed" IS NOT NULL
UNION ALL
SELECT lower(hex(randomblob(12))), "organizationId", "id", 'TELNYX', "telnyxConfigSealed", "updatedAt", "updatedAt" FROM "Assistant" WHERE "telnyxConfigSealed" IS NOT NULL
UNION ALL
SELECT lower(hex(randomblob(12))), "organizationId", "id", 'VONAGE', "vonageConfigSealed", "updatedAt", "updatedAt" FROM "Assistant" WHERE "vonageConfigSealed" IS NOT NULL;

ALTER TABLE "Assistant" DROP COLUMN "twilioConfigSealed";
ALTER TABLE "Assistant" DROP COLUMN "telnyxConfigSealed";
ALTER TABLE "Assistant" DROP COLUMN "vonageConfigSealed";
