// SPDX-License-Identifier: GPL-2.0-or-later
//
// Listeners from Plan 9 dial strings: several at once, a unix socket created mode 0600,
// tcp!*!port on IPv4 any, and bad dial strings refused with EINVAL.

import t from 'tap';
import net from 'node:net';
import { mkdtempSync, statSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server } from '../../srv/server.js';
import { Client } from '../../lib/9p/client.js';
import { P9Error } from '../../lib/9p/error.js';
import { EINVAL } from '../../lib/9p/errno.js';
import { fakeNamespace } from './fakens.js';

function dial(opts: net.NetConnectOpts): Promise<net.Socket> {
  return new Promise((res, rej) => {
    const s = net.connect(opts);
    s.once('connect', () => res(s));
    s.once('error', rej);
  });
}

t.test('tcp and unix listeners at once', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'listen-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const sock = join(dir, 'akaros.sock');
  const server = new Server({ ns: fakeNamespace().ns, hostowner: 'eve' });
  const tcp = await server.listen('tcp!127.0.0.1!0');
  // Every address believing unames: the operator has to say so (listen.ts).
  const any = await server.listen('tcp!*!0', { insecure: true });
  const unix = await server.listen(`unix!${sock}`);
  t.match(tcp.address, /^tcp!127\.0\.0\.1!\d+$/);
  t.match(any.address, /^tcp!\*!\d+$/);
  t.equal(unix.address, `unix!${sock}`);
  t.equal(statSync(sock).mode & 0o777, 0o600, 'the unix socket is private to its owner');

  for (const opts of [
    { port: Number(tcp.address.split('!')[2]), host: '127.0.0.1' },
    { port: Number(any.address.split('!')[2]), host: '127.0.0.1' },
    { path: sock },
  ] as net.NetConnectOpts[]) {
    const c = await Client.connect(await dial(opts), { dialect: '9P2000' });
    await c.attach({ uname: 'eve' });
    t.equal((await c.readFile('hello')).toString(), 'hello world\n', `served on ${JSON.stringify(opts)}`);
    c.close();
  }
  await server.close();
  t.notOk(existsSync(sock), 'closing removes the socket');
});

t.test('bad dial strings', async (t) => {
  const server = new Server({ ns: fakeNamespace().ns, hostowner: 'eve' });
  for (const bad of ['udp!127.0.0.1!5640', 'tcp!127.0.0.1!http', 'tcp!!5640', '']) {
    const err = await server.listen(bad).then(() => undefined, (e: unknown) => e);
    t.ok(err instanceof P9Error && err.errno === EINVAL, `"${bad}" refused with EINVAL`);
  }
  await server.close();
});
