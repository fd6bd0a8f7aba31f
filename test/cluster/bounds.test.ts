// SPDX-License-Identifier: GPL-2.0-or-later
//
// The bounds of the cluster namespace, and the read that must not wait: #srv's posts
// and dial strings, remote links, /n mount points made on demand, and a Linux
// continuation read of a remote blocking file answered at once.

import t from 'tap';
import { createSrvDevice } from '../../devs/srv/srv.js';
import { P9Error } from '../../lib/9p/error.js';
import { duplexPair } from '../../lib/9p/duplex.js';
import { createNamespaceServer } from '../../ns/server.js';
import { RemoteMounts } from '../../ns/remote.js';
import { MAX_MOUNT_POINTS } from '../../ns/remotens.js';
import { Server } from '../../srv/server.js';
import { fakeCaller, rejection, req } from '../devs/fake.js';
import { startNode, attach } from './nodes.js';

const eve = fakeCaller('eve', true);
const glenda = fakeCaller('glenda');

t.test('#srv bounds: posts, names, dial strings', async (t) => {
  const srv = createSrvDevice({ hostowner: 'eve', limits: { maxPosts: 2, maxName: 8, maxDial: 32 } });
  const root = srv.attach(glenda, '');
  const a = await root.create!(glenda, 'a', 0o644, 1);
  await root.create!(glenda, 'b', 0o644, 1);
  t.equal(await rejection(() => root.create!(glenda, 'c', 0o644, 1)), 'ENOSPC', 'past maxPosts: ENOSPC');
  t.equal(await rejection(() => root.create!(glenda, 'a', 0o644, 1)), 'EEXIST');
  t.equal(await rejection(() => root.create!(glenda, 'longer-than-8', 0o644, 1)), 'ENAMETOOLONG');
  t.equal(await rejection(() => root.create!(glenda, 'd', 0o20000000755 | 0x80000000, 1)), 'EPERM', 'no directories');
  t.equal(await rejection(() => a.file.write(0n, Buffer.from(`tcp!${'x'.repeat(40)}!1`))), 'ENAMETOOLONG', 'past maxDial');
  t.equal(await rejection(() => a.file.write(0n, Buffer.from('tcp!a!1\ntcp!b!2'))), 'EINVAL', 'one line');
  t.equal(await a.file.write(0n, Buffer.from('tcp!a!1\n')), 8);
  t.equal((await a.file.read(req())).toString(), 'tcp!a!1\n');
  t.same([...srv.posts()], [['a', 'tcp!a!1'], ['b', '']]);
  t.equal(await rejection(() => Promise.resolve(a.node.remove!(fakeCaller('other')))), 'EPERM', 'not the owner');
  await a.node.remove!(eve);
  t.same([...srv.posts().keys()], ['b'], 'the host owner may remove any post');
  await root.create!(glenda, 'c', 0o644, 1);
  t.pass('a removed post frees its place');
});

t.test('remote links are bounded; a mount of a server that is not there fails', async (t) => {
  const dials: string[] = [];
  const remote = new RemoteMounts({
    maxLinks: 2,
    dial: async (a) => { dials.push(a); throw new P9Error(111, `dial ${a}: connection refused`); },
  });
  const users = ['u1', 'u2', 'u3'].map((u) => fakeCaller(u));
  const root = remote.mount('tcp!127.0.0.1!1', '');
  t.equal(await rejection(() => root.walk(users[0], 'x')), 'EIO', 'a server that cannot be dialed: EIO');
  t.equal(await rejection(() => root.walk(users[0], 'x')), 'EIO', 'at once while it is down (no new dial)');
  t.equal(dials.length, 1, 'one dial, then backoff');
  t.equal(await rejection(() => root.walk(users[1], 'x')), 'EIO');
  t.equal(await rejection(() => Promise.resolve().then(() => root.walk(users[2], 'x'))), 'EAGAIN', 'past maxLinks: EAGAIN');
  t.equal(remote.status().length, 2);
  remote.close();
  t.same(remote.status(), [], 'close hangs up everything');
});

t.test('/n grows mount points on demand, within its bound', async (t) => {
  const down = createNamespaceServer({ devices: [], hostowner: 'eve', remote: { dial: async () => { throw new P9Error(111, 'no'); } } });
  const s0 = down.fork();
  t.equal(await rejection(() => s0.apply('mount tcp!127.0.0.1!1 /n/x', eve)), 'EIO', 'the server must answer');
  t.equal(await rejection(() => s0.apply('mount not-a-dial-string!!! /n/x', eve)), 'EINVAL');
  down.remote!.close();

  // A server in memory to mount: an empty namespace.
  const far = new Server({ ns: createNamespaceServer({ devices: [], hostowner: 'eve' }), hostowner: 'eve' });
  const ns = createNamespaceServer({
    devices: [], hostowner: 'eve',
    remote: { dial: async () => { const [a, b] = duplexPair(); far.serve(a); return b; } },
  });
  t.teardown(async () => { ns.remote!.close(); await far.close(); });
  const s = ns.fork();
  for (let i = 0; i < MAX_MOUNT_POINTS; i++) await s.apply(`mount tcp!127.0.0.1!1 /n/m${i}`, glenda);
  t.equal(await rejection(() => s.apply('mount tcp!127.0.0.1!1 /n/one-more', glenda)), 'ENOSPC', `past ${MAX_MOUNT_POINTS} mount points in /n: ENOSPC`);
  await s.apply('mount tcp!127.0.0.1!1 /n/m0', glenda);
  t.pass('an existing mount point can still be mounted on');
  t.equal(await rejection(() => s.apply('mount tcp!127.0.0.1!1 /elsewhere', glenda)), 'ENOENT', 'only /n grows');
  t.equal(ns.remote!.status().length, 1, 'every mount of one server shares one link per user');
});

t.test('a continuation read of a remote blocking file does not wait', async (t) => {
  // node1 serves one Linux-like client: its reads after a short one must not block,
  // even when the file is node2's and nothing is there.
  const n2 = await startNode('node2');
  const n1 = await startNode('node1');
  t.teardown(async () => { await n1.close(); await n2.close(); });
  const c = await attach(n1.port, 'glenda');
  t.teardown(() => c.close());
  await c.write('dev/ns', `mount ${n2.address} /n/node2\n`);
  const B = await c.clone('n/node2/mcp');
  // A second server object over the same namespace, with the rule forced on.
  const server = new Server({ ns: n1.booted.ns, hostowner: 'eve', linuxContinuation: 'always' });
  const [a, b] = duplexPair();
  server.serve(a);
  const { Client } = await import('../../lib/9p/client.js');
  const lc = await Client.connect(b, { dialect: '9P2000.L' });
  await lc.attach({ uname: 'glenda', nUname: 0xffffffff });
  const w = await lc.root!.walk('dev/ns');
  await w.open(1);
  await w.write(0n, Buffer.from(`mount ${n2.address} /n/node2\n`));
  await w.clunk();
  const ev = await lc.root!.walk(`n/node2/mcp/${B}/events`);
  await ev.open(0);
  const direct = await attach(n2.port, 'glenda');
  t.teardown(() => direct.close());
  const first = ev.read(0n, 8192);
  await new Promise((r) => setTimeout(r, 50));
  await direct.write(`mcp/${B}/ctl`, 'notify EV_USER_IPI 1\n');
  const got = await first;
  t.match(got.toString(), /EV_USER_IPI/, 'the first read waits for the event');
  // The continuation: starts where that one ended, asks for less.
  const more = await ev.read(BigInt(got.length), 8192 - got.length);
  t.equal(more.length, 0, 'the continuation is answered at once, empty');
  await ev.clunk();
  lc.close();
  await server.close();
});
