import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganizationFixture, type OrganizationFixture } from './support/fixtures';
import { eventually, startServer, type TestServer } from './support/server';

let server: TestServer;
let org: OrganizationFixture;

beforeAll(async () => {
  server = await startServer();
  org = await createOrganizationFixture(server);
});
afterAll(() => server?.stop());

async function scrape(token?: string) {
  const response = await fetch(`${server.url}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}

function sample(text: string, name: string, labels: Record<string, string>): number | null {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (wanted.every((w) => line.includes(w))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return null;
}

async function restSend(to: string) {
  const response = await fetch(`${server.url}/sms/send`, {
    method: 'POST',
    headers: { authorization: `Bearer ${org.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ from_phone_number: org.numbers.twilio.phoneNumber, to_phone_number: to, message: 'metrics' }),
  });
  expect(response.status).toBe(200);
}

describe('GET /metrics', () => {
  it('counts accepted, sent and failed messages, provider errors and dispatch latency in Prometheus format', async () => {
    server.fake.failFor('+14155552699', { kind: 'invalid-number' });
    await restSend('+14155552698');
    await restSend('+14155552699');
    const metrics = await eventually(async () => {
      const { text } = await scrape();
      const sent = sample(text, 'switchboard_message_status_changes_total', { status: 'SENT', provider: 'TWILIO' });
      const failed = sample(text, 'switchboard_message_status_changes_total', { status: 'FAILED', provider: 'TWILIO' });
      return sent === 1 && failed === 1 ? text : null;
    });
    const { type } = await scrape();
    expect(type).toContain('text/plain');
    expect(sample(metrics, 'switchboard_messages_accepted_total', { provider: 'TWILIO' })).toBe(2);
    expect(sample(metrics, 'switchboard_provider_errors_total', { provider: 'TWILIO', code: '21211', retryable: 'false' })).toBe(1);
    expect(sample(metrics, 'switchboard_dispatch_duration_seconds_count', { provider: 'TWILIO', outcome: 'sent' })).toBe(1);
    expect(sample(metrics, 'switchboard_queue_depth', {})).toBeNull(); // nothing waiting: no series
    expect(metrics).toContain('switchboard_subscriptions_active 0');
    expect(metrics).toContain('switchboard_process_resident_memory_bytes');
  });

  it('shows queue depth while messages wait', async () => {
    server.fake.setOutage(true);
    try {
      await restSend('+14155552697');
      const text = await eventually(async () => {
        const { text } = await scrape();
        const waiting = (sample(text, 'switchboard_queue_depth', { status: 'QUEUED' }) ?? 0) + (sample(text, 'switchboard_queue_depth', { status: 'SENDING' }) ?? 0);
        return waiting >= 1 ? text : null;
      });
      expect(text).toContain('switchboard_queue_depth');
    } finally {
      server.fake.setOutage(false);
    }
  });
});
