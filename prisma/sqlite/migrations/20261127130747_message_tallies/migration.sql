-- Hourly message counts for messageStats and its series (src/messaging/stats.ts), kept by the
-- triggers below in the same transaction as every change to Message, whoever makes it (the
-- send queue, webhooks, deletes, an assistant's removal setting assistantId to null).
-- SQLite has one writer at a time: every count is a single row, "part" 0, deleted when it
-- comes to zero (the QUEUED and SENDING of messages since sent). WITHOUT ROWID: the
-- rows are stored in primary-key order, so an organization's hours are one contiguous range.
CREATE TABLE "MessageTally" (
    "organizationId" TEXT NOT NULL,
    "hour" DATETIME NOT NULL,
    "assistantId" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "direction" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "part" BIGINT NOT NULL DEFAULT 0,
    "messages" INTEGER NOT NULL,
    "segments" INTEGER NOT NULL,

    PRIMARY KEY ("organizationId", "hour", "assistantId", "provider", "direction", "status", "part")
) WITHOUT ROWID;

-- "hour" is written as Prisma's better-sqlite3 adapter writes a DateTime (ISO 8601 with
-- "+00:00"), so that it compares with bound DateTime parameters as text.
-- NOTE: a later migration that makes Prisma rebuild the Message table drops these triggers
-- (and the MessageSearch ones): it must create them again.
CREATE TRIGGER "Message_tally_insert" AFTER INSERT ON "Message" BEGIN
  INSERT INTO "MessageTally" ("organizationId", "hour", "assistantId", "provider", "direction", "status", "messages", "segments")
  VALUES (new."organizationId", strftime('%Y-%m-%dT%H:00:00.000+00:00', new."createdAt"), COALESCE(new."assistantId", ''),
          new."provider", new."direction", new."status", 1, new."segments")
  ON CONFLICT DO UPDATE SET "messages" = "messages" + 1, "segments" = "segments" + excluded."segments";
END;
CREATE TRIGGER "Message_tally_update" AFTER UPDATE OF "organizationId", "createdAt", "assistantId", "provider", "direction", "status", "segments" ON "Message"
WHEN old."organizationId" IS NOT new."organizationId" OR old."createdAt" IS NOT new."createdAt" OR old."assistantId" IS NOT new."assistantId"
  OR old."provider" IS NOT new."provider" OR old."direction" IS NOT new."direction" OR old."status" IS NOT new."status" OR old."segments" IS NOT new."segments"
BEGIN
  UPDATE "MessageTally" SET "messages" = "messages" - 1, "segments" = "segments" - old."segments"
  WHERE "organizationId" = old."organizationId" AND "hour" = strftime('%Y-%m-%dT%H:00:00.000+00:00', old."createdAt")
    AND "assistantId" = COALESCE(old."assistantId", '') AND "provider" = old."provider" AND "direction" = old."direction" AND "status" = old."status";
  DELETE FROM "MessageTally"
  WHERE "organizationId" = old."organizationId" AND "hour" = strftime('%Y-%m-%dT%H:00:00.000+00:00', old."createdAt")
    AND "assistantId" = COALESCE(old."assistantId", '') AND "provider" = old."provider" AND "direction" = old."direction" AND "status" = old."status"
    AND "messages" = 0 AND "segments" = 0;
  INSERT INTO "MessageTally" ("organizationId", "hour", "assistantId", "provider", "direction", "status", "messages", "segments")
  VALUES (new."organizationId", strftime('%Y-%m-%dT%H:00:00.000+00:00', new."createdAt"), COALESCE(new."assistantId", ''),
          new."provider", new."direction", new."status", 1, new."segments")
  ON CONFLICT DO UPDATE SET "messages" = "messages" + 1, "segments" = "segments" + excluded."segments";
END;
CREATE TRIGGER "Message_tally_delete" AFTER DELETE ON "Message" BEGIN
  UPDATE "MessageTally" SET "messages" = "messages" - 1, "segments" = "segments" - old."segments"
  WHERE "organizationId" = old."organizationId" AND "hour" = strftime('%Y-%m-%dT%H:00:00.000+00:00', old."createdAt")
    AND "assistantId" = COALESCE(old."assistantId", '') AND "provider" = old."provider" AND "direction" = old."direction" AND "status" = old."status";
  DELETE FROM "MessageTally"
  WHERE "organizationId" = old."organizationId" AND "hour" = strftime('%Y-%m-%dT%H:00:00.000+00:00', old."createdAt")
    AND "assistantId" = COALESCE(old."assistantId", '') AND "provider" = old."provider" AND "direction" = old."direction" AND "status" = old."status"
    AND "messages" = 0 AND "segments" = 0;
END;

-- The messages stored before this migration.
INSERT INTO "MessageTally" ("organizationId", "hour", "assistantId", "provider", "direction", "status", "messages", "segments")
SELECT "organizationId", strftime('%Y-%m-%dT%H:00:00.000+00:00', "createdAt"), COALESCE("assistantId", ''), "provider", "direction", "status", COUNT(*), SUM("segments")
FROM "Message"
GROUP BY 1, 2, 3, 4, 5, 6;
