/**
 * Helpers for the send-queue suites (pacing, queue race): sending through any instance,
 * setting a sender's rate, running many sends at once, reading what the fake provider got,
 * and starting several instances on one database.
 */
import { expect } from 'vitest';
import type { RecordedRequest } from '../fakes/provider-server';
import { graphql } from '../gql';
import { graphqlClient, ok, type Request } from './client';
import { SharedUpdatePhoneNumber } from './documents';
import { createOrganizationFixture, type OrganizationFixture } from './fixtures';
import { startServer, type TestServer } from './server';

export type SenderKey = keyof OrganizationFixture['numbers'];

/** The text of a provider request: Twilio's Body, Telnyx's and Vonage's text. */
export const bodyOf = (r: RecordedRequest) => String(r.body.Body ?? r.body.text ?? '');

/** Runs `tasks` with `concurrency` in flight; resolves with their results, in order. */
export async function inParallel<T>(tasks: (() => Promise<T>)[], concurrency: number): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await tasks[i]();
      }
    }),
  );
  return results;
}

export const SharedQueueSend = graphql(`
  mutation SharedQueueSend($input: SendSmsInput!) {
    sendSms(input: $input) {
      __typename
      ... on SendMessagePayload { outboundMessage { id status sendAt } }
      ... on Error { code message }
    }
  }
`);

/** Sets the rate of the fixture's number at `key`, and checks it took. */
export async function setRate(org: OrganizationFixture, key: SenderKey, messagesPerSecond: number) {
  const result = (await ok(org.request(SharedUpdatePhoneNumber, { input: { id: org.numbers[key].id, messagesPerSecond } }))).updatePhoneNumber;
  expect(result).toMatchObject({ __typename: 'UpdatePhoneNumberPayload', phoneNumber: { messagesPerSecond } });
}

/** Sends an SMS through `request` (at `sendAt` when given); throws if it is refused. */
export async function send(request: Request, from: string, to: string, message: string, sendAt?: string) {
  const result = (await ok(request(SharedQueueSend, { input: { fromPhoneNumber: from, toPhoneNumber: to, message, ...(sendAt && { sendAt }) } }))).sendSms;
  if (result.__typename !== 'SendMessagePayload') throw new Error(`sendSms refused: ${JSON.stringify(result)}`);
  return result.outboundMessage;
}

/**
 * `count` instances on one database and secrets key, and an organization on them with a
 * client for each instance. `shareFake`: all talk to the first's fake providers; otherwise
 * each to a fake of its own (the fakes then tell which instance dispatched what).
 */
export async function startInstances(count: number, options: { shareFake: boolean }) {
  const first = await startServer();
  const servers = [first];
  try {
    for (let i = 1; i < count; i++) {
      servers.push(await startServer({ database: first.database, ...(options.shareFake && { fake: first.fake }), env: { SECRETS_KEY: first.env.SECRETS_KEY } }));
    }
    const org = await createOrganizationFixture(first);
    const requests = servers.map((s) => graphqlClient(s.url, org.apiKey));
    return { servers, org, requests };
  } catch (error) {
    await stopInstances(servers);
    throw error;
  }
}

/** Stops instances started by `startInstances`, the first (which owns the database) last. */
export async function stopInstances(servers: TestServer[]) {
  for (const server of servers.slice(1)) await server.stop();
  await servers[0]?.stop();
}
