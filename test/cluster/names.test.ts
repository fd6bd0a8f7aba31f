// SPDX-License-Identifier: GPL-2.0-or-later
//
// Names: /net/cs translating with the server's database, /lib/ndb serving its files,
// remote mounts dialed by name, and the cluster boot option mounting every other node.

import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ORDWR } from '../../lib/9p/const.js';
import { P9Error } from '../../lib/9p/error.js';
import { Ndb } from '../../lib/ndblib/index.js';
import { clusterMounts, clusterNodes } from '../../ns/cluster.js';
import { attach, eventually, freePort, startNode } from './nodes.js';

const dir = mkdtempSync(join(tmpdir(), 'akaros-ndb-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

async function ndbFor(ports: number[]): Promise<string> {
  const file = join(dir, `cluster-${ports.join('-')}`);
  writeFileSync(file, [
    'ipnet=lo ip=127.0.0.0 ipmask=255.0.0.0',
    '\tfs=node2',
    ...ports.map((p, i) => `sys=node${i + 1} ip=127.0.0.1 cluster=trio dial=tcp!node${i + 1}!akaros${i + 1}\n\ttcp=akaros${i + 1} port=${p}`),
    ...ports.map((p, i) => `tcp=akaros${i + 1} port=${p}`),
    'tcp=akaros port=5640',
    '',
  ].join('\n'));
  return file;
}

t.test('/net/cs and /lib/ndb', async (t) => {
  const ports = [await freePort(), await freePort(), await freePort()];
  const file = await ndbFor(ports);
  const extra = join(dir, 'services');
  writeFileSync(extra, 'tcp=9fs port=564\n');
  const n1 = await startNode('node1', { ndb: [file, extra] });
  t.teardown(() => n1.close());
  const c = await attach(n1.port, 'glenda');
  t.teardown(() => c.close());

  const cs = async (q: string): Promise<string> => {
    const f = await c.c.root!.walk('net/cs');
    try {
      await f.open(ORDWR);
      await f.write(0n, Buffer.from(q));
      return (await f.read(0n, 8192)).toString();
    } finally {
      await f.clunk();
    }
  };
  t.equal(await cs('tcp!node2!akaros2'), `tcp!127.0.0.1!${ports[1]}\n`, 'a name and a service');
  t.equal(await cs('tcp!$fs!akaros2'), `tcp!127.0.0.1!${ports[1]}\n`, '$attr: this system’s fs=, from its network');
  t.equal(await cs('tcp!node3!9fs'), 'tcp!127.0.0.1!564\n', 'the second --ndb file is searched too');
  t.equal(await cs('tcp!10.1.2.3!5640'), 'tcp!10.1.2.3!5640\n', 'an address is itself');
  t.match(await cs('!sys=node2'), /^sys=node2 ip=127\.0\.0\.1 cluster=trio dial=tcp!node2!akaros2\n/, 'an attribute query');
  try {
    await cs('tcp!nosuch!akaros');
    t.fail('an unknown name translated');
  } catch (e) {
    t.equal((e as P9Error).ename, 'ENOENT', 'an unknown name: ENOENT');
  }
  // A shell reads on the descriptor it wrote on: the answers start where the query ended.
  const f = await c.c.root!.walk('net/cs');
  await f.open(ORDWR);
  const q = Buffer.from('tcp!node1!akaros1\n');
  await f.write(0n, q);
  t.equal((await f.read(BigInt(q.length), 8192)).toString(), `tcp!127.0.0.1!${ports[0]}\n`, 'read after the write');
  await f.clunk();

  t.same(await c.ls('lib/ndb'), [file.split('/').pop(), 'services'], '/lib/ndb lists the database files');
  t.equal(await c.read('lib/ndb/services'), 'tcp=9fs port=564\n', 'as they are on disk');
  t.equal((await c.writeErr('lib/ndb/services', 'x\n')).ename, 'EACCES', 'read-only');
});

t.test('the cluster option: every other node under /n, dialed by name', async (t) => {
  const ports = [await freePort(), await freePort(), await freePort()];
  const file = await ndbFor(ports);
  t.same(clusterNodes(Ndb.open(file), 'trio').map((n) => n.sys), ['node1', 'node2', 'node3']);
  t.equal(clusterMounts(Ndb.open(file), 'trio', 'node2'), 'mount tcp!node1!akaros1 /n/node1\nmount tcp!node3!akaros3 /n/node3\n');
  t.throws(() => clusterNodes(Ndb.open(file), 'nosuch'), /no entry/);

  const nodes = await Promise.all(ports.map((port, i) => startNode(`node${i + 1}`, { port, ndb: [file], cluster: 'trio' })));
  t.teardown(async () => { for (const n of nodes) await n.close(); });
  for (const [i, n] of nodes.entries()) {
    const c = await attach(n.port, 'glenda');
    const others = [1, 2, 3].filter((k) => k !== i + 1).map((k) => `node${k}`);
    t.same(await c.ls('n'), others, `node${i + 1}: /n holds the other nodes`);
    for (const o of others) {
      t.equal(await eventually(() => c.read(`n/${o}/dev/sysname`)), `${o}\n`, `node${i + 1} reads /n/${o}`);
    }
    c.close();
  }
});
