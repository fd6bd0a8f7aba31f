// SPDX-License-Identifier: GPL-2.0-or-later
//
// Programs on the simulated cores (kern/prog/): each workload against hand-computed
// cases, the noise models under FTQ, the 2LS's reaction to a preemption warning, the
// Arachne-style estimator, determinism (the same seed gives byte-identical results), the
// bounds, and the invariants with programs running under random kernel workloads.

import t from 'tap';
import fc from 'fast-check';
import { Kernel } from '../../kern/kernel.js';
import { checkInvariants } from '../../kern/invariants.js';
import { P9Error } from '../../lib/9p/error.js';
import { action, machineArb, stepArb, takeEvents } from './random.js';

const H = 'eve';
const res = (k: Kernel, pid: number): Record<string, number | string> => Object.fromEntries(k.progResults(pid)!);
const text = (k: Kernel, pid: number): string => k.progResults(pid)!.map((r) => r.join(' ')).join('\n');

t.test('spin on 4 dedicated cores for 1 s does 4 core-seconds of work', (t) => {
  const k = new Kernel({ ncores: 16, hostowner: H });
  const pid = k.createMcp('u');
  k.cores('u', pid, 4);
  k.progRun('u', pid, 'spin', ['threads=4', 'dur=1s']);
  k.step(H, 2e9);
  const r = res(k, pid);
  t.equal(r.state, 'done');
  t.equal(r.useful_ns, 4e9);
  t.equal(r.spin_ns, 0);
  t.equal(r.elapsed_ns, 1e9);
  // per core: each of the four cores did one second
  for (const c of k.granted(pid)) t.equal(k.coreProgTime(c).useful, 1e9, `core ${c}`);
  t.end();
});

t.test('spin with more vcores than threads spins the rest', (t) => {
  const k = new Kernel({ ncores: 8, hostowner: H });
  const pid = k.createMcp('u');
  k.cores('u', pid, 4);
  k.progRun('u', pid, 'spin', ['threads=3', 'dur=100ms']);
  k.step(H, 1e9);
  const r = res(k, pid);
  t.equal(r.useful_ns, 3e8);
  t.equal(r.spin_ns, 1e8);
  t.end();
});

t.test('phases: parallel phase, barrier, serial phase', (t) => {
  // 4 threads x 1 ms on 2 vcores = 2 ms, then 1 ms serial: 3 ms an iteration
  const k = new Kernel({ ncores: 8, hostowner: H });
  const pid = k.createMcp('u');
  k.cores('u', pid, 2);
  k.progRun('u', pid, 'phases', ['threads=4', 'work=1ms', 'serial=1ms', 'iters=10']);
  k.step(H, 1e9);
  const r = res(k, pid);
  t.equal(r.state, 'done');
  t.equal(r.iterations, 10);
  t.equal(r.iter_mean_ns, 3e6);
  t.equal(r.iter_max_ns, 3e6);
  t.equal(r.elapsed_ns, 30e6);
  t.equal(r.useful_ns, 50e6, '10 x (4 + 1) ms');
  t.equal(r.spin_ns, 10e6, 'one vcore waits through each serial phase');
  t.end();
});

t.test('server: constant service with no queueing has latency = service time', (t) => {
  // 1000 req/s of 10 us on 4 cores: arrivals (exponential gaps) almost never overlap 4 deep
  const k = new Kernel({ ncores: 8, hostowner: H });
  const pid = k.createMcp('u');
  k.cores('u', pid, 4);
  k.progRun('u', pid, 'server', ['rate=1000', 'dist=const', 'mean=10us', 'dur=1s']);
  k.step(H, 2e9);
  const r = res(k, pid);
  t.equal(r.completed, r.arrivals);
  t.equal(r.dropped, 0);
  t.equal(r.lat_min, 10_000);
  t.equal(r.lat_p50, 10_000);
  t.equal(r.lat_max, 10_000);
  t.equal(r.useful_ns, (r.completed as number) * 10_000);
  t.ok(Math.abs((r.arrivals as number) - 1000) < 150, `~1000 arrivals (${r.arrivals})`);
  t.end();
});

t.test('server: one core, a queue forms; the queue bound drops arrivals', (t) => {
  const k = new Kernel({ ncores: 4, hostowner: H });
  const pid = k.createMcp('u');
  k.cores('u', pid, 1);
  // offered load 2x what one core serves
  k.progRun('u', pid, 'server', ['rate=20000', 'dist=exp', 'mean=100us', 'qmax=16', 'dur=200ms']);
  k.step(H, 1e9);
  const r = res(k, pid);
  t.ok((r.dropped as number) > 0, 'drops');
  t.ok((r.completed as number) + (r.dropped as number) <= (r.arrivals as number));
  t.ok((r.completed as number) < (r.arrivals as number) * 0.6, 'one core serves about half');
  t.ok((r.lat_p99 as number) >= (r.lat_p50 as number));
  t.ok((r.lat_p999 as number) <= (r.lat_max as number));
  t.end();
});

t.test('ftq on a CG core under the Akaros model loses nothing', (t) => {
  const k = new Kernel({ ncores: 4, hostowner: H });
  const pid = k.createMcp('u');
  k.cores('u', pid, 1);
  k.progRun('u', pid, 'ftq', ['quantum=1ms', 'dur=1s']);
  k.step(H, 2e9);
  const r = res(k, pid);
  t.equal(r.samples, 1000);
  t.equal(r.lost_quanta, 0);
  t.equal(r.lost_ns, 0);
  t.equal(r.work_min, 1e6);
  t.equal(r.noise_ns, 0);
  t.end();
});

t.test('ftq under the Linux-like model loses tick cost x HZ', (t) => {
  for (const [hz, tick] of [[1000, 2000], [250, 5000], [100, 1000]]) {
    const k = new Kernel({ ncores: 4, hostowner: H });
    k.setNoise(H, 'linux', [`hz=${hz}`, `tick=${tick}`, 'drate=0', 'irate=0']);
    const pid = k.createMcp('u');
    k.cores('u', pid, 1);
    k.progRun('u', pid, 'ftq', ['quantum=1ms', 'dur=1s']);
    k.step(H, 2e9);
    const r = res(k, pid);
    const expect = hz * tick; // ns lost per second
    // a tick due at a quantum's first or last instant may fall either side of it: one
    // tick at each end of the run
    t.ok(Math.abs((r.lost_ns as number) - expect) <= 2 * tick, `hz=${hz} tick=${tick}: lost ${r.lost_ns} ~ ${expect}`);
    t.ok(Math.abs((r.noise_ns as number) - expect) <= 2 * tick, `noise ${r.noise_ns}`);
    t.equal((r.useful_ns as number) + (r.noise_ns as number), 1e9, 'work + noise = the core\'s second');
  }
  t.end();
});

t.test('ftq under the Linux-like model with daemons and IRQs loses more', (t) => {
  const k = new Kernel({ ncores: 4, hostowner: H });
  k.setNoise(H, 'linux', []);
  const pid = k.createMcp('u');
  k.cores('u', pid, 1);
  k.progRun('u', pid, 'ftq', ['dur=1s']);
  k.step(H, 2e9);
  const r = res(k, pid);
  t.ok((r.lost_ns as number) > 250 * 5000, `more than the ticks alone (HZ 250 x 5 us): ${r.lost_ns}`);
  t.ok((r.lost_quanta as number) > 0);
  t.end();
});

function preemptRun(reaction: string, grace: number): Record<string, number | string> {
  const k = new Kernel({ ncores: 5, hostowner: H, graceNs: grace });
  const a = k.createMcp('u');
  k.want('u', a, 4);
  k.progRun('u', a, 'spin', ['threads=4', `reaction=${reaction}`, 'recover=20us']);
  k.step(H, 10e6);
  const b = k.createMcp('v');
  k.cores('v', b, 2);            // takes two of a's cores back (b's provision)
  k.step(H, 20e6);
  checkInvariants(k);
  return res(k, a);
}

t.test('the 2LS yields nicely inside the grace period when its reaction is shorter', (t) => {
  const r = preemptRun('100us', 1e6);
  t.equal(r.yields_in_time, 2);
  t.equal(r.stranded, 0);
  t.equal(r.recoveries, 0);
  // 10 ms x 4, 100 us x 4 before yielding, then 19.9 ms x 2
  t.equal(r.useful_ns, 40e6 + 0.4e6 + 39.8e6);
  t.end();
});

t.test('the 2LS is preempted when its reaction is longer than the grace', (t) => {
  const r = preemptRun('5ms', 1e6);
  t.equal(r.yields_in_time, 0);
  t.equal(r.stranded, 2);
  t.equal(r.recoveries, 2);
  t.equal(r.overhead_ns, 40_000, 'two recoveries at 20 us');
  t.equal(r.useful_ns, 40e6 + 4e6 + 38e6);
  t.end();
});

t.test('grace 0 (Akaros): always preempted, whatever the reaction', (t) => {
  const r = preemptRun('1us', 0);
  t.equal(r.yields_in_time, 0);
  t.equal(r.stranded, 2);
  t.end();
});

t.test('the Arachne-style estimator asks for cores under load and gives them back', (t) => {
  const k = new Kernel({ ncores: 16, hostowner: H });
  const pid = k.createMcp('u');
  k.want('u', pid, 1);
  // 4 cores' worth of work offered: the load factor climbs, the estimator wants more
  k.progRun('u', pid, 'server', ['rate=40000', 'dist=exp', 'mean=100us', 'policy=arachne', 'qmax=65536']);
  k.step(H, 2e9);
  t.ok(k.status(pid).wanted >= 4, `wanted ${k.status(pid).wanted}`);
  t.ok((res(k, pid).wants as number) > 0);
  checkInvariants(k);
  t.end();
});

t.test('the same seed gives byte-identical results', (t) => {
  const run = (): string => {
    const k = new Kernel({ ncores: 16, hostowner: H, seed: 99 });
    k.setNoise(H, 'linux', []);
    const a = k.createMcp('u'), b = k.createMcp('u');
    k.cores('u', a, 4);
    k.want('u', b, 12);
    k.progRun('u', a, 'server', ['rate=30000', 'dist=lognormal', 'mean=80us', 'sigma=1.2']);
    k.progRun('u', b, 'phases', ['threads=24', 'work=2ms', 'serial=500us']);
    k.step(H, 500e6);
    k.setGrace(H, 1e6);
    k.want('u', a, 8);
    k.step(H, 500e6);
    return text(k, a) + '\n' + text(k, b);
  };
  const x = run();
  t.equal(run(), x);
  t.match(x, /lat_p99 \d+/);
  t.end();
});

t.test('run and stop: permissions, errors, bounds', (t) => {
  const k = new Kernel({ ncores: 8, hostowner: H });
  const pid = k.createMcp('u');
  const err = (f: () => void, errno: string): void => {
    try { f(); t.fail('no error'); } catch (e) { t.equal((e as P9Error).ename, errno, (e as P9Error).detail ?? errno); }
  };
  err(() => k.progRun('v', pid, 'spin'), 'EPERM');
  err(() => k.progRun('u', pid, 'nosuch'), 'EINVAL');
  err(() => k.progRun('u', pid, 'spin', ['threads=2000']), 'ERANGE');
  err(() => k.progRun('u', pid, 'spin', ['bogus=1']), 'EINVAL');
  err(() => k.progRun('u', pid, 'spin', ['threads=1', 'threads=2']), 'EINVAL');
  err(() => k.progRun('u', pid, 'server', ['rate=1e9']), 'ERANGE');
  err(() => k.progStop('u', pid), 'EINVAL');
  k.progRun(H, pid, 'spin');
  err(() => k.progRun('u', pid, 'spin'), 'EBUSY');
  k.progStop('u', pid);
  t.equal(res(k, pid).state, 'stopped');
  err(() => k.setNoise('u', 'linux'), 'EPERM');
  err(() => k.setNoise(H, 'bsd'), 'EINVAL');
  err(() => k.setNoise(H, 'linux', ['hz=1000', 'tick=1ms']), 'ERANGE');
  const scp = k.createScp('u');
  err(() => k.progRun('u', scp, 'spin'), 'EINVAL');
  t.equal(k.progResults(scp), undefined);
  // killed: results stay until the reap
  k.progRun('u', pid, 'ftq');
  k.step(H, 5e6);
  k.kill('u', pid);
  t.equal(res(k, pid).state, 'killed');
  k.reap('u', pid);
  t.throws(() => k.progResults(pid));
  checkInvariants(k);
  t.end();
});

t.test('invariants hold with programs running under random workloads', (t) => {
  let ran = 0;
  fc.assert(fc.property(machineArb, fc.array(stepArb, { minLength: 50, maxLength: 300 }), (cfg, steps) => {
    const k = new Kernel(cfg);
    for (const s of steps) {
      const a = action(k, s);
      if (!a) continue;
      if ('take' in a) { takeEvents(k, a.take, 2); continue; }
      try { k.apply(a.cmd); if (a.cmd.op === 'prog-run') ran++; } catch (e) { if (!(e instanceof P9Error)) throw e; }
      checkInvariants(k);
    }
  }), { numRuns: 150, seed: 5 });
  t.ok(ran > 50, `${ran} programs started`);
  t.end();
});
