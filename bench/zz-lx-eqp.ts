import Database from 'better-sqlite3';
const db = new Database('/tmp/lx/s.db');
const org = 'cmtebw5c000000lguo6i9mvh', conv = 'cmttdfpwn000o2o4j6abwm12';
const d = (ms: number) => new Date(ms).toISOString().replace('Z', '+00:00');
const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);
if (process.argv[2] === 'analyze') { const t = performance.now(); db.pragma('optimize=0x10002'); console.log('optimize', performance.now() - t); }
const qs: [string, any[]][] = [
  ['SELECT id FROM Message WHERE conversationId IN (?) ORDER BY createdAt ASC, id ASC LIMIT 51', [conv]],
  ['SELECT * FROM Conversation WHERE organizationId = ? AND archived = 0 ORDER BY lastMessageAt DESC, id DESC LIMIT 21', [org]],
  ['SELECT * FROM Message WHERE organizationId = ? AND status = ? AND provider = ? AND createdAt >= ? AND createdAt < ? ORDER BY createdAt DESC, id DESC LIMIT 51', [org, 'FAILED', 'TWILIO', d(NOW - 30 * 864e5), d(NOW)]],
  ['SELECT * FROM Message WHERE organizationId = ? AND (body LIKE ? OR "from" LIKE ? OR "to" LIKE ?) ORDER BY createdAt DESC, id DESC LIMIT 51', [org, '%appointment%', '%appointment%', '%appointment%']],
  ['SELECT * FROM Message WHERE organizationId = ? AND (body LIKE ? OR "from" LIKE ? OR "to" LIKE ?) ORDER BY createdAt DESC, id DESC LIMIT 51', [org, '%voucher%', '%voucher%', '%voucher%']],
  ['SELECT COUNT(*), status, provider, direction, SUM(segments) FROM Message WHERE organizationId = ? GROUP BY status, provider, direction', [org]],
  ['SELECT COUNT(*), status, provider, direction, SUM(segments) FROM Message WHERE organizationId = ? AND createdAt >= ? AND createdAt < ? GROUP BY status, provider, direction', [org, d(NOW - 30 * 864e5), d(NOW)]],
  ['SELECT m.id FROM MessageSearch s JOIN Message m ON m.rowid = s.rowid WHERE MessageSearch MATCH ? AND m.organizationId = ? LIMIT 1001', ['"voucher"', org]],
  ['SELECT m.id FROM MessageSearch s JOIN Message m ON m.rowid = s.rowid WHERE MessageSearch MATCH ? AND m.organizationId = ? LIMIT 1001', ['"appointment"', org]],
  ['SELECT id FROM Message WHERE id IN (SELECT m.id FROM MessageSearch s JOIN Message m ON m.rowid = s.rowid WHERE MessageSearch MATCH ? AND m.organizationId = ? LIMIT 1001) AND organizationId = ? ORDER BY createdAt DESC, id DESC LIMIT 51', ['"voucher"', org, org]],
  ['SELECT COUNT(*), SUM(segments) FROM Message WHERE organizationId = ? AND rowid IN (SELECT rowid FROM MessageSearch WHERE MessageSearch MATCH ?)', [org, '"voucher"']],
  ["SELECT strftime('%Y-%m-%dT00:00:00Z', createdAt), COUNT(*), SUM(CASE WHEN status='DELIVERED' THEN 1 ELSE 0 END) FROM Message WHERE organizationId = ? GROUP BY 1 ORDER BY 1", [org]],
];
for (const [sql, args] of qs) {
  console.log('\n' + sql.slice(0, 140));
  for (const r of db.prepare('EXPLAIN QUERY PLAN ' + sql).all(...args) as any[]) console.log('   ', r.detail);
  const st = db.prepare(sql);
  const times: number[] = []; let n = 0;
  for (let i = 0; i < 5; i++) { const t = performance.now(); n = st.all(...args).length; times.push(performance.now() - t); }
  console.log('    rows', n, 'ms', times.map((x) => x.toFixed(1)).join(' '));
}
