// SPDX-License-Identifier: GPL-2.0-or-later
//
// The `prog-run` / `prog-stop` / `noise` mechanisms (Kernel.apply calls them), the hooks
// for a process's death and reap, and the reads: a program's results and the per-core
// program accounting. One program per MCP at a time; a finished one's results stay until
// the next `run` or the reap.

import type { KState } from '../state.js';
import type { Proc } from '../proc.js';
import { perr } from '../../lib/9p/error.js';
import { EBUSY, EINVAL, ERANGE } from '../../lib/9p/errno.js';
import { STATE_NAMES } from '../types.js';
import { parseKv, parseWorkload, NOISE_PARAMS } from './params.js';
import { finish, vcoreUp, totals, progOf } from './engine.js';
import { newProg, startProg } from './workloads.js';
import { setNoise } from './noise.js';
import { histQuantile } from './hist.js';
import type { NoiseModel } from './types.js';

export function runProg(s: KState, p: Proc, workload: string, args: string[]): void {
  if (!p.isMcp) throw perr(EINVAL, `run ${workload}: process ${p.pid} is not an MCP (${STATE_NAMES[p.state]})`);
  const params = parseWorkload(workload, args);
  const old = progOf(s, p.pid);
  if (old?.state === 'running') throw perr(EBUSY, `run ${workload}: ${p.pid} already runs ${old.workload} (stop it first)`);
  const pr = newProg(s, p, workload, params, args.join(' '));
  s.progs.list.set(p.pid, pr);
  s.note('prog', `pid=${p.pid} run ${workload}${args.length ? ' ' + args.join(' ') : ''} seed=${pr.seed}`);
  for (const id of p.vc.online.ids(p.vc.vcs)) vcoreUp(s, p, p.vc.vcs[id]);
  startProg(s, p, pr);
}

export function stopProg(s: KState, p: Proc): void {
  const pr = progOf(s, p.pid);
  if (!pr || pr.state !== 'running') throw perr(EINVAL, `stop: ${p.pid} runs no program`);
  finish(s, pr, 'stopped');
}

export function setNoiseModel(s: KState, model: string, args: string[]): void {
  if (model !== 'akaros' && model !== 'linux') throw perr(EINVAL, `noise ${model}: model is akaros or linux`);
  const p = parseKv(`noise ${model}`, NOISE_PARAMS, args);
  if ((p.tick as number) * (p.hz as number) >= 1e9) throw perr(ERANGE, `noise ${model}: tick=${p.tick} x hz=${p.hz} fills the core`);
  setNoise(s, model as NoiseModel, p);
}

/** The process died: its program ends (results kept until the reap). */
export function progExited(s: KState, p: Proc): void {
  const pr = progOf(s, p.pid);
  if (pr) finish(s, pr, 'killed');
}

export function progReaped(s: KState, p: Proc): void { s.progs.list.delete(p.pid); }

export type Row = readonly [string, number | string];

/** A program's results as ordered key/value rows (devs/mcp/mcp.md "results"), or undefined. */
export function progResults(s: KState, pid: number): Row[] | undefined {
  const pr = progOf(s, pid);
  if (!pr) return undefined;
  const now = s.clock.now;
  const end = pr.state === 'running' ? now : pr.tEnd;
  const el = end - pr.t0;
  const t = totals(s, pr);
  const r: Row[] = [
    ['workload', pr.workload], ['args', pr.args], ['state', pr.state], ['seed', pr.seed], ['start_ns', pr.t0],
    ['elapsed_ns', el], ['useful_ns', t.useful], ['spin_ns', t.spin], ['overhead_ns', t.overhead], ['noise_ns', t.noise],
    ['switches', pr.switches], ['stranded', pr.strandedN], ['recoveries', pr.recoveries],
    ['yields_in_time', pr.yieldsInTime], ['yield_fails', pr.yieldFails], ['wants', pr.wants],
    ['threads', pr.runnable], ['queued', pr.q.len],
  ];
  switch (pr.workload) {
    case 'server': {
      const n = pr.completed, q = (x: number) => histQuantile(pr.hist, n, x, pr.latMin, pr.latMax);
      r.push(['arrivals', pr.arrivals], ['completed', n], ['dropped', pr.dropped],
        ['throughput', el > 0 ? Math.round(n * 1e9 / el) : 0],
        ['lat_min', pr.latMin], ['lat_mean', n ? Math.round(pr.latSum / n) : 0], ['lat_p50', q(0.5)],
        ['lat_p99', q(0.99)], ['lat_p999', q(0.999)], ['lat_max', pr.latMax]);
      break;
    }
    case 'phases':
      r.push(['iterations', pr.iter], ['iter_mean_ns', pr.iter ? Math.round(pr.iterSum / pr.iter) : 0],
        ['iter_min_ns', pr.iterMin], ['iter_max_ns', pr.iterMax], ['iter_last_ns', pr.iterLast]);
      break;
    case 'ftq': {
      const ring = pr.ring.length < 64 ? pr.ring : [...pr.ring.slice(pr.ringAt), ...pr.ring.slice(0, pr.ringAt)];
      r.push(['quantum_ns', pr.params.quantum as number], ['samples', pr.samples],
        ['work_min', pr.wMin], ['work_mean', pr.samples ? Math.round(pr.wSum / pr.samples) : 0], ['work_max', pr.wMax],
        ['lost_quanta', pr.lostQ], ['lost_ns', pr.lostNs],
        ['lost_ppm', pr.samples ? Math.round(pr.lostNs * 1e6 / (pr.samples * (pr.params.quantum as number))) : 0],
        ['last', ring.join(',')]);
      break;
    }
  }
  return r;
}

/** Per-vcore accounting rows of a program: vcore pcore useful spin overhead noise. */
export function progVcores(s: KState, pid: number): number[][] {
  const pr = progOf(s, pid);
  if (!pr) return [];
  const now = s.clock.now;
  return [...pr.slots.values()].sort((a, b) => a.vc - b.vc).map((sl) => {
    let u = sl.useful, sp = sl.spin;
    if (sl.pcore >= 0 && pr.state === 'running') { const x = Math.max(0, now - sl.since - sl.debt); if (sl.th) u += x; else sp += x; }
    return [sl.vc, sl.pcore, u, sp, sl.overhead, sl.noise];
  });
}

/** Program time on core c so far: useful, spin, overhead, noise (ns). Pending time of a
 *  running slot is included. */
export function coreProgTime(s: KState, c: number): { useful: number; spin: number; overhead: number; noise: number } {
  const w = s.progs, m = s.m;
  let useful = w.cUseful[c], spin = w.cSpin[c];
  const pr = m.alloc[c] ? progOf(s, m.alloc[c]) : undefined;
  const sl = pr && m.vcore[c] >= 0 ? pr.slots.get(m.vcore[c]) : undefined;
  if (pr && sl && sl.pcore === c && pr.state === 'running') {
    const x = Math.max(0, s.clock.now - sl.since - sl.debt);
    if (sl.th) useful += x; else spin += x;
  }
  return { useful, spin, overhead: w.cOverhead[c], noise: w.cNoise[c] };
}

export function noiseInfo(s: KState): Row[] {
  const n = s.progs.noise;
  return [['noise', n.model], ['noise_hz', n.hz], ['noise_tick', n.tick], ['noise_drate', n.drate],
    ['noise_dmean', n.dmean], ['noise_irate', n.irate], ['noise_imean', n.imean]];
}
