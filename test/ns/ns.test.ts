// SPDX-License-Identifier: GPL-2.0-or-later
import t from 'tap';
import { type DirSpec, defineDevice } from '../../devs/dev.js';
import { createConsDevice } from '../../devs/cons/cons.js';
import type { Caller, Device } from '../../devs/types.js';
import { DEFAULT_BOOT_NS, createNamespaceServer, defaultBootNs, parseNsFile, parseNsLine } from '../../ns/index.js';
import type { Chan, SessionNamespace } from '../../ns/types.js';
import { fakeCaller, rejection } from '../devs/fake.js';

const hostowner = 'eve';
const eve = fakeCaller(hostowner, true);
const glenda = fakeCaller('glenda');

/** A small device with a creatable directory, for unions. */
function memDevice(name: string, files: string[]): Device & { made: string[] } {
  const made: string[] = [];
  const root: DirSpec<void> = { files: files.map((f, i) => ({ name: f, kind: i + 1, perm: 0o444, read: () => `${name}:${f}\n` })) };
  const dev = defineDevice<void>({ name, hostowner, root });
  return {
    name,
    made,
    attach(c, spec) {
      const n = dev.attach(c, spec);
      return Object.assign(Object.create(n), {
        async create(_c: Caller, fname: string) {
          made.push(fname);
          return { node: n.walk(c, files[0])!, file: { read: () => Buffer.alloc(0), write: () => 0 } };
        },
      });
    },
  };
}

/** Local walks and listings answer at once (only a remote mount's take a promise). */
function now<T>(v: T | Promise<T>): T {
  if (v instanceof Promise) throw new Error('a local operation returned a promise');
  return v;
}

function walk(c: Chan, path: string, who = eve): Chan {
  for (const e of path.split('/').filter(Boolean)) c = now(c.walk(who, e));
  return c;
}
const names = (c: Chan, who = eve) => now(c.readdir(who)).map((d) => d.name);

function setup(bootNs?: string) {
  const cons = createConsDevice({ hostowner });
  const a = memDevice('alpha', ['x', 'shared']);
  const b = memDevice('beta', ['y', 'shared']);
  const devices = [cons, a, b];
  const nss = createNamespaceServer({ devices, hostowner, bootNs });
  return { nss, cons, a, b, devices };
}

t.test('boot file parsing', async (t) => {
  t.same(parseNsLine('bind -ac #cons /dev'), { op: 'bind', flags: 2 | 4, new: '#cons', old: '/dev' });
  t.same(parseNsLine("mount -b '#srv/x' /n/x spec"), { op: 'mount', flags: 1, new: '#srv/x', old: '/n/x', spec: 'spec' });
  t.same(parseNsLine('unmount /dev'), { op: 'unmount', old: '/dev' });
  t.same(parseNsLine('unmount #cons /dev'), { op: 'unmount', new: '#cons', old: '/dev' });
  t.equal(parseNsLine('   # a comment'), undefined);
  t.equal(parseNsLine(''), undefined);
  for (const bad of ['bind -ab a /b', 'bind -x a /b', 'bind a', 'frob a b', 'unmount -a /x', 'mount a']) {
    t.equal(await rejection(() => parseNsLine(bad)), 'EINVAL', bad);
  }
  t.equal(await rejection(() => parseNsFile('bind #cons /dev\nbogus\n')), 'EINVAL');
  try { parseNsFile('\n\nbogus'); } catch (e) { t.match((e as Error).message, /line 3/); }
  t.match(DEFAULT_BOOT_NS, /bind #mcp \/mcp/);
  t.equal(defaultBootNs(['cons']).trim().split('\n').filter((l) => !l.startsWith('#')).join(';'), 'bind #cons /dev');
  t.match(defaultBootNs(['cons', 'mcp', 'srv']), /bind #cons \/dev\nbind #mcp \/mcp\nbind -c #srv \/srv/);
});

t.test('default boot namespace and the root', async (t) => {
  const { nss } = setup();
  const ns = nss.fork();
  const root = ns.root(eve, '');
  t.equal(root.info().name, '/');
  t.ok(root.isDir());
  t.same(names(root), ['dev', 'n'], 'only registered devices get their directory, /n always');
  const dev = walk(root, 'dev');
  t.ok(names(dev).includes('sysname'));
  t.same(now(root.readdir(eve)).find((d) => d.name === 'dev')!.qid, dev.qid, 'listing shows the mounted dir');
  t.equal(await rejection(() => root.walk(eve, 'nope')), 'ENOENT');
  t.equal(await rejection(() => root.walk(eve, 'a/b')), 'EINVAL');
  t.equal(await rejection(() => walk(root, 'dev/sysname').walk(eve, 'x')), 'ENOTDIR');
  t.equal(ns.text(), 'bind #cons /dev\n');
  const direct = ns.root(glenda, '#cons');
  t.ok(names(direct).includes('time'));
  t.equal(direct.walk(eve, '..'), direct, '.. of a device root stays');
  t.equal(await rejection(() => ns.root(eve, '#nosuch')), 'ENOENT');
  t.equal(walk(ns.root(eve, '/dev'), '').qid.path, dev.qid.path, 'an absolute aname walks from the root');
  t.equal(ns.root(eve, 'dev').qid.path, dev.qid.path, 'a bare aname is a path from the root (diodload attaches ctl)');
  t.equal(await rejection(() => ns.root(eve, 'nope')), 'ENOENT', 'a bare aname that does not exist');
});

t.test('.. goes back through mount points', async (t) => {
  const { nss } = setup('bind #cons /dev\nbind #alpha /lib/ndb\n');
  const ns = nss.fork();
  const root = ns.root(eve, '');
  t.same(names(root), ['dev', 'lib', 'n']);
  const x = walk(root, 'lib/ndb/x');
  t.equal(x.info().name, 'x');
  t.equal(await rejection(() => x.walk(eve, '..')), 'ENOTDIR', 'no walks from a file');
  const ndb = walk(root, 'lib/ndb');
  t.same(names(ndb), ['shared', 'x']);
  const lib = now(ndb.walk(eve, '..'));
  t.same(names(lib), ['ndb'], 'parent of the mount point, not of the device root');
  t.equal(now(now(lib.walk(eve, '..')).walk(eve, '..')).qid.path, root.qid.path, 'parent of / is /');
  t.equal(now(walk(root, 'dev').walk(eve, '..')).qid.path, root.qid.path);
});

t.test('unions: -a, -b, -c and create', async (t) => {
  const { nss, a, b } = setup('bind #cons /dev\nbind #alpha /n\n');
  const ns = nss.fork();
  ns.apply('bind -a #beta /n', eve);
  let n = walk(ns.root(eve, ''), 'n');
  t.same(names(n), ['shared', 'x', 'y'], 'merged, first name wins');
  const shared = await walk(n, 'shared').open(eve, 0);
  t.equal((await shared.read({ offset: 0n, count: 100, signal: new AbortController().signal, noblock: false })).toString(), 'alpha:shared\n', 'walk tries members in order');
  ns.apply('bind -b #beta /n', eve);
  n = walk(ns.root(eve, ''), 'n');
  const s2 = await walk(n, 'shared').open(eve, 0);
  t.equal((await s2.read({ offset: 0n, count: 100, signal: new AbortController().signal, noblock: false })).toString(), 'beta:shared\n', '-b goes first');
  t.equal(await rejection(() => n.create(eve, 'new', 0o644, 0)), 'EPERM', 'no -c member: creation forbidden');
  ns.apply('bind -ac #alpha /n', eve);
  n = walk(ns.root(eve, ''), 'n');
  const made = await n.create(eve, 'fresh', 0o644, 0);
  t.same(a.made, ['fresh'], 'created in the -c member');
  t.same(b.made, []);
  t.equal(made.chan.info().name, 'fresh');
  t.equal(await rejection(() => n.create(eve, 'x', 0o644, 0)), 'EEXIST');
  t.equal(ns.text(), 'bind #cons /dev\nbind #beta /n\nbind -a #alpha /n\nbind -a #beta /n\nbind -ac #alpha /n\n');
});

t.test('-a on a fresh mount point keeps the original directory', async (t) => {
  const { nss } = setup('bind #cons /dev\n');
  const ns = nss.fork();
  ns.apply('bind -a #alpha /dev', eve);
  const dev = walk(ns.root(eve, ''), 'dev');
  t.ok(names(dev).includes('time') && names(dev).includes('x'));
  ns.apply('bind -b #beta /n', eve);
  const n = walk(ns.root(eve, ''), 'n');
  t.same(names(n), ['shared', 'y'], 'beta, then the (empty) original /n');
  ns.apply('unmount #beta /n', eve);
  t.same(names(walk(ns.root(eve, ''), 'n')), [], 'back to the stub');
  t.equal(await rejection(() => ns.apply('unmount /n', eve)), 'EINVAL', 'nothing mounted any more');
});

t.test('unmount', async (t) => {
  const { nss } = setup('bind #cons /dev\nbind -a #alpha /dev\n');
  const ns = nss.fork();
  t.ok(names(walk(ns.root(eve, ''), 'dev')).includes('x'));
  ns.apply('unmount #alpha /dev', eve);
  t.notOk(names(walk(ns.root(eve, ''), 'dev')).includes('x'));
  t.ok(names(walk(ns.root(eve, ''), 'dev')).includes('time'));
  t.equal(await rejection(() => ns.apply('unmount #alpha /dev', eve)), 'EINVAL');
  ns.apply('unmount /dev', eve);
  t.same(names(walk(ns.root(eve, ''), 'dev')), [], 'the stub again');
  t.equal(ns.text(), '');
  t.equal(await rejection(() => ns.apply('unmount /nowhere', eve)), 'ENOENT');
});

t.test('per-session isolation', async (t) => {
  const { nss } = setup();
  const s1 = nss.fork();
  const s2 = nss.fork();
  s1.apply('bind #alpha /n', glenda);
  t.same(names(walk(s1.root(glenda, ''), 'n')), ['shared', 'x']);
  t.same(names(walk(s2.root(glenda, ''), 'n')), [], 'the other session is unchanged');
  t.same(names(walk(nss.fork().root(glenda, ''), 'n')), [], 'and so is the boot namespace');
  s2.apply('unmount /dev', glenda);
  t.equal(await rejection(() => walk(s2.root(glenda, ''), 'dev/time')), 'ENOENT');
  t.ok(walk(s1.root(glenda, ''), 'dev/time'));
});

t.test('text() round trip', async (t) => {
  const { nss, devices } = setup('bind #cons /dev\nbind #alpha /n\nbind #beta /lib/ndb\n');
  const ns: SessionNamespace = nss.fork();
  ns.apply('bind -b #beta /dev', eve);
  ns.apply('bind -a #alpha /dev', eve);
  ns.apply('bind -bc #beta /dev', eve);
  ns.apply('bind -a #beta /n', eve);
  ns.apply('bind /n /lib', eve);
  ns.apply('mount -a #alpha /lib', eve);
  const text = ns.text();
  const again = createNamespaceServer({ devices, hostowner, bootNs: text }).fork();
  t.equal(again.text(), text, 'replaying the text rebuilds the same table');
  t.same(names(walk(again.root(eve, ''), 'dev')), names(walk(ns.root(eve, ''), 'dev')));
  t.same(names(walk(again.root(eve, ''), 'lib')), names(walk(ns.root(eve, ''), 'lib')));
  t.equal(await rejection(() => ns.apply('mount #srv/node2 /n', eve)), 'EINVAL', 'mounts of 9P services come later');
  t.equal(await rejection(() => ns.apply('bind #cons/time /dev', eve)), 'EINVAL', 'file onto directory');
  t.equal(await rejection(() => ns.apply('bind -a #cons/time /dev/sysname', eve)), 'EINVAL', 'only MREPL for files');
  ns.apply('bind #cons/time /dev/sysname', eve);
  const f = await walk(ns.root(eve, ''), 'dev/sysname').open(eve, 0);
  t.match((await f.read({ offset: 0n, count: 100, signal: new AbortController().signal, noblock: false })).toString(), /^\d+ \d+ \d+ \d+\n$/, 'a file bound over a file');
});

t.test('qids unique across devices, not reused', async (t) => {
  const procs = new Map<number, object>([[1, {}], [2, {}]]);
  const mcp = defineDevice<void>({
    name: 'nsmcp', hostowner,
    root: { numbered: { kind: 1, perm: 0o555, list: () => procs.keys(), lookup: (_r, id) => procs.get(id), dir: { files: [{ name: 'status', kind: 2, perm: 0o444, read: () => '' }] } } },
  });
  const { cons } = setup();
  const nss = createNamespaceServer({ devices: [cons, mcp], hostowner, bootNs: 'bind #cons /dev\nbind #nsmcp /mcp\n' });
  const root = nss.fork().root(eve, '');
  const seen = new Map<bigint, string>();
  const visit = (c: Chan, path: string) => {
    const p = c.qid.path;
    t.notOk(seen.has(p) && seen.get(p) !== path, `${path} unique`);
    seen.set(p, path);
    if (c.isDir()) for (const d of now(c.readdir(eve))) visit(now(c.walk(eve, d.name)), `${path}/${d.name}`);
  };
  visit(root, '');
  const before = walk(root, 'mcp/1/status').qid.path;
  procs.set(1, {});
  procs.set(3, {});
  const after = walk(root, 'mcp/1/status').qid.path;
  t.not(after, before, 'a new object under a reused id gets a new qid');
  visit(root, '');
  t.ok(seen.size > 15);
});
