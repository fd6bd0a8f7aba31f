// SPDX-License-Identifier: GPL-2.0-or-later
//
// The trace records the mechanisms that move cores or change what a process wants, as
// the kernel runs them after Akaros: grace 0 (warning and revoke in one step), the
// `preempt` verbs (proc_preempt_core, proc_preempt_all), a yield that hands the core to
// its taker, change_vcore, parlib's request / vcore_yield and change-to-m; and the
// timeline built from those records (cmd/lib/trace-model) agrees with the kernel.

import t from 'tap';
import { checked, HOST } from '../kern/helpers.js';
import type { Kernel } from '../../kern/kernel.js';
import { formatTrace } from '../../devs/sim/trace.js';
import { parseTrace } from '../../cmd/lib/trace-parse.js';
import { buildTimeline } from '../../cmd/lib/trace-model.js';

const MS = 1_000_000;

/** Start recording; `take()` returns the records since the last take, as /sim/trace lines
 *  without their time (state records left out unless asked for). */
function recorder(k: Kernel) {
  const tr = k.trace;
  tr.open();
  let at = tr.next;
  const all: string[] = [];
  return {
    all,
    take(states = false): string[] {
      const out: string[] = [];
      for (; at < tr.next; at++) {
        const line = formatTrace(tr.at(at)!);
        all.push(line);
        const rest = line.replace(/^\d+ /, '');
        if (states || !rest.startsWith('state ')) out.push(rest);
      }
      return out;
    },
    close: () => tr.close(),
  };
}

t.test('grace 0 (the default): warning, revoke and the taker\'s grant in one step', (t) => {
  const k = checked({ ncores: 6 });
  const r = recorder(k);
  const A = k.createMcp('u'), B = k.createMcp('u');
  k.cores('u', A, 2);   // A: 1, 2 provisioned and granted
  k.want('u', B, 5);                                    // B: 3, 4, 5
  k.want('u', A, 1);
  k.yield('u', A, 1);                                   // core 2 idle
  k.step(HOST, 10 * MS);                                // B borrows it at the tick
  r.take();
  k.want('u', A, 2);
  t.same(r.take(), [
    `want pid=${A} n=2`,
    `warn pid=${B} vcore=3 pcore=2 for=${A} deadline=${10 * MS}`,
    `revoke pid=${B} vcore=3 pcore=2 for=${A}`,
    `event pid=${B} type=EV_VCORE_PREEMPT vcore=0 a1=0 a2=3 a3=0 a4=0 x_pcore=2`,
    `grant pid=${A} vcore=1 pcore=2`,
  ], 'deadline = now, and nothing else in between');
  const tl = buildTimeline(parseTrace(r.all.join('\n')));
  const w = tl.warnings.find((x) => x.pcore === 2)!;
  t.same([w.outcome, w.t, w.end, w.for], ['revoke', 10 * MS, 10 * MS, A], 'the model: a warning that ended in its own instant');
  t.same(tl.tenures.filter((x) => x.pcore === 2 && x.t0 === 10 * MS).map((x) => [x.pid, x.end]), [[B, 'revoke'], [A, 'end']]);
  r.close();
  t.end();
});

t.test('preempt VC and preempt: warn (for 0, deadline now) and revoke for each core', (t) => {
  const k = checked({ ncores: 8, graceNs: 500 * MS });
  const r = recorder(k);
  const A = k.createMcp('u');
  k.want('u', A, 3);                                    // v0 1, v1 2, v2 3
  r.take();
  k.preempt('u', A, 1);
  t.same(r.take(), [
    `warn pid=${A} vcore=1 pcore=2 for=0 deadline=0`,
    `revoke pid=${A} vcore=1 pcore=2 for=0`,
    `event pid=${A} type=EV_VCORE_PREEMPT vcore=0 a1=0 a2=1 a3=0 a4=0 x_pcore=2`,
  ], 'proc_preempt_core: immediate whatever the grace; no grant (no poke)');
  k.preempt('u', A);
  t.same(r.take(true), [
    `warn pid=${A} vcore=0 pcore=1 for=0 deadline=0`,
    `warn pid=${A} vcore=2 pcore=3 for=0 deadline=0`,
    `revoke pid=${A} vcore=0 pcore=1 for=0`,
    `revoke pid=${A} vcore=2 pcore=3 for=0`,
    `state pid=${A} from=RUNNING_M to=RUNNABLE_M`,
  ], 'proc_preempt_all: every online vcore warned, then every core taken; no event (none is online)');
  const tl = buildTimeline(parseTrace(r.all.join('\n')));
  t.same(tl.tenures.map((x) => [x.pcore, x.end]).sort(), [[1, 'revoke'], [2, 'revoke'], [3, 'revoke']], 'no core left held in the model');
  t.same(tl.revokes.map((x) => x.pcore), [2, 1, 3]);
  t.same(tl.counters.get(A)!.at(-1)!.granted, 0);
  k.step(HOST, 10 * MS);                                // the tick regrants
  t.same(r.take().filter((l) => l.startsWith('grant')).length, 3, 'the regrant is recorded as grants');
  r.close();
  t.end();
});

t.test('a yield that answers a warning hands the core to its taker', (t) => {
  const k = checked({ ncores: 6, graceNs: 50 * MS });
  const r = recorder(k);
  const A = k.createMcp('u'), B = k.createMcp('u');
  k.cores('u', A, 2);
  k.want('u', B, 5);
  k.want('u', A, 1);
  k.yield('u', A, 1);
  k.step(HOST, 10 * MS);
  k.want('u', A, 2);                                    // B's vcore 3 on core 2 is warned
  r.take();
  k.yield('u', B, 3, true);
  t.same(r.take(), [`yield pid=${B} vcore=3 pcore=2 in_time=1 to=${A}`, `grant pid=${A} vcore=1 pcore=2`]);
  const w = buildTimeline(parseTrace(r.all.join('\n'))).warnings[0];
  t.same([w.outcome, w.deadline], ['yield', 60 * MS]);
  r.close();
  t.end();
});

t.test('change_vcore: the core passes to another vcore of the same process', (t) => {
  const k = checked({ ncores: 8 });
  const r = recorder(k);
  const A = k.createMcp('u');
  k.want('u', A, 3);                                    // v0 1, v1 2, v2 3
  k.preempt('u', A, 2);
  r.take();
  k.changeVcore('u', A, 0, 2);
  t.same(r.take(), [
    `change pid=${A} vcore=0 to=2 pcore=1`,
    `event pid=${A} type=EV_VCORE_PREEMPT vcore=2 a1=0 a2=0 a3=0 a4=0`,
  ]);
  const tl = buildTimeline(parseTrace(r.all.join('\n')));
  t.same(tl.tenures.filter((x) => x.pcore === 1).map((x) => [x.vcore, x.end]), [[0, 'change'], [2, 'end']], 'one tenure ends, the next begins');
  t.equal(tl.counters.get(A)!.at(-1)!.granted, 2, 'granted unchanged by a change');
  r.close();
  t.end();
});

t.test('request, vcyield and change-to-m change amt_wanted: want records', (t) => {
  const k = checked({ ncores: 8 });
  const r = recorder(k);
  const S = k.createScp('u');
  k.run('u', S);
  k.changeToM('u', S);
  t.same(r.take(true).filter((l) => /want|to=RUNNABLE_M/.test(l)), [
    `want pid=${S} n=1`, `state pid=${S} from=RUNNING_S to=RUNNABLE_M`,
  ], 'change-to-m: amt_wanted 0 becomes 1');
  k.step(HOST, 10 * MS);
  r.take();
  k.request('u', S, 3);
  t.same(r.take().filter((l) => l.startsWith('want')), [`want pid=${S} n=3`]);
  k.request('u', S, 2);
  t.same(r.take().filter((l) => l.startsWith('want')), [], 'a lower request leaves amt_wanted alone');
  k.vcoreYield('u', S, 2);
  t.same(r.take(), [`want pid=${S} n=2`, `yield pid=${S} vcore=2 pcore=3 in_time=0 to=0`], 'vcore_yield: one less wanted, then the yield');
  r.close();
  t.end();
});

t.test('#alarm: a firing is an event record the parser and the model read', (t) => {
  const k = checked({ ncores: 4 });
  const r = recorder(k);
  const A = k.createMcp('u');
  const id = k.alarmCreate('u', A);
  k.alarmTimer('u', A, id, 5 * MS);
  k.step(HOST, 6 * MS);
  const ev = r.take().filter((l) => l.startsWith('event'));
  t.same(ev, [`event pid=${A} type=EV_ALARM vcore=0 a1=0 a2=4 a3=${id} a4=0 x_count=1`]);
  const tl = buildTimeline(parseTrace(r.all.join('\n')));
  const i = tl.instants.find((x) => x.kind === 'event')!;
  t.same([i.t, i.pid, i.name, i.args.x_count], [5 * MS, A, 'EV_ALARM', 1]);
  r.close();
  t.end();
});
