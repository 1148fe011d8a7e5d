/**
 * `search` in the delivery log and its stats — the text, in any case, in the
 * body or either number — answered through the text index (SQLite: trigram FTS5 kept by
 * triggers; PostgreSQL: pg_trgm) for rare text and by walking the newest-first index for common
 * text (many of the newest messages, or more than 1,000 matches). Rare text is paged by id when
 * it is in few messages and through the index itself when in more (PostgreSQL). All paths must
 * give the same answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeGlobalID } from '@pothos/plugin-relay';
import { graphql } from './gql';
import { ok } from './support/client';
import { createOrganizationFixture, type OrganizationFixture } from './support/fixtures';
import { startServer, type TestServer } from './support/server';

const SearchMessages = graphql(`
  query SearchMessages($search: String!, $first: Int, $after: String) {
    messages(filter: { search: $search }, first: $first, after: $after) {
      edges { node { id body to createdAt } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

const SearchStats = graphql(`
  query SearchStats($search: String!) {
    messageStats(filter: { search: $search }) { total }
  }
`);

let server: TestServer;
let org: OrganizationFixture;
let other: OrganizationFixture;
const REGULAR = '+14155559900';
const TABLE_GUEST = '+14155559911';
const COMMON = 1200; // more than the 1,000 matches looked up through the index
const RARE = 150; // rare among the newest messages, more than the 100 paged by id (PostgreSQL)
const FORMER = 1050; // none among the newest messages, but more than 1,000 older ones
const T0 = Date.UTC(2026, 0, 1);

async function insert(who: OrganizationFixture, rows: { body: string; to?: string; at: number }[]) {
  const number = who.numbers.twilio;
  await server.app.services.db.message.createMany({
    data: rows.map((row) => ({
      organizationId: decodeGlobalID(who.organizationId).id,
      assistantId: decodeGlobalID(who.assistantId).id,
      phoneNumberId: decodeGlobalID(number.id).id,
      direction: 'OUTBOUND' as const,
      from: number.phoneNumber,
      to: row.to ?? REGULAR,
      body: row.body,
      provider: 'TWILIO' as const,
      status: 'DELIVERED' as const,
      segments: 1,
      encoding: 'GSM7' as const,
      createdAt: new Date(row.at),
    })),
  });
}

const bodies = async (search: string, who = org) =>
  (await ok(who.request(SearchMessages, { search, first: 50 }))).messages.edges.map((e) => e.node.body);

beforeAll(async () => {
  server = await startServer();
  org = await createOrganizationFixture(server);
  other = await createOrganizationFixture(server, { name: 'Other', numberOffset: 1 });
  await insert(
    org,
    Array.from({ length: COMMON }, (_, i) => ({ body: `Your appointment #${i} is confirmed`, at: T0 + i * 60_000 })),
  );
  await insert(org, [
    { body: 'Table for two at Cafe Luna', to: TABLE_GUEST, at: T0 - 3_600_000 },
    { body: 'He said "hi" at 100% volume', at: T0 - 7_200_000 },
    { body: 'Order 1000 widgets', at: T0 - 10_800_000 },
    { body: 'ok', at: T0 - 14_400_000 },
  ]);
  await insert(
    org,
    Array.from({ length: RARE }, (_, i) => ({ body: `Your voucher #${i} is ready`, at: T0 - 86_400_000 + i * 60_000 })),
  );
  await insert(
    org,
    Array.from({ length: FORMER }, (_, i) => ({ body: `Invoice #${i} attached`, at: T0 - 3 * 86_400_000 + i * 60_000 })),
  );
  await insert(other, [
    { body: 'Table for six', to: TABLE_GUEST, at: T0 },
    { body: 'A voucher for the other organization', at: T0 + COMMON * 60_000 },
  ]);
});
afterAll(() => server?.stop());

describe('search', () => {
  it('finds rare text in any case, only in the caller’s organization', async () => {
    expect(await bodies('TABLE')).toEqual(['Table for two at Cafe Luna']);
    expect(await bodies('cafe luna')).toEqual(['Table for two at Cafe Luna']);
    expect(await bodies('table', other)).toEqual(['Table for six']);
    expect(await bodies('no such words anywhere')).toEqual([]);
  });

  it('takes the text literally: quotes, % and _ are characters like any other', async () => {
    expect(await bodies('said "HI"')).toEqual(['He said "hi" at 100% volume']);
    expect(await bodies('100%')).toEqual(['He said "hi" at 100% volume']);
    expect(await bodies('1_0')).toEqual([]);
    expect(await bodies('%')).toEqual(['He said "hi" at 100% volume']);
    expect(await bodies('_')).toEqual([]);
  });

  it('finds text shorter than the index’s three characters', async () => {
    expect(await bodies('OK')).toEqual(['ok']);
  });

  it('searches either number', async () => {
    expect(await bodies('5559911')).toEqual(['Table for two at Cafe Luna']);
  });

  it('pages common text newest first, every match once', async () => {
    const seen: string[] = [];
    let after: string | null | undefined;
    for (;;) {
      const { messages } = await ok(org.request(SearchMessages, { search: 'APPOINTMENT', first: 100, after }));
      seen.push(...messages.edges.map((e) => e.node.body));
      if (!messages.pageInfo.hasNextPage) break;
      after = messages.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(COMMON);
    expect(seen[0]).toBe(`Your appointment #${COMMON - 1} is confirmed`);
    expect(seen.at(-1)).toBe('Your appointment #0 is confirmed');
    expect(new Set(seen).size).toBe(COMMON);
  });

  async function pageAll(search: string, first: number) {
    const seen: string[] = [];
    let after: string | null | undefined;
    for (;;) {
      const { messages } = await ok(org.request(SearchMessages, { search, first, after }));
      seen.push(...messages.edges.map((e) => e.node.body));
      if (!messages.pageInfo.hasNextPage) return seen;
      after = messages.pageInfo.endCursor;
    }
  }

  it('pages rare text newest first, every match once, only the caller’s', async () => {
    const seen = await pageAll('VOUCHER', 40);
    expect(seen).toEqual(Array.from({ length: RARE }, (_, i) => `Your voucher #${RARE - 1 - i} is ready`));
    expect(await bodies('voucher #7 IS')).toEqual(['Your voucher #7 is ready']);
    expect(await bodies('voucher', other)).toEqual(['A voucher for the other organization']);
  });

  it('pages text that is rare lately but was common, newest first, every match once', async () => {
    const seen = await pageAll('invoice', 100);
    expect(seen).toHaveLength(FORMER);
    expect(seen[0]).toBe(`Invoice #${FORMER - 1} attached`);
    expect(seen.at(-1)).toBe('Invoice #0 attached');
    expect(new Set(seen).size).toBe(FORMER);
  });

  it('counts the same matches in messageStats', async () => {
    const total = async (search: string) => (await ok(org.request(SearchStats, { search }))).messageStats.total;
    expect(await total('appointment')).toBe(COMMON);
    expect(await total('Table')).toBe(1);
    expect(await total('ok')).toBe(1);
    expect(await total('Voucher')).toBe(RARE);
    expect(await total('INVOICE')).toBe(FORMER);
  });

  it('follows edits and erasure of the messages', async () => {
    const { db } = server.app.services;
    const organizationId = decodeGlobalID(org.organizationId).id;
    await db.message.updateMany({ where: { organizationId, body: 'Order 1000 widgets' }, data: { body: 'Order 1000 gadgets' } });
    expect(await bodies('widgets')).toEqual([]);
    expect(await bodies('GADGETS')).toEqual(['Order 1000 gadgets']);
    await db.message.deleteMany({ where: { organizationId, body: 'Order 1000 gadgets' } });
    expect(await bodies('gadgets')).toEqual([]);
    // A search planned a moment ago still reads the messages afresh.
    expect((await bodies('VOUCHER'))[0]).toBe(`Your voucher #${RARE - 1} is ready`);
    await insert(org, [{ body: 'A fresh voucher', at: T0 + 2 * COMMON * 60_000 }]);
    expect((await bodies('VOUCHER')).slice(0, 2)).toEqual(['A fresh voucher', `Your voucher #${RARE - 1} is ready`]);
  });
});
