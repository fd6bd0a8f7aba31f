// SPDX-License-Identifier: GPL-2.0-or-later
//
// tls!HOST!PORT listeners: lib/9p dials them with a CA; a server certificate from another
// CA is refused; client certificates verified against the client CA and mapped through
// the users file name the user of every attach on their connection.

import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '../../lib/9p/client.js';
import { dial } from '../../lib/9p/dial.js';
import { P9Error } from '../../lib/9p/error.js';
import { NONUNAME } from '../../lib/9p/const.js';
import { boot } from '../../cmd/boot.js';
import { needTools } from '../clients/realclients.js';
import { makePki, type Pair } from './pki.js';
import { HOST } from './harness.js';
import { akaros } from '../cli/harness.js';

async function session(address: string, opts: { ca?: Buffer; client?: Pair; uname?: string; nUname?: number }) {
  const sock = await dial(address, { ...(opts.ca ? { ca: opts.ca } : {}), ...(opts.client ? { cert: opts.client.cert, key: opts.client.key } : {}) });
  const c = await Client.connect(sock);
  try {
    await c.attach({ uname: opts.uname ?? '', nUname: opts.nUname ?? NONUNAME });
    return c;
  } catch (e) {
    c.close();
    throw e;
  }
}

const errnoName = (e: unknown) => (e instanceof P9Error ? e.ename : String(e));

t.test('TLS listeners', async (t) => {
  if (!needTools(t, ['openssl'])) return;
  const pki = makePki();
  t.teardown(() => pki.remove());
  const alice = pki.client('alice');
  const bob = pki.client('bob');
  const forged = pki.client('alice', true);
  const usersFile = join(pki.dir, 'users');
  writeFileSync(usersFile, `# user certificate\nglenda cn=alice\n${HOST} sha256=${pki.fingerprint(bob)}\n`);
  const m = await boot({
    listen: ['tls!127.0.0.1!0'], paused: true, hostowner: HOST, cores: 4,
    tls: { cert: pki.server.certFile, key: pki.server.keyFile },
  });
  t.teardown(() => m.close());
  const [local] = m.addresses;

  t.test('server certificate checked against the CA', async (t) => {
    const c = await session(local, { ca: pki.ca.cert, uname: 'glenda' });
    t.equal((await c.readFile('dev/user')).toString(), 'glenda\n', 'served over TLS; on loopback uname is believed');
    c.close();
    const wrong = await session(local, { ca: pki.client('x', true).cert }).then(() => 'connected', errnoName);
    t.equal(wrong, 'ECONNREFUSED', 'a server certificate the CA did not sign is refused');
    t.equal(await dial('tcp!127.0.0.1!1', { ca: pki.ca.cert }).then(() => 'ok', errnoName), 'EINVAL', 'TLS options need tls!');
  });

  t.test('the akaros CLI dials tls! with --ca', async (t) => {
    const r = await akaros(['cat', '/dev/user', '-a', local, '-u', 'glenda', '--ca', pki.ca.certFile]);
    t.equal(r.exit, 0, r.stderr);
    t.equal(r.stdout, 'glenda\n');
    process.env.AKAROS_CA = pki.ca.certFile;
    t.teardown(() => { delete process.env.AKAROS_CA; });
    t.equal((await akaros(['cat', '/dev/sysname', '-a', local])).exit, 0, 'AKAROS_CA does the same');
    delete process.env.AKAROS_CA;
    const bad = await akaros(['cat', '/dev/user', '-a', local, '--ca', pki.client('y', true).certFile]);
    t.equal(bad.exit, 1, 'a CA that did not sign the server: refused');
    t.match(bad.stderr, /^akaros: dial tls!127\.0\.0\.1!\d+: /);
    const plain = await akaros(['cat', '/dev/user', '-a', 'tcp!127.0.0.1!1', '--ca', pki.ca.certFile]);
    t.equal(plain.exit, 2, '--ca with a tcp address is a usage error');
  });

  t.test('client certificates name the user', async (t) => {
    const cm = await boot({
      listen: ['tls!*!0'], paused: true, hostowner: HOST, cores: 4,
      tls: { cert: pki.server.certFile, key: pki.server.keyFile, clientCa: pki.ca.certFile, users: usersFile },
    });
    t.teardown(() => cm.close());
    const addr = cm.addresses[0].replace('*', '127.0.0.1');
    t.match(cm.addresses[0], /^tls!\*!\d+$/, 'every address without --insecure: certificates are the authentication');
    const a = await session(addr, { ca: pki.ca.cert, client: alice });
    t.equal((await a.readFile('dev/user')).toString(), 'glenda\n', 'cn=alice speaks for glenda');
    a.close();
    const b = await session(addr, { ca: pki.ca.cert, client: bob, uname: HOST });
    t.equal((await b.readFile('dev/user')).toString(), `${HOST}\n`, 'a fingerprint names the host owner');
    b.close();
    t.equal(await session(addr, { ca: pki.ca.cert, client: alice, uname: HOST }).then(() => 'attached', errnoName), 'EPERM',
      'a uname other than the certificate\'s user');
    t.equal(await session(addr, { ca: pki.ca.cert, client: alice, nUname: 0 }).then(() => 'attached', errnoName), 'EPERM',
      'n_uname 0 with glenda\'s certificate');
    t.not(await session(addr, { ca: pki.ca.cert }).then(() => 'attached', errnoName), 'attached', 'no certificate: no service');
    t.not(await session(addr, { ca: pki.ca.cert, client: forged }).then(() => 'attached', errnoName), 'attached',
      'cn=alice from another CA: no service');
    const carol = pki.client('carol');
    t.not(await session(addr, { ca: pki.ca.cert, client: carol }).then(() => 'attached', errnoName), 'attached',
      'a good certificate the users file does not name: no service');
    const cli = await akaros(['cat', '/dev/user', '-a', addr, '--ca', pki.ca.certFile, '--cert', alice.certFile, '--key', alice.keyFile, '-u', 'glenda']);
    t.equal(cli.stdout, 'glenda\n', `the CLI with --cert and --key (${cli.stderr})`);
  });
});
