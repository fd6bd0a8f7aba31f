// SPDX-License-Identifier: GPL-2.0-or-later
//
// The namespace's bounds: attaches share the boot table until they change it, binds cost
// the same however full the table is, a table and a union have a size limit, a line has
// a length limit, and namespace lines may walk only so much per turn of the event loop.

import t from 'tap';
import { createConsDevice } from '../../devs/cons/cons.js';
import { type DirSpec, defineDevice } from '../../devs/dev.js';
import type { Device } from '../../devs/types.js';
import { DEFAULT_MOUNT_LIMITS, MAX_NS_LINE, createNamespaceServer } from '../../ns/index.js';
import type { Chan } from '../../ns/types.js';
import { fakeCaller, rejection } from '../devs/fake.js';

const hostowner = 'eve';
const eve = fakeCaller(hostowner, true);
const bob = fakeCaller('bob');

function dirDevice(name: string, files: string[]): Device {
  const root: DirSpec<void> = { files: files.map((f, i) => ({ name: f, kind: i + 1, perm: 0o444, read: () => `${name}:${f}\n` })) };
  return defineDevice<void>({ name, hostowner, root });
}

function setup(opts: { walkBudget?: number; maxMembers?: number; maxUnion?: number } = {}) {
  const devices = [createConsDevice({ hostowner }), dirDevice('alpha', ['x']), dirDevice('beta', ['y'])];
  const limits = { ...(opts.maxMembers ? { maxMembers: opts.maxMembers } : {}), ...(opts.maxUnion ? { maxUnion: opts.maxUnion } : {}) };
  return createNamespaceServer({ devices, hostowner, bootNs: 'bind #cons /dev\n', limits, walkBudget: opts.walkBudget });
}

/** Local walks and listings answer at once (only a remote mount's take a promise). */
function now<T>(v: T | Promise<T>): T {
  if (v instanceof Promise) throw new Error('a local operation returned a promise');
  return v;
}
const names = (c: Chan) => now(c.readdir(eve)).map((d) => d.name);
const walk = (c: Chan, path: string) => path.split('/').filter(Boolean).reduce((x: Chan, e) => now(x.walk(eve, e)), c);
const nextTurn = () => new Promise((r) => setImmediate(r));

t.test('20,000 bind -a lines stop at the union limit, with the table unchanged after', async (t) => {
  const nss = setup();
  const ns = nss.fork();
  let done = 0;
  let err = '';
  for (let i = 0; i < 20000 && !err; i++) {
    err = await rejection(() => ns.apply('bind -a #alpha /n', bob));
    if (err === 'resolved') { err = ''; done++; }
  }
  t.equal(err, 'ENOSPC', 'the line past the limit fails');
  t.equal(done, DEFAULT_MOUNT_LIMITS.maxUnion - 1, 'the union holds maxUnion members, the original /n included');
  t.equal(ns.text().split('\n').filter(Boolean).length, 1 + done, 'nothing half-added');
  t.equal(await rejection(() => ns.apply('bind -b #beta /n', bob)), 'ENOSPC', '-b too');
  ns.apply('unmount #alpha /n', bob);
  t.same(names(walk(ns.root(bob, ''), 'n')), [], 'unmount takes every #alpha member away');
  ns.apply('bind -a #beta /n', bob);
  t.same(names(walk(ns.root(bob, ''), 'n')), ['y'], 'room again after the unmount');
});

t.test('the whole table has a limit too', async (t) => {
  const ns = setup({ maxMembers: 10, maxUnion: 4 }).fork();
  const lines = [
    ...Array(3).fill('bind -a #beta /n'), ...Array(3).fill('bind -a #beta /dev'),
    'bind /dev/time /dev/sysname', 'bind /dev/time /dev/user',
  ];
  for (const l of lines) ns.apply(l, bob);
  t.equal(await rejection(() => ns.apply('bind /dev/time /dev/null', bob)), 'ENOSPC', 'the member past maxMembers is refused');
  t.equal(await rejection(() => ns.apply('bind /dev/time /dev/sysname', bob)), 'resolved', 'a replacement that does not grow the table is fine');
  ns.apply('unmount /n', bob);
  t.equal(await rejection(() => ns.apply('bind /dev/time /dev/null', bob)), 'resolved', 'an unmount frees its members');
});

t.test('attaches share the boot table until they bind; each change stays private', async (t) => {
  const nss = setup();
  const forks = Array.from({ length: 1000 }, () => nss.fork());
  forks[7].apply('bind #alpha /n', bob);
  forks[8].apply('unmount /dev', bob);
  t.same(names(walk(forks[7].root(bob, ''), 'n')), ['x']);
  t.same(names(walk(forks[9].root(bob, ''), 'n')), [], 'a sibling is unchanged');
  t.ok(names(walk(forks[7].root(bob, ''), 'dev')).includes('time'), 'the binder keeps the boot binds');
  t.equal(await rejection(() => walk(forks[8].root(bob, ''), 'dev/time')), 'ENOENT');
  t.ok(names(walk(nss.fork().root(bob, ''), 'dev')).includes('time'), 'the boot table is unchanged');
  t.equal(forks[9].text(), 'bind #cons /dev\n');
});

t.test('a line longer than MAX_NS_LINE is refused before it is walked', async (t) => {
  const ns = setup().fork();
  const long = `bind #alpha /n/${'a/'.repeat(MAX_NS_LINE)}`;
  t.equal(await rejection(() => ns.apply(long, bob)), 'EINVAL');
});

t.test('namespace lines walk only so much per turn; the next turn is fresh', async (t) => {
  const nss = setup({ walkBudget: 40 });
  const ns = nss.fork();
  const other = nss.fork();
  await nextTurn();
  let ok = 0;
  let err = '';
  for (let i = 0; i < 1000 && !err; i++) {
    err = await rejection(() => ns.apply('bind /dev/time /dev/sysname', bob));
    if (err === 'resolved') { err = ''; ok++; }
  }
  t.equal(err, 'EAGAIN', 'past the budget: EAGAIN');
  t.ok(ok > 0 && ok < 40, `some lines ran first (${ok})`);
  t.equal(await rejection(() => other.apply('bind /dev/time /dev/sysname', bob)), 'EAGAIN', 'the budget is shared by every session');
  t.equal(await rejection(() => other.root(bob, '/dev')), 'EAGAIN', 'and by attach names');
  await nextTurn();
  t.equal(await rejection(() => other.apply('bind /dev/time /dev/sysname', bob)), 'resolved', 'a new turn, a new budget');
});

t.test('control characters never make a name', async (t) => {
  const ns = setup().fork();
  const root = ns.root(eve, '');
  for (const bad of ['a\nb', 'x\r', 'nul\0', 'tab\t', 'del\x7f']) {
    t.equal(await rejection(() => root.walk(eve, bad)), 'EINVAL', `walk ${JSON.stringify(bad)}`);
  }
  t.equal(await rejection(() => ns.apply('bind #alpha "/n/a\x01b"', bob)), 'EINVAL', 'nor a path in a namespace line');
});
