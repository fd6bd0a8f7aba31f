// SPDX-License-Identifier: GPL-2.0-or-later
// Canonical ndb text and the parse <-> print round trip, checked over generated entries
// with the characters that matter to the syntax (blanks, '=', '#', '"', tabs).
import t from 'tap';
import fc from 'fast-check';
import {
  formatTuple, ndbAttrOk, ndbValOk, NdbEntry, parseNdb, printEntry, printNdb, type NdbTuple,
} from '../../lib/ndblib/index.js';
import { P9Error } from '../../lib/9p/error.js';

const shape = (es: readonly NdbEntry[]) => es.map((e) => e.lines.map((l) => l.map((x) => [x.attr, x.val])));

t.test('canonical form', async (t) => {
  const text = 'sys = x\n#c\nsys=node3   ip=10.0.0.3\n    comment="rack 3"  restricted\n\tempty=\n';
  const out = printNdb(parseNdb(text));
  t.equal(out, 'sys= x=\nsys=node3 ip=10.0.0.3\n\tcomment="rack 3" restricted=\n\tempty=\n');
  t.equal(printNdb(parseNdb(out)), out, 'printing is idempotent');
  t.equal(formatTuple({ attr: 'a', val: '#x' }), 'a="#x"', 'a leading # would read as a comment');
});

t.test('unrepresentable tuples are EINVAL', async (t) => {
  const einval = (x: NdbTuple) => {
    try { formatTuple(x); } catch (e) { return e instanceof P9Error && e.ename === 'EINVAL'; }
    return false;
  };
  t.ok(einval({ attr: 'a', val: 'x "y"' }), 'quote in a value that needs quoting');
  t.ok(einval({ attr: 'a', val: '"x' }), 'a value starting with a quote');
  t.ok(einval({ attr: 'a', val: 'x\ny' }));
  t.ok(einval({ attr: '', val: 'x' }));
  t.ok(einval({ attr: 'a=b', val: 'x' }));
  t.ok(einval({ attr: '#a', val: 'x' }));
  t.ok(einval({ attr: 'a b', val: 'x' }));
  t.equal(formatTuple({ attr: 'a', val: 'x"y' }), 'a=x"y', 'a quote inside an unquoted value is fine');
  t.equal(formatTuple({ attr: 'a', val: 'x=y#z' }), 'a=x=y#z');
  t.equal(formatTuple({ attr: 'a', val: '' }), 'a=');
});

// Attributes and values from characters that stress the syntax.
const attrChar = fc.constantFrom('a', 'b', 'z', '0', '9', '-', '.', '_', '#', '"', '$', '/', 'é');
const valChar = fc.constantFrom('a', 'b', '1', ' ', '\t', '=', '#', '"', '!', '/', '.', 'é');
const attr = fc.string({ unit: attrChar, minLength: 1, maxLength: 8 }).filter(ndbAttrOk);
const val = fc.string({ unit: valChar, maxLength: 12 }).filter(ndbValOk);
const tuple = fc.record({ attr, val });
const entry = fc.array(fc.array(tuple, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 4 })
  .map((lines) => new NdbEntry(lines));

t.test('parse(print(x)) == x', async (t) => {
  fc.assert(fc.property(fc.array(entry, { maxLength: 6 }), (es) => {
    const text = printNdb(es);
    const back = parseNdb(text);
    return JSON.stringify(shape(back)) === JSON.stringify(shape(es)) && printNdb(back) === text;
  }), { numRuns: 500 });
  t.pass('round trip holds');
});

t.test('print(parse(text)) is a fixed point for any text that parses', async (t) => {
  const line = fc.string({ unit: fc.constantFrom('a', 'b', '=', ' ', '\t', '#', '"', 'x', '1'), maxLength: 16 });
  const text = fc.array(line, { maxLength: 8 }).map((ls) => ls.join('\n'));
  let parsed = 0;
  fc.assert(fc.property(text, (s) => {
    let es: NdbEntry[];
    try { es = parseNdb(s); } catch (e) {
      if (e instanceof P9Error) return true;
      throw e;
    }
    parsed++;
    const once = printNdb(es);
    return printNdb(parseNdb(once)) === once && JSON.stringify(shape(parseNdb(once))) === JSON.stringify(shape(es));
  }), { numRuns: 1000 });
  t.ok(parsed > 0, `${parsed} generated texts parsed`);
});

t.test('printEntry', async (t) => {
  t.equal(printEntry(new NdbEntry([[{ attr: 'ipnet', val: 'x' }, { attr: 'ip', val: '10.0.0.0' }], [{ attr: 'fs', val: 'node2' }]])),
    'ipnet=x ip=10.0.0.0\n\tfs=node2\n');
});
