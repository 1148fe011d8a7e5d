import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type BetterSqlite3 from 'better-sqlite3';

/** How often the checkpointer copies the write-ahead log into the database file. */
const CHECKPOINT_INTERVAL_MS = 250;

/**
 * The checkpointer's own thread: a connection of its own that runs passive checkpoints, which
 * never wait for (nor block) the writer. Plain JavaScript, evaluated as a worker, so it needs
 * no loader for TypeScript.
 */
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 100');
const checkpoint = () => { try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {} };
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.once('message', () => {
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
`;

/**
 * SQLite in WAL mode copies the log back into the database file every 1,000 pages, inside the
 * commit that crosses the mark: on the writer's thread, with an fsync, tens of milliseconds
 * with the event loop stopped. Here the writer's connection stops checkpointing and a worker
 * thread does it every CHECKPOINT_INTERVAL_MS instead. Should the worker fail, the writer's
 * connection checkpoints itself again, as SQLite does by default.
 */
export function startCheckpointer(connection: BetterSqlite3.Database, file: string): { stop(): Promise<void> } {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver, file, intervalMs: CHECKPOINT_INTERVAL_MS } });
  // Never what keeps the process alive.
  worker.unref();
  connection.pragma('wal_autocheckpoint = 0');
  let stopped = false;
  const fallBack = () => {
    if (!stopped && connection.open) connection.pragma('wal_autocheckpoint = 1000');
  };
  worker.once('error', fallBack);
  worker.once('exit', fallBack);
  return {
    async stop() {
      if (stopped) return;
      stopped = true;
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      // Held while it finishes, or a process with nothing else to do would exit under it.
      worker.ref();
      worker.postMessage('stop');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
      await worker.terminate();
    },
  };
}
