/**
 * The baseline for bench/send.ts: a bare node:http handler that parses the same JSON and
 * inserts the same Message row with the same driver (Prisma with the same adapter), nothing else.
 */
import { createServer } from 'node:http';
import { migrate } from '../src/db/migrate';
import { openDatabase } from '../src/db/client';
import { countSegments } from '../src/messaging/segments';

const databaseUrl = process.env.DATABASE_URL!;
const dialect = databaseUrl.startsWith('postgres') ? 'postgresql' : 'sqlite';
await migrate(databaseUrl, dialect);
const { db } = await openDatabase(databaseUrl, dialect);
const organization = await db.organization.create({ data: { name: 'bare' } });

createServer(async (req, res) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const { variables } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  const input = variables.input;
  const { encoding, segments } = countSegments(input.message);
  const message = await db.message.create({
    data: {
      organizationId: organization.id,
      direction: 'OUTBOUND',
      from: input.fromPhoneNumber,
      to: input.toPhoneNumber,
      body: input.message,
      provider: 'TWILIO',
      status: 'QUEUED',
      segments,
      encoding,
      nextAttemptAt: new Date(),
    },
  });
  const text = JSON.stringify({ data: { sendSms: { outboundMessage: { id: message.id, status: message.status } } } });
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(text);
}).listen(Number(process.env.PORT), '127.0.0.1', () => console.log('ready'));
