// SPDX-License-Identifier: GPL-2.0-or-later
//
// Remote mounts between whole servers in this process, over loopback TCP: every
// operation forwarded with its errno, the remote seeing the session's own user, a local
// Tflush reaching the remote, no fid left behind on either side, a lost remote failing
// EIO (and only that mount) until it comes back on its own, and #srv posts mounted.

import t from 'tap';
import { OREAD, OTRUNC, OWRITE } from '../../lib/9p/const.js';
import type { Dialect } from '../../lib/9p/fcall.js';
import { attach, errOf, eventually, mountedPair, startNode, type Conn } from './nodes.js';

const DIALECTS: Dialect[] = ['9P2000.u', '9P2000.L', '9P2000'];

for (const remoteDialect of DIALECTS) {
  t.test(`every operation forwarded, errno kept (remote dialect ${remoteDialect})`, async (t) => {
    const n2 = await startNode('node2');
    const n1 = await startNode('node1', { remoteDialect });
    t.teardown(async () => { await n1.close(); await n2.close(); });
    const eve = await attach(n1.port, 'eve');
    const glenda = await attach(n1.port, 'glenda', '9P2000.u');
    const other = await attach(n1.port, 'other');
    t.teardown(() => { eve.close(); glenda.close(); other.close(); });
    for (const c of [eve, glenda, other]) await c.write('dev/ns', `mount ${n2.address} /n/node2\n`);
    t.match(await eve.read('dev/ns'), new RegExp(`^mount ${n2.address} /n/node2$`, 'm'), '/dev/ns shows the mount');

    t.ok((await eve.ls('n/node2')).includes('mcp'), 'walk and list');
    t.equal(await eve.read('n/node2/dev/sysname'), 'node2\n', 'read');
    t.equal(await glenda.read('n/node2/dev/user'), 'glenda\n', 'the remote sees the session’s own user');

    const A = await glenda.clone('n/node2/mcp');
    t.equal(await glenda.write(`n/node2/mcp/${A}/ctl`, '4\n'), 2, 'write');
    t.match(await glenda.read(`n/node2/mcp/${A}/status`), /granted 4\n/, 'the ctl reached node2');
    t.equal((await glenda.writeErr(`n/node2/mcp/${A}/ctl`, '99\n')).ename, 'ERANGE', 'ERANGE kept');
    t.equal((await glenda.writeErr(`n/node2/mcp/${A}/ctl`, 'banana\n')).ename, 'EINVAL', 'EINVAL kept');
    t.equal((await other.writeErr(`n/node2/mcp/${A}/ctl`, '1\n')).ename, 'EPERM', 'EPERM kept: another user');
    t.equal((await glenda.writeErr('n/node2/core/ctl', 'grace 1ms\n')).ename, 'EPERM', 'no host owner powers for glenda');
    t.equal(await eve.write('n/node2/core/ctl', 'grace 1ms\n'), 10, 'the host owner keeps hers');
    t.equal(await errOf(glenda.read('n/node2/mcp/999/status')), 'ENOENT', 'ENOENT kept');

    const st = await glenda.c.stat(`n/node2/mcp/${A}/ctl`);
    t.equal(st.name, 'ctl', 'stat');
    if (remoteDialect !== '9P2000.L') t.equal(st.uid, 'glenda', 'stat: the remote owner');

    // create, write, truncate, wstat, remove: through node2's #srv.
    const dir = await glenda.c.root!.walk('n/node2/srv');
    await dir.create('post', 0o644, OWRITE);
    await dir.write(0n, Buffer.from('tcp!127.0.0.1!1\n'));
    await dir.clunk();
    t.equal(await eve.read('n/node2/srv/post'), 'tcp!127.0.0.1!1\n', 'create + write');
    const f = await glenda.c.root!.walk('n/node2/srv/post');
    await f.open(OWRITE | OTRUNC);
    await f.write(0n, Buffer.from('tcp!127.0.0.1!2'));
    await f.clunk();
    t.equal(await eve.read('n/node2/srv/post'), 'tcp!127.0.0.1!2\n', 'open OTRUNC forwarded');
    if (remoteDialect !== '9P2000.L') {
      const w = await glenda.c.root!.walk('n/node2/srv/post');
      await w.wstat({ mode: 0o600 });
      await w.clunk();
      t.equal(await errOf(other.read('n/node2/srv/post')), 'EACCES', 'wstat forwarded: mode 0600 keeps others out');
    }
    const r = await other.c.root!.walk('n/node2/srv/post');
    t.equal(await errOf(r.remove()), 'EPERM', 'remove by another user: EPERM');
    const rm = await glenda.c.root!.walk('n/node2/srv/post');
    await rm.remove();
    t.equal(await errOf(eve.read('n/node2/srv/post')), 'ENOENT', 'removed on node2');

    eve.close(); glenda.close(); other.close();
    await eventually(async () => {
      if (n1.booted.server.stats().fids !== 0) throw new Error('node1 still has fids');
      const links = n1.booted.ns.remote!.status().length;
      // Each link keeps its attach fid, nothing else.
      if (n2.booted.server.stats().fids !== links) throw new Error(`node2 has ${n2.booted.server.stats().fids} fids for ${links} links`);
    });
    t.pass('no fid left on either side: node2 holds one attach per link');
  });
}

t.test('a blocked read of a remote events file: the event arrives, and a flush reaches the remote', async (t) => {
  const { n1, n2, via, direct } = await mountedPair(t);
  const B = await direct.clone();

  const ev = await via.openRead(`n/node2/mcp/${B}/events`);
  const first = ev.read(0n, 8192);
  await new Promise((r) => setTimeout(r, 100));
  await direct.write(`mcp/${B}/ctl`, 'notify EV_USER_IPI 7\n');
  t.match((await first).toString(), /EV_USER_IPI/, 'an event raised on node2 arrives through the mount');

  const ac = new AbortController();
  const blocked = ev.read(0n, 8192, ac.signal);
  await new Promise((r) => setTimeout(r, 100));
  t.equal(n2.booted.server.stats().inflight, 1, 'the read waits on node2');
  ac.abort();
  t.equal(await errOf(blocked), 'ECANCELED', 'the local flush ends the read');
  await eventually(async () => {
    if (n2.booted.server.stats().inflight !== 0) throw new Error('node2 still holds the read');
  });
  t.pass('the flush reached node2: nothing waits there');
  await direct.write(`mcp/${B}/ctl`, 'notify EV_USER_IPI 8\n');
  const d = await direct.openRead(`mcp/${B}/events`);
  const got = (await d.read(0n, 8192)).toString();
  t.equal(got.split('\n').filter(Boolean).length, 1, 'the flushed read took nothing: the next event is there, alone');
  await d.clunk();
  await ev.clunk();
  via.close();
  await eventually(async () => {
    if (n1.booted.server.stats().fids !== 0) throw new Error('node1 fids');
    if (n2.booted.server.stats().fids !== 1 + n1.booted.ns.remote!.status().length) throw new Error('node2 fids');
  });
  t.pass('the events fid is clunked on node2: only attaches are left');
});

t.test('a lost remote: EIO on that mount only, at once, until it comes back on its own', async (t) => {
  let n3 = await startNode('node3');
  const n2 = await startNode('node2');
  const n1 = await startNode('node1');
  const port3 = n3.port;
  t.teardown(async () => { await n1.close(); await n2.close(); await n3.close(); });
  const c = await attach(n1.port, 'glenda');
  t.teardown(() => c.close());
  await c.write('dev/ns', `mount ${n2.address} /n/node2\nmount ${n3.address} /n/node3\n`);
  t.equal(await c.read('n/node3/dev/sysname'), 'node3\n');
  const B = await c.clone('n/node3/mcp');
  const ev = await c.openRead(`n/node3/mcp/${B}/events`);
  const parked = ev.read(0n, 8192);

  await n3.close();
  t.equal(await errOf(parked), 'EIO', 'a read waiting on the lost node fails EIO');
  // One name per walk, as Linux walks: a walk of several names that fails past the first
  // is a short Rwalk, which a client can only take for ENOENT (walk(5)).
  const n3dir = await c.c.root!.walk('n/node3');
  t.equal(await errOf(n3dir.walk('dev')), 'EIO', 'new walks into /n/node3: EIO');
  t.equal(await errOf(n3dir.stat()), 'EIO', 'stat of /n/node3: EIO');
  await n3dir.clunk();
  t.equal(await errOf(c.ls('n/node3')), 'EIO', 'listing it: EIO');
  t.equal(await c.read('n/node2/dev/sysname'), 'node2\n', '/n/node2 untouched');
  t.equal(await c.read('dev/sysname'), 'node1\n', 'local files untouched');
  t.equal(await errOf(c.write('dev/ns', `mount tcp!127.0.0.1!${port3} /n/again\n`)), 'EIO', 'mounting a server that is down fails');

  n3 = await startNode('node3', { port: port3 });
  t.equal(await eventually(() => c.read('n/node3/dev/sysname')), 'node3\n', 'the mount redials and works again');
  t.equal(await errOf(ev.read(0n, 8192)), 'EIO', 'a file opened before the loss stays dead');
  await ev.clunk();
});

t.test('#srv: a post mounted as /srv/NAME and #srv/NAME, owned by its creator', async (t) => {
  const n2 = await startNode('node2');
  const n1 = await startNode('node1');
  t.teardown(async () => { await n1.close(); await n2.close(); });
  const glenda = await attach(n1.port, 'glenda');
  const other = await attach(n1.port, 'other', '9P2000.u');
  t.teardown(() => { glenda.close(); other.close(); });
  const dir = await glenda.c.root!.walk('srv');
  await dir.create('node2', 0o644, OWRITE);
  await dir.write(0n, Buffer.from(`${n2.address}\n`));
  await dir.clunk();
  t.same(await other.ls('srv'), ['node2'], 'everyone sees the post');
  t.equal(await other.read('srv/node2'), `${n2.address}\n`, 'it reads back as the dial string');
  await other.write('dev/ns', 'mount /srv/node2 /n/x\n');
  t.equal(await other.read('n/x/dev/sysname'), 'node2\n', 'mount /srv/NAME dials what was posted');
  await other.write('dev/ns', "mount '#srv/node2' /n/y\n");
  t.equal(await other.read('n/y/dev/user'), 'other\n', 'mount #srv/NAME too, as the mounting user');
  t.match(await other.read('dev/ns'), new RegExp(`mount ${n2.address} /n/x`), '/dev/ns shows the dial string mounted');
  t.equal((await other.writeErr('srv/node2', 'tcp!127.0.0.1!9\n')).ename, 'EACCES', 'only writers may repost');
  const again = await glenda.openWrite('srv/node2');
  t.equal(await errOf(again.write(0n, Buffer.from('tcp!127.0.0.1!9'))), 'EBUSY', 'a post is written once');
  await again.clunk();
  t.equal((await glenda.writeErr('srv/node2', 'not a dial string\n')).ename, 'EINVAL', 'a bad dial string: EINVAL');
  const rm = await other.c.root!.walk('srv/node2');
  t.equal(await errOf(rm.remove()), 'EPERM', 'others may not remove it');
  const mine = await glenda.c.root!.walk('srv/node2');
  await mine.remove();
  t.same(await other.ls('srv'), [], 'the owner may');
  t.equal(await other.read('n/x/dev/sysname'), 'node2\n', 'a mount made from a post outlives it');
  t.equal(await errOf(other.write('dev/ns', 'mount /srv/node2 /n/z\n')), 'ENOENT', 'nothing to mount any more');
});
