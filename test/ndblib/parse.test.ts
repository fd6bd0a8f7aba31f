// SPDX-License-Identifier: GPL-2.0-or-later
// ndb(6) syntax: entries, continuation lines, comments, quoting, empty values, and the
// errors (with file:line and the text) for what libndb would silently guess at.
import t from 'tap';
import fc from 'fast-check';
import { CsError, Ndb, NdbEntry, NdbError, csAttrQuery, csQuery, parseNdb, parseNdbLine } from '../../lib/ndblib/index.js';

const pairs = (e: NdbEntry) => e.lines.map((l) => l.map((x) => `${x.attr}=${x.val}`).join(' '));

const ndberr = (fn: () => unknown): NdbError => {
  try { fn(); } catch (e) { if (e instanceof NdbError) return e; throw e; }
  throw new Error('no error');
};

t.test('entries, continuations and lines', async (t) => {
  const es = parseNdb([
    'sys=node1 ip=10.0.0.1',
    '\tdom=node1.example',
    '  ether=525400000001 proto=tcp',
    'tcp=9fs port=564',
    'ipnet=x ip=10.0.0.0',
    '\tdns=1.1.1.1',
  ].join('\n') + '\n', 'local');
  t.equal(es.length, 3);
  t.same(pairs(es[0]), ['sys=node1 ip=10.0.0.1', 'dom=node1.example', 'ether=525400000001 proto=tcp']);
  t.same(es[0].where, { file: 'local', line: 1 });
  t.same(es[1].where, { file: 'local', line: 4 });
  t.same(es[2].where, { file: 'local', line: 5 });
  t.equal(es[0].tuples.length, 5);
  t.equal(es[0].get('proto'), 'tcp');
});

t.test('comments', async (t) => {
  const es = parseNdb([
    '# a comment in column 0',
    'sys=a ip=1.2.3.4 # trailing comment',
    '# a comment inside the entry does not end it',
    '\tdom=a.example',
    '\t# an indented comment line',
    '\tfs=b#c',
    '\tx=#comment right after =',
  ].join('\n'));
  t.equal(es.length, 1);
  t.same(pairs(es[0]), ['sys=a ip=1.2.3.4', 'dom=a.example', 'fs=b#c', 'x=']);
});

t.test('empty lines end entries, blank lines do not', async (t) => {
  const es = parseNdb('sys=a\n   \n\tip=1.2.3.4\n\nsys=b\n');
  t.same(es.map(pairs), [['sys=a', 'ip=1.2.3.4'], ['sys=b']]);
  t.same(parseNdb(''), []);
  t.same(parseNdb('\n\n# only comments\n'), []);
});

t.test('tuples: bare attributes, empty values, quotes, blanks around =', async (t) => {
  t.same(parseNdbLine('restricted tcp=rexec'), [{ attr: 'restricted', val: '' }, { attr: 'tcp', val: 'rexec' }]);
  t.same(parseNdbLine('database='), [{ attr: 'database', val: '' }]);
  t.same(parseNdbLine('a="with blanks" b=2'), [{ attr: 'a', val: 'with blanks' }, { attr: 'b', val: '2' }]);
  t.same(parseNdbLine('a=""'), [{ attr: 'a', val: '' }]);
  t.same(parseNdbLine('a="x#y"#comment'), [{ attr: 'a', val: 'x#y' }]);
  t.same(parseNdbLine('a=b"c d=e=f'), [{ attr: 'a', val: 'b"c' }, { attr: 'd', val: 'e=f' }]);
  // Blanks before '=' are skipped; a blank after '=' ends an empty value (libndb).
  t.same(parseNdbLine('sys =node1'), [{ attr: 'sys', val: 'node1' }]);
  t.same(parseNdbLine('sys = node1'), [{ attr: 'sys', val: '' }, { attr: 'node1', val: '' }]);
  // CR is white, so CRLF files read the same.
  t.same(parseNdb('sys=a ip=1.2.3.4\r\n\tdom=a.x\r\n').map(pairs), [['sys=a ip=1.2.3.4', 'dom=a.x']]);
  t.same(parseNdb('sys=a').map(pairs), [['sys=a']], 'a last line without newline counts');
  t.same(parseNdbLine('a="x\ty"'), [{ attr: 'a', val: 'x\ty' }]);
  t.same(parseNdbLine('  '), []);
});

t.test('malformed entries report file:line and the text', async (t) => {
  let e = ndberr(() => parseNdb('sys=a\n\tip=1.2.3.4\n\t=oops\n', '/lib/ndb/local'));
  t.equal(e.ename, 'EINVAL');
  t.equal(e.file, '/lib/ndb/local');
  t.equal(e.line, 3);
  t.match(e.message, /\/lib\/ndb\/local:3: missing attribute before "=": "=oops"/);
  e = ndberr(() => parseNdb('sys=a\n\tnote="never closed\n', 'f'));
  t.equal(e.line, 2);
  t.match(e.message, /f:2: unterminated quoted value: "note=\\"never closed"/);
  e = ndberr(() => parseNdb('a="x"y\n', 'f'));
  t.match(e.reason, /text after closing quote/);
  e = ndberr(() => parseNdb('# header\n\tip=1.2.3.4\n', 'f'));
  t.equal(e.line, 2);
  t.match(e.reason, /continuation line outside an entry/);
  e = ndberr(() => parseNdb('sys=a\n\nsys=b\n\n\tip=1\n', 'f'));
  t.equal(e.line, 5, 'an empty line ends the entry, so the indented line has none');
  e = ndberr(() => parseNdb('sys=a\x01b\n', 'f'));
  t.match(e.reason, /control character 0x01/);
  t.equal(e.line, 1);
});

t.test('bounds', async (t) => {
  let e = ndberr(() => parseNdb(`${'a'.repeat(32)}=1\n`, 'f'));
  t.match(e.reason, /attribute longer than 31/);
  t.equal(parseNdb(`${'a'.repeat(31)}=1\n`)[0].tuples[0].attr.length, 31);
  e = ndberr(() => parseNdb(`a=${'v'.repeat(1025)}\n`, 'f'));
  t.match(e.reason, /value longer than 1024/);
  e = ndberr(() => parseNdb('a=1\nb=2\nc=3\n', 'f', { entries: 2 }));
  t.equal(e.ename, 'E2BIG');
  t.equal(e.line, 3);
  e = ndberr(() => parseNdb('a=1 b=2\n\tc=3\n', 'f', { tuplesPerEntry: 2 }));
  t.equal(e.ename, 'E2BIG');
  t.equal(e.line, 2);
  e = ndberr(() => parseNdb('a=1 b=2\nc=3 d=4\n', 'f', { tuples: 3 }));
  t.equal(e.ename, 'E2BIG');
  e = ndberr(() => parseNdb('a=123456789\n', 'f', { fileBytes: 8 }));
  t.equal(e.ename, 'EFBIG');
  t.equal(e.line, 0);
});

t.test('entry helpers: line binding and reorder', async (t) => {
  const [e] = parseNdb('sys=node2\n\tip=10.0.0.2 dom=a.example\n\tip=10.0.1.2 dom=b.example\n');
  const second = e.tuples.find((x) => x.val === '10.0.1.2')!;
  t.equal(e.get('dom'), 'a.example', 'anywhere: the first');
  t.equal(e.get('dom', second), 'b.example', 'near a tuple: its line first');
  t.equal(e.get('sys', second), 'node2', 'then the whole entry');
  t.same(e.all('ip'), ['10.0.0.2', '10.0.1.2']);
  t.same(e.lineWith(second), [second, e.tuples[4]]);
  const r = e.reorder(e.tuples[4]);
  t.same(pairs(r), ['dom=b.example ip=10.0.1.2', 'sys=node2', 'ip=10.0.0.2 dom=a.example']);
  t.equal(r.tuples[0], e.tuples[4], 'tuple objects are kept');
  t.equal(e.reorder(e.tuples[0]).tuples[0], e.tuples[0]);
  t.ok(Object.isFrozen(e.tuples[0]));
});

t.test('hostile input: any text parses or is an NdbError; any query answers or is a CsError', async (t) => {
  const only = (cls: Function, fn: () => unknown) => {
    try { fn(); } catch (e) { if (e instanceof cls) return true; throw e; }
    return true;
  };
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => only(NdbError, () => parseNdb(s))), { numRuns: 2000 });
  const db = Ndb.fromString('sys=a ip=10.0.0.1\nipnet=n ip=10.0.0.0 ipmask=255.255.255.0 fs=a\ntcp=x port=1\n');
  const q = fc.string({ unit: fc.constantFrom('tcp', 'net', 'udp', '!', 'a', '$', 'fs', '*', '10.0.0.1', '[', ']', 'x', '1', '/', ' ', '=', 'ipinfo'), maxLength: 8 });
  fc.assert(fc.property(q, (s) => only(CsError, () => csQuery(db, s, { sysname: 'a' })) && only(CsError, () => csAttrQuery(db, `!${s}`, { sysname: 'a' }))), { numRuns: 2000 });
  t.pass('no other exceptions');
});
