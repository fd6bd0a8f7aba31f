// SPDX-License-Identifier: GPL-2.0-or-later
//
// mount: the command built for each kind of address (--dry-run; nothing is mounted).

import t from 'tap';
import { akaros, json } from './harness.js';
import type { MountResult } from '../../cmd/commands/mount.js';

t.test('mount --dry-run', async (t) => {
  const v = await akaros(['mount', '/mnt/akaros', '--dry-run', '-a', 'tcp!10.0.0.2!5640']);
  t.equal(v.exit, 0);
  t.equal(v.stdout, 'mount -t 9p -o trans=tcp,port=5640,version=9p2000.L,cache=none 10.0.0.2 /mnt/akaros\n');
  const u = await akaros(['mount', '/mnt/a', '-n', '-a', 'tcp!127.0.0.1!564', '-u', 'glenda', '--dialect', '9P2000.u']);
  t.equal(u.stdout, 'mount -t 9p -o trans=tcp,port=564,version=9p2000.u,cache=none,uname=glenda 127.0.0.1 /mnt/a\n');
  const x = await akaros(['mount', '/mnt/a', '--v9fs', '--dry-run', '-a', 'unix!/tmp/akaros.sock']);
  t.equal(x.stdout, 'mount -t 9p -o trans=unix,version=9p2000.L,cache=none /tmp/akaros.sock /mnt/a\n');
  const f = await akaros(['mount', '/mnt/a', '--9pfuse', '--dry-run', '-a', 'tcp!127.0.0.1!5640']);
  t.equal(f.stdout, "9pfuse 'tcp!127.0.0.1!5640' /mnt/a\n");
  const j = json<MountResult>(await akaros(['mount', '/mnt/a', '--9pfuse', '--dry-run', '--json']));
  t.same(j, { argv: ['9pfuse', 'tcp!127.0.0.1!5640', '/mnt/a'], command: "9pfuse 'tcp!127.0.0.1!5640' /mnt/a", ran: false });
  const both = await akaros(['mount', '/mnt/a', '--9pfuse', '--v9fs', '--dry-run']);
  t.equal(both.exit, 2, '--v9fs and --9pfuse exclude each other');
  const bad = await akaros(['mount', '/mnt/a', '--dry-run', '-a', 'tcp!host!name']);
  t.equal(bad.exit, 2);
  t.match(bad.stderr, /port number/);
});
