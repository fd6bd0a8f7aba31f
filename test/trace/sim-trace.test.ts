// SPDX-License-Identifier: GPL-2.0-or-later
//
// /sim/trace through the whole stack (kernel, devices, namespace, 9P server, client):
// every decision of a scripted scenario (the README's session) in order with its virtual
// time; the description a late reader starts with; several readers at once; a slow
// reader told exactly how many records it lost; recording only while someone reads.

import t from 'tap';
import type { Fid } from '../../lib/9p/fid.js';
import { type Conn, makeStack, settle } from '../devs/kernel/stack.js';

/** A reader of /sim/trace that collects lines; `until(n)` reads until it holds n lines. */
async function reader(c: Conn) {
  const f: Fid = await c.openRead('sim/trace');
  let off = 0n, part = '';
  const lines: string[] = [];
  let reads = 0;
  return {
    lines,
    get reads() { return reads; },
    async until(n: number): Promise<string[]> {
      while (lines.length < n) {
        const b = await f.read(off, 8192);
        reads++;
        off += BigInt(b.length);
        const parts = (part + b.toString()).split('\n');
        part = parts.pop()!;
        lines.push(...parts);
      }
      return lines;
    },
    close: () => f.clunk(),
  };
}

/** The README session, as glenda (A, B) and eve (grace, step). Returns the pids. */
async function session(g: Conn, eve: Conn): Promise<{ A: number; B: number }> {
  const A = await g.clone(), B = await g.clone();
  await g.write(`mcp/${A}/ctl`, 'name spin\n');
  await g.write(`mcp/${A}/ctl`, '4\n');
  await g.write(`mcp/${B}/ctl`, 'want 15\n');
  await g.write(`mcp/${A}/ctl`, 'want 2\n');
  await g.write(`mcp/${A}/ctl`, 'yield 0\n');
  await g.write(`mcp/${A}/ctl`, 'yield 1\n');
  await eve.write('sim/ctl', 'step 10ms\n');
  await g.write(`mcp/${B}/ctl`, 'ev EV_PREEMPT_PENDING ucq\n');
  await eve.write('core/ctl', 'grace 200ms\n');
  await g.write(`mcp/${A}/ctl`, 'want 3\n');
  await g.write(`mcp/${B}/ctl`, 'yield 12 nice\n');
  await eve.write('sim/ctl', 'step 300ms\n');
  await g.write(`mcp/${A}/ctl`, 'want 4\n');
  await eve.write('sim/ctl', 'step 250ms\n');
  await g.write(`mcp/${A}/ctl`, 'kill\n');
  return { A, B };
}

const ms = (n: number) => n * 1_000_000;

t.test('every decision of the scenario, in order, at its virtual time', async (t) => {
  const s = await makeStack();
  t.teardown(() => s.close());
  const g = await s.connect('glenda'), eve = await s.connect('eve');
  const r = await reader(g);
  t.same(await r.until(2), ['0 machine ncores=16 ll=0 policy=fcfs grace=0 tick=10000000', '0 sync'], 'an idle machine: no process, no core held');
  const { A, B } = await session(g, eve);
  t.same([A, B], [1, 2]);
  const want = [
    `0 create pid=1 user=glenda mcp=1 name=''`,
    `0 create pid=2 user=glenda mcp=1 name=''`,
    `0 name pid=1 name=spin`,
    ...[1, 2, 3, 4].map((c) => `0 prov pid=1 pcore=${c}`),
    `0 want pid=1 n=4`,
    ...[0, 1, 2, 3].map((v) => `0 grant pid=1 vcore=${v} pcore=${v + 1}`),
    `0 want pid=2 n=15`,
    ...Array.from({ length: 11 }, (_x, v) => `0 grant pid=2 vcore=${v} pcore=${v + 5}`),
    `0 want pid=1 n=2`,
    `0 yield pid=1 vcore=0 pcore=1 in_time=0 to=0`,
    `0 yield pid=1 vcore=1 pcore=2 in_time=0 to=0`,
    // the tick at 10 ms: B borrows A's two provisioned, idle cores
    `${ms(10)} grant pid=2 vcore=11 pcore=1`,
    `${ms(10)} grant pid=2 vcore=12 pcore=2`,
    `${ms(10)} grace ns=${ms(200)}`,
    `${ms(10)} want pid=1 n=3`,
    `${ms(10)} warn pid=2 vcore=12 pcore=2 for=1 deadline=${ms(210)}`,
    `${ms(10)} event pid=2 type=EV_PREEMPT_PENDING vcore=0 a1=12 a2=0 a3=0 a4=0 x_deadline=${ms(210)}`,
    `${ms(10)} yield pid=2 vcore=12 pcore=2 in_time=1 to=1`,
    `${ms(10)} grant pid=1 vcore=1 pcore=2`,
    `${ms(310)} want pid=1 n=4`,
    `${ms(310)} warn pid=2 vcore=11 pcore=1 for=1 deadline=${ms(510)}`,
    `${ms(310)} event pid=2 type=EV_PREEMPT_PENDING vcore=0 a1=11 a2=0 a3=0 a4=0 x_deadline=${ms(510)}`,
    // B ignored the warning: revoked at exactly the deadline, and A gets the core
    `${ms(510)} revoke pid=2 vcore=11 pcore=1 for=1`,
    `${ms(510)} event pid=2 type=EV_VCORE_PREEMPT vcore=0 a1=0 a2=11 a3=0 a4=0 x_pcore=1`,
    `${ms(510)} grant pid=1 vcore=0 pcore=1`,
    // kill: A's provisions go, then the exit; its cores go back to B at the next pass
    // in the order of A's provisioning lists (prov.ts), as destroy walks them
    ...[1, 2, 4, 3].map((c) => `${ms(560)} unprov pid=1 pcore=${c}`),
    `${ms(560)} exit pid=1 code=1337 reason=killed`,
  ];
  const total = 2 + want.length + 10 /* state records up to the exit */;
  const got = (await r.until(total)).slice(2);
  const decisions = got.filter((l) => !/ state /.test(l));
  t.same(decisions, want, 'the decisions, in order, with their times');
  const states = got.filter((l) => / state /.test(l));
  t.same(states, [
    '0 state pid=1 from=CREATED to=RUNNABLE_S', '0 state pid=1 from=RUNNABLE_S to=RUNNING_S', '0 state pid=1 from=RUNNING_S to=RUNNABLE_M',
    '0 state pid=2 from=CREATED to=RUNNABLE_S', '0 state pid=2 from=RUNNABLE_S to=RUNNING_S', '0 state pid=2 from=RUNNING_S to=RUNNABLE_M',
    '0 state pid=1 from=RUNNABLE_M to=RUNNING_M', '0 state pid=2 from=RUNNABLE_M to=RUNNING_M',
    `${ms(560)} state pid=1 from=RUNNING_M to=DYING`, `${ms(560)} state pid=1 from=DYING to=DYING_ABORT`,
  ], 'state changes');
  t.ok(got.every((l, i) => i === 0 || Number(l.split(' ')[0]) >= Number(got[i - 1].split(' ')[0])), 'times never go back');
  await r.close();
});

t.test('a late reader starts from the machine as it is; readers are independent', async (t) => {
  const s = await makeStack({ ncores: 4 });
  t.teardown(() => s.close());
  const g = await s.connect('glenda'), eve = await s.connect('eve');
  const A = await g.clone(), B = await g.clone();
  await g.write(`mcp/${A}/ctl`, 'cores 2\n');
  await g.write(`mcp/${B}/ctl`, 'want 2\n');
  await eve.write('core/ctl', 'grace 5ms\n');
  await g.write(`mcp/${B}/ctl`, 'name hog\n');
  await eve.write('sim/ctl', 'step 1ms\n');
  const early = await reader(g);
  t.same(await early.until(8), [
    `${ms(1)} machine ncores=4 ll=0 policy=fcfs grace=${ms(5)} tick=10000000`,
    `${ms(1)} proc pid=1 user=glenda mcp=1 name='' state=RUNNING_M wanted=2`,
    `${ms(1)} proc pid=2 user=glenda mcp=1 name=hog state=RUNNING_M wanted=2`,
    `${ms(1)} prov pid=1 pcore=1`,
    `${ms(1)} prov pid=1 pcore=2`,
    `${ms(1)} hold pid=1 vcore=0 pcore=1`,
    `${ms(1)} hold pid=1 vcore=1 pcore=2`,
    `${ms(1)} hold pid=2 vcore=0 pcore=3`,
    `${ms(1)} sync`,
  ].slice(0, early.lines.length));
  await early.until(9);
  // A lends B a provisioned core, then asks for it back: a warning is pending when `late` opens
  await g.write(`mcp/${A}/ctl`, 'want 1\n');
  await g.write(`mcp/${A}/ctl`, 'yield 1\n');
  await eve.write('sim/ctl', 'step 10ms\n');
  await g.write(`mcp/${A}/ctl`, 'want 2\n');
  const late = await reader(eve);
  const head = await late.until(10);
  t.equal(head.length, 10);
  t.same(head.filter((l) => / (hold|warn|sync)/.test(l)), [
    `${ms(11)} hold pid=1 vcore=0 pcore=1`, `${ms(11)} hold pid=2 vcore=1 pcore=2`, `${ms(11)} hold pid=2 vcore=0 pcore=3`,
    `${ms(11)} warn pid=2 vcore=1 pcore=2 for=0 deadline=${ms(16)}`,
    `${ms(11)} sync`,
  ], 'who holds which core, the pending warning, then live records');
  await eve.write('sim/ctl', 'step 10ms\n');
  const lateLive = (await late.until(13)).slice(10);
  t.same(lateLive, [
    `${ms(16)} revoke pid=2 vcore=1 pcore=2 for=1`,
    `${ms(16)} event pid=2 type=EV_VCORE_PREEMPT vcore=0 a1=0 a2=1 a3=0 a4=0 x_pcore=2`,
    `${ms(16)} grant pid=1 vcore=1 pcore=2`,
  ]);
  // B has no registration for EV_PREEMPT_PENDING (parlib polls instead): the warning's
  // event is dropped, so no event record follows the warn
  const earlyAll = await early.until(9 + 8);
  t.equal(earlyAll.length, 17, 'want, yield, grant, want, warn, revoke, event, grant');
  t.notOk(earlyAll.some((l) => /EV_PREEMPT_PENDING/.test(l)), 'a dropped event is not recorded');
  t.same(earlyAll.slice(-3), lateLive, 'both readers see the same live records');
  t.ok(earlyAll.includes(`${ms(11)} warn pid=2 vcore=1 pcore=2 for=1 deadline=${ms(16)}`), 'the early reader saw the warning as it was sent');
  await early.close();
  await late.close();
});

t.test('a slow reader is told exactly how many records it lost; the kernel never waits', async (t) => {
  const s = await makeStack();
  t.teardown(() => s.close());
  s.kernel.trace.setCapacity(16);
  const g = await s.connect('glenda');
  const slow = await reader(g);
  const fast = await reader(g);
  await slow.until(2);
  await fast.until(2);
  const before = s.kernel.trace.next;
  const caughtUp = () => fast.until(2 + s.kernel.trace.next - before);
  const A = await g.clone();
  await g.write(`mcp/${A}/ctl`, 'want 5\n');
  await caughtUp();
  const base = s.kernel.trace.next - before;
  t.equal(base, 4 + 7, 'create + 3 states, want + 5 grants + a state');
  for (let i = 0; i < 40; i++) {
    await g.write(`mcp/${A}/ctl`, `want ${5 - (i % 2)}\n`);
    if (i % 4 === 3) await caughtUp();
  }
  const made = s.kernel.trace.next - before;
  t.equal(made, base + 40, 'one record per want');
  const fastAll = await fast.until(2 + made);
  t.equal(fastAll.length, 2 + made);
  t.notOk(fastAll.some((l) => / lost /.test(l)), 'a reader that keeps up loses nothing');
  // the slow one has read nothing since the sync: everything but the last 16 is gone
  const got = await slow.until(2 + 1 + 16);
  t.equal(got.length, 2 + 1 + 16);
  t.match(got[2], /^\d+ lost n=(\d+)$/);
  t.equal(Number(/n=(\d+)/.exec(got[2])![1]), made - 16, 'lost = made - ring size, exactly');
  const rest = got.slice(3);
  t.same(rest, fastAll.slice(-16), 'then the 16 newest records, in order');
  t.equal(s.kernel.status(A).wanted, 4, 'the kernel went on regardless');
  await slow.close();
  await fast.close();
});

t.test('recording only while someone reads; anyone may read', async (t) => {
  const s = await makeStack();
  t.teardown(() => s.close());
  const k = s.kernel;
  const g = await s.connect('glenda'), other = await s.connect('bob');
  const A = await g.clone();
  await g.write(`mcp/${A}/ctl`, 'want 3\n');
  t.equal(k.trace.on, false);
  t.equal(k.trace.next, 0, 'nothing recorded with no reader');
  const r = await reader(other);
  t.equal(k.trace.on, true, 'a reader turns it on');
  await r.until(4);
  t.match(r.lines[1], /proc pid=1 user=glenda/);
  let ename = '';
  try { k.trace.setCapacity(4); } catch (e) { ename = (e as { ename?: string }).ename ?? String(e); }
  t.equal(ename, 'EBUSY', 'the ring is not resized under a reader');
  await r.close();
  await settle();
  t.equal(k.trace.on, false, 'the last close turns it off');
  await g.write(`mcp/${A}/ctl`, 'want 2\n');
  t.equal(k.trace.next, 0);
});
