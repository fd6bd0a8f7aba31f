// SPDX-License-Identifier: GPL-2.0-or-later
//
// diod's own clients (9P2000.L, Tauth first, walks from open directory fids, msize
// 65536) against our server on a loopback port.

import t from 'tap';
import { execFile } from 'node:child_process';
import { boot } from '../../cmd/boot.js';
import { needTools } from './realclients.js';

/** Asynchronous: the server under test runs in this very process. */
function run(cmd: string, args: string[]): Promise<{ rc: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: 'utf8', timeout: 20000 }, (e, out, err) => {
      resolve({ rc: e ? (typeof e.code === 'number' ? e.code : -1) : 0, out, err });
    });
  });
}

t.test('diodls and diodcat', async (t) => {
  if (!needTools(t, ['diodls', 'diodcat'])) return;
  const m = await boot({ listen: ['tcp!127.0.0.1!0'], paused: true, hostowner: 'glenda', sysname: 'gnot' });
  t.teardown(() => m.close());
  const port = m.addresses[0].split('!')[2];
  const s = `127.0.0.1:${port}`;

  const ls = await run('diodls', ['-s', s, '-a', '/']);
  t.equal(ls.rc, 0, ls.err);
  t.same(ls.out.split('\n').filter(Boolean).sort(), ['alarm', 'core', 'dev', 'lib', 'mcp', 'n', 'net', 'proc', 'sim', 'srv'], 'the root tree');

  const ll = await run('diodls', ['-s', s, '-a', '/', '-l', 'dev']);
  t.equal(ll.rc, 0, ll.err);
  t.match(ll.out, /^dr-xr-xr-x.*\s\.\n/m, 'directories carry S_IFDIR and their permissions');
  t.match(ll.out, /^-r--r--r--.*\stime$/m, 'dev/time is a read-only file');
  t.match(ll.out, /^-rw-rw-r--.*\ssysname$/m);

  const cat = await run('diodcat', ['-s', s, '-a', '/', 'dev/sysname', 'dev/osversion']);
  t.equal(cat.rc, 0, cat.err);
  t.match(cat.out, /^gnot\n/);

  const time = await run('diodcat', ['-s', s, '-a', '/', 'dev/time']);
  t.match(time.out, /^\d+ \d+ \d+ \d+\n$/, 'sec nsec ticks freq');

  const clone = await run('diodcat', ['-s', s, '-a', '/', 'mcp/clone']);
  t.match(clone.out, /^\d+\n$/, 'reading mcp/clone creates an MCP and names it');
  const id = clone.out.trim();
  const st = await run('diodcat', ['-s', s, '-a', '/', `mcp/${id}/status`]);
  t.match(st.out, new RegExp(`^pid ${id}\\n[^]*state RUNNABLE_M\\n[^]*wanted 0\\n`));

  const missing = await run('diodcat', ['-s', s, '-a', '/', 'dev/nope']);
  t.not(missing.rc, 0);
  t.match(missing.err, /No such file or directory/);

  const dev = await run('diodls', ['-s', s, '-a', '#cons']);
  t.match(dev.out, /\nsysname\n/, 'a device attached directly by #name');

  t.same(m.server.stats().fids, 0, 'the tools left no fids behind');
});
