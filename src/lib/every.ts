/** A task run again and again by one server until it stops. */
export interface PeriodicTask {
  /** No more runs; resolves once a run under way has finished. */
  stop(): Promise<void>;
}

/**
 * Runs `task` every `intervalMs`, one run at a time: a run that comes due while the last is still
 * under way starts when it ends. A run that fails goes to `onError` and the next runs as planned.
 * The timer does not keep the process alive.
 */
export function every(intervalMs: number, task: () => Promise<unknown>, onError: (error: unknown) => void): PeriodicTask {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(task).catch(onError);
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

/** The task of a server that does not run it here (not configured, or not this database). */
export const NEVER: PeriodicTask = { stop: async () => {} };
