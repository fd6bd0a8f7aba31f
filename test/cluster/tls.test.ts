// SPDX-License-Identifier: GPL-2.0-or-later
//
// A remote mount over TLS: `mount tls!127.0.0.1!PORT /n/x` from a node given the CA
// (--remote-tls-ca) reaches a tls! listener, and the session's user is what the far
// server sees; a node without that CA refuses the server's certificate (EIO: the server
// cannot be reached safely).

import t from 'tap';
import { P9Error } from '../../lib/9p/error.js';
import { needTools } from '../clients/realclients.js';
import { makePki } from '../trust/pki.js';
import { attach, startNode } from './nodes.js';

const errOf = (p: Promise<unknown>): Promise<string> => p.then(() => 'resolved', (e) => (e instanceof P9Error ? e.ename : String(e)));

t.test('remote mounts over TLS', async (t) => {
  if (!needTools(t, ['openssl'])) return;
  const pki = makePki();
  t.teardown(() => pki.remove());
  const { boot } = await import('../../cmd/boot.js');
  const far = await boot({
    listen: ['tls!127.0.0.1!0'], paused: true, hostowner: 'eve', sysname: 'far',
    tls: { cert: pki.server.certFile, key: pki.server.keyFile },
  });
  const n1 = await startNode('node1', { remoteTlsCa: pki.ca.certFile });
  const blind = await startNode('blind');
  t.teardown(async () => { await n1.close(); await blind.close(); await far.close(); });
  const addr = far.addresses[0];
  t.match(addr, /^tls!127\.0\.0\.1!\d+$/);

  const c = await attach(n1.port, 'glenda');
  t.teardown(() => c.close());
  await c.write('dev/ns', `mount ${addr} /n/far\n`);
  t.equal(await c.read('n/far/dev/sysname'), 'far\n', 'files of a server reached over TLS');
  t.equal(await c.read('n/far/dev/user'), 'glenda\n', 'as the session’s user');
  const b = await attach(blind.port, 'glenda');
  t.teardown(() => b.close());
  t.equal(await errOf(b.write('dev/ns', `mount ${addr} /n/far\n`)), 'EIO', 'a certificate from an unknown CA: the mount fails');
});
