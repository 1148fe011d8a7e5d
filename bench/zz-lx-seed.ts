import { rmSync } from 'node:fs';
import pg from 'pg';
import { migrate } from '../src/db/migrate';
import { plan, seedSqlite, seedPostgres } from './logs';
const p = plan();
const which = process.argv[2];
if (which === 'sqlite') {
  rmSync('/tmp/lx/s.db', { force: true }); rmSync('/tmp/lx/s.db-wal', { force: true }); rmSync('/tmp/lx/s.db-shm', { force: true });
  await migrate('file:/tmp/lx/s.db', 'sqlite');
  let t = performance.now(); seedSqlite('/tmp/lx/s.db', p); console.log('sqlite', performance.now() - t);
} else {
  const a = new pg.Client({ connectionString: 'postgresql://postgres@127.0.0.1:5432/test' }); await a.connect();
  await a.query('DROP DATABASE IF EXISTS lx_bench WITH (FORCE)'); await a.query('CREATE DATABASE lx_bench'); await a.end();
  await migrate('postgresql://postgres@127.0.0.1:5432/lx_bench', 'postgresql');
  let t = performance.now(); await seedPostgres('postgresql://postgres@127.0.0.1:5432/lx_bench', p); console.log('pg', performance.now() - t);
}
console.log(JSON.stringify(p.orgs.map(o => ({ id: o.id, key: o.apiKey }))));
const busiest = p.conversations.filter((c) => c.org === 0 && !c.archived).sort((a, b) => b.count - a.count)[0];
console.log(busiest.id, busiest.count);
