// SPDX-License-Identifier: GPL-2.0-or-later
import t from 'tap';
import { type Cmdtab, lookupCmd, runCmds } from '../../devs/dev.js';
import {
  CTL_SLICE_BYTES, CTL_SLICE_LINES, MAX_CTL_LINE, MAX_CTL_LINES, MAX_CTL_WRITE, lineCount,
} from '../../devs/lib/cmd.js';
import { ERANGE } from '../../lib/9p/errno.js';
import { P9Error, perr } from '../../lib/9p/error.js';
import { fakeCaller, rejection } from './fake.js';

interface Obj { log: string[] }
const tab: Cmdtab<Obj> = [
  { verb: 'cores', args: 1, fn: (a, o) => { if (Number(a[0]) > 15) throw perr(ERANGE, `cores ${a[0]}`); o.log.push(`cores ${a[0]}`); } },
  { verb: /^\d+$/, fn: (_a, o, _c, v) => { o.log.push(`cores ${v}`); } },
  { verb: 'kill', args: [0, 1], fn: (a, o) => { o.log.push(`kill ${a[0] ?? 1337}`); } },
  { verb: 'name', args: 1, fn: (a, o) => { o.log.push(`name ${a[0]}`); } },
  { verb: 'slow', fn: async (_a, o) => { await new Promise((r) => setImmediate(r)); o.log.push('slow'); } },
];
const c = fakeCaller('glenda');

function fails(fn: () => unknown): P9Error {
  try { fn(); } catch (e) { return e as P9Error; }
  throw new Error('did not throw');
}

t.test('parse and apply', async (t) => {
  const o: Obj = { log: [] };
  t.equal(runCmds(tab, 'cores 4\n', o, c), undefined, 'synchronous when handlers are');
  runCmds(tab, '7', o, c);
  runCmds(tab, "name 'my proc'\nkill\n\nkill 9\n", o, c);
  t.same(o.log, ['cores 4', 'cores 7', 'name my proc', 'kill 1337', 'kill 9']);
});

t.test('errors', async (t) => {
  const o: Obj = { log: [] };
  let e = fails(() => runCmds(tab, 'banana\n', o, c));
  t.equal(e.ename, 'EINVAL');
  t.equal(e.detail, 'unknown control message "banana"');
  e = fails(() => runCmds(tab, 'cores', o, c));
  t.equal(e.ename, 'EINVAL');
  t.equal(e.detail, 'wrong number of args "cores"');
  e = fails(() => runCmds(tab, 'kill 1 2', o, c));
  t.equal(e.detail, 'wrong number of args "kill 1 2"');
  e = fails(() => runCmds(tab, '\n', o, c));
  t.equal(e.ename, 'EINVAL');
  t.equal(fails(() => lookupCmd(tab, ['4x'])).detail, 'unknown control message "4x"');
});

t.test('several lines: applied in order, stops at the first bad one', async (t) => {
  const o: Obj = { log: [] };
  const seen: string[] = [];
  const e = fails(() => runCmds(tab, 'cores 2\ncores 99\ncores 3\n', o, c, (err, line) => seen.push(`${err.ename} ${line}`)));
  t.equal(e.ename, 'ERANGE');
  t.same(o.log, ['cores 2']);
  t.same(seen, ['ERANGE cores 99']);
});

t.test('async handlers keep the order', async (t) => {
  const o: Obj = { log: [] };
  const r = runCmds(tab, 'cores 1\nslow\ncores 2\nbanana\ncores 3', o, c);
  t.ok(r instanceof Promise);
  t.equal(await rejection(r), 'EINVAL');
  t.same(o.log, ['cores 1', 'slow', 'cores 2']);
});

t.test('a ctl write is bounded: bytes, lines, line length; refused whole', async (t) => {
  const o: Obj = { log: [] };
  const seen: string[] = [];
  const onErr = (e: P9Error) => { seen.push(e.detail ?? ''); };
  t.equal(lineCount('a'), 1);
  t.equal(lineCount('a\n'), 1);
  t.equal(lineCount('a\nb'), 2);
  t.equal(lineCount('\n\n'), 2);
  t.equal(lineCount(''), 1);
  await runCmds(tab, 'kill\n'.repeat(MAX_CTL_LINES), o, c);
  t.equal(o.log.length, MAX_CTL_LINES, 'exactly the limit is fine');
  o.log = [];
  let e = fails(() => runCmds(tab, 'kill\n'.repeat(MAX_CTL_LINES + 1), o, c, onErr));
  t.equal(e.ename, 'EINVAL');
  t.equal(e.detail, `ctl write of ${MAX_CTL_LINES + 1} lines: at most ${MAX_CTL_LINES}`);
  t.same(o.log, [], 'nothing applied');
  e = fails(() => runCmds(tab, `name ${'x'.repeat(MAX_CTL_WRITE)}`, o, c, onErr));
  t.equal(e.ename, 'EINVAL');
  t.match(e.detail, /bytes: at most 65536$/);
  e = fails(() => runCmds(tab, `kill\nname ${'é'.repeat(MAX_CTL_LINE / 2)}\nkill`, o, c, onErr));
  t.equal(e.detail, `ctl line "name ${'é'.repeat(19)}…" of ${MAX_CTL_LINE + 5} bytes: at most ${MAX_CTL_LINE}`);
  t.same(o.log, [], 'nothing applied, not even the line before');
  await runCmds(tab, `name ${'x'.repeat(MAX_CTL_LINE - 5)}`, o, c);
  t.equal(o.log.length, 1, 'a line of exactly MAX_CTL_LINE bytes is fine');
  t.equal(seen.length, 3, 'the size errors reach ctlError too');
  t.same([MAX_CTL_WRITE, MAX_CTL_LINES, MAX_CTL_LINE], [65536, 1024, 4096]);
});

t.test('a long write is applied in slices, others served between them', async (t) => {
  const o: Obj = { log: [] };
  t.equal(runCmds(tab, 'kill\n'.repeat(CTL_SLICE_LINES), o, c), undefined, 'one slice: synchronous');
  o.log = [];
  let between = -1;
  const r = runCmds(tab, 'kill\n'.repeat(CTL_SLICE_LINES * 3), o, c);
  setImmediate(() => { between = o.log.length; });
  t.ok(r instanceof Promise, 'more: a promise');
  t.equal(o.log.length, CTL_SLICE_LINES, 'the first slice at once');
  await r;
  t.equal(o.log.length, CTL_SLICE_LINES * 3, 'every line in the end, in order');
  t.ok(between >= CTL_SLICE_LINES && between < CTL_SLICE_LINES * 3, `another callback ran between slices (saw ${between})`);
  o.log = [];
  const long = `name ${'y'.repeat(4000)}\n`;
  const bytes = runCmds(tab, `${long.repeat(3)}kill\n`, o, c);
  t.ok(bytes instanceof Promise, 'a slice is also bounded by bytes');
  t.equal(o.log.length, Math.ceil(CTL_SLICE_BYTES / long.length), 'the lines of the first 8 KiB at once');
  await bytes;
  t.equal(o.log.length, 4);
  t.equal(await rejection(runCmds(tab, 'kill\n'.repeat(CTL_SLICE_LINES) + 'banana\nkill', o, c)), 'EINVAL',
    'a bad line in a later slice fails the write');
});
