-- The send queue's look-ups, as partial indexes (Prisma's schema language cannot express them,
-- so they live only here; like the triggers, a migration that rebuilds Message must create them
-- again). A claim reads due messages oldest first and stops after a batch: with only
-- Message(status, nextAttemptAt) the two statuses are two index ranges, sorted together on every
-- claim, so each claim cost as much as the whole backlog.
CREATE INDEX "Message_due_idx" ON "Message"("nextAttemptAt") WHERE "status" IN ('QUEUED', 'SCHEDULED');

-- The sweep for validity periods reads only waiting messages that have one.
CREATE INDEX "Message_validity_idx" ON "Message"("validUntil") WHERE "status" IN ('QUEUED', 'SCHEDULED') AND "validUntil" IS NOT NULL;
