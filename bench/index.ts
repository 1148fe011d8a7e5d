/**
 * npm run bench [-- send|inbound|status|fanout|pacing|logs|export]: benchmarks, outside the test suite;
 * without an argument, all of them. Each prints a one-line header naming what it measures, then
 * one table of figures from one run on this machine.
 * send, inbound, status and fanout run on the embedded default (SQLite, one instance) and on PostgreSQL +
 * Redis with two instances (BENCH_POSTGRES_URL, BENCH_REDIS_URL; BENCH_SERVICES=0 skips those runs).
 */
import { table } from './lib';
import { benchSend, printSend } from './send';
import { benchInbound, printInbound } from './inbound';
import { benchStatus, printStatus } from './status';
import { benchLogs, printLogs } from './logs';
import { benchFanout, createBenchPostgres, printFanout } from './fanout';
import { benchPacing, printPacing } from './pacing';
import { benchExport } from './export';

const which = process.argv[2] ?? 'all';
const withServices = process.env.BENCH_SERVICES !== '0';
const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Runs `run` on a fresh PostgreSQL database, dropped afterwards. */
async function onPostgres<T>(run: (databaseUrl: string) => Promise<T>): Promise<T> {
  const database = await createBenchPostgres();
  try {
    return await run(database.url);
  } finally {
    await database.drop();
  }
}

if (which === 'send' || which === 'all') {
  console.log(
    `\nsend: accepted/s of ${Number(process.env.BENCH_SENDS ?? 20000).toLocaleString('en')} sendSms over HTTP at concurrency 64 (fake provider answering at once) vs a bare node:http + driver INSERT handler; ` +
      `then dispatch/s of ${Number(process.env.BENCH_DISPATCH ?? 5000).toLocaleString('en')} queued messages from one sender at 1,000/s, counted at the fake provider`,
  );
  const rows = [await benchSend()];
  if (withServices) {
    rows.push(await onPostgres((url) => benchSend({ databaseUrl: () => url, redisUrl, instances: 2, label: 'PostgreSQL + Redis, 2 instances' })));
  }
  table(printSend(rows));
}

if (which === 'inbound' || which === 'all') {
  const rate = Number(process.env.BENCH_INBOUND_RATE ?? 1000);
  const seconds = Number(process.env.BENCH_INBOUND_SECONDS ?? 15);
  console.log(
    `\ninbound: signed Twilio inbound webhooks from 2,000 customers, open loop at ${rate.toLocaleString('en')}/s for ${seconds} s (1% re-posted as provider retries): ` +
      `answered/s, p50/p99 from POST to answer, errors, stored-once fraction in the database; vs a bare node:http + driver INSERT handler at the same schedule; then max/s closed loop at concurrency 64`,
  );
  const rows = [await benchInbound()];
  if (withServices) {
    rows.push(await onPostgres((url) => benchInbound({ databaseUrl: () => url, redisUrl, instances: 2, label: 'PostgreSQL + Redis, 2 instances' })));
  }
  table(printInbound(rows));
}

if (which === 'status' || which === 'all') {
  console.log(
    `\nstatus: signed Twilio delivery-status callbacks (MessageStatus=delivered) for ${Number(process.env.BENCH_STATUS_MESSAGES ?? 5000).toLocaleString('en')} SENT messages, closed loop at concurrency 64 (1% re-posted as provider retries): ` +
      `answered/s, p50/p99, errors, DELIVERED-exactly-once fraction of the timelines in the database; vs a bare node:http + driver UPDATE and timeline INSERT handler`,
  );
  const rows = [await benchStatus()];
  if (withServices) {
    rows.push(await onPostgres((url) => benchStatus({ databaseUrl: () => url, redisUrl, instances: 2, label: 'PostgreSQL + Redis, 2 instances' })));
  }
  table(printStatus(rows));
}

if (which === 'fanout' || which === 'all') {
  console.log('\nfanout: graphql-ws subscribers (real sockets, in client processes) and signed Twilio webhooks; latency from webhook POST to receipt');
  const rows = [await benchFanout()];
  if (withServices) {
    rows.push(await onPostgres((url) => benchFanout({ databaseUrl: url, redisUrl, instances: 2, label: 'PostgreSQL + Redis, 2 instances' })));
  }
  table(printFanout(rows));
}

if (which === 'pacing' || which === 'all') {
  console.log('\npacing: three senders at 1, 10 and 50 messages per second, fake provider answering at once; rates counted at the fake');
  table(printPacing([await benchPacing()]));
}

if (which === 'logs' || which === 'all') {
  console.log(`\nlogs: ${Number(process.env.BENCH_LOGS_MESSAGES ?? 1_000_000).toLocaleString('en')} messages, 3 organizations; GraphQL over HTTP in-process, one request at a time`);
  const started = performance.now();
  const { figures, seeding } = await benchLogs();
  table(printLogs(figures));
  console.log(`seeding: ${seeding.map((s) => `${s.database} ${s.seconds.toFixed(1)} s`).join(', ')}; whole bench ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

if (which === 'export' || which === 'all') {
  await benchExport();
}
