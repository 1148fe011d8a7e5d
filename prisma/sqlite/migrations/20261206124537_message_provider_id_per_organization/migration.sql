-- DropIndex
DROP INDEX "Message_provider_providerMessageId_key";

-- CreateIndex
CREATE UNIQUE INDEX "Message_organizationId_provider_providerMessageId_key" ON "Message"("organizationId", "provider", "providerMessageId");

