// SPDX-License-Identifier: GPL-2.0-or-later
//
// Disk failures, injected under the journal (lib/wal's FaultFs over a real temporary
// directory): the write that needed the disk fails with EIO (a write or fdatasync error)
// or ENOSPC (a full disk), the kernel is exactly as before it, reads are still served,
// the next write works, and a restart brings back the acknowledged writes and only them.

import t from 'tap';
import { Packr } from 'msgpackr';
import { boot, type Booted } from '../../cmd/boot.js';
import { FaultFs } from '../../lib/wal/index.js';
import type { KImage } from '../../kern/index.js';
import { canonical, plain } from '../kern/diff.js';
import { dial, tempDir, type Conn } from './helpers.js';

const H = 'eve';
const packr = new Packr({ useRecords: false });

function image(m: Booted): Buffer {
  return packr.pack(canonical(plain(packr.unpack(packr.pack(m.kernel.image())) as KImage)));
}

async function start(dir: string, fs?: FaultFs): Promise<{ m: Booted; c: Conn; h: Conn }> {
  const m = await boot({ state: dir, stateFs: fs, listen: ['tcp!127.0.0.1!0'], paused: true, hostowner: H, cores: 8, log: () => {} });
  return { m, c: await dial(m.addresses[0], 'glenda'), h: await dial(m.addresses[0], H) };
}

t.test('a failed journal write fails the ctl write and changes nothing', async (t) => {
  const dir = tempDir(t);
  const fs = new FaultFs();
  const { m, c, h } = await start(dir, fs);
  const pid = await c.clone();
  const ctl = `mcp/${pid}/ctl`;
  await c.write(ctl, 'want 2\nname before\n');
  await h.write('sim/ctl', 'step 20ms');

  const cases: [string, () => void, string, () => Promise<unknown>][] = [
    ['fdatasync EIO', () => fs.inject({ op: 'fdatasync', path: /journal/ }), 'EIO', () => c.write(ctl, 'want 5')],
    ['write EIO', () => fs.inject({ op: 'write', path: /journal/ }), 'EIO', () => c.write(ctl, 'name after')],
    ['disk full', () => { fs.spaceLeft = 0; }, 'ENOSPC', () => c.write(ctl, 'cores 3')],
    ['disk full, device setting', () => { fs.spaceLeft = 10; }, 'ENOSPC', () => h.write('dev/sysname', 'gnot')],
    ['fdatasync EIO, clock', () => fs.inject({ op: 'fdatasync', path: /journal/ }), 'EIO', () => h.write('sim/ctl', 'step 50ms')],
    ['fdatasync EIO, new process', () => fs.inject({ op: 'fdatasync', path: /journal/ }), 'EIO', () => c.clone()],
    ['fdatasync EIO, kill', () => fs.inject({ op: 'fdatasync', path: /journal/ }), 'EIO', () => c.write(ctl, 'kill')],
  ];
  for (const [what, arm, errno, op] of cases) {
    const before = image(m);
    const sysname = await h.read('dev/sysname');
    arm();
    const e = await op().then(() => null, (x: { ename?: string }) => x);
    t.equal(e?.ename, errno, `${what}: the write fails ${errno}`);
    fs.clear();
    t.equal(Buffer.compare(image(m), before), 0, `${what}: the kernel is as it was`);
    t.equal(await h.read('dev/sysname'), sysname, `${what}: so is the system name`);
    t.match(await c.read(`mcp/${pid}/status`), /wanted 2\nname before|name before[\s\S]*wanted 2/, `${what}: reads are served`);
  }
  t.equal((await h.keyed('sim/status')).get('now'), '20000000', 'the failed step did not move the clock');

  // two connections writing while the disk fails: both refused, nothing applied
  const pid2 = await c.clone();
  const before = image(m);
  fs.inject({ op: 'fdatasync', path: /journal/ });
  const both = await Promise.allSettled([c.write(ctl, 'want 6'), h.write(`mcp/${pid2}/ctl`, 'want 1')]);
  t.same(both.map((r) => r.status), ['rejected', 'rejected'], 'every write of the failed batch fails');
  t.equal(Buffer.compare(image(m), before), 0, 'and none of them is in effect');
  fs.clear();

  await c.write(ctl, 'want 3');
  await h.write('dev/sysname', 'gnot');
  t.equal((await c.keyed(`mcp/${pid}/status`)).get('wanted'), '3', 'the next write works');
  c.close(); h.close();
  await m.close();

  const r = await start(dir);
  const st = await r.c.keyed(`mcp/${pid}/status`);
  t.equal(st.get('wanted'), '3', 'after a restart: the acknowledged want');
  t.equal(st.get('name'), 'before', '... and not the refused name');
  t.equal(st.get('state'), 'RUNNING_M', '... and not the refused kill');
  t.equal(await r.h.read('dev/sysname'), 'gnot\n');
  t.same(r.m.kernel.mcpPids(), [pid, pid2], 'the refused clone left no process');
  t.equal((await r.h.keyed('sim/status')).get('now'), '20000000');
  r.c.close(); r.h.close();
  await r.m.close();
});
