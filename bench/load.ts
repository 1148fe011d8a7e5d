/**
 * A load generator in its own process, so that the process measuring is not the one loading
 * (bench/send.ts and bench/inbound.ts fork it through `runLoad`). It receives every request
 * already built (bodies signed, headers set) and sends them with node:http over keep-alive
 * sockets (an Agent with up to 256 per host), either
 *
 *  - open loop: request i leaves at `at[i]` ms after the start whatever the answers take, and its
 *    latency runs from that scheduled time (queueing in the client and the server included); or
 *  - closed loop: `concurrency` requests in flight, each sent as soon as one is answered.
 *
 * Every request ends with a code: the HTTP status, 0 (connection error), -1 (no answer within
 * `timeoutMs`) or -2 (status 200 without `expect` in the body, e.g. a GraphQL error payload).
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import path from 'node:path';
import { percentile, type BenchServer } from './lib';

export interface LoadRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface LoadJob {
  requests: LoadRequest[];
  /** Open loop: send times in ms from the start, ascending, one per request. */
  at?: number[];
  /** Closed loop: requests in flight. */
  concurrency?: number;
  timeoutMs?: number;
  /** A string the body of a 200 answer must contain, else it counts as an error (-2). */
  expect?: string;
}

export interface LoadResult {
  /** Per request: HTTP status, 0 connection error, -1 timeout, -2 unexpected 200 body. */
  codes: number[];
  /** Per request: ms from its scheduled (open) or actual (closed) send to the end of its answer. */
  latencies: number[];
  /** From the first request sent to the last answered (or given up). */
  seconds: number;
  /** Open loop: the most the generator fell behind its schedule (ms). */
  maxLagMs: number;
  /** A few error answers or messages, to say what went wrong. */
  samples: string[];
}

/** Runs `job` in a new load-generator process; resolves with its figures. */
export async function runLoad(job: LoadJob): Promise<LoadResult> {
  const child = fork(path.resolve('bench/load.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const reply = once(child, 'message');
    const exited = once(child, 'exit').then(([code]) => {
      throw new Error(`load generator exited ${code}`);
    });
    child.send(job);
    const [result] = (await Promise.race([reply, exited])) as [LoadResult];
    return result;
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

async function generate(job: LoadJob): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 256 });
  const n = job.requests.length;
  const timeoutMs = job.timeoutMs ?? 30_000;
  const codes = new Array<number>(n).fill(-1);
  const latencies = new Array<number>(n).fill(NaN);
  const samples: string[] = [];
  const sample = (s: string) => {
    if (samples.length < 5) samples.push(s.slice(0, 300));
  };
  // Everything that can be done before the clock starts is done here.
  const prepared = job.requests.map((r) => {
    const url = new URL(r.url);
    const body = Buffer.from(r.body);
    return {
      options: {
        agent,
        host: url.hostname,
        port: Number(url.port),
        path: url.pathname + url.search,
        method: 'POST',
        headers: { ...r.headers, 'content-length': String(body.length) },
      } satisfies http.RequestOptions,
      body,
    };
  });

  let lastEnd = 0;
  const send = (i: number, t0: number) =>
    new Promise<void>((resolve) => {
      let done = false;
      const finish = (code: number) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        codes[i] = code;
        const now = performance.now();
        latencies[i] = now - t0;
        lastEnd = Math.max(lastEnd, now);
        resolve();
      };
      const req = http.request(prepared[i].options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString('utf8');
          if (status !== 200) sample(`HTTP ${status}: ${text}`);
          else if (job.expect && !text.includes(job.expect)) sample(`HTTP 200 without ${job.expect}: ${text}`);
          finish(status === 200 && job.expect && !text.includes(job.expect) ? -2 : status);
        });
        res.on('error', (e) => {
          sample(String(e));
          finish(0);
        });
      });
      const timer = setTimeout(() => {
        sample(`no answer within ${timeoutMs} ms`);
        finish(-1);
        req.destroy();
      }, Math.max(1, t0 + timeoutMs - performance.now()));
      req.on('error', (e) => {
        if (!done) sample(String(e));
        finish(0);
      });
      req.end(prepared[i].body);
    });

  const pending: Promise<void>[] = [];
  let maxLagMs = 0;
  const start = performance.now();
  if (job.at) {
    const at = job.at;
    let i = 0;
    while (i < n) {
      const now = performance.now() - start;
      while (i < n && at[i] <= now) {
        maxLagMs = Math.max(maxLagMs, now - at[i]);
        pending.push(send(i, start + at[i]));
        i++;
      }
      if (i < n) await new Promise((r) => setTimeout(r, Math.max(0, at[i] - (performance.now() - start) - 1)));
    }
  } else {
    let next = 0;
    const loop = async () => {
      while (next < n) {
        const i = next++;
        await send(i, performance.now());
      }
    };
    pending.push(...Array.from({ length: Math.min(job.concurrency ?? 64, n) }, loop));
  }
  await Promise.all(pending);
  agent.destroy();
  return { codes, latencies, seconds: (lastEnd - start) / 1000, maxLagMs, samples };
}

if (process.send && process.argv[1] && path.resolve(process.argv[1]) === path.resolve('bench/load.ts')) {
  process.once('message', (job: LoadJob) => {
    generate(job).then(
      (result) => process.send!(result, () => process.exit(0)),
      (error) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}

/** accepted/s (answers with code 200 ÷ `seconds`), p50/p99 over every request, errors by kind. */
export function summarize(result: LoadResult, only?: (i: number) => boolean) {
  const pick = (i: number) => !only || only(i);
  const idx = result.codes.map((_, i) => i).filter(pick);
  const ok = idx.filter((i) => result.codes[i] === 200).length;
  const kinds = new Map<string, number>();
  for (const i of idx) {
    const c = result.codes[i];
    if (c === 200) continue;
    const kind = c === -1 ? 'timeout' : c === 0 ? 'conn' : c === -2 ? 'body' : String(c);
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  return {
    requests: idx.length,
    ok,
    perSecond: ok / result.seconds,
    p50: percentile(idx.map((i) => result.latencies[i]), 50),
    p99: percentile(idx.map((i) => result.latencies[i]), 99),
    errors: idx.length - ok,
    errorKinds: [...kinds].map(([k, n]) => `${n} ${k}`).join(', '),
  };
}

/**
 * The warm-up (JIT, caches, connections; its errors printed), half a second's rest, then the
 * timed run through `send`: its result and summary. Prints the timed run's errors (`what`
 * names the requests) and the servers' error log lines so far.
 */
export async function warmedRun(send: (requests: 'warmup' | 'timed') => Promise<LoadResult>, servers: BenchServer[], what: string) {
  const warm = summarize(await send('warmup'));
  if (warm.errors > 0) console.log(`  warm-up: ${warm.errors} errors (${warm.errorKinds})`);
  await new Promise((r) => setTimeout(r, 500));
  const run = await send('timed');
  const figures = summarize(run);
  if (figures.errors > 0) console.log(`  ${what} errors: ${figures.errorKinds}; e.g. ${run.samples.slice(0, 2).join(' | ')}`);
  const serverErrors = servers.flatMap((s) => s.output ?? []).filter((l) => /"level":(50|60)/.test(l));
  if (serverErrors.length > 0) console.log(`  server error log lines: ${serverErrors.length}; e.g. ${serverErrors.slice(0, 2).map((l) => l.slice(0, 600)).join('\n    ')}`);
  return { run, figures };
}
