-- Plain column additions (Prisma's diff would rebuild both tables for them).
ALTER TABLE "Organization" ADD COLUMN "enforceRegistration" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "PhoneNumber" ADD COLUMN "registrationStatus" TEXT NOT NULL DEFAULT 'UNREGISTERED';
