-- Hourly message counts for messageStats and its series (src/messaging/stats.ts), kept by the
-- triggers below in the same transaction as every change to Message, whoever makes it (the
-- send queue, webhooks, deletes, an assistant's removal setting assistantId to null).
CREATE TABLE "MessageTally" (
    "organizationId" TEXT NOT NULL,
    "hour" TIMESTAMP(3) NOT NULL,
    "assistantId" TEXT NOT NULL,
    "provider" "Provider" NOT NULL,
    "direction" "Direction" NOT NULL,
    "status" "MessageStatus" NOT NULL,
    "part" BIGINT NOT NULL DEFAULT 0,
    "messages" INTEGER NOT NULL,
    "segments" INTEGER NOT NULL,

    CONSTRAINT "MessageTally_pkey" PRIMARY KEY ("organizationId","hour","assistantId","provider","direction","status","part")
);

-- Statement-level triggers: one row per (organization, hour, assistant, provider, direction,
-- status) that a statement changes, however many messages it touches (a send batch, a claim of
-- many messages). Each transaction writes rows of its own, "part" = its transaction id, so it
-- never waits for another writer's lock on a count (a shared row here would make every send,
-- claim and status write of an organization queue behind one another, and deadlock with the
-- queue's own locks). Rows a statement leaves in the same group (a lease renewal, a read mark)
-- cancel out and write nothing. compactMessageTallies folds the parts into "part" 0.
CREATE FUNCTION "Message_tally_insert"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "MessageTally" AS t ("organizationId", "hour", "assistantId", "provider", "direction", "status", "part", "messages", "segments")
  SELECT "organizationId", date_trunc('hour', "createdAt"), COALESCE("assistantId", ''), "provider", "direction", "status", txid_current(),
         SUM("n"), SUM("n" * "segments")
  FROM (SELECT "organizationId", "createdAt", "assistantId", "provider", "direction", "status", "segments", 1 AS "n" FROM "new_rows") AS "changes"
  GROUP BY 1, 2, 3, 4, 5, 6
  HAVING SUM("n") <> 0 OR SUM("n" * "segments") <> 0
  ON CONFLICT ("organizationId", "hour", "assistantId", "provider", "direction", "status", "part")
  DO UPDATE SET "messages" = t."messages" + excluded."messages", "segments" = t."segments" + excluded."segments";
  RETURN NULL;
END $$;

CREATE FUNCTION "Message_tally_update"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "MessageTally" AS t ("organizationId", "hour", "assistantId", "provider", "direction", "status", "part", "messages", "segments")
  SELECT "organizationId", date_trunc('hour', "createdAt"), COALESCE("assistantId", ''), "provider", "direction", "status", txid_current(),
         SUM("n"), SUM("n" * "segments")
  FROM (SELECT "organizationId", "createdAt", "assistantId", "provider", "direction", "status", "segments", 1 AS "n" FROM "new_rows" UNION ALL SELECT "organizationId", "createdAt", "assistantId", "provider", "direction", "status", "segments", -1 AS "n" FROM "old_rows") AS "changes"
  GROUP BY 1, 2, 3, 4, 5, 6
  HAVING SUM("n") <> 0 OR SUM("n" * "segments") <> 0
  ON CONFLICT ("organizationId", "hour", "assistantId", "provider", "direction", "status", "part")
  DO UPDATE SET "messages" = t."messages" + excluded."messages", "segments" = t."segments" + excluded."segments";
  RETURN NULL;
END $$;

CREATE FUNCTION "Message_tally_delete"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "MessageTally" AS t ("organizationId", "hour", "assistantId", "provider", "direction", "status", "part", "messages", "segments")
  SELECT "organizationId", date_trunc('hour', "createdAt"), COALESCE("assistantId", ''), "provider", "direction", "status", txid_current(),
         SUM("n"), SUM("n" * "segments")
  FROM (SELECT "organizationId", "createdAt", "assistantId", "provider", "direction", "status", "segments", -1 AS "n" FROM "old_rows") AS "changes"
  GROUP BY 1, 2, 3, 4, 5, 6
  HAVING SUM("n") <> 0 OR SUM("n" * "segments") <> 0
  ON CONFLICT ("organizationId", "hour", "assistantId", "provider", "direction", "status", "part")
  DO UPDATE SET "messages" = t."messages" + excluded."messages", "segments" = t."segments" + excluded."segments";
  RETURN NULL;
END $$;

CREATE TRIGGER "Message_tally_insert" AFTER INSERT ON "Message" REFERENCING NEW TABLE AS "new_rows"
  FOR EACH STATEMENT EXECUTE FUNCTION "Message_tally_insert"();
CREATE TRIGGER "Message_tally_update" AFTER UPDATE ON "Message" REFERENCING OLD TABLE AS "old_rows" NEW TABLE AS "new_rows"
  FOR EACH STATEMENT EXECUTE FUNCTION "Message_tally_update"();
CREATE TRIGGER "Message_tally_delete" AFTER DELETE ON "Message" REFERENCING OLD TABLE AS "old_rows"
  FOR EACH STATEMENT EXECUTE FUNCTION "Message_tally_delete"();

-- The messages stored before this migration.
INSERT INTO "MessageTally" ("organizationId", "hour", "assistantId", "provider", "direction", "status", "part", "messages", "segments")
SELECT "organizationId", date_trunc('hour', "createdAt"), COALESCE("assistantId", ''), "provider", "direction", "status", 0, COUNT(*), SUM("segments")
FROM "Message"
GROUP BY 1, 2, 3, 4, 5, 6;
