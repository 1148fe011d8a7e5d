/**
 * npm run bench [-- send|…]: benchmarks, outside the test suite. Each prints its figures from
 * one run on this machine.
 */
import { table } from './lib';
import { benchSend, printSend } from './send';

const which = process.argv[2] ?? 'send';

if (which === 'send' || which === 'all') {
  console.log(`\nsend: ${process.env.BENCH_SENDS ?? 20000} sendSms over HTTP, concurrency 64, fake provider answering at once`);
  table(printSend([await benchSend()]));
}
