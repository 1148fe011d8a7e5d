/**
 * The upgrade that moved provider credentials from one column per provider on Assistant to
 * ProviderCredential rows: an assistant configured before it keeps its credentials, on
 * SQLite and on PostgreSQL. The database is migrated to just before that migration, given
 * rows of the old shape, then the server starts on it (which applies the rest).
 */
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encodeGlobalID } from '@pothos/plugin-relay';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { migrate } from '../src/db/migrate';
import { SecretBox } from '../src/security/secrets';
import { graphql } from './gql';
import { graphqlClient, ok } from './support/client';
import { createTestDatabase, eventually, startServer, usesServices, type TestDatabase, type TestServer } from './support/server';

const UPGRADE = '20261206143347_provider_credentials';
const dialect = usesServices ? 'postgresql' : 'sqlite';

const AssistantProviders = graphql(`
  query AssistantProviders($id: ID!) {
    assistant(id: $id) { id configuredProviders }
  }
`);
const SendFromOldAssistant = graphql(`
  mutation SendFromOldAssistant($input: SendSmsInput!) {
    sendSms(input: $input) {
      ... on SendMessagePayload { outboundMessage { id } }
      ... on Error { code message }
    }
  }
`);
const OldAssistantMessage = graphql(`
  query OldAssistantMessage($id: ID!) {
    message(id: $id) { status }
  }
`);

let database: TestDatabase | undefined;
let server: TestServer | undefined;
let folder: string | undefined;
afterAll(async () => {
  await server?.stop();
  await database?.drop();
  if (folder) rmSync(folder, { recursive: true, force: true });
});

/** Runs statements written with `?` placeholders on either database. */
async function execute(url: string, statements: Array<[string, unknown[]]>) {
  if (dialect === 'sqlite') {
    const db = new Database(url.slice('file:'.length));
    for (const [sql, params] of statements) db.prepare(sql).run(...params);
    db.close();
    return;
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  for (const [sql, params] of statements) {
    let n = 0;
    await client.query(sql.replace(/\?/g, () => `$${++n}`), params);
  }
  await client.end();
}

it('an assistant configured before the upgrade keeps its credentials: it lists its providers and still sends', async () => {
  database = await createTestDatabase();
  const all = path.resolve('prisma', dialect, 'migrations');
  folder = mkdtempSync(path.join(tmpdir(), 'switchboard-upgrade-'));
  for (const name of readdirSync(all).filter((n) => n < UPGRADE && !n.endsWith('.prisma'))) cpSync(path.join(all, name), path.join(folder, name), { recursive: true });
  await migrate(database.url, dialect, folder);

  const secretsKey = randomBytes(32).toString('hex');
  const secrets = new SecretBox(secretsKey);
  const apiKey = `sk_upgrade_${randomBytes(8).toString('hex')}`;
  const twilio = { accountSid: 'ACupgrade0000000000000000000000001', authToken: 'upgrade-twilio-token' };
  const vonage = { apiKey: 'upgradekey', apiSecret: 'upgrade-vonage-secret', signatureSecret: 'upgrade-vonage-signature-secret' };
  const now = new Date();
  const at = dialect === 'sqlite' ? now.getTime() : now;
  await execute(database.url, [
    [`INSERT INTO "Organization" ("id", "name") VALUES (?, ?)`, ['org_old', 'Before the upgrade']],
    [`INSERT INTO "ApiKey" ("id", "organizationId", "name", "keyHash", "prefix") VALUES (?, ?, ?, ?, ?)`, ['key_old', 'org_old', 'old', createHash('sha256').update(apiKey).digest('hex'), apiKey.slice(0, 12)]],
    [
      `INSERT INTO "Assistant" ("id", "organizationId", "name", "webhookSecretSealed", "twilioConfigSealed", "vonageConfigSealed", "updatedAt") VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ['asst_old', 'org_old', 'Front desk', secrets.seal('whsec_old'), secrets.sealJson(twilio), secrets.sealJson(vonage), at],
    ],
    [`INSERT INTO "Assistant" ("id", "organizationId", "name", "webhookSecretSealed", "updatedAt") VALUES (?, ?, ?, ?, ?)`, ['asst_bare', 'org_old', 'Bare', secrets.seal('whsec_bare'), at]],
    [`INSERT INTO "PhoneNumber" ("id", "organizationId", "assistantId", "phoneNumber", "provider") VALUES (?, ?, ?, ?, ?)`, ['num_old', 'org_old', 'asst_old', '+14155552671', 'TWILIO']],
  ]);

  server = await startServer({ database, env: { SECRETS_KEY: secretsKey } });
  const request = graphqlClient(server.url, apiKey);
  const globalId = (id: string) => encodeGlobalID('Assistant', id);
  expect((await ok(request(AssistantProviders, { id: globalId('asst_old') }))).assistant?.configuredProviders).toEqual(['TWILIO', 'VONAGE']);
  expect((await ok(request(AssistantProviders, { id: globalId('asst_bare') }))).assistant?.configuredProviders).toEqual([]);

  const sent = (await ok(request(SendFromOldAssistant, { input: { fromPhoneNumber: '+14155552671', toPhoneNumber: '+14155552680', message: 'Still here' } }))).sendSms;
  if (!('outboundMessage' in sent)) throw new Error(`sendSms: ${JSON.stringify(sent)}`);
  const status = await eventually(async () => {
    const { message } = await ok(request(OldAssistantMessage, { id: sent.outboundMessage.id }));
    return message && ['SENT', 'FAILED'].includes(message.status) ? message.status : null;
  });
  expect(status).toBe('SENT');
  const [received] = server.fake.sentTo('+14155552680');
  expect(received.auth).toEqual({ scheme: 'basic', username: twilio.accountSid, password: twilio.authToken });
});
