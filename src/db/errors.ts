const codeOf = (error: unknown) => (typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined);

/**
 * A unique-constraint violation: Prisma's P2002 (as both driver adapters report it), or the
 * drivers' own from src/db/sql.ts (PostgreSQL 23505, SQLite SQLITE_CONSTRAINT_UNIQUE).
 */
export function isUniqueViolation(error: unknown): boolean {
  const code = codeOf(error);
  return code === 'P2002' || code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/**
 * A transaction that failed for reasons of the moment, not of the data: a deadlock or write
 * conflict (P2034, or the driver's own code) or a transaction that could not start or finish
 * in time (P2028).
 * Running it again is safe and usually succeeds.
 */
export function isTransient(error: unknown): boolean {
  const code = codeOf(error);
  // PostgreSQL's deadlock_detected and serialization_failure, SQLite's busy (another process).
  if (code === 'P2034' || code === 'P2028' || code === '40P01' || code === '40001' || code === 'SQLITE_BUSY') return true;
  return error instanceof Error && /deadlock detected|could not serialize|Transaction already closed|Unable to start a transaction/i.test(error.message);
}

/** Batches hold more rows than a single write: give them room before Prisma's 2 s / 5 s defaults give up. */
export const BATCH_TRANSACTION = { maxWait: 10_000, timeout: 30_000 };

/** Runs `attempt` again (up to `times` in all, with a short jittered pause) while it fails with an error `retry` accepts. */
export async function retrying<T>(attempt: () => Promise<T>, retry: (error: unknown) => boolean = isTransient, times = 4): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (n >= times || !retry(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 * n + Math.random() * 30));
    }
  }
}
