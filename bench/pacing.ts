/**
 * pacing: three senders configured at 1, 10 and 50 messages per second (messagesPerSecond on
 * each number), enough messages queued to keep each busy for the whole run (30 s,
 * BENCH_PACING_SECONDS), the fake provider answering at once. The achieved rate per sender is
 * counted at the fake, from the times it accepted each sender's messages: accepts within
 * [first accept, first accept + 30 s) ÷ 30, and the busiest single second.
 * Server (src/main.ts) and fake provider (test/fakes/provider-server.ts) are child processes.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fmt, freePort, runConcurrent, startProcess, stopProcess } from './lib';

const SECONDS = Number(process.env.BENCH_PACING_SECONDS ?? 30);
const RATES = [1, 10, 50];
const ADMIN = 'bench-admin';

export interface PacingFigures {
  label: string;
  senders: { configured: number; achieved: number; busiestSecond: number; accepted: number }[];
}

async function gql(url: string, key: string, query: string, variables: Record<string, unknown> = {}) {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: any; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

export async function benchPacing(options: { databaseUrl?: string; redisUrl?: string; instances?: number; label?: string } = {}): Promise<PacingFigures> {
  const dir = mkdtempSync(path.join(tmpdir(), 'switchboard-pacing-'));
  const fake = await startProcess('test/fakes/provider-server.ts', {}, /baseUrls/);
  const { baseUrls, controlUrl } = JSON.parse(fake.line) as { baseUrls: { twilio: string }; controlUrl?: string };
  const control = controlUrl ?? `${baseUrls.twilio}/__fake`;
  const secretsKey = randomBytes(32).toString('hex');
  const servers: { child: Awaited<ReturnType<typeof startProcess>>['child']; url: string }[] = [];
  try {
    for (let i = 0; i < (options.instances ?? 1); i++) {
      const port = await freePort();
      const { child } = await startProcess(
        'src/main.ts',
        {
          PORT: String(port),
          DATABASE_URL: options.databaseUrl ?? `file:${path.join(dir, 'switchboard.db')}`,
          ...(options.redisUrl && { REDIS_URL: options.redisUrl }),
          ADMIN_TOKEN: ADMIN,
          SECRETS_KEY: secretsKey,
          LOG_LEVEL: 'warn',
          TWILIO_API_BASE_URL: baseUrls.twilio,
          NODE_ENV: 'production',
        },
        /Switchboard is up/,
      );
      servers.push({ child, url: `http://127.0.0.1:${port}` });
    }
    const url = servers[0].url;
    const { createOrganization } = await gql(url, ADMIN, `mutation { createOrganization(input: { name: "Pacing" }) { ... on CreateOrganizationPayload { apiKey } } }`);
    const key: string = createOrganization.apiKey;
    const { createAssistant } = await gql(
      url,
      key,
      `mutation { createAssistant(input: { name: "Pacing", twilioConfig: { accountSid: "AC00000000000000000000000000000000", authToken: "bench-token" } }) { ... on CreateAssistantPayload { assistant { id } } } }`,
    );
    const numbers = RATES.map((_, i) => `+1415555${2671 + i}`);
    for (const [i, rate] of RATES.entries()) {
      const { addPhoneNumber } = await gql(
        url,
        key,
        `mutation($input: AddPhoneNumberInput!) { addPhoneNumber(input: $input) { __typename ... on Error { code message } } }`,
        { input: { phoneNumber: numbers[i], provider: 'TWILIO', assistantId: createAssistant.assistant.id, messagesPerSecond: rate } },
      );
      if (addPhoneNumber.__typename !== 'AddPhoneNumberPayload') throw new Error(JSON.stringify(addPhoneNumber));
    }

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

function busiestSecond(times: number[]): number {
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[j] <= times[i] - 1000) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
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
