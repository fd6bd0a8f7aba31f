// SPDX-License-Identifier: GPL-2.0-or-later
// An open database: the database= chain, ndbsearch/ndbsnext, ndbgetvalue's line
// binding, ndbgetipaddr, reload on change (on disk and in memory), and the bounds.
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ndb, NdbError, NdbMemSource, ipattr } from '../../lib/ndblib/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const local = join(root, 'test', 'ndblib', 'ndb', 'local');

const thrown = (fn: () => unknown): Error => {
  try { fn(); } catch (e) { return e as Error; }
  throw new Error('no error');
};

t.test('the fixture database: chain order and searches', async (t) => {
  const db = Ndb.open(local);
  t.same(db.files.map((f) => f.path), ['common', 'local', 'services'].map((f) => join(root, 'test', 'ndblib', 'ndb', f)));
  t.ok(db.files.every((f) => f.present));
  t.equal(db.getvalue('tcp', '9fs', 'port'), '564', 'from common');
  t.equal(db.getvalue('tcp', 'akaros', 'port'), '5640', 'from services');
  t.equal(db.getvalue('sys', 'node1', 'ip'), '10.0.0.1', 'from local');
  t.equal(db.getvalue('sys', 'node3', 'comment'), 'rack 3, slot 2');
  t.equal(db.getvalue('sys', 'nosuch', 'ip'), undefined);
  t.equal(db.getvalue('sys', 'node1', 'nosuch'), undefined);
  // ndbgetvalue prefers the matched line: node2 has two ip/dom lines.
  t.equal(db.getvalue('dom', 'node2-lab.cluster.example', 'ip'), '10.0.1.2');
  t.equal(db.getvalue('dom', 'node2.cluster.example', 'ip'), '10.0.0.2');
  const f = db.find('ip', '10.0.1.2', 'sys')!;
  t.equal(f.value, 'node2');
  t.equal(f.entry.where?.line, 33);
  t.match(f.file, /local$/);
  // ndbsearch + ndbsnext: every entry with the pair, in file order.
  t.same([...db.search('ip', '10.0.0.0')].map((m) => m.entry.get('ipnet')), ['site', 'cluster']);
  t.same([...db.search('port', '5640')].map((m) => m.entry.tuples[0].attr), ['tcp', 'udp']);
  t.same([...db.search('sys', 'nosuch')], []);
  t.equal(db.searchOne('database', '')?.entry.all('file').length, 3);
  t.same(db.getipaddr('node2'), ['10.0.0.2', '10.0.1.2']);
  t.same(db.getipaddr('node3.cluster.example'), ['10.0.0.3']);
  t.same(db.getipaddr('10.9.9.9'), ['10.9.9.9']);
  t.same(db.getipaddr('nosuch'), []);
  t.equal([...db.entries()].length, 6 + 7 + 3);
  t.equal(db.changed(), false);
});

t.test('ipattr', async (t) => {
  t.equal(ipattr('10.0.0.1'), 'ip');
  t.equal(ipattr('fe80::1'), 'ip');
  t.equal(ipattr('node1'), 'sys');
  t.equal(ipattr('node1.cluster.example'), 'dom');
  t.equal(ipattr('beef.cafe'), 'sys', 'all hex digits and dots: neither address nor name (libndb)');
  t.equal(ipattr('a_b'), 'sys');
  t.equal(ipattr('12345'), 'sys');
});

t.test('database= in memory: relative and rooted files, the first file reordered', async (t) => {
  const src = new NdbMemSource({
    '/lib/ndb/local': 'database=\n\tfile=/lib/ndb/common\n\tfile=local\n\tfile=../extra/global\n\tfile=missing\nsys=x ip=1.1.1.1\n',
    '/lib/ndb/common': 'sys=x ip=2.2.2.2\n',
    '/lib/extra/global': 'sys=x ip=3.3.3.3\nsys=y ip=4.4.4.4\n',
  });
  const db = new Ndb('/lib/ndb/local', { source: src });
  t.same(db.files, [
    { path: '/lib/ndb/common', present: true },
    { path: '/lib/ndb/local', present: true },
    { path: '/lib/extra/global', present: true },
    { path: '/lib/ndb/missing', present: false },
  ]);
  t.same([...db.search('sys', 'x')].map((m) => m.entry.get('ip')), ['2.2.2.2', '1.1.1.1', '3.3.3.3']);
  // A missing chained file is skipped, as libndb does, and read once it appears.
  src.set('/lib/ndb/missing', 'sys=z ip=5.5.5.5\n');
  t.equal(db.changed(), true);
  t.equal(db.getvalue('sys', 'z', 'ip'), '5.5.5.5');
  t.equal(db.changed(), false);
  // Not named in database=: the first file is searched first.
  const d2 = Ndb.fromString('database=\n\tfile=b\nsys=x ip=1.1.1.1\n', '/n/a', { '/n/b': 'sys=x ip=2.2.2.2\n' });
  t.same([...d2.search('sys', 'x')].map((m) => m.entry.get('ip')), ['1.1.1.1', '2.2.2.2']);
  // Only the first file's database= counts: no loops through chained files.
  const d3 = Ndb.fromString('database=\n\tfile=b\n', '/n/a', { '/n/b': 'database=\n\tfile=c\n', '/n/c': 'sys=c\n' });
  t.same(d3.files.map((f) => f.path), ['/n/a', '/n/b']);
  t.equal(d3.searchOne('sys', 'c'), undefined);
});

t.test('errors on open', async (t) => {
  let e = thrown(() => Ndb.open('/nonexistent/ndb/local'));
  t.ok(e instanceof NdbError);
  t.equal((e as NdbError).ename, 'ENOENT');
  e = thrown(() => Ndb.fromString('sys=a\n\t=x\n', '/lib/ndb/local'));
  t.ok(e instanceof NdbError);
  t.match(e.message, /\/lib\/ndb\/local:2:/);
  e = thrown(() => Ndb.fromString('database=\n\tfile=b\n', '/n/a', { '/n/b': 'sys=b\n  ip="x\n' }));
  t.match(e.message, /\/n\/b:2: unterminated quoted value/, 'errors in chained files name that file');
  e = thrown(() => Ndb.fromString('ipnet=x ip=10.0.0.300\n', '/n/a'));
  t.match(e.message, /\/n\/a:1: ipnet entry has a bad ip: "ip=10.0.0.300"/);
  e = thrown(() => Ndb.fromString('ipnet=x ip=10.0.0.0 ipmask=255.0.0.0.0\n', '/n/a'));
  t.match(e.message, /bad ipmask/);
  const files = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`/n/f${i}`, '']));
  const list = Object.keys(files).map((f) => `\tfile=${f}`).join('\n');
  e = thrown(() => Ndb.fromString(`database=\n${list}\n`, '/n/a', files));
  t.equal((e as NdbError).ename, 'E2BIG');
  e = thrown(() => new Ndb('/n/a', { source: new NdbMemSource({ '/n/a': 'a=1\nb=2\n', '/n/b': '' }), bounds: { tuples: 1 } }));
  t.equal((e as NdbError).ename, 'E2BIG');
});

t.test('reload when a file on disk changes', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ndb-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'local');
  writeFileSync(file, 'database=\n\tfile=local\n\tfile=more\nsys=node1 ip=10.0.0.1\n');
  const errors: Error[] = [];
  const db = Ndb.open(file, { onReloadError: (e) => errors.push(e) });
  t.equal(db.getvalue('sys', 'node1', 'ip'), '10.0.0.1');
  t.same(db.files.map((f) => f.present), [true, false]);

  // Rewrite in place.
  writeFileSync(file, 'database=\n\tfile=local\n\tfile=more\nsys=node1 ip=10.0.0.19\n');
  t.equal(db.changed(), true);
  t.equal(db.getvalue('sys', 'node1', 'ip'), '10.0.0.19');
  t.equal(db.changed(), false);

  // A chained file appearing is seen too.
  writeFileSync(join(dir, 'more'), 'sys=node2 ip=10.0.0.2\n');
  t.equal(db.getvalue('sys', 'node2', 'ip'), '10.0.0.2');

  // Replaced by rename (the way editors save).
  writeFileSync(join(dir, 'tmp'), 'database=\n\tfile=local\n\tfile=more\nsys=node1 ip=10.0.0.7\n');
  renameSync(join(dir, 'tmp'), file);
  t.equal(db.getvalue('sys', 'node1', 'ip'), '10.0.0.7');

  // A broken edit: queries keep the last good database, the error is kept, and the
  // parse is not retried until the file changes again.
  writeFileSync(file, 'sys=node1 ip=10.0.0.8\n\t=broken\n');
  t.equal(db.getvalue('sys', 'node1', 'ip'), '10.0.0.7');
  t.equal(db.getvalue('sys', 'node2', 'ip'), '10.0.0.2');
  t.ok(db.lastError instanceof NdbError);
  t.match(db.lastError?.message ?? '', /local:2: missing attribute/);
  t.equal(errors.length, 1);
  db.getvalue('sys', 'node1', 'ip');
  t.equal(errors.length, 1, 'not retried while the file is unchanged');
  t.throws(() => db.reload(), NdbError, 'an explicit reload throws');
  t.equal(db.getvalue('sys', 'node1', 'ip'), '10.0.0.7');

  writeFileSync(file, 'sys=node1 ip=10.0.0.8\n');
  t.equal(db.getvalue('sys', 'node1', 'ip'), '10.0.0.8');
  t.equal(db.lastError, undefined);
  t.same(db.files.map((f) => f.path), [file], 'the chain follows the new database= (none)');
  t.equal(db.getvalue('sys', 'node2', 'ip'), undefined);

  // The first file removed: keep answering, report it.
  rmSync(file);
  t.equal(db.getvalue('sys', 'node1', 'ip'), '10.0.0.8');
  t.equal((db.lastError as NdbError).ename, 'ENOENT');

  // Too big on disk.
  writeFileSync(file, `sys=big note=${'x'.repeat(100)}\n`);
  t.equal((thrown(() => Ndb.open(file, { bounds: { fileBytes: 64 } })) as NdbError).ename, 'EFBIG');
});

t.test('reload in memory; autoReload off; a view is one snapshot', async (t) => {
  const src = new NdbMemSource({ '/n/local': 'sys=a ip=1.1.1.1\n' });
  const db = new Ndb('/n/local', { source: src });
  const fixed = new Ndb('/n/local', { source: src, autoReload: false });
  const view = db.view();
  src.set('/n/local', 'sys=a ip=2.2.2.2\n');
  t.equal(view.getvalue('sys', 'a', 'ip'), '1.1.1.1', 'an existing view does not change');
  t.equal(db.getvalue('sys', 'a', 'ip'), '2.2.2.2');
  t.equal(fixed.getvalue('sys', 'a', 'ip'), '1.1.1.1');
  t.equal(fixed.changed(), true);
  fixed.reload();
  t.equal(fixed.getvalue('sys', 'a', 'ip'), '2.2.2.2');
  // An iteration in progress finishes on the database it started with.
  src.set('/n/local', 'sys=a ip=3.3.3.3\nsys=a ip=4.4.4.4\n');
  const it = db.search('sys', 'a');
  t.equal(it.next().value?.entry.get('ip'), '3.3.3.3');
  src.set('/n/local', 'sys=b\n');
  t.equal(it.next().value?.entry.get('ip'), '4.4.4.4');
  t.equal(db.searchOne('sys', 'a'), undefined);
});
