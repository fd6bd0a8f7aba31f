// SPDX-License-Identifier: GPL-2.0-or-later
//
// Random kernel workloads for the image and replay tests: every command op, alarms that
// go off, mailboxes read now and then (a take changes state), time stepping over ticks,
// deadlines and zombie reaps. A step is plain numbers so fast-check can shrink it; the
// same steps on the same kernel state give the same commands.

import fc from 'fast-check';
import type { Kernel } from '../../kern/kernel.js';
import type { Command } from '../../kern/commands.js';
import type { KernelConfig } from '../../kern/types.js';

export const H = 'eve';

export interface Step { kind: number; a: number; b: number; c: number; flag: boolean }

export const stepArb: fc.Arbitrary<Step> = fc.record({
  kind: fc.integer({ min: 0, max: 39 }), a: fc.nat(40), b: fc.nat(4200), c: fc.nat(300_000_000), flag: fc.boolean(),
});

export const machineArb: fc.Arbitrary<KernelConfig> = fc.record({
  ncores: fc.integer({ min: 2, max: 24 }),
  policy: fc.constantFrom('fcfs' as const, 'packed' as const),
  graceNs: fc.constantFrom(0, 1_000_000, 50_000_000),
  ht: fc.boolean(),
  seed: fc.nat(1000),
}).map(({ ht, ...c }) => ({ ...c, hostowner: H, zombieNs: 30_000_000, logMax: 500, topology: { sockets: 2, numa: 2, ht } }));

/** Programs the random workloads run (kern/prog/): each workload, short units so that
 *  their events interleave with the kernel's within a step. */
const PROGS: string[][] = [
  ['spin', 'threads=3'], ['spin', 'threads=2', 'dur=15ms', 'reaction=2ms'],
  ['phases', 'threads=5', 'work=300us', 'serial=100us', 'iters=20'],
  ['server', 'rate=50000', 'dist=lognormal', 'mean=40us', 'qmax=64', 'reaction=0'],
  ['server', 'rate=20000', 'dist=const', 'mean=80us', 'policy=arachne', 'period=2ms', 'switch=1us'],
  ['ftq', 'threads=2', 'quantum=500us', 'policy=arachne', 'period=3ms', 'recover=50us'],
  ['nosuch'], ['spin', 'threads=0'],
];

/** What a step does: a command, a read that consumes events, or nothing. */
export type Action = { cmd: Command } | { take: number } | null;

export function action(k: Kernel, s: Step): Action {
  const pids = k.pids();
  const pid = pids.length ? pids[s.a % pids.length] : 1;
  const user = s.flag ? H : 'u';
  const n = s.b % (k.state.maxVcores + 2);
  const core = s.b % (k.state.m.n + 1);
  const cores = [core, (core * 7 + 3) % (k.state.m.n + 1)];
  const cmd = (c: Command): Action => ({ cmd: c });
  switch (s.kind) {
    case 0: return cmd({ op: 'create-mcp', user: 'u', name: s.flag ? `m${s.b}` : undefined });
    case 1: return cmd({ op: 'create-scp', user: 'u', ppid: s.flag && pids.length ? pid : undefined });
    case 2: return cmd({ op: 'run', user, pid });
    case 3: return cmd({ op: 'change-to-m', user, pid });
    case 4: case 5: return cmd({ op: 'want', user, pid, n });
    case 6: return cmd({ op: 'cores', user, pid, n });
    case 7: return cmd({ op: 'prov', user, pid, cores, force: s.flag });
    case 8: return cmd({ op: 'unprov', user, pid, cores: s.flag ? 'all' : cores });
    case 9: case 10: return cmd({ op: 'yield', user, pid, vcore: s.b % 8, nice: s.c % 2 === 0 });
    case 11: return cmd({ op: 'notify', user, pid, type: s.b % 14, args: [s.c, 1, 2, 3] });
    case 12: return cmd({ op: 'ev', user, pid, type: s.b % 13, mbox: (['ucq', 'bitmap', 'ceq', 'off'] as const)[s.c % 4],
      flags: [['ipi'], ['indir'], ['wakeup', 'spam_public'], ['roundrobin', 'ipi'], ['indir', 'nothrottle'], []][s.c % 6] });
    case 13: return cmd({ op: 'kill', user, pid });
    case 14: return cmd({ op: 'reap', user, pid });
    case 15: case 16: return cmd({ op: 'step', user: H, ns: s.c % 40_000_000 });
    case 17: return cmd({ op: 'poke', user });
    case 18: return cmd({ op: s.flag ? 'core-offline' : 'core-online', user: H, core });
    case 19: return s.flag ? cmd({ op: 'policy', user: H, policy: s.c % 2 ? 'packed' : 'fcfs' }) : cmd({ op: 'grace', user: H, ns: s.c % 3 === 0 ? 0 : s.c % 60_000_000 });
    case 20: return cmd({ op: 'alarm-create', user, pid });
    case 21: return cmd({ op: 'alarm-timer', user, pid, id: s.b % 3, at: s.flag ? k.now() + (s.c % 30_000_000) : k.now() });
    case 22: return cmd({ op: 'alarm-close', user, pid, id: s.b % 3 });
    case 23: return { take: pid };
    case 24: return cmd({ op: 'tick', user: H, ns: 1_000_000 + (s.c % 20_000_000) });
    case 25: return cmd({ op: 'core-prov', user: H, core, pid });
    case 26: return cmd({ op: 'name', user, pid, name: s.flag ? `n${s.c}` : 'x'.repeat(25) });
    case 27: return cmd({ op: 'seed', user: H, n: s.c });
    case 28: return cmd({ op: 'alarm-period', user, pid, id: s.b % 3, period: s.c % 4 === 0 ? 7_000_000 : 0 });
    case 29: return cmd({ op: 'alarm-take', user, pid, id: s.b % 3 });
    case 30: return s.flag ? cmd({ op: 'preempt', user, pid, vcore: s.b % 4 }) : cmd({ op: 'core-preempt', user: H, core });
    case 31: return cmd({ op: 'change', user, pid, vcore: s.b % 4, to: s.c % 4, notif: s.flag });
    case 32: return cmd({ op: 'notif', user, pid, vcore: s.b % 4, on: s.flag });
    case 33: return cmd({ op: 'request', user, pid, n, more: s.flag });
    case 34: return cmd({ op: 'vcyield', user, pid, vcore: s.b % 4, nice: s.flag });
    case 35: return cmd({ op: 'limit', user: H, name: s.flag ? 'evq' : 'nproc', n: 1 + (s.c % 64) });
    case 36: case 37: return cmd({ op: 'prog-run', user, pid, workload: PROGS[s.c % PROGS.length][0], args: PROGS[s.c % PROGS.length].slice(1) });
    case 38: return cmd({ op: 'prog-stop', user, pid });
    case 39: return cmd({ op: 'noise', user: H, model: s.flag ? 'linux' : 'akaros', args: s.c % 2 ? ['hz=1000', 'drate=200', 'irate=500'] : [] });
  }
  return null;
}

/** Take up to `max` events from pid's mailbox, as an events reader does (one at a time). */
export function takeEvents(k: Kernel, pid: number, max: number): number {
  if (!k.has(pid)) return 0;
  const mb = k.mailbox(pid);
  let n = 0;
  while (n < max && mb.take(1).length) n++;
  return n;
}
