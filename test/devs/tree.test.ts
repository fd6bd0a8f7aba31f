// SPDX-License-Identifier: GPL-2.0-or-later
import t from 'tap';
import { type DirSpec, defineDevice, qidDevice, qidSpace } from '../../devs/dev.js';
import { DMDIR, QTDIR } from '../../lib/9p/const.js';
import { EPERM as EPERM_FOR_TEST } from '../../lib/9p/errno.js';
import { fakeCaller, rejection, req } from './fake.js';
import { collect } from '../harness/gc.js';
import type { Node, OpenFile } from '../../devs/types.js';

interface Proc { pid: number; user: string; dead: boolean; lasterr: string; wanted: number }
const procs = new Map<number, Proc>();
const procDir: DirSpec<Proc> = {
  files: [
    {
      name: 'ctl', kind: 2, perm: 0o664, denyErrno: EPERM_FOR_TEST,
      ctl: [{ verb: 'want', args: 1, fn: (a, p) => { p.wanted = Number(a[0]); } }],
      ctlError: (p, e) => { p.lasterr = e.detail ?? ''; },
    },
    { name: 'status', kind: 3, perm: 0o444, read: (p) => `pid ${p.pid}\nwanted ${p.wanted}\n` },
  ],
};
const hostowner = 'eve';
const dev = defineDevice<void>({
  name: 'testmcp', hostowner,
  root: {
    files: [{ name: 'info', kind: 1, perm: 0o444, read: () => 'x'.repeat(10) }],
    numbered: { kind: 0x10, perm: 0o555, list: () => procs.keys(), lookup: (_r, id) => procs.get(id), owner: (p) => p.user, dir: procDir },
  },
});
const eve = fakeCaller('eve', true);
const glenda = fakeCaller('glenda');
const other = fakeCaller('other');
const open = async (n: Node | undefined, c = eve, mode = 0): Promise<OpenFile> => n!.open(c, mode);

t.test('qids and numbered directories', async (t) => {
  procs.clear();
  procs.set(7, { pid: 7, user: 'glenda', dead: false, lasterr: '', wanted: 0 });
  procs.set(10, { pid: 10, user: 'glenda', dead: false, lasterr: '', wanted: 0 });
  procs.set(2, { pid: 2, user: 'glenda', dead: false, lasterr: '', wanted: 0 });
  const root = dev.attach(eve, '');
  t.equal(root.qid.type, QTDIR);
  t.equal(root.info().mode, DMDIR | 0o555);
  t.equal(qidDevice(root.qid.path), qidSpace('testmcp').index);
  t.same(root.children(eve).map((n) => n.info().name), ['2', '7', '10', 'info'], 'numbered first, sorted numerically');
  const p7 = root.walk(eve, '7')!;
  t.equal(p7.info().uid, 'glenda');
  t.equal(root.walk(eve, '07'), undefined, 'not a clean number');
  t.equal(root.walk(eve, '8'), undefined);
  const st = p7.walk!(eve, 'status')!;
  t.equal(st.info().length, 0n);
  t.equal(st.qid.version, 0);
  const seen = new Set<bigint>();
  for (const n of [root, p7, st, p7.walk!(eve, 'ctl')!, root.walk(eve, '2')!, root.walk(eve, '2')!.walk!(eve, 'status')!, root.walk(eve, 'info')!]) {
    t.notOk(seen.has(n.qid.path), `unique qid for ${n.info().name}`);
    seen.add(n.qid.path);
  }
  t.equal(root.walk(eve, '7')!.qid.path, p7.qid.path, 'stable while the object lives');
  const oldStatus = st.qid.path;
  procs.set(7, { pid: 7, user: 'glenda', dead: false, lasterr: '', wanted: 0 });
  const again = root.walk(eve, '7')!.walk!(eve, 'status')!;
  t.not(again.qid.path, oldStatus, 'pid reused: new qid');
  t.notOk(seen.has(again.qid.path));
});

t.test('offsets, snapshots, ctl', async (t) => {
  procs.clear();
  const p: Proc = { pid: 7, user: 'glenda', dead: false, lasterr: '', wanted: 0 };
  procs.set(7, p);
  const root = dev.attach(eve, '');
  const f = await open(root.walk(eve, '7')!.walk!(eve, 'status'));
  t.equal((await f.read(req(5))).toString(), 'pid 7');
  p.wanted = 3;
  t.equal((await f.read(req(100, 5n))).toString(), '\nwanted 0\n', 'later offsets of one open: same rendering');
  t.equal((await f.read(req(100, 0n))).toString(), 'pid 7\nwanted 3\n', 'offset 0: fresh');
  const ctl = await open(root.walk(eve, '7')!.walk!(eve, 'ctl'), glenda, 2);
  t.equal((await ctl.read(req())).toString(), '7\n', 'ctl read gives the id');
  t.equal(await ctl.write(0n, Buffer.from('want 5\n')), 7);
  t.equal(p.wanted, 5);
  t.equal(await rejection(() => ctl.write(0n, Buffer.from('banana'))), 'EINVAL');
  t.equal(p.lasterr, 'unknown control message "banana"');
  t.equal(await ctl.write(0n, Buffer.alloc(0)), 0, 'empty write: nothing');
});

t.test('permissions', async (t) => {
  procs.clear();
  procs.set(7, { pid: 7, user: 'glenda', dead: false, lasterr: '', wanted: 0 });
  const root = dev.attach(eve, '');
  const ctl = root.walk(eve, '7')!.walk!(eve, 'ctl')!;
  t.equal(await rejection(() => ctl.open(other, 1)), 'EPERM', 'table errno for non-owners');
  t.equal(await rejection(() => ctl.open(other, 0)), 'resolved', 'but readable');
  t.equal(await rejection(() => ctl.open(glenda, 2)), 'resolved', 'owner may write');
  t.equal(await rejection(() => ctl.open(eve, 2)), 'resolved', 'host owner may');
  const info = root.walk(eve, 'info')!;
  t.equal(await rejection(() => info.open(other, 1)), 'EACCES');
  t.equal(await rejection(() => info.open(eve, 1)), 'EACCES', 'no write handler: nobody writes');
  t.equal(await rejection(() => info.open(other, 0x10)), 'EACCES', 'OTRUNC needs write');
  t.equal(await rejection(() => root.open(eve, 1)), 'EISDIR');
  t.equal(await rejection(() => Promise.resolve().then(() => info.wstat!(other, { mode: 0o777 }))), 'EPERM');
  t.equal(await rejection(() => Promise.resolve().then(() => ctl.wstat!(glenda, { length: 0n }))), 'resolved', 'truncate ok');
  t.equal(await rejection(() => Promise.resolve().then(() => dev.attach(eve, 'spec'))), 'EINVAL', 'no spec handler');
});

t.test('walks hand out the same node while nothing changed', async (t) => {
  procs.clear();
  const p: Proc = { pid: 7, user: 'glenda', dead: false, lasterr: '', wanted: 0 };
  procs.set(7, p);
  const root = dev.attach(eve, '');
  const p7 = root.walk(eve, '7')!;
  t.equal(root.walk(eve, '7'), p7, 'numbered directory: one node');
  const st = p7.walk!(eve, 'status')!;
  t.equal(p7.walk!(eve, 'status'), st, 'fixed file: one node');
  t.equal(root.walk(eve, 'info'), root.walk(eve, 'info'));
  t.equal(st.info().name, 'status', 'the name is the table\'s');
  t.ok(root.children(eve).includes(p7), 'a listing shows the walked node');
  // Per-open state is not in the node: two opens of the shared node keep their own snapshot.
  const a = await open(st), b = await open(st);
  t.equal((await a.read(req(5))).toString(), 'pid 7');
  p.wanted = 4;
  t.equal((await b.read(req(100))).toString(), 'pid 7\nwanted 4\n');
  t.equal((await a.read(req(100, 5n))).toString(), '\nwanted 0\n', 'the first open continues its own snapshot');
  // What the tables say now wins over what was kept.
  p.user = 'other';
  const moved = root.walk(eve, '7')!;
  t.not(moved, p7, 'owner changed: a new node');
  t.equal(moved.info().uid, 'other');
  t.equal(moved.qid.path, p7.qid.path, 'same object: same qid');
  t.equal(p7.info().uid, 'glenda', 'a node already handed out does not change');
  procs.delete(7);
  t.equal(root.walk(eve, '7'), undefined, 'removed: ENOENT, nothing kept answers for it');
  t.equal(st.info().name, 'status', 'a node held across the removal still answers');
});

t.test('a removed object\'s node is not kept alive', async (t) => {
  procs.clear();
  const root = dev.attach(eve, '');
  const refs = ((): WeakRef<object>[] => {
    procs.set(9, { pid: 9, user: 'glenda', dead: false, lasterr: '', wanted: 0 });
    const p9 = root.walk(eve, '9')!;
    const st = p9.walk!(eve, 'status')!;
    return [new WeakRef(p9), new WeakRef(st), new WeakRef(procs.get(9)!)];
  })();
  await collect();
  t.ok(refs.every((r) => r.deref() !== undefined), 'kept while the object lives');
  procs.delete(9);
  await collect();
  t.ok(refs.every((r) => r.deref() === undefined), 'gone with the object');
  t.ok(root.walk(eve, 'info'), 'the directory still walks');
});
