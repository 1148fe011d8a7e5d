// scratch: log SQL for each bench query
import Database from 'better-sqlite3';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
const log: string[] = [];
let on = false;
const origPrepare = (Database as any).prototype.prepare;
(Database as any).prototype.prepare = function (sql: string) { if (on) log.push(sql); return origPrepare.call(this, sql); };
const St = (new (Database as any)(':memory:')).prepare('select 1').constructor;
const origBind = St.prototype.bind;
St.prototype.bind = function (...a: any[]) { if (on) log.push('   args: ' + JSON.stringify(a, (_k, v) => typeof v === 'bigint' ? String(v) : v).slice(0, 300)); return origBind.apply(this, a); };
const origQuery = (pg as any).Client.prototype.query;
(pg as any).Client.prototype.query = function (c: any, ...rest: any[]) { if (on) log.push(typeof c === 'string' ? c : c.text); return origQuery.call(this, c, ...rest); };
const { buildApp } = await import('../src/app');
const { loadConfig } = await import('../src/config');
const { QUERIES } = await import('./logs');
const [which, key, conv] = process.argv.slice(2);
const url = which === 'sqlite' ? 'file:/tmp/lx/s.db' : 'postgresql://postgres@127.0.0.1:5432/lx_bench';
const app = await buildApp(loadConfig({ DATABASE_URL: url, PORT: '0', LOG_LEVEL: 'warn', SECRETS_KEY: randomBytes(32).toString('hex'), ADMIN_TOKEN: 'x' }));
await app.start();
const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);
const window = { createdAfter: new Date(NOW - 30 * 86400000).toISOString(), createdBefore: new Date(NOW).toISOString() };
const cases: [string, string, any][] = [
  ['conversations', QUERIES.conversations, {}],
  ['thread', QUERIES.thread, { id: Buffer.from(`Conversation:${conv}`).toString('base64') }],
  ['log', QUERIES.log, { filter: { status: 'FAILED', provider: 'TWILIO', ...window } }],
  ['search common', QUERIES.log, { filter: { search: 'APPOINTMENT' } }],
  ['search rare', QUERIES.log, { filter: { search: 'Voucher' } }],
  ['stats', QUERIES.stats, {}],
  ['stats30', QUERIES.stats, { filter: window }],
];
const only = process.env.ONLY?.split(',');
for (const [name, query, variables] of cases) {
  if (only && !only.includes(name)) continue;
  for (let i = 0; i < 3; i++) {
    log.length = 0; on = true;
    const t = performance.now();
    const res = await fetch(`${app.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ query, variables }) });
    const body: any = await res.json();
    on = false;
    if (body.errors) console.log(JSON.stringify(body.errors));
    if (i === 2) { console.log(`== ${name} ${(performance.now() - t).toFixed(1)} ms`); for (const l of log) console.log('   ', (l.includes(' FROM ') ? l.slice(l.indexOf(' FROM ')) : l).replace(/\s+/g, ' ').replace(/`main`\./g,'').slice(0, 900)); }
  }
}
await app.stop();
process.exit(0);
