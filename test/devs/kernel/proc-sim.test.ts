// SPDX-License-Identifier: GPL-2.0-or-later
//
// #proc and #sim through the real stack, and /dev/time, /dev/kmesg on the kernel.

import t from 'tap';
import { EACCES, EINVAL, EPERM, ERANGE } from '../../../lib/9p/errno.js';
import { makeStack, settle } from './stack.js';

async function setup(t: { teardown(fn: () => unknown): void }, cfg = {}) {
  const s = await makeStack(cfg);
  t.teardown(() => s.close());
  return { s, g: await s.connect('glenda'), eve: await s.connect('eve'), alice: await s.connect('alice') };
}

t.test('/proc: clone, Akaros status format, ctl run / m / name / kill, user, wait', async (t) => {
  const { s, g, alice } = await setup(t);
  const p = await g.clone('proc');
  t.equal(await g.read(`proc/${p}/status`), `${String(p).padStart(8)} ${''.padEnd(20)} ${'CREATED'.padEnd(10)}      0\n`);
  t.equal(await g.read(`proc/${p}/user`), 'glenda\n');
  t.equal(await g.read(`proc/${p}/ctl`), `${p}\n`);
  t.same(await g.ls(`proc/${p}`), ['ctl', 'status', 'user', 'wait']);
  t.notOk((await g.ls('mcp')).includes(String(p)), 'an SCP is not in /mcp');
  await g.write(`proc/${p}/ctl`, 'name spin');
  t.equal((await g.writeErr(`proc/${p}/ctl`, 'm')).errno, EINVAL, 'not RUNNING_S yet');
  await g.write(`proc/${p}/ctl`, 'run');
  t.equal(await g.read(`proc/${p}/status`), `       ${p} spin                 RUNNING_S       0\n`);
  t.equal((await g.writeErr(`proc/${p}/ctl`, 'run')).errno, EINVAL, 'run twice');
  t.equal((await alice.writeErr(`proc/${p}/ctl`, 'kill')).errno, EPERM);
  t.equal((await g.writeErr(`proc/${p}/ctl`, 'cores 2')).errno, EINVAL, 'not a /proc verb');
  t.equal((await g.writeErr(`proc/${p}/ctl`, 'name 01234567890123456789')).errno, EINVAL);
  await g.write(`proc/${p}/ctl`, 'm');
  t.match(await g.read(`proc/${p}/status`), /^ {7}\d spin {17}RUNNABLE_M {6}0\n$/);
  t.ok((await g.ls('mcp')).includes(String(p)), 'an MCP is in both');
  await g.write(`mcp/${p}/ctl`, 'want 1');
  t.match(await g.read(`proc/${p}/status`), /RUNNING_M/);
  // an MCP made by /mcp/clone is in /proc too
  const m = await g.clone();
  t.match(await alice.read(`proc/${m}/status`), /RUNNABLE_M/);
  const w = g.read(`proc/${p}/wait`);
  await settle();
  await g.write(`proc/${p}/ctl`, 'kill 9');
  t.equal(await w, `${p} 9 killed\n`);
  t.notOk((await g.ls('proc')).includes(String(p)));
  t.equal((await g.writeErr('proc/clone', 'x')).errno, EACCES, '/proc/clone takes no writes');
  void s;
});

t.test('/sim: status, pause / resume / speed / step / seed, host owner only', async (t) => {
  const { s, g, eve } = await setup(t);
  t.equal(await g.read('sim/status'), 'mode paused\nspeed 1\nnow 0\nlag 0\nevents 0\nnext 10000000\nseed 1\n');
  t.equal(await g.read('sim/ctl'), 'mode paused\nspeed 1\nseed 1\n');
  await eve.write('sim/ctl', 'step 25ms');
  let st = await g.keyed('sim/status');
  t.equal(st.get('now'), '25000000');
  t.equal(st.get('events'), '2', 'two ksched ticks ran');
  t.equal(await g.read('dev/time'), '0 25000000 25000000 1000000000\n');
  await eve.write('sim/ctl', 'seed 42\nspeed 2.5');
  t.equal(await g.read('sim/ctl'), 'mode paused\nspeed 2.5\nseed 42\n');
  t.equal((await eve.writeErr('sim/ctl', 'speed 0')).errno, ERANGE);
  t.equal((await eve.writeErr('sim/ctl', 'speed -1')).errno, EINVAL);
  t.equal((await eve.writeErr('sim/ctl', 'speed fast')).errno, EINVAL);
  t.equal((await eve.writeErr('sim/ctl', 'step 1parsec')).errno, EINVAL);
  t.equal((await eve.writeErr('sim/ctl', 'seed -3')).errno, EINVAL);
  t.equal((await eve.writeErr('sim/ctl', 'rewind')).errno, EINVAL);
  for (const v of ['pause', 'resume', 'speed 1', 'step 1ms', 'seed 1']) {
    t.equal((await g.writeErr('sim/ctl', v)).errno, EPERM, `glenda: ${v}`);
  }
  // running: virtual time follows the (fake) wall clock at speed 2.5
  await eve.write('sim/ctl', 'resume');
  t.equal((await g.keyed('sim/status')).get('mode'), 'running');
  s.rt.advance(10_000_000n);
  st = await g.keyed('sim/status');
  t.equal(st.get('now'), String(25_000_000 + 25_000_000));
  await eve.write('sim/ctl', 'pause');
  s.rt.advance(10_000_000n);
  t.equal((await g.keyed('sim/status')).get('now'), '50000000', 'paused: real time passing changes nothing');
});

t.test('running clock: ksched ticks and preemption deadlines happen on real time', async (t) => {
  const { s, g, eve } = await setup(t, { graceNs: 5_000_000 });
  await eve.write('sim/ctl', 'resume');
  const a = await g.clone(), b = await g.clone();
  await g.write(`mcp/${a}/ctl`, 'cores 2\nwant 1\nyield 1');
  await g.write(`mcp/${b}/ctl`, 'want 14');
  t.equal((await g.keyed(`mcp/${b}/status`)).get('granted'), '14', "b borrows a's idle provisioned core");
  const ticks = s.kernel.state.ticks;
  s.rt.advance(10_000_000n);          // the driver's timer runs the ksched tick
  t.equal(s.kernel.state.ticks, ticks + 1);
  const f = await g.openRead(`mcp/${b}/events`);
  const warn = f.read(0n, 8192);
  // b reads its warnings: it registers for them (an unregistered type is dropped)
  await g.write(`mcp/${b}/ctl`, 'ev EV_PREEMPT_PENDING ucq');
  await g.write(`mcp/${a}/ctl`, 'want 2');
  t.match((await warn).toString(), /EV_PREEMPT_PENDING arg1=\d+ arg2=0 arg3=0 arg4=0 x_deadline=15000000\n$/);
  const revoke = f.read(0n, 8192);
  await settle();
  s.rt.advance(4_000_000n);
  await settle();
  t.equal((await g.keyed(`mcp/${a}/status`)).get('granted'), '1', 'not before the deadline');
  s.rt.advance(1_000_000n);
  t.match((await revoke).toString(), /^\d+ 15000000 EV_VCORE_PREEMPT arg1=0 arg2=\d+ arg3=0 arg4=0 x_pcore=2\n$/, 'the timer ran the deadline, the reader woke');
  t.equal((await g.keyed(`mcp/${a}/status`)).get('granted'), '2');
  await f.clunk();
});

t.test('/dev/kmesg is the kernel log; errors are logged', async (t) => {
  const { g, eve } = await setup(t);
  const a = await g.clone();
  await g.writeErr(`mcp/${a}/ctl`, 'banana');
  await g.writeErr(`mcp/${a}/ctl`, 'cores 99');
  const f = await g.openRead('dev/kmesg');
  const log = (await f.read(0n, 65536)).toString();
  await f.clunk();
  t.match(log, /^0 boot ncores=16/);
  t.match(log, new RegExp(`create pid=${a} user=glenda mcp`));
  t.match(log, /error pid=\d+ unknown control message "banana"/);
  t.match(log, /error cores pid=\d+ ERANGE cores 99/);
  t.equal(await g.read('dev/drivers'), '#cons\n#core\n#mcp\n#proc\n#sim\n#alarm\n');
  void eve;
});
