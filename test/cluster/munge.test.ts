// SPDX-License-Identifier: GPL-2.0-or-later
//
// Remote mounts of a server started --auth munge: node1 (remoteAuth munge, running as
// root) encodes a credential for each session's user, so node2 sees that user and no
// other; a user with no uid here cannot be vouched for, and a node1 without credentials
// is refused. A private munged on its own socket (test/munge/munged.ts).

import t from 'tap';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { P9Error } from '../../lib/9p/error.js';
import { Munge } from '../../lib/munge/index.js';
import { needTools } from '../clients/realclients.js';
import { MUNGE_TOOLS, startMunged } from '../munge/munged.js';
import { attach, startNode } from './nodes.js';

const errOf = (p: Promise<unknown>): Promise<string> => p.then(() => 'resolved', (e) => (e instanceof P9Error ? e.ename : String(e)));

t.test('remote mounts authenticated with MUNGE', { skip: process.getuid?.() !== 0 && 'needs root (credentials for other uids)' }, async (t) => {
  if (!needTools(t, MUNGE_TOOLS)) return;
  const dir = mkdtempSync(join(tmpdir(), 'cluster-munge-'));
  chmodSync(dir, 0o755);
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const munged = await startMunged({ socket: join(dir, 'run', 'munge.socket.2') });
  t.teardown(() => munged.stop());
  const munge = new Munge({ socket: munged.socket });

  const n2 = await startNode('node2', { auth: 'munge', munge });
  const n1 = await startNode('node1', { remoteAuth: 'munge', remoteMunge: munge });
  const plain = await startNode('plain');
  t.teardown(async () => { await n1.close(); await plain.close(); await n2.close(); });

  for (const user of ['root', 'daemon']) {
    const c = await attach(n1.port, user);
    await c.write('dev/ns', `mount ${n2.address} /n/node2\n`);
    t.equal(await c.read('n/node2/dev/user'), `${user}\n`, `${user}: node2 sees ${user}, vouched for by its credential`);
    c.close();
  }
  const glenda = await attach(n1.port, 'glenda');
  t.equal(await errOf(glenda.write('dev/ns', `mount ${n2.address} /n/node2\n`)), 'EPERM', 'a user with no uid here: EPERM');
  glenda.close();
  const p = await attach(plain.port, 'root');
  t.equal(await errOf(p.write('dev/ns', `mount ${n2.address} /n/node2\n`)), 'EPERM', 'no credential: node2 refuses the mount');
  p.close();
});
