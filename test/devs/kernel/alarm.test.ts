// SPDX-License-Identifier: GPL-2.0-or-later
//
// #alarm through the real stack: the tree, clone, timer / period / count as
// kern/drivers/dev/alarm.c defines them, events into the process's queue, rm, errors.

import t from 'tap';
import { EINVAL, ENOENT, EPERM, ERANGE, ECANCELED } from '../../../lib/9p/errno.js';
import { makeStack, settle } from './stack.js';

async function setup(t: { teardown(fn: () => unknown): void }) {
  const s = await makeStack();
  t.teardown(() => s.close());
  return { s, g: await s.connect('glenda'), eve: await s.connect('eve'), alice: await s.connect('alice') };
}

t.test('tree: /alarm/N per live process, clone makes aK, ids per process', async (t) => {
  const { s, g, alice } = await setup(t);
  const A = await g.clone(), B = await g.clone();
  t.same(await g.ls('alarm'), [String(A), String(B)]);
  t.same(await g.ls(`alarm/${A}`), ['clone']);
  t.equal(await g.read(`alarm/${A}/clone`), '0\n', 'the open clone reads as the new alarm\'s ctl');
  t.equal(await g.read(`alarm/${A}/clone`), '1\n');
  t.equal(await g.read(`alarm/${B}/clone`), '0\n', 'ids are per process');
  t.same(await g.ls(`alarm/${A}`), ['a0', 'a1', 'clone']);
  t.same(await g.ls(`alarm/${A}/a0`), ['count', 'ctl', 'period', 'timer']);
  t.equal(await g.read(`alarm/${A}/a1/ctl`), '1\n');
  t.equal((await g.writeErr(`alarm/${A}/a1/ctl`, 'x')).errno, EPERM, 'ctl takes no writes');
  t.equal((await g.writeErr(`alarm/${A}/a1/count`, '1')).errno, EPERM, 'count takes no writes');
  t.equal((await alice.readErr(`alarm/${A}/clone`)).errno, EPERM, 'only the owner (or the host owner) makes alarms');
  t.equal((await alice.writeErr(`alarm/${A}/a0/timer`, '1')).errno, EPERM);
  t.equal(await alice.read(`alarm/${A}/a0/timer`), '0\n', 'others may read timer and period');
  t.equal((await alice.readErr(`alarm/${A}/a0/count`)).errno, EPERM, 'reading count consumes it: owner only');
  t.equal((await g.c.root!.walk(`alarm/${A}/a7`).catch((e) => e)).errno, ENOENT);
  await g.write(`mcp/${B}/ctl`, 'kill');
  t.same(await g.ls('alarm'), [String(A)], 'a dead process has no alarms');
  void s;
});

t.test('timer and period: hex in, decimal out; timer keeps period; events arg2=4 arg3=K', async (t) => {
  const { g, eve } = await setup(t);
  const A = await g.clone();
  const K = Number(await g.read(`alarm/${A}/clone`));
  const dir = `alarm/${A}/a${K}`;
  await g.write(`${dir}/period`, '2dc6c0\n');              // 3 ms
  await g.write(`${dir}/timer`, '0x4c4b40\n');             // 5 ms, absolute
  t.equal(await g.read(`${dir}/timer`), '5000000\n');
  t.equal(await g.read(`${dir}/period`), '3000000\n', 'writing timer kept the period');
  await eve.write('sim/ctl', 'step 12ms');
  const f = await g.openRead(`mcp/${A}/events`);
  const lines = (await f.read(0n, 8192)).toString().trim().split('\n');
  await f.clunk();
  t.same(lines.map((l) => l.split(' ')[1]), ['5000000', '8000000', '11000000']);
  t.match(lines[0], new RegExp(`EV_ALARM arg1=0 arg2=4 arg3=${K} arg4=0 x_count=1$`));
  t.equal(await g.read(`${dir}/timer`), '14000000\n', 'the next firing');
  t.equal((await g.writeErr(`${dir}/timer`, 'zz')).errno, EINVAL, 'not hex (Akaros would read 0 and disarm)');
  t.match((await g.keyed(`mcp/${A}/status`)).get('lasterr'), /not a hex number/);
  t.equal((await g.writeErr(`${dir}/timer`, '1'.repeat(21))).errno, EINVAL, 'more than 20 characters');
  t.equal((await g.writeErr(`${dir}/timer`, 'fffffffffffffffff')).errno, ERANGE);
  await g.write(`${dir}/timer`, '0');
  t.equal(await g.read(`${dir}/timer`), '0\n', '0 disarms');
});

t.test('count: blocks until a firing, returns and resets the count; Tflush', async (t) => {
  const { g, eve } = await setup(t);
  const A = await g.clone();
  const K = Number(await g.read(`alarm/${A}/clone`));
  const dir = `alarm/${A}/a${K}`;
  const f = await g.openRead(`${dir}/count`);
  const first = f.read(0n, 100);
  let done = false;
  void first.then(() => { done = true; });
  await settle();
  t.notOk(done, 'blocks while count is 0');
  await g.write(`${dir}/period`, 'f4240');                // 1 ms
  await g.write(`${dir}/timer`, '989680');                // 10 ms
  await eve.write('sim/ctl', 'step 10ms');
  t.equal((await first).toString(), '1\n');
  await eve.write('sim/ctl', 'step 3ms');
  t.equal((await f.read(0n, 100)).toString(), '3\n', 'firings since the last read');
  await g.write(`${dir}/timer`, '0');
  const ac = new AbortController();
  const blocked = f.read(0n, 100, ac.signal);
  await settle();
  ac.abort();
  t.equal((await blocked.catch((e) => e)).errno, ECANCELED, 'a blocked read can be flushed');
  // one-shot, written into the past: fires at once
  await g.write(`${dir}/period`, '0');
  await g.write(`${dir}/timer`, '1');
  await eve.write('sim/ctl', 'step 0');
  t.equal((await f.read(0n, 100)).toString(), '1\n');
  t.equal(await g.read(`${dir}/timer`), '0\n', 'a fired one-shot reads 0');
  // rm: the alarm goes; a parked reader gets end of file
  const last = f.read(0n, 100);
  await settle();
  await (await g.c.root!.walk(dir)).remove();
  t.equal((await last).length, 0, 'EOF once the alarm is released');
  t.same(await g.ls(`alarm/${A}`), ['clone']);
  t.equal((await g.read(`alarm/${A}/clone`)), '1\n', 'ids are not reused');
  await f.clunk();
});

t.test('events reach the process queue: WAKEUP, ev EV_ALARM off', async (t) => {
  const { g, eve } = await setup(t);
  const A = await g.clone();
  await g.write(`mcp/${A}/ctl`, 'want 1\nwant 0\nyield 0');
  t.equal((await g.keyed(`mcp/${A}/status`)).get('state'), 'WAITING');
  const K = Number(await g.read(`alarm/${A}/clone`));
  t.match(await g.read(`mcp/${A}/evq`), /^EV_ALARM ucq ipi,spam_public,wakeup vcore=0$/m, 'the parlib alarm service\'s ev_q');
  await g.write(`alarm/${A}/a${K}/timer`, '3e8');         // 1 us
  await eve.write('sim/ctl', 'step 1ms');
  t.equal((await g.keyed(`mcp/${A}/status`)).get('state'), 'RUNNABLE_M', 'the alarm woke it');
  await g.write(`mcp/${A}/ctl`, 'ev EV_ALARM off');
  await g.write(`alarm/${A}/a${K}/timer`, '1e8480');     // 2 ms
  await eve.write('sim/ctl', 'step 2ms');
  const f = await g.openRead(`mcp/${A}/events`);
  const all = (await f.read(0n, 8192)).toString();
  await f.clunk();
  t.equal(all.match(/EV_ALARM/g)?.length, 1, 'untapped: the second firing posts nothing');
  const c = await g.openRead(`alarm/${A}/a${K}/count`);
  t.equal((await c.read(0n, 100)).toString(), '1\n', 'count still counts');
  await c.clunk();
  t.equal((await g.writeErr(`alarm/${A}/a${K}/count`, 'x')).errno, EPERM);
});
