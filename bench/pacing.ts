/**
 * pacing: three senders configured at 1, 10 and 50 messages per second (messagesPerSecond on
 * each number), enough messages queued to keep each busy for the whole run (30 s,
 * BENCH_PACING_SECONDS), the fake provider answering at once. The achieved rate per sender is
 * counted at the fake, from the times it accepted each sender's messages: accepts within
 * [first accept, first accept + 30 s) ÷ 30, and the busiest single second.
 * Server (src/main.ts) and fake provider (test/fakes/provider-server.ts) are child processes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { busiestSecond } from '../test/support/rates';
import { addTwilioNumber, createBenchOrganization, createTwilioAssistant, fmt, gql, runConcurrent, startProcess, startServers, stopProcess, type BenchServer } from './lib';

const SECONDS = Number(process.env.BENCH_PACING_SECONDS ?? 30);
const RATES = [1, 10, 50];

export interface PacingFigures {
  label: string;
  senders: { configured: number; achieved: number; busiestSecond: number; accepted: number }[];
}

export async function benchPacing(options: { databaseUrl?: string; redisUrl?: string; instances?: number; label?: string } = {}): Promise<PacingFigures> {
  const dir = mkdtempSync(path.join(tmpdir(), 'switchboard-pacing-'));
  const fake = await startProcess('test/fakes/provider-server.ts', {}, /baseUrls/);
  const { baseUrls, controlUrl } = JSON.parse(fake.line) as { baseUrls: { twilio: string }; controlUrl?: string };
  const control = controlUrl ?? `${baseUrls.twilio}/__fake`;
  const servers: BenchServer[] = [];
  try {
    await startServers(servers, { instances: options.instances, dir, databaseUrl: options.databaseUrl, redisUrl: options.redisUrl, env: () => ({ TWILIO_API_BASE_URL: baseUrls.twilio }) });
    const url = servers[0].url;
    const { apiKey: key } = await createBenchOrganization(url, 'Pacing');
    const assistantId = await createTwilioAssistant(url, key, 'Pacing');
    const numbers = RATES.map((_, i) => `+1415555${2671 + i}`);
    for (const [i, rate] of RATES.entries()) await addTwilioNumber(url, key, { phoneNumber: numbers[i], assistantId, messagesPerSecond: rate });

    // A little more than each sender can send in the run, interleaved across senders and instances.
    const jobs = RATES.flatMap((rate, s) => Array.from({ length: Math.ceil(rate * SECONDS * 1.1) + 2 }, (_, i) => ({ s, i })));
    jobs.sort((a, b) => a.i / RATES[a.s] - b.i / RATES[b.s]);
    const sendQuery = `mutation($input: SendSmsInput!) { sendSms(input: $input) { __typename ... on Error { code message } } }`;
    await runConcurrent(jobs.length, 16, async (n) => {
      const { s, i } = jobs[n];
      const { sendSms } = await gql(servers[n % servers.length].url, key, sendQuery, {
        input: { fromPhoneNumber: numbers[s], toPhoneNumber: `+1415555${String(3000 + (i % 5000)).padStart(4, '0')}`, message: `pacing ${s} ${i}` },
      });
      if (sendSms.__typename !== 'SendMessagePayload') throw new Error(JSON.stringify(sendSms));
    });

    // Until the slowest sender's window has closed.
    const accepts = async () => {
      const { requests } = (await (await fetch(`${control}/requests`)).json()) as {
        requests: { body: Record<string, string>; receivedAt: number; outcome: { providerMessageId?: string } }[];
      };
      return RATES.map((_, s) =>
        requests
          .filter((r) => r.outcome.providerMessageId && r.body.From === numbers[s])
          .map((r) => r.receivedAt)
          .sort((a, b) => a - b),
      );
    };
    for (;;) {
      const times = await accepts();
      if (times.every((t) => t.length > 0 && Date.now() > t[0] + SECONDS * 1000 + 500)) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const times = await accepts();
    return {
      label: options.label ?? 'SQLite, 1 instance',
      senders: RATES.map((configured, s) => {
        const inWindow = times[s].filter((t) => t < times[s][0] + SECONDS * 1000);
        return { configured, achieved: inWindow.length / SECONDS, busiestSecond: busiestSecond(inWindow), accepted: inWindow.length };
      }),
    };
  } finally {
    await Promise.all(servers.map((s) => stopProcess(s.child)));
    fake.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

export function printPacing(rows: PacingFigures[]) {
  return rows.flatMap((r) =>
    r.senders.map((s) => ({
      run: r.label,
      'configured /s': s.configured,
      [`accepted in ${SECONDS} s`]: s.accepted,
      'achieved /s': fmt(s.achieved, 2),
      'error': `${fmt(((s.achieved - s.configured) / s.configured) * 100, 1)}%`,
      'busiest second': s.busiestSecond,
    })),
  );
}
