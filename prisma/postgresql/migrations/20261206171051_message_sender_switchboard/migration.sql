-- AlterEnum
ALTER TYPE "MessageSenderKind" ADD VALUE 'SWITCHBOARD';

