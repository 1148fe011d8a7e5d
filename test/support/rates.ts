/**
 * Rates measured from accept times (ms, sorted ascending), as a carrier would see them: shared
 * by test/pacing.test.ts and bench/pacing.ts. Plain functions, nothing from vitest.
 */

/** Messages per second between the first and the last accept. */
export function achievedRate(times: number[]): number {
  return (times.length - 1) / ((times[times.length - 1] - times[0]) / 1000);
}

/** The most accepts within any one second. */
export function busiestSecond(times: number[]): number {
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[j] <= times[i] - 1000) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}
