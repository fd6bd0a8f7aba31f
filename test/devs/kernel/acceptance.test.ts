// SPDX-License-Identifier: GPL-2.0-or-later
//
// Issue 5's acceptance flow (steps 1-5), in process, through the real stack, once per
// dialect: kernel (paused clock) + makeDevices + ns + srv + lib/9p client.

import t from 'tap';
import { EINVAL, EPERM, ERANGE } from '../../../lib/9p/errno.js';
import type { Dialect } from '../../../lib/9p/fcall.js';
import { type Conn, makeStack, settle } from './stack.js';

/** Rows of /core/map as objects. */
async function coreMap(c: Conn): Promise<{ core: number; role: string; state: string; prov: string; alloc: string; vcore: string }[]> {
  const lines = (await c.read('core/map')).trim().split('\n');
  return lines.slice(1).map((l) => {
    const [core, role, state, prov, alloc, vcore] = l.trim().split(/\s+/);
    return { core: Number(core), role, state, prov, alloc, vcore };
  });
}

/** A background `cat events`: keeps one fid open and records each read as it returns. */
function bgReader(c: Conn, path: string) {
  const got: string[] = [];
  let reads = 0;
  let eof = false;
  const ac = new AbortController();
  const done = (async () => {
    const f = await c.openRead(path);
    let off = 0n;
    try {
      for (;;) {
        const b = await f.read(off, 8192, ac.signal);
        reads++;
        if (b.length === 0) { eof = true; break; }
        off += BigInt(b.length);
        got.push(...b.toString().split('\n').filter(Boolean));
      }
    } catch { /* aborted at the end of the test */ }
    await f.clunk().catch(() => {});
  })();
  return { got, get reads() { return reads; }, get eof() { return eof; }, stop: () => ac.abort(), done };
}

for (const dialect of ['9P2000.L', '9P2000.u', '9P2000'] as Dialect[]) {
  t.test(`issue 5 acceptance flow over ${dialect}`, async (t) => {
    const s = await makeStack();
    t.teardown(() => s.close());
    const g = await s.connect('glenda', dialect);
    const eve = await s.connect('eve', dialect);

    // 1. two MCPs; A is guaranteed four cores
    const A = await g.clone(), B = await g.clone();
    t.not(A, B);
    await g.write(`mcp/${A}/ctl`, '4\n');
    let st = await g.keyed(`mcp/${A}/status`);
    t.equal(st.get('granted'), '4');
    t.equal(st.get('provisioned'), '4');
    t.equal(st.get('state'), 'RUNNING_M');
    let map = await coreMap(g);
    const aCores = map.filter((r) => r.prov === String(A) && r.alloc === String(A)).map((r) => r.core);
    t.equal(aCores.length, 4, 'four cores provisioned to and allocated to A');
    t.equal(await g.read(`mcp/${A}/cores`), `${aCores[0]}-${aCores[3]}\n`);

    // 2. B wants everything: it gets every CG core but A's four
    await g.write(`mcp/${B}/ctl`, 'want 15\n');
    map = await coreMap(g);
    const bCores = map.filter((r) => r.alloc === String(B)).map((r) => r.core);
    t.same(bCores, map.filter((r) => r.role === 'cg' && !aCores.includes(r.core)).map((r) => r.core));
    // A lowers its want and yields two vcores (ids from its vcores file)
    await g.write(`mcp/${A}/ctl`, 'want 2\n');
    const vrows = (await g.read(`mcp/${A}/vcores`)).trim().split('\n').slice(1).map((l) => l.trim().split(/\s+/));
    const online = vrows.filter((r) => r[2] === 'online');
    t.equal(online.length, 4);
    const [y1, y2] = online.slice(2).map((r) => ({ vc: r[0], pc: Number(r[1]) }));
    await g.write(`mcp/${A}/ctl`, `yield ${y1.vc}\n`);
    await g.write(`mcp/${A}/ctl`, `yield ${y2.vc}\n`);
    map = await coreMap(g);
    for (const pc of [y1.pc, y2.pc]) {
      t.match(map[pc], { state: 'idle', prov: String(A), alloc: '-' }, `core ${pc} provisioned to A, idle`);
    }
    // B borrows them at the next ksched pass (the tick)
    const tick = Number((await eve.keyed('core/ctl')).get('tick'));
    await eve.write('sim/ctl', `step ${tick}ns\n`);
    map = await coreMap(g);
    for (const pc of [y1.pc, y2.pc]) t.match(map[pc], { state: 'busy', prov: String(A), alloc: String(B) }, `B borrowed ${pc}`);
    t.equal((await g.keyed(`mcp/${B}/status`)).get('granted'), '13');

    // 3. a background reader of B's events; paused clock, 200ms grace; A wants 4 again
    const rd = bgReader(g, `mcp/${B}/events`);
    await settle();
    t.equal(rd.reads, 0, 'the events read blocks');
    await eve.write('sim/ctl', 'pause\n');
    // the grace period is our extension (Akaros revokes at once); the warnings reach B's
    // events only once B registers for them (send_kernel_event drops an unregistered type)
    await eve.write('core/ctl', 'grace 200ms\n');
    await g.write(`mcp/${B}/ctl`, 'ev EV_PREEMPT_PENDING ucq\n');
    const now0 = Number((await g.keyed('sim/status')).get('now'));
    await g.write(`mcp/${A}/ctl`, 'want 4\n');
    await settle();
    t.equal(rd.got.length, 2, 'two warnings, delivered as they happen');
    const warned = rd.got.map((l) => {
      const m = /^(\d+) (\d+) EV_PREEMPT_PENDING arg1=(\d+) arg2=0 arg3=0 arg4=0 x_deadline=(\d+)$/.exec(l);
      t.ok(m, `warning line: ${l}`);
      return { t: Number(m![2]), vc: Number(m![3]), deadline: Number(m![4]) };
    });
    for (const w of warned) {
      t.equal(w.t, now0);
      t.equal(w.deadline, now0 + 200_000_000);
    }
    t.equal((await g.keyed(`mcp/${B}/status`)).get('preempt_pending'), '2');
    // which pcore carries each warned vcore
    const bv = new Map((await g.read(`mcp/${B}/vcores`)).trim().split('\n').slice(1)
      .map((l) => l.trim().split(/\s+/)).map((r) => [Number(r[0]), { pc: Number(r[1]), deadline: Number(r[3]) }]));
    t.equal(bv.get(warned[0].vc)!.deadline, now0 + 200_000_000, 'vcores shows the deadline');

    // (a) timely nice yield: the core goes to A at once, no EV_VCORE_PREEMPT
    await g.write(`mcp/${B}/ctl`, `yield ${warned[0].vc} nice\n`);
    await settle();
    t.equal(rd.got.length, 2, 'no event for a nice yield');
    t.equal((await g.keyed(`mcp/${A}/status`)).get('granted'), '3');
    t.equal((await coreMap(g))[bv.get(warned[0].vc)!.pc].alloc, String(A));

    // (b) the other warning runs out: revoked at exactly the deadline
    await eve.write('sim/ctl', 'step 199999999ns\n');
    await settle();
    t.equal(rd.got.length, 2, 'nothing before the deadline');
    t.equal((await g.keyed(`mcp/${A}/status`)).get('granted'), '3');
    await eve.write('sim/ctl', 'step 1ns\n');
    await settle();
    t.equal(rd.got.length, 3, 'the revocation reaches the blocked reader');
    const pc2 = bv.get(warned[1].vc)!.pc;
    t.match(rd.got[2], new RegExp(`^\\d+ ${now0 + 200_000_000} EV_VCORE_PREEMPT arg1=0 arg2=${warned[1].vc} arg3=0 arg4=0 x_pcore=${pc2}$`));
    t.equal((await g.keyed(`mcp/${A}/status`)).get('granted'), '4');
    t.equal((await coreMap(g))[pc2].alloc, String(A));
    t.equal((await g.keyed(`mcp/${B}/status`)).get('preempt_pending'), '0');

    // 4. errors: the class on the write, the detail in lasterr and errstr
    let e = await g.writeErr(`mcp/${A}/ctl`, '99\n');
    t.equal(e.errno, ERANGE);
    if (dialect === '9P2000') t.equal(e.text, 'Numerical result out of range');
    t.match((await g.keyed(`mcp/${A}/status`)).get('lasterr'), /99/);
    t.match(await g.read('dev/errstr'), /99/);
    const alice = await s.connect('alice', dialect);
    e = await alice.writeErr(`mcp/${A}/ctl`, '2\n');
    t.equal(e.errno, EPERM);
    if (dialect === '9P2000') t.equal(e.text, 'Operation not permitted');
    t.equal((await alice.keyed(`mcp/${A}/status`)).get('granted'), '4', 'another user can still read');
    e = await g.writeErr(`mcp/${A}/ctl`, 'banana\n');
    t.equal(e.errno, EINVAL);
    if (dialect === '9P2000') t.equal(e.text, 'Invalid argument');
    t.equal((await g.keyed(`mcp/${A}/status`)).get('lasterr'), 'unknown control message "banana"');
    t.match(await eve.read('dev/errstr'), '', 'errstr is per session');
    t.match(await g.read('dev/errstr'), /banana/);

    // 5. kill A; wait returns; its cores are idle; it is gone from /mcp
    await g.write(`mcp/${A}/ctl`, 'kill\n');
    t.equal(await g.read(`mcp/${A}/wait`), `${A} 1337 killed\n`);
    map = await coreMap(g);
    for (const c of aCores) t.match(map[c], { state: 'idle', prov: '-', alloc: '-' }, `core ${c} idle`);
    t.notOk((await g.ls('mcp')).includes(String(A)));
    t.ok((await g.ls('mcp')).includes(String(B)));
    rd.stop();
    await rd.done;
  });
}
