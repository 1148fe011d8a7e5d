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
    "messages" INTEGER NOT NULL,
    "segments" INTEGER NOT NULL,

    CONSTRAINT "MessageTally_pkey" PRIMARY KEY ("organizationId","hour","assistantId","provider","direction","status")
);

-- Statement-level triggers: one upsert per (organization, hour, assistant, provider,
-- direction, status) that a statement changes, however many messages it touches (a send batch,
-- a claim of many messages). The upserts go in key order, so that concurrent transactions lock
-- tally rows in the same order and cannot deadlock on them. Rows a statement leaves in the same
-- group (a lease renewal, a read mark) cancel out and write nothing.
CREATE FUNCTION "Message_tally_insert"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "MessageTally" AS t ("organizationId", "hour", "assistantId", "provider", "direction", "status", "messages", "segments")
  SELECT "organizationId", date_trunc('hour', "createdAt"), COALESCE("assistantId", ''), "provider", "direction", "status", SUM("n"), SUM("n" * "segments")
  FROM (SELECT "organizationId", "createdAt", "assistantId", "provider", "direction", "status", "segments", 1 AS "n" FROM "new_rows") AS "changes"
  GROUP BY 1, 2, 3, 4, 5, 6
  HAVING SUM("n") <> 0 OR SUM("n" * "segments") <> 0
  ORDER BY 1, 2, 3, 4, 5, 6
  ON CONFLICT ("organizationId", "hour", "assistantId", "provider", "direction", "status")
  DO UPDATE SET "messages" = t."messages" + excluded."messages", "segments" = t."segments" + excluded."segments";
  RETURN NULL;
END $$;

CREATE FUNCTION "Message_tally_update"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "MessageTally" AS t ("organizationId", "hour", "assistantId", "provider", "direction", "status", "messages", "segments")
  SELECT "organizationId", date_trunc('hour', "createdAt"), COALESCE("assistantId", ''), "provider", "direction", "status", SUM("n"), SUM("n" * "segments")
  FROM (SELECT "organizationId", "createdAt", "assistantId", "provider", "direction", "status", "segments", 1 AS "n" FROM "new_rows" UNION ALL SELECT "organizationId", "createdAt", "assistantId", "provider", "direction", "status", "segments", -1 AS "n" FROM "old_rows") AS "changes"
  GROUP BY 1, 2, 3, 4, 5, 6
  HAVING SUM("n") <> 0 OR SUM("n" * "segments") <> 0
  ORDER BY 1, 2, 3, 4, 5, 6
  ON CONFLICT ("organizationId", "hour", "assistantId", "provider", "direction", "status")
  DO UPDATE SET "messages" = t."messages" + excluded."messages", "segments" = t."segments" + excluded."segments";
  RETURN NULL;
END $$;

CREATE FUNCTION "Message_tally_delete"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "MessageTally" AS t ("organizationId", "hour", "assistantId", "provider", "direction", "status", "messages", "segments")
  SELECT "organizationId", date_trunc('hour', "createdAt"), COALESCE("assistantId", ''), "provider", "direction", "status", SUM("n"), SUM("n" * "segments")
  FROM (SELECT "organizationId", "createdAt", "assistantId", "provider", "direction", "status", "segments", -1 AS "n" FROM "old_rows") AS "changes"
  GROUP BY 1, 2, 3, 4, 5, 6
  HAVING SUM("n") <> 0 OR SUM("n" * "segments") <> 0
  ORDER BY 1, 2, 3, 4, 5, 6
  ON CONFLICT ("organizationId", "hour", "assistantId", "provider", "direction", "status")
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
INSERT INTO "MessageTally" ("organizationId", "hour", "assistantId", "provider", "direction", "status", "messages", "segments")
SELECT "organizationId", date_trunc('hour', "createdAt"), COALESCE("assistantId", ''), "provider", "direction", "status", COUNT(*), SUM("segments")
FROM "Message"
GROUP BY 1, 2, 3, 4, 5, 6;
