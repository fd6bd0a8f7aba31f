// SPDX-License-Identifier: GPL-2.0-or-later
//
// Long random operation sequences on random machines: no invariant ever breaks (a P9Error
// is a legal refusal; any other exception is a bug), and replaying the same sequence
// gives the same kernel log.

import t from 'tap';
import fc from 'fast-check';
import { Kernel } from '../../kern/kernel.js';
import { checkInvariants } from '../../kern/invariants.js';
import { P9Error } from '../../lib/9p/error.js';
import type { Command } from '../../kern/commands.js';

const H = 'eve';
type Step = { kind: number; a: number; b: number; c: number; flag: boolean };

const stepArb = fc.record({
  kind: fc.integer({ min: 0, max: 27 }), a: fc.nat(40), b: fc.nat(4200), c: fc.nat(300_000_000), flag: fc.boolean(),
});
const machineArb = fc.record({
  ncores: fc.oneof(fc.integer({ min: 2, max: 12 }), fc.integer({ min: 13, max: 70 })),
  policy: fc.constantFrom('fcfs' as const, 'packed' as const),
  grace: fc.constantFrom(0, 1_000_000, 50_000_000),
  ht: fc.boolean(),
});

function toCommand(k: Kernel, s: Step): Command | null {
  const pids = k.pids();
  const pid = pids.length ? pids[s.a % pids.length] : 1;
  const user = s.flag ? H : 'u';
  const n = s.b % (k.state.maxVcores + 2);
  const core = s.b % (k.state.m.n + 1);
  const cores = [core, (core * 7 + 3) % (k.state.m.n + 1)];
  switch (s.kind) {
    case 0: return { op: 'create-mcp', user: 'u' };
    case 1: return { op: 'create-scp', user: 'u', ppid: s.flag && pids.length ? pid : undefined };
    case 2: return { op: 'run', user, pid };
    case 3: return { op: 'change-to-m', user, pid };
    case 4: case 5: return { op: 'want', user, pid, n };
    case 6: return { op: 'cores', user, pid, n };
    case 7: return { op: 'prov', user, pid, cores, force: s.flag };
    case 8: return { op: 'unprov', user, pid, cores: s.flag ? 'all' : cores };
    case 9: case 10: return { op: 'yield', user, pid, vcore: s.b % 8, nice: s.c % 2 === 0 };
    case 11: return { op: 'notify', user, pid, type: s.b % 14, args: [s.c, 1, 2, 3] };
    case 12: return { op: 'ev', user, pid, type: s.b % 13, mbox: (['ucq', 'bitmap', 'ceq', 'off'] as const)[s.c % 4],
      flags: [['ipi'], ['indir'], ['wakeup', 'spam_public'], ['roundrobin', 'ipi'], []][s.c % 5] };
    case 13: return { op: 'kill', user, pid };
    case 14: return { op: 'reap', user, pid };
    case 15: case 16: return { op: 'step', user: H, ns: s.c % 40_000_000 };
    case 17: return { op: 'poke', user };
    case 18: return { op: s.flag ? 'core-offline' : 'core-online', user: H, core };
    case 19: return s.flag ? { op: 'policy', user: H, policy: s.c % 2 ? 'packed' : 'fcfs' } : { op: 'grace', user: H, ns: s.c % 3 === 0 ? 0 : s.c };
    case 20: return s.flag ? { op: 'preempt', user, pid } : { op: 'preempt', user, pid, vcore: s.b % 8 };
    case 21: return { op: 'core-preempt', user: H, core };
    case 22: return { op: 'change', user, pid, vcore: s.b % 8, to: s.c % 10, notif: s.flag };
    case 23: return { op: 'notif', user, pid, vcore: s.b % 8, on: s.flag };
    case 24: return { op: 'request', user, pid, n, more: s.flag };
    case 25: return { op: 'vcyield', user, pid, vcore: s.b % 8, nice: s.flag };
    case 26: return { op: 'alarm-create', user, pid };
    case 27: {
      const id = s.b % 3;
      return s.c % 3 === 0 ? { op: 'alarm-timer', user, pid, id, at: s.flag ? 0 : s.c }
        : s.c % 3 === 1 ? { op: 'alarm-period', user, pid, id, period: s.b * 1000 } : { op: 'alarm-close', user, pid, id };
    }
  }
  return null;
}

function runSeq(mc: { ncores: number; policy: 'fcfs' | 'packed'; grace: number; ht: boolean }, steps: Step[], check: boolean): string[] {
  const k = new Kernel({ ncores: mc.ncores, policy: mc.policy, graceNs: mc.grace, hostowner: H, zombieNs: 100_000_000,
    topology: { sockets: 2, numa: 2, ht: mc.ht } });
  for (const s of steps) {
    const cmd = toCommand(k, s);
    if (!cmd) continue;
    try { k.apply(cmd); } catch (e) { if (!(e instanceof P9Error)) throw e; }
    if (check) checkInvariants(k);
    // drain mailboxes now and then, as a reader would
    if (s.c % 5 === 0) for (const pid of k.pids()) k.mailbox(pid).take();
  }
  return k.log.lines();
}

t.test('random sequences never break an invariant', (t) => {
  fc.assert(fc.property(machineArb, fc.array(stepArb, { minLength: 50, maxLength: 400 }), (mc, steps) => {
    runSeq(mc, steps, true);
  }), { numRuns: 300, seed: 42 });
  t.pass('300 runs');
  t.end();
});

t.test('same sequence => same log', (t) => {
  fc.assert(fc.property(machineArb, fc.array(stepArb, { minLength: 50, maxLength: 300 }), (mc, steps) => {
    const a = runSeq(mc, steps, false), b = runSeq(mc, steps, false);
    if (a.join('\n') !== b.join('\n')) throw new Error('logs differ');
  }), { numRuns: 100, seed: 7 });
  t.pass('100 runs');
  t.end();
});
