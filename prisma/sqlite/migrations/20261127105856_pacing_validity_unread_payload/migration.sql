-- AlterTable
ALTER TABLE "PhoneNumber" ADD COLUMN "nextSlotAt" DATETIME;

-- AlterTable
ALTER TABLE "Message" ADD COLUMN "validUntil" DATETIME;

-- AlterTable
ALTER TABLE "MessageEvent" ADD COLUMN "payload" TEXT;

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Conversation" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "organizationId" TEXT NOT NULL,
    "assistantId" TEXT,
    "phoneNumberId" TEXT NOT NULL,
    "customerPhoneNumber" TEXT NOT NULL,
    "archived" BOOLEAN NOT NULL DEFAULT false,
    "openThreadKey" TEXT,
    "lastMessageAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "unreadCount" INTEGER NOT NULL DEFAULT 0,
    "lastReadAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Conversation_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Conversation_assistantId_fkey" FOREIGN KEY ("assistantId") REFERENCES "Assistant" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "Conversation_phoneNumberId_fkey" FOREIGN KEY ("phoneNumberId") REFERENCES "PhoneNumber" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_Conversation" ("archived", "assistantId", "createdAt", "customerPhoneNumber", "id", "lastMessageAt", "openThreadKey", "organizationId", "phoneNumberId") SELECT "archived", "assistantId", "createdAt", "customerPhoneNumber", "id", "lastMessageAt", "openThreadKey", "organizationId", "phoneNumberId" FROM "Conversation";
DROP TABLE "Conversation";
ALTER TABLE "new_Conversation" RENAME TO "Conversation";
CREATE UNIQUE INDEX "Conversation_openThreadKey_key" ON "Conversation"("openThreadKey");
CREATE INDEX "Conversation_organizationId_archived_lastMessageAt_idx" ON "Conversation"("organizationId", "archived", "lastMessageAt");
CREATE INDEX "Conversation_phoneNumberId_customerPhoneNumber_idx" ON "Conversation"("phoneNumberId", "customerPhoneNumber");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

