// SPDX-License-Identifier: GPL-2.0-or-later
//
// #core through the real stack: ctl, map, idle, sysstat, N/status, N/ctl, permissions.

import t from 'tap';
import { EACCES, EBUSY, EINVAL, ENOENT, EPERM, ERANGE, ESRCH } from '../../../lib/9p/errno.js';
import { makeStack } from './stack.js';

async function setup(t: { teardown(fn: () => unknown): void }, cfg = {}) {
  const s = await makeStack({ ncores: 8, ...cfg });
  t.teardown(() => s.close());
  return { s, g: await s.connect('glenda'), eve: await s.connect('eve') };
}

t.test('/core/ctl: summary, policy, grace, tick; host owner only', async (t) => {
  const { g, eve } = await setup(t);
  t.equal(await g.read('core/ctl'),
    'ncores 8\nll 0\ncg 7\nmax_vcores 7\noffline\nidle 7\npolicy fcfs\ngrace 0\ntick 10000000\nhostowner eve\n');
  await eve.write('core/ctl', 'policy packed\ngrace 2ms\ntick 1.5ms\n');
  const k = await g.keyed('core/ctl');
  t.equal(k.get('policy'), 'packed');
  t.equal(k.get('grace'), '2000000');
  t.equal(k.get('tick'), '1500000');
  t.equal((await eve.writeErr('core/ctl', 'policy lifo')).errno, EINVAL);
  t.equal((await eve.writeErr('core/ctl', 'grace soon')).errno, EINVAL);
  t.equal((await eve.writeErr('core/ctl', 'grace -1ms')).errno, EINVAL);
  t.equal((await eve.writeErr('core/ctl', 'tick 500ns')).errno, ERANGE);
  t.equal((await eve.writeErr('core/ctl', 'frobnicate')).errno, EINVAL);
  t.match(await eve.read('dev/errstr'), /frobnicate/);
  t.equal((await g.writeErr('core/ctl', 'policy fcfs')).errno, EPERM, 'not the host owner');
  t.equal((await g.keyed('core/ctl')).get('policy'), 'packed');
  await eve.write('core/ctl', 'poke');
});

t.test('/core/map, /core/idle, /core/sysstat', async (t) => {
  const { g, eve } = await setup(t);
  t.equal(await g.read('core/map'),
    'core role state prov alloc vcore\n' +
    '   0 ll   idle     -     -     -\n' +
    '   1 cg   idle     -     -     -\n' +
    '   2 cg   idle     -     -     -\n' +
    '   3 cg   idle     -     -     -\n' +
    '   4 cg   idle     -     -     -\n' +
    '   5 cg   idle     -     -     -\n' +
    '   6 cg   idle     -     -     -\n' +
    '   7 cg   idle     -     -     -\n');
  t.equal(await g.read('core/idle'), '1\n2\n3\n4\n5\n6\n7\n');
  const a = await g.clone(), b = await g.clone();
  await g.write(`mcp/${a}/ctl`, 'cores 2');
  await g.write(`mcp/${b}/ctl`, 'prov 5\nwant 1');
  await g.write(`mcp/${a}/ctl`, 'want 1\nyield 1');
  t.equal(await g.read('core/map'),
    'core role state prov alloc vcore\n' +
    '   0 ll   idle     -     -     -\n' +
    `   1 cg   busy     ${a}     ${a}     0\n` +
    `   2 cg   idle     ${a}     -     -\n` +
    '   3 cg   idle     -     -     -\n' +
    '   4 cg   idle     -     -     -\n' +
    `   5 cg   busy     ${b}     ${b}     0\n` +
    '   6 cg   idle     -     -     -\n' +
    '   7 cg   idle     -     -     -\n');
  // the allocator's order: a yielded core goes back to the idle list's tail (FCFS)
  t.same((await g.read('core/idle')).trim().split('\n'), (await eve.read('core/idle')).trim().split('\n'));
  t.equal((await g.read('core/idle')).trim().split('\n').length, 5);
  await eve.write('sim/ctl', 'step 1ms');
  const ss = (await g.read('core/sysstat')).split('\n').filter(Boolean);
  t.equal(ss.length, 8);
  for (const l of ss) t.equal(l.length, 9 * 12 - 1, 'nine fixed-width columns');
  const row1 = ss[1].trim().split(/\s+/).map(Number);
  t.equal(row1[0], 1);
  t.equal(row1[2], 1_000_000, 'core 1 busy for the whole millisecond');
  t.equal(row1[4], 1, 'one grant');
  // offline cores overflow the state column but stay whitespace-separated
  await eve.write('core/4/ctl', 'offline');
  t.match((await g.read('core/map')).split('\n')[5], /^ {3}4 cg {3}offline {4}- {5}- {5}-$/);
  t.equal((await g.keyed('core/ctl')).get('offline'), '4');
});

t.test('/core/N/status and /core/N/ctl', async (t) => {
  const { g, eve } = await setup(t, { topology: { sockets: 2, numa: 2, ht: true } });
  t.same(await g.ls('core'), ['0', '1', '2', '3', '4', '5', '6', '7', 'ctl', 'idle', 'map', 'noise', 'sysstat', 'util']);
  t.same(await g.ls('core/3'), ['ctl', 'status']);
  t.equal(await g.read('core/5/status'), 'core 5\nrole cg\nstate idle\nproc -\nvcore -\nprov -\nsocket 1\nnuma 1\ncpu 2\n');
  t.equal(await g.read('core/5/ctl'), '5\n');
  const a = await g.clone();
  await eve.write('core/5/ctl', `prov ${a}`);
  t.equal(await g.read(`mcp/${a}/prov`), '5\n');
  await g.write(`mcp/${a}/ctl`, 'want 1');
  t.equal(await g.read('core/5/status'), `core 5\nrole cg\nstate busy\nproc ${a}\nvcore 0\nprov ${a}\nsocket 1\nnuma 1\ncpu 2\n`);
  await eve.write('core/5/ctl', 'offline');
  t.equal((await g.keyed('core/5/status')).get('state'), 'offline');
  t.equal((await g.keyed(`mcp/${a}/status`)).get('granted'), '0', 'revoked');
  await eve.write('core/5/ctl', 'online');
  t.equal((await g.keyed('core/5/status')).get('state'), 'idle', 'online: idle until the next ksched pass');
  await eve.write('sim/ctl', 'step 10ms');
  t.equal((await g.keyed('core/5/status')).get('state'), 'busy', 'back to its provisioned owner');
  await eve.write('core/5/ctl', 'unprov');
  t.equal(await g.read(`mcp/${a}/prov`), '\n');
  t.equal((await eve.writeErr('core/0/ctl', 'offline')).errno, EBUSY, 'LL core');
  t.equal((await eve.writeErr('core/0/ctl', `prov ${a}`)).errno, EBUSY);
  t.equal((await eve.writeErr('core/5/ctl', 'prov 999')).errno, ESRCH);
  t.equal((await eve.writeErr('core/5/ctl', 'prov x')).errno, EINVAL);
  t.equal((await eve.writeErr('core/5/ctl', 'explode')).errno, EINVAL);
  t.equal((await g.writeErr('core/5/ctl', 'offline')).errno, EPERM);
  t.equal((await eve.writeErr('core/5/status', 'x')).errno, EACCES);
  t.equal((await g.c.root!.walk('core/8').catch((e) => e)).errno, ENOENT);
});

t.test('preempt: /core/N/ctl (proc_preempt_core) and /core/ctl preempt PID (proc_preempt_all)', async (t) => {
  const { g, eve } = await setup(t);
  const a = Number((await g.read('mcp/clone')).trim());
  await g.write(`mcp/${a}/ctl`, 'want 3');
  await eve.write('core/2/ctl', 'preempt');
  t.equal(await g.read(`mcp/${a}/cores`), '1,3\n', 'revoked at once, no poke');
  t.equal((await g.keyed('core/2/status')).get('state'), 'idle');
  t.equal((await eve.writeErr('core/2/ctl', 'preempt')).errno, EINVAL, 'an idle core runs no vcore');
  t.equal((await eve.writeErr('core/0/ctl', 'preempt')).errno, EINVAL, 'the LL core runs no MCP vcore');
  t.equal((await g.writeErr('core/1/ctl', 'preempt')).errno, EPERM);
  await eve.write('core/ctl', 'preempt ' + a);
  t.equal((await g.keyed(`mcp/${a}/status`)).get('state'), 'RUNNABLE_M');
  t.equal(await g.read(`mcp/${a}/cores`), '\n');
  t.equal((await eve.writeErr('core/ctl', 'preempt ' + a)).errno, EINVAL, 'only a RUNNING_M process');
  t.equal((await eve.writeErr('core/ctl', 'preempt 99')).errno, ESRCH);
  await eve.write('sim/ctl', 'step 10ms');
  // FCFS put the freed cores at the idle tail (2, then 1 and 3): the head 4-6 comes first
  t.equal(await g.read(`mcp/${a}/cores`), '4-6\n', 'regranted at the next ksched pass');
});
