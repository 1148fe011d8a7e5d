/**
 * The agent console (/console) in a real browser: Debian's headless Chromium driven by
 * playwright-core, against the real server and the fake Twilio. An agent signs in with an
 * agent key, sees the inbox, receives a customer's message posted to the provider webhook
 * without reloading, takes over, replies (the counter shows segments and encoding as they
 * type), and watches the reply turn Delivered, then a second one Failed with its reason, after
 * the provider's status callbacks. They attach media to a reply: a malformed address is caught
 * in the page, one the server refuses shows its typed error and sends nothing, an accepted one
 * reaches the provider as an MMS and shows its thumbnail. A dropped socket shows the reconnect
 * banner; what arrived meanwhile is loaded once it is back. A thread longer than a page loads its
 * earlier messages on request, in order and with its notes. It takes the screenshots README
 * shows (docs/, rewritten with UPDATE_SCREENSHOTS=1).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type Page, type WebSocketRoute } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from './gql';
import { ok } from './support/client';
import { createAgent, createKey } from './support/console';
import { createOrganizationFixture, type OrganizationFixture } from './support/fixtures';
import { closeRedis, messageDetails, post, sendAndWaitSent, signedInbound, signedStatus } from './support/inbound';
import { eventually, startServer, type TestServer } from './support/server';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** The README's screenshots are rewritten with UPDATE_SCREENSHOTS=1; other runs keep theirs under test/.tmp. */
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1' ? path.resolve('docs') : path.resolve('test/.tmp/screenshots');

const AssignConversation = graphql(`
  mutation ConsoleE2eAssign($input: AssignConversationInput!) {
    assignConversation(input: $input) {
      ... on AssignConversationPayload { conversation { id } }
      ... on Error { code message }
    }
  }
`);

const MarkRead = graphql(`
  mutation ConsoleE2eMarkRead($id: ID!) {
    markConversationRead(id: $id) {
      ... on MarkConversationReadPayload { conversation { id } }
      ... on Error { code message }
    }
  }
`);

const ConversationOf = graphql(`
  query ConsoleE2eConversationOf($customer: String!) {
    conversations(first: 1, filter: { customerPhoneNumber: $customer }) {
      edges { node { id unreadCount mode messages(last: 20) { totalCount edges { node { id body direction status } } } } }
    }
  }
`);

const WholeThread = graphql(`
  query ConsoleE2eWholeThread($id: ID!) {
    conversation(id: $id) { messages(first: 100) { edges { node { body } } } }
  }
`);

const TakeOver = graphql(`
  mutation ConsoleE2eTakeOver($input: TakeOverConversationInput!) { takeOverConversation(input: $input) { __typename } }
`);

const HandBack = graphql(`
  mutation ConsoleE2eHandBack($input: HandBackConversationInput!) { handBackConversation(input: $input) { __typename } }
`);

/** Two photos a customer might send: a jacket with a broken zipper, a parcel's shipping label. */
const PHOTOS = {
  jacket: `<div style="width:320px;height:240px;background:linear-gradient(135deg,#1e3a5f,#3b6e8f 45%,#c9a66b);position:relative">
    <div style="position:absolute;left:110px;top:40px;width:100px;height:160px;border-radius:18px 18px 8px 8px;background:#2d2d2d"></div>
    <div style="position:absolute;left:157px;top:40px;width:6px;height:160px;background:#b8b8b8"></div></div>`,
  label: `<div style="width:320px;height:240px;background:#b08d62;display:grid;place-items:center;font:12px monospace">
    <div style="width:250px;height:170px;background:#fff;padding:12px;box-sizing:border-box;line-height:1.5">
    <b style="font-size:15px">NORTHWIND OUTFITTERS</b><br>SHIP TO: MAYA LIN<br>88 QUEEN ST W, TORONTO ON<br>ORDER #4417 &middot; 2.1 KG
    <div style="margin-top:8px;height:36px;background:repeating-linear-gradient(90deg,#000 0 2px,#fff 2px 4px,#000 4px 7px,#fff 7px 9px)"></div></div></div>`,
  /** What the agent sends back: the carrier's tracking page. */
  tracking: `<div style="width:320px;height:240px;background:#f3f4f6;font:14px sans-serif;padding:18px;box-sizing:border-box">
    <div style="font-weight:700;color:#1e3a5f">Parcel #4417</div><div style="color:#6b7280;font-size:12px">Toronto ON → Vancouver BC</div>
    <div style="margin:16px 0 6px;height:8px;border-radius:4px;background:linear-gradient(90deg,#059669 75%,#d1d5db 75%)"></div>
    <div style="color:#059669;font-weight:600">Released by customs</div><div style="font-size:12px;color:#374151">Out for delivery tomorrow</div></div>`,
};
/** An https media host for the agent's attachments, answered inside the browser (the server and provider never fetch media). */
const HTTPS_MEDIA = 'https://media.northwind.example';

const CUSTOMERS = {
  maya: '+14155553101',
  jonah: '+14155553102',
  priya: '+14155553103',
  leo: '+14155553104',
  ana: '+14155553105',
  omar: '+14155553106',
};

describe.skipIf(!existsSync(CHROMIUM))(`agent console in headless Chromium (${CHROMIUM}; apt-get install chromium)`, { timeout: 90_000 }, () => {
  let server: TestServer;
  let org: OrganizationFixture;
  let agentKey: string;
  let browser: Browser;
  let page: Page;
  let media: Server;
  let photoUrl: string;
  let labelUrl: string;
  let mediaHost: string;
  const trackingPhotoPath = '/MM3/tracking.png';
  let from: string;
  /** The page's WebSocket, routed through Playwright so the test can drop it. */
  const sockets: { page: WebSocketRoute; server: WebSocketRoute }[] = [];
  let offline = false;
  const pageErrors: string[] = [];

  async function inbound(customer: string, body: string, mediaUrl?: string) {
    const webhook = signedInbound(server, org, 'twilio', { from: customer, body, media: mediaUrl ? [{ url: mediaUrl, contentType: 'image/png' }] : undefined });
    expect((await post(server, webhook.path, webhook.signed)).status).toBe(200);
    return eventually(async () => {
      const thread = await conversationOf(customer);
      return thread?.messages.edges.some((edge) => edge.node.body === body) ? thread : null;
    });
  }

  async function conversationOf(customer: string) {
    return (await ok(org.request(ConversationOf, { customer }))).conversations.edges[0]?.node ?? null;
  }

  /** The assistant's backend (a key with no agent) answers; the provider reports `status`. */
  async function assistantReply(customer: string, body: string, status: string, error?: { code: string; message: string }) {
    const sent = await sendAndWaitSent(org, from, customer, body);
    const webhook = signedStatus(server, org, 'twilio', { providerMessageId: sent.providerMessageId, from, to: customer, status, errorCode: error?.code, errorMessage: error?.message });
    expect((await post(server, webhook.path, webhook.signed)).status).toBeLessThan(300);
    await eventually(async () => (await messageDetails(org, sent.id)).status !== 'SENT');
  }

  beforeAll(async () => {
    // The page under test is the console as the sources are now, bundled as `npm start` bundles it.
    execFileSync(process.execPath, [path.resolve('node_modules/tsx/dist/cli.mjs'), 'scripts/build-console.ts', '--quiet'], { stdio: 'inherit' });
    server = await startServer();
    org = await createOrganizationFixture(server, { name: 'Northwind Outfitters' });
    from = org.numbers.twilio.phoneNumber;
    const dana = await createAgent(org, 'Dana Reyes');
    const sam = await createAgent(org, 'Sam Okafor');
    agentKey = (await createKey(server, org, 'Dana (console)', ['AGENT'], dana.id)).apiKey;

    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    // Customers' photos for the MMS thumbnails, drawn by the browser and served from a local "media host".
    const photos = new Map<string, Buffer>();
    const drawing = await browser.newPage({ viewport: { width: 320, height: 240 } });
    for (const [name, html] of Object.entries(PHOTOS)) {
      await drawing.setContent(`<body style="margin:0">${html}</body>`);
      photos.set(`/MM${photos.size + 1}/${name}.png`, await drawing.screenshot());
    }
    await drawing.close();
    media = createServer((req, res) => {
      const photo = photos.get(req.url ?? '');
      if (photo) res.writeHead(200, { 'content-type': 'image/png' }).end(photo);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => media.listen(0, '127.0.0.1', resolve));
    mediaHost = `http://127.0.0.1:${(media.address() as AddressInfo).port}`;
    photoUrl = `${mediaHost}/MM1/jacket.png`;
    labelUrl = `${mediaHost}/MM2/label.png`;

    // An inbox with some history: read and unread threads, an assigned one, a failed reply.
    await inbound(CUSTOMERS.ana, 'Hi, is the return label for order 4371 ready?');
    await assistantReply(CUSTOMERS.ana, 'Here is your prepaid return label: https://nw.example/r/4371', 'undelivered', { code: '30003', message: 'Unreachable destination handset' });
    const leo = await inbound(CUSTOMERS.leo, 'Got the boots today, they fit perfectly. Thanks!');
    await assistantReply(CUSTOMERS.leo, 'Wonderful, enjoy them!', 'delivered');
    await ok(org.request(MarkRead, { id: leo.id }));
    const priya = await inbound(CUSTOMERS.priya, 'Can I change the delivery address for order 4398?');
    await assistantReply(CUSTOMERS.priya, 'Sure, what is the new address?', 'delivered');
    await inbound(CUSTOMERS.priya, '221 Pine St, Apt 4, San Francisco CA 94104');
    await ok(org.request(AssignConversation, { input: { conversationId: priya.id, agentId: sam.id } }));
    const maya = await inbound(CUSTOMERS.maya, 'Hi! Do you ship to Canada?');
    await assistantReply(CUSTOMERS.maya, 'Yes! Orders to Canada arrive in 3 to 5 business days, duties included.', 'delivered');
    await ok(org.request(MarkRead, { id: maya.id }));
    await inbound(CUSTOMERS.jonah, 'The zipper on this jacket broke after a week :(', photoUrl);

    page = await browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.route(`${HTTPS_MEDIA}/**`, (route) => {
      const photo = photos.get(new URL(route.request().url()).pathname);
      return photo ? route.fulfill({ status: 200, contentType: 'image/png', body: photo }) : route.fulfill({ status: 404 });
    });
    await page.routeWebSocket(/\/graphql$/, (socket) => {
      if (offline) return socket.close({ code: 1001, reason: 'offline' });
      sockets.push({ page: socket, server: socket.connectToServer() });
    });
  });

  afterEach(() => {
    expect(pageErrors.splice(0), 'errors thrown in the page').toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => (media ? media.close(resolve) : resolve(undefined)));
    await server?.stop();
    await closeRedis();
  });

  it('is served from the bundle: the page revalidated, hashed assets cached for good, nothing else reachable', async () => {
    const index = await fetch(`${server.url}/console`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await index.text();
    const script = /src="(\/console\/assets\/main-[A-Z0-9]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(server.url + script);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    for (const outside of ['/console/assets/..%2F..%2Fpackage.json', '/console/assets/..%5Cindex.html', '/console/assets/nothing.js']) {
      expect((await fetch(server.url + outside)).status).toBe(404);
    }
  });

  it('signs in with an agent key kept in the tab only, and lists the conversations', async () => {
    await page.goto(`${server.url}/console`);
    await page.getByLabel('API key').fill(agentKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await until(() => page.locator('.me').textContent()).toContain('Dana Reyes');
    expect(await page.evaluate(() => Object.values(sessionStorage))).toEqual([agentKey]);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);

    const rows = page.locator('[data-testid=conversation-list] button.conversation');
    await until(() => rows.count()).toBe(5);
    const jonah = row(page, CUSTOMERS.jonah);
    expect(await jonah.locator('.badge').textContent()).toBe('1');
    expect(await jonah.locator('.preview').textContent()).toContain('zipper');
    expect(await row(page, CUSTOMERS.priya).locator('.assignee').textContent()).toBe('Sam Okafor');
    expect(await row(page, CUSTOMERS.leo).locator('.badge').count()).toBe(0);
    // Newest activity first.
    expect(await rows.first().getAttribute('data-conversation')).toBe(CUSTOMERS.jonah);
    // The tab's title counts the threads waiting, as the top bar does.
    const unread = /^(\d+) unread$/.exec((await page.getByTestId('unread-conversations').textContent()) ?? '')?.[1];
    await until(() => page.title()).toBe(`(${unread}) Switchboard console`);

    await page.getByRole('tab', { name: /^Unread/ }).click();
    await until(() => rows.count()).toBe(3);
    expect(await row(page, CUSTOMERS.leo).count()).toBe(0);
    await page.getByRole('tab', { name: /^All/ }).click();
    await until(() => rows.count()).toBe(5);
  });

  it('shows a customer message posted to the provider webhook without reloading', async () => {
    await row(page, CUSTOMERS.maya).click();
    await until(() => page.locator('[data-testid=thread] .bubble').count()).toBe(2);
    const unreadBefore = await page.getByTestId('unread-conversations').textContent();

    const text = 'My order #4417 still has not arrived and it has been two weeks. Can a person help?';
    const webhook = signedInbound(server, org, 'twilio', { from: CUSTOMERS.maya, body: text, media: [{ url: labelUrl, contentType: 'image/png' }] });
    expect((await post(server, webhook.path, webhook.signed)).status).toBe(200);

    await until(() => page.locator('.bubble.in .body').last().textContent()).toBe(text);
    expect(await page.locator('.bubble.in').last().locator('img').getAttribute('src')).toBe(labelUrl);
    await until(() => row(page, CUSTOMERS.maya).locator('.badge').textContent()).toBe('1');
    expect(await page.locator('[data-testid=conversation-list] button.conversation').first().getAttribute('data-conversation')).toBe(CUSTOMERS.maya);
    await until(() => page.getByTestId('unread-conversations').textContent()).not.toBe(unreadBefore);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'console-inbox.png') });
  });

  it('takes over, replies with a live segment count, and the reply turns Delivered, then a failure shows its reason', async () => {
    await page.getByRole('button', { name: 'Take over' }).first().click();
    await until(() => page.locator('.thread-actions .pill').textContent()).toBe('Human');
    expect((await conversationOf(CUSTOMERS.maya))?.mode).toBe('HUMAN');
    await until(() => page.getByTestId('timeline-note').last().textContent()).toContain('Dana Reyes took over from the assistant');

    const reply = page.getByLabel('Reply');
    await reply.fill('Hi Maya, this is Dana.');
    expect(await page.getByTestId('segment-counter').textContent()).toBe('1 segment · GSM-7 · 22 chars');
    await reply.fill(`Hi Maya, this is Dana. I'm sorry about the wait! Order #4417 is held at customs in Toronto; I've asked our carrier to release it today and refunded the shipping. You'll get the tracking link by SMS.`);
    expect(await page.getByTestId('segment-counter').textContent()).toBe('2 segments · GSM-7 · 198 chars');
    await reply.press('End');
    await reply.pressSequentially(' 🙏');
    // The emoji makes it UCS-2: 201 UTF-16 units in parts of 67.
    expect(await page.getByTestId('segment-counter').textContent()).toMatch(/^3 segments · UCS-2 · 201 chars/);
    await reply.fill("Hi Maya, this is Dana. Sorry about the wait! Order #4417 was held at customs in Toronto; it's released and arrives tomorrow. I've refunded your shipping.");
    await reply.press('Enter');

    const bubble = page.locator('.bubble-row.out').last();
    await until(() => bubble.locator('.body').textContent()).toContain('Order #4417 was held at customs');
    expect(await bubble.locator('.bubble-meta').textContent()).toContain('Dana Reyes');
    const id = (await bubble.getAttribute('data-message-id'))!;
    const sent = await eventually(async () => {
      const message = await messageDetails(org, id);
      return message.providerMessageId && message.status === 'SENT' ? message : null;
    });
    await until(() => bubble.getByTestId('message-status').textContent()).toBe('Sent');

    const delivered = signedStatus(server, org, 'twilio', { providerMessageId: sent.providerMessageId!, from, to: CUSTOMERS.maya, status: 'delivered' });
    expect((await post(server, delivered.path, delivered.signed)).status).toBeLessThan(300);
    await until(() => bubble.getByTestId('message-status').textContent()).toBe('Delivered');

    await page.getByRole('button', { name: 'Mark read' }).click();
    await until(() => row(page, CUSTOMERS.maya).locator('.badge').count()).toBe(0);
    await page.getByLabel('Assignee').selectOption({ label: 'Dana Reyes (me)' });
    await until(() => row(page, CUSTOMERS.maya).locator('.assignee').textContent()).toBe('Dana Reyes');
    await until(() => page.getByTestId('timeline-note').last().textContent()).toContain('Assigned to Dana Reyes');

    await reply.fill('Here is the tracking link: https://nw.example/t/4417');
    await reply.press('Enter');
    const second = page.locator('.bubble-row.out').last();
    await until(() => second.locator('.body').textContent()).toContain('tracking link');
    const secondId = (await second.getAttribute('data-message-id'))!;
    const secondSent = await eventually(async () => {
      const message = await messageDetails(org, secondId);
      return message.providerMessageId && message.status === 'SENT' ? message : null;
    });
    const failed = signedStatus(server, org, 'twilio', {
      providerMessageId: secondSent.providerMessageId!,
      from,
      to: CUSTOMERS.maya,
      status: 'failed',
      errorCode: '30007',
      errorMessage: 'Message filtered',
    });
    expect((await post(server, failed.path, failed.signed)).status).toBeLessThan(300);
    await until(() => second.getByTestId('message-status').textContent()).toBe('Failed');
    expect(await second.getByTestId('failure-reason').textContent()).toContain('30007');
  });

  it('attaches media to a reply: a malformed address is caught, a refused one shows the typed error and sends nothing, an accepted one goes out as MMS with its thumbnail', async () => {
    const reply = page.getByLabel('Reply');
    const caption = "Here's where your parcel is now:";
    const thumbnails = page.locator('[data-testid=attachments] img');
    const loaded = () => thumbnails.evaluateAll((images) => images.map((image) => (image as HTMLImageElement).naturalWidth));
    await page.getByRole('button', { name: 'Add media' }).click();
    const mediaUrl = page.getByLabel('Media URL');

    await mediaUrl.fill('tracking.png');
    await mediaUrl.press('Enter');
    await until(() => page.getByTestId('media-url-error').textContent()).toContain('starting with https://');
    expect(await page.getByTestId('attachments').count()).toBe(0);

    // An http address passes the page's check and shows its preview; the server sends https media only.
    await mediaUrl.fill(mediaHost + trackingPhotoPath);
    await mediaUrl.press('Enter');
    await until(loaded).toEqual([320]);
    expect(await page.getByTestId('media-url-error').count()).toBe(0);
    const before = { stored: (await conversationOf(CUSTOMERS.maya))!.messages.totalCount, bubbles: await page.locator('.bubble-row').count() };
    await reply.fill(caption);
    expect(await page.getByTestId('segment-counter').textContent()).toBe(`MMS · 1 attachment · ${caption.length} chars`);
    await reply.press('Enter');
    const refusal = page.getByTestId('send-error');
    await until(() => refusal.textContent()).toContain('must be an https URL');
    expect(await refusal.getAttribute('data-code')).toBe('INVALID_MEDIA');
    expect(await page.locator('[data-testid=attachments] li').getAttribute('aria-invalid')).toBe('true');
    // Nothing was stored or shown as sent, and the reply is there to fix.
    expect((await conversationOf(CUSTOMERS.maya))!.messages.totalCount).toBe(before.stored);
    expect(await page.locator('.bubble-row').count()).toBe(before.bubbles);
    expect(await reply.inputValue()).toBe(caption);

    await page.getByRole('button', { name: 'Remove attachment 1' }).click();
    await until(() => refusal.count()).toBe(0);
    await mediaUrl.fill(HTTPS_MEDIA + trackingPhotoPath);
    await page.getByRole('button', { name: 'Attach', exact: true }).click();
    await until(loaded).toEqual([320]);

    // The unsent reply, media and all, waits in its thread while the agent looks at another.
    await row(page, CUSTOMERS.jonah).click();
    await until(() => page.locator('.thread-title .customer').textContent()).toBe('+1 415 555 3102');
    await row(page, CUSTOMERS.maya).click();
    await until(() => reply.inputValue()).toBe(caption);
    expect(await thumbnails.getAttribute('src')).toBe(HTTPS_MEDIA + trackingPhotoPath);

    await reply.press('Enter');
    const bubble = page.locator('.bubble-row.out').last();
    await until(() => bubble.locator('.body').textContent()).toBe(caption);
    // The bubble may come first, through the live status, before the send's own answer clears the box.
    await until(() => page.getByTestId('attachments').count()).toBe(0);
    const image = bubble.locator('.media img');
    expect(await image.getAttribute('src')).toBe(HTTPS_MEDIA + trackingPhotoPath);
    await until(() => image.evaluate((element) => (element as HTMLImageElement).naturalWidth)).toBe(320);

    // The provider was asked for an MMS carrying that URL.
    const id = (await bubble.getAttribute('data-message-id'))!;
    const sent = await eventually(async () => {
      const message = await messageDetails(org, id);
      return message.providerMessageId && message.status === 'SENT' ? message : null;
    });
    expect(sent.mediaUrls).toEqual([HTTPS_MEDIA + trackingPhotoPath]);
    const request = server.fake.sentTo(CUSTOMERS.maya).find((r) => r.outcome.providerMessageId === sent.providerMessageId);
    expect(request?.body).toMatchObject({ Body: caption, MediaUrl: [HTTPS_MEDIA + trackingPhotoPath] });
    const delivered = signedStatus(server, org, 'twilio', { providerMessageId: sent.providerMessageId!, from, to: CUSTOMERS.maya, status: 'delivered' });
    expect((await post(server, delivered.path, delivered.signed)).status).toBeLessThan(300);
    await until(() => bubble.getByTestId('message-status').textContent()).toBe('Delivered');
  });

  it('hands the conversation back to the assistant', async () => {
    const reply = page.getByLabel('Reply');
    await reply.fill('Anything else I can help with today?');
    expect(await page.getByTestId('segment-counter').textContent()).toBe('1 segment · GSM-7 · 36 chars');
    await page.getByTestId('thread').screenshot({ path: path.join(SCREENSHOTS, 'console-thread.png') });

    await page.getByRole('button', { name: 'Hand back' }).click();
    await until(() => page.locator('.thread-actions .pill').textContent()).toBe('Assistant');
    await until(() => page.getByTestId('timeline-note').last().textContent()).toContain('Dana (console) handed the conversation back to the assistant');
    expect((await conversationOf(CUSTOMERS.maya))?.mode).toBe('ASSISTANT');
  });

  it('finds messages by text and opens their thread', async () => {
    await page.getByLabel('Search messages').fill('zipper');
    await until(() => page.locator('[data-testid=search-results] .result-count').textContent()).toContain('1 message');
    await page.locator('[data-testid=search-results] button.conversation').first().click();
    await until(() => page.locator('.thread-title .customer').textContent()).toBe('+1 415 555 3102');
    expect(await page.locator('.bubble.in img').getAttribute('src')).toBe(photoUrl);
    await page.getByLabel('Search messages').fill('');
  });

  it('after a dropped socket, shows the reconnect banner and loads what arrived meanwhile', async () => {
    await row(page, CUSTOMERS.priya).click();
    await until(() => page.locator('.thread-title .customer').textContent()).toBe('+1 415 555 3103');
    offline = true;
    for (const socket of sockets.splice(0)) {
      await socket.page.close({ code: 1001, reason: 'network dropped' });
      await socket.server.close();
    }
    await until(() => page.getByTestId('reconnect-banner').count()).toBe(1);

    // Sent while the console is offline: no live event reaches it.
    await inbound(CUSTOMERS.priya, 'Actually, make that Apt 5, sorry!');
    offline = false;
    // graphql-ws retries with backoff (up to 8 s between the third and fourth try).
    await expect.poll(() => page.getByTestId('reconnect-banner').count(), { timeout: 30_000, interval: 100 }).toBe(0);
    await until(() => page.locator('.bubble.in .body').last().textContent()).toBe('Actually, make that Apt 5, sorry!');
    await until(() => row(page, CUSTOMERS.priya).locator('.badge').textContent()).toBe('3');
  });

  it('loads the earlier messages of a thread longer than a page: in order, with their notes, the view held still, nothing twice', async () => {
    // 65 messages, taken over after the 10th and handed back after the 12th: both notes lie before the first page (the last 50).
    const thread = await inbound(CUSTOMERS.omar, 'History 1');
    for (let n = 2; n <= 65; n++) {
      const webhook = signedInbound(server, org, 'twilio', { from: CUSTOMERS.omar, body: `History ${n}` });
      expect((await post(server, webhook.path, webhook.signed)).status).toBe(200);
      if (n === 10) expect((await ok(org.request(TakeOver, { input: { conversationId: thread.id } }))).takeOverConversation.__typename).toBe('TakeOverConversationPayload');
      if (n === 12) expect((await ok(org.request(HandBack, { input: { conversationId: thread.id } }))).handBackConversation.__typename).toBe('HandBackConversationPayload');
    }
    const history = Array.from({ length: 66 }, (_, i) => `History ${i + 1}`);
    await eventually(async () => (await conversationOf(CUSTOMERS.omar))?.messages.totalCount === 65);

    await row(page, CUSTOMERS.omar).click();
    const bodies = page.locator('[data-testid=thread] .bubble .body');
    await until(() => bodies.count()).toBe(50);
    expect(await bodies.first().textContent()).toBe('History 16');
    expect(await page.getByTestId('timeline-note').count()).toBe(0);
    // Pushed live while the first page is shown.
    await inbound(CUSTOMERS.omar, 'History 66');
    await until(() => bodies.last().textContent()).toBe('History 66');
    const older = page.locator('.older');
    expect(await older.textContent()).toContain('15 more');

    const load = page.getByRole('button', { name: 'Load earlier messages' });
    await load.scrollIntoViewIfNeeded();
    const anchor = page.locator('.bubble-row').filter({ has: page.locator('.body', { hasText: /^History 16$/ }) });
    const anchorTop = (await anchor.boundingBox())!.y;
    await load.click();
    await until(() => bodies.count()).toBe(66);
    await until(() => older.count()).toBe(0);
    // The message that was first has not moved on screen: the older ones came in above it.
    expect(Math.abs((await anchor.boundingBox())!.y - anchorTop)).toBeLessThan(2);

    const notes = { 'took over from the assistant': 'TAKEN_OVER', 'handed the conversation back': 'HANDED_BACK' };
    const shown = (await page.locator('[data-testid=thread] .messages').locator('.body, [data-testid=timeline-note]').allTextContents()).map(
      (text) => Object.entries(notes).find(([words]) => text.includes(words))?.[1] ?? text,
    );
    expect(shown).toEqual([...history.slice(0, 10), 'TAKEN_OVER', ...history.slice(10, 12), 'HANDED_BACK', ...history.slice(12)]);
    // The server's order, whole.
    const whole = (await ok(org.request(WholeThread, { id: thread.id }))).conversation!.messages.edges.map((edge) => edge.node.body);
    expect(whole).toEqual(history);
  });
});

/** Waits for what the page shows, as long as a busy machine may need (expect.poll gives up after 1 s). */
function until<T>(read: () => Promise<T> | T) {
  return expect.poll(read, { timeout: 15_000, interval: 50 });
}

function row(page: Page, customer: string) {
  return page.locator(`[data-testid=conversation-list] button[data-conversation="${customer}"]`);
}
