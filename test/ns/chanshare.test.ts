// SPDX-License-Identifier: GPL-2.0-or-later
//
// Walks share chans (ns/chan.ts): what the sharing must not change.
import t from 'tap';
import { type DirSpec, defineDevice } from '../../devs/dev.js';
import { createConsDevice } from '../../devs/cons/cons.js';
import { createNamespaceServer } from '../../ns/index.js';
import { MAX_CHAN_KIDS } from '../../ns/chan.js';
import type { Chan } from '../../ns/types.js';
import { fakeCaller, rejection, req } from '../devs/fake.js';
import { collect } from '../harness/gc.js';

const hostowner = 'eve';
const eve = fakeCaller(hostowner, true);

function now<T>(v: T | Promise<T>): T {
  if (v instanceof Promise) throw new Error('a local operation returned a promise');
  return v;
}
function walk(c: Chan, path: string): Chan {
  for (const e of path.split('/').filter(Boolean)) c = now(c.walk(eve, e));
  return c;
}

interface Proc { pid: number; note: string }
const procs = new Map<number, Proc>();
const procDir: DirSpec<Proc> = { files: [{ name: 'status', kind: 2, perm: 0o444, read: (p) => `pid ${p.pid} ${p.note}\n` }] };
const tdev = defineDevice<void>({
  name: 'chantest', hostowner,
  root: { numbered: { kind: 1, perm: 0o555, list: () => procs.keys(), lookup: (_o, id) => procs.get(id), dir: procDir } },
});

function setup(rootDirs?: string[]) {
  const cons = createConsDevice({ hostowner });
  return createNamespaceServer({ devices: [cons, tdev], hostowner, bootNs: 'bind #cons /dev\nbind #chantest /t\n',
    ...(rootDirs ? { rootDirs } : {}) });
}

t.test('walks share chans; .. is still the walked path', async (t) => {
  const ns = setup().fork();
  const root = ns.root(eve, '');
  procs.set(5, { pid: 5, note: '' });
  const a = walk(root, 'dev/sysname');
  t.equal(walk(root, 'dev/sysname'), a, 'a second walk gets the same chan');
  const p5 = walk(root, 't/5');
  t.equal(walk(root, 't/5'), p5, 'directories too');
  const tdir = walk(root, 't');
  t.equal(walk(p5, '..'), tdir, '.. of the shared chan is the shared parent');
  t.equal(walk(tdir, '..'), root, 'and back through the mount point to /');
  t.equal(walk(p5, '../../dev/sysname'), a);
  const direct = ns.root(eve, '#chantest');
  const b = walk(direct, '5');
  t.not(b, p5, 'walked from elsewhere: its own chan');
  t.equal(b.qid.path, p5.qid.path, 'of the same file');
  t.equal(walk(b, '..'), direct, 'and .. goes back where it came from');
  t.equal(walk(direct, '..'), direct);
  const other = setup().fork().root(eve, '');
  t.not(walk(other, 'dev/sysname'), a, 'sessions share no chans');
  procs.clear();
});

t.test('binds and unmounts are seen through shared chans', async (t) => {
  const ns = setup().fork();
  const root = ns.root(eve, '');
  const dev = walk(root, 'dev');
  const sysname = walk(dev, 'sysname');
  const time = walk(dev, 'time');
  await ns.apply('bind /dev/time /dev/sysname', eve);
  const bound = walk(dev, 'sysname');
  t.not(bound, sysname, 'a bind onto the file: a new chan');
  t.equal(bound.qid.path, time.qid.path, 'showing what was bound');
  t.equal(walk(dev, 'sysname'), bound, 'shared from then on');
  t.not(sysname.qid.path, time.qid.path, 'a chan walked before keeps its file');
  await ns.apply('unmount /dev/sysname', eve);
  t.equal(walk(dev, 'sysname').qid.path, sysname.qid.path, 'unmounted: the file again');
  await ns.apply('bind -a #chantest /dev', eve);
  const union = walk(root, 'dev');
  t.not(union, dev, 'a union on /dev: a new chan for dev');
  procs.set(3, { pid: 3, note: 'x' });
  t.ok(now(union.readdir(eve)).some((d) => d.name === '3'), 'with the new member');
  t.notOk(now(dev.readdir(eve)).some((d) => d.name === '3'), 'the chan walked before keeps its members');
  t.equal(walk(union, '3/..'), union);
  procs.clear();
});

t.test('a removed object: ENOENT for new walks, the held chan as before, nothing kept', async (t) => {
  const ns = setup().fork();
  const root = ns.root(eve, '');
  const refs = await (async () => {
    const obj = { pid: 7, note: 'old' };
    procs.set(7, obj);
    const dir = walk(root, 't/7');
    const st = walk(dir, 'status');
    t.equal(walk(root, 't/7/status'), st, 'shared while the object lives');
    procs.delete(7);
    t.equal(await rejection(() => walk(root, 't/7')), 'ENOENT', 'removed: new walks fail');
    t.equal(walk(dir, 'status'), st, 'a held directory chan walks as before');
    t.equal(walk(dir, '..'), walk(root, 't'));
    t.equal((await (await st.open(eve, 0)).read(req(100))).toString(), 'pid 7 old\n', 'a held file chan reads the old object');
    return [new WeakRef(st), new WeakRef(dir), new WeakRef(obj)];
  })();
  await collect();
  t.ok(refs.every((r) => r.deref() === undefined), 'once no fid holds them, the chans and the removed object go');
  procs.set(7, { pid: 7, note: 'new' });
  const again = walk(root, 't/7/status');
  t.equal((await (await again.open(eve, 0)).read(req(100))).toString(), 'pid 7 new\n', 'pid reused: the new object');
  t.equal(walk(root, 't/7/status'), again, 'shared');
  procs.clear();
});

t.test('a directory chan remembers a bounded number of children', async (t) => {
  const dirs = Array.from({ length: MAX_CHAN_KIDS + 36 }, (_, i) => `/n/d${i}`);
  const root = setup(dirs).fork().root(eve, '');
  const n = walk(root, 'n');
  const held = dirs.map((d) => walk(n, d.slice(3)));
  const kids = (n as unknown as { kids: Map<string, unknown> }).kids;
  t.ok(kids instanceof Map && kids.size <= MAX_CHAN_KIDS, `at most ${MAX_CHAN_KIDS} remembered`);
  t.ok(held.every((c, i) => c.info().name === `d${i}` && walk(c, '..') === n), 'every chan handed out works');
  t.equal(walk(n, 'd0').qid.path, held[0].qid.path, 'a forgotten name walks again');
  t.equal(walk(n, `d${dirs.length - 1}`), held[held.length - 1], 'a remembered one is shared');
});
