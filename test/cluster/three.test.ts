// SPDX-License-Identifier: GPL-2.0-or-later
//
// Three `akaros serve` processes on loopback, separate ports, one ndb file naming them as
// cluster `trio`, each started with --cluster trio: each mounts the other two under /n.
// A ctl written through node1's mount shows in node3's core map; names translate through
// /net/cs; a #srv post is mounted by another session; node3 killed makes only /n/node3
// fail (EIO), and it comes back by itself when node3 is started again.

import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ORDWR, OWRITE } from '../../lib/9p/const.js';
import { attach, errOf, eventually, freePort, spawnServe, trioNdb, type Proc } from './nodes.js';

t.test('three nodes, one cluster', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'akaros-trio-'));
  const ports = [await freePort(), await freePort(), await freePort()];
  const ndb = trioNdb(dir, ports);
  const args = (k: number) => ['--ndb', ndb, '--sysname', `node${k}`, '--cluster', 'trio', '--hostowner', 'eve', '--paused', '--grace', '0'];
  const procs: Proc[] = [];
  t.teardown(async () => {
    for (const p of procs) await p.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  for (let k = 1; k <= 3; k++) procs.push(await spawnServe(ports[k - 1], args(k)));

  const c1 = await attach(ports[0], 'glenda');
  const c3 = await attach(ports[2], 'glenda');
  t.teardown(() => { c1.close(); c3.close(); });
  for (let k = 1; k <= 3; k++) {
    const c = await attach(ports[k - 1], 'glenda');
    const others = [1, 2, 3].filter((x) => x !== k).map((x) => `node${x}`);
    t.same(await c.ls('n'), others, `node${k} has the others under /n`);
    for (const o of others) t.equal(await c.read(`n/${o}/dev/sysname`), `${o}\n`, `node${k} reads /n/${o}`);
    c.close();
  }

  t.ok((await c1.ls('n/node2/mcp')).includes('clone'), 'node1 lists /n/node2/mcp');
  const A = await c1.clone('n/node3/mcp');
  await c1.write(`n/node3/mcp/${A}/ctl`, '4\n');
  const map = (await c3.read('core/map')).split('\n').filter((l) => new RegExp(`^\\s*\\d+\\s+cg\\s+busy\\s+${A}\\s+${A}\\s`).test(l));
  t.equal(map.length, 4, 'node3’s /core/map shows the four cores asked for through node1');

  const f = await c1.c.root!.walk('net/cs');
  await f.open(ORDWR);
  await f.write(0n, Buffer.from('tcp!node3!akaros3'));
  t.equal((await f.read(0n, 8192)).toString(), `tcp!127.0.0.1!${ports[2]}\n`, '/net/cs translates node3');
  await f.clunk();

  const d = await c1.c.root!.walk('srv');
  await d.create('three', 0o644, OWRITE);
  await d.write(0n, Buffer.from('tcp!node3!akaros3\n'));
  await d.clunk();
  const other = await attach(ports[0], 'other');
  t.teardown(() => other.close());
  await other.write('dev/ns', 'mount /srv/three /n/three\n');
  t.equal(await other.read('n/three/dev/user'), 'other\n', 'a #srv post, mounted by another user, dialed by name');

  // node3 goes away.
  procs[2].child.kill('SIGKILL');
  await procs[2].stop();
  const n3 = await c1.c.root!.walk('n/node3');
  t.equal(await eventually(async () => {
    const e = await errOf(n3.walk('dev'));
    if (e !== 'EIO') throw new Error(e);
    return e;
  }), 'EIO', 'walks into /n/node3 fail EIO');
  t.equal(await errOf(n3.stat()), 'EIO', 'stat of /n/node3: EIO');
  t.equal(await c1.read('n/node2/dev/sysname'), 'node2\n', '/n/node2 still works');
  t.equal(await c1.read('dev/sysname'), 'node1\n', 'and node1’s own files');
  await n3.clunk();

  procs[2] = await spawnServe(ports[2], args(3));
  t.equal(await eventually(() => c1.read('n/node3/dev/sysname')), 'node3\n', '/n/node3 comes back by itself');
  t.ok((await c1.ls('n/node3/mcp')).includes('clone'), 'and lists again');
});
