// SPDX-License-Identifier: GPL-2.0-or-later
//
// A clean stop and what comes back. SIGTERM with a client attached and reads blocked on
// events and wait: the server closes every connection (the blocked reads fail), writes a
// final snapshot and exits 0. Started again on the same directory: the processes are
// there with their cores, the settings as they were set, a paused clock paused at the
// same virtual time, a running one running from where it stopped.

import t from 'tap';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { dial, readUntil, serve, tempDir } from './helpers.js';

const H = 'eve';

t.test('SIGTERM with blocked readers; restart restores the machine', async (t) => {
  t.setTimeout(200_000);
  const dir = tempDir(t);
  const s1 = serve(['--state', dir, '--hostowner', H, '--paused', '--cores', '8']);
  t.teardown(() => { if (s1.p.exitCode === null) s1.p.kill('SIGKILL'); });
  await s1.ready;
  const c = await dial(s1.address, 'glenda');
  const h = await dial(s1.address, H);
  const a = await c.clone();
  const b = await c.clone();
  await c.write(`mcp/${a}/ctl`, 'cores 3\nname keeper\n');
  await c.write(`mcp/${b}/ctl`, 'want 2\nev EV_ALARM bitmap\n');
  await h.write('core/ctl', 'grace 25ms\ntick 5ms\npoke\n');
  await h.write('core/7/ctl', 'offline');
  await h.write('dev/sysname', 'gnot');
  await h.write('dev/kmesg', 'hello from the test');
  await h.write('sim/ctl', 'step 12ms\nseed 99\nspeed 2\n');
  const before = await h.read('core/map');
  t.equal((await c.keyed(`mcp/${a}/status`)).get('granted'), '3');

  const ev = await c.openRead(`mcp/${a}/events`);
  const evRead = ev.read(0n, 4096);
  const wf = await c.openRead(`mcp/${b}/wait`);
  const waitRead = wf.read(0n, 128);
  evRead.catch(() => undefined);
  waitRead.catch(() => undefined);

  s1.p.kill('SIGTERM');
  const d1 = await s1.done;
  t.equal(d1.code, 0, 'exit 0 on SIGTERM with a client attached');
  await t.rejects(evRead, 'the blocked events read fails with the connection');
  await t.rejects(waitRead, 'so does the blocked wait read');
  t.match(s1.stdout(), /akaros: stopped\n$/);

  const s2 = serve(['--state', dir]);
  t.teardown(() => { if (s2.p.exitCode === null) s2.p.kill('SIGKILL'); });
  await s2.ready;
  const h2 = await dial(s2.address, H);
  t.match(s2.stderr(), /recovered: snapshot snapshot\.\d+\.snap/, 'the final snapshot is used');
  t.equal(await h2.read('core/map'), before, 'the core map is as it was: offline core, grants, provisions');
  const st = await h2.keyed(`mcp/${a}/status`);
  t.equal(st.get('name'), 'keeper');
  t.equal(st.get('granted'), '3', 'a process comes back with its cores');
  t.equal(st.get('state'), 'RUNNING_M');
  t.equal((await h2.keyed(`mcp/${b}/status`)).get('wanted'), '2');
  const ctl = await h2.keyed('core/ctl');
  t.equal(ctl.get('grace'), '25000000');
  t.equal(ctl.get('tick'), '5000000');
  t.equal(ctl.get('offline'), '7');
  t.equal(await h2.read('dev/sysname'), 'gnot\n');
  const sim = await h2.keyed('sim/ctl');
  t.same([sim.get('mode'), sim.get('speed'), sim.get('seed')], ['paused', '2', '99'], 'the clock comes back paused, speed and seed kept');
  t.equal((await h2.keyed('sim/status')).get('now'), '12000000', 'at the virtual time it stopped');
  const log = await readUntil(h2, 'dev/kmesg', (s) => s.includes('recovered:'));
  t.match(log, /user hello from the test\n/, 'the kernel log survives');

  // a running clock: runs again from where it stopped (not from the downtime)
  await h2.write('sim/ctl', 'speed 1\nresume');
  await new Promise((r) => setTimeout(r, 50));
  s2.p.kill('SIGTERM');
  t.equal((await s2.done).code, 0);
  const s3 = serve(['--state', dir]);
  t.teardown(() => { if (s3.p.exitCode === null) s3.p.kill('SIGKILL'); });
  await s3.ready;
  const h3 = await dial(s3.address, H);
  const st3 = await h3.keyed('sim/status');
  t.equal(st3.get('mode'), 'running', 'a running clock comes back running');
  const now = Number(st3.get('now'));
  t.ok(now >= 12_050_000, `virtual time went on from where it stopped (${now})`);
  h3.close();
  s3.p.kill('SIGINT');
  t.equal((await s3.done).code, 0, 'SIGINT stops it cleanly too');
});

t.test('the default place; a saved state fixes the machine', async (t) => {
  t.setTimeout(200_000);
  const xdg = tempDir(t, 'xdg-state');
  const dir = join(xdg, 'akaros');
  const s1 = serve(['--hostowner', H, '--cores', '8'], { XDG_STATE_HOME: xdg });
  await s1.ready;
  t.match(s1.stderr(), `state ${dir}: new`, 'without --state: $XDG_STATE_HOME/akaros');
  s1.p.kill('SIGTERM');
  t.equal((await s1.done).code, 0);
  t.ok(readdirSync(dir).some((n) => n.startsWith('snapshot.')), 'the final snapshot is there');
  const s2 = serve(['--state', dir, '--cores', '16']);
  await t.rejects(s2.ready, 'another core count is refused');
  t.equal((await s2.done).code, 2);
  t.match(s2.stderr(), /holds another machine: --cores 8 \(asked 16\)/);
  const s3 = serve(['--state', dir, '--fresh', '--cores', '16']);
  await s3.ready;
  const h = await dial(s3.address, H);
  t.equal((await h.keyed('core/ctl')).get('ncores'), '16', '--fresh starts a new machine');
  h.close();
  s3.p.kill('SIGTERM');
  t.equal((await s3.done).code, 0);
});
