import type { Prisma } from '../db/client';
import type { Services } from '../services';

/**
 * Reads the messages of an export (the delivery log or one conversation) in keyset-paginated
 * batches by (createdAt, id), oldest first, so an export of any size holds one batch in memory
 * at a time (see exportChunks in ./encoders).
 *
 * Rows per batch: at most EXPORT_BATCH_SIZE, and fewer when messages are long, so that a batch
 * holds about EXPORT_BATCH_CHARS characters of bodies (1 MB as UTF-16 strings): 1,000 rows of
 * 500 characters, ~300 of 1,600 (the longest message). Reading and encoding a batch allocates a
 * few times that; kept well under V8's young generation (16 MB), a batch dies young instead of
 * being promoted to the old generation, which only a full GC frees (see exportChunks).
 */
export const EXPORT_BATCH_SIZE = 1000;
export const EXPORT_BATCH_CHARS = 500_000;
const EXPORT_BATCH_MIN = 50;

export const exportSelect = {
  id: true,
  createdAt: true,
  direction: true,
  status: true,
  provider: true,
  from: true,
  to: true,
  body: true,
  mediaUrls: true,
  segments: true,
  encoding: true,
  errorCode: true,
  errorMessage: true,
  providerMessageId: true,
  conversationId: true,
} satisfies Prisma.MessageSelect;

export type ExportRow = Prisma.MessageGetPayload<{ select: typeof exportSelect }>;

/**
 * The messages matching `where`, oldest first, in batches of at most `batchSize` rows (fewer for
 * long messages: EXPORT_BATCH_CHARS). Empty each batch once done with it (see exportChunks).
 */
export async function* exportBatches(services: Services, where: Prisma.MessageWhereInput, batchSize = EXPORT_BATCH_SIZE): AsyncGenerator<ExportRow[]> {
  let after: { createdAt: Date; id: string } | null = null;
  let take = batchSize;
  for (;;) {
    const batch: ExportRow[] = await services.db.message.findMany({
      select: exportSelect,
      where: after
        ? {
            AND: [
              where,
              // `createdAt >= c` on its own keeps the (…, createdAt) index range usable; the OR
              // then skips the rows of that same instant already written.
              { createdAt: { gte: after.createdAt } },
              { OR: [{ createdAt: { gt: after.createdAt } }, { id: { gt: after.id } }] },
            ],
          }
        : where,
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take,
    });
    const last = batch.at(-1);
    if (!last) return;
    const more = batch.length === take;
    const charsPerRow = batch.reduce((sum, row) => sum + row.body.length + row.mediaUrls.length, 0) / batch.length;
    yield batch;
    if (!more) return;
    after = { createdAt: last.createdAt, id: last.id };
    take = Math.max(EXPORT_BATCH_MIN, Math.min(batchSize, Math.floor(EXPORT_BATCH_CHARS / Math.max(charsPerRow, 1))));
  }
}
