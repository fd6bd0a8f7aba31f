// SPDX-License-Identifier: GPL-2.0-or-later
//
// The ksched (kern/src/schedule.c, akaros.md §2.2) and the core give/take plumbing.
//
// Akaros walks primary_mcps, moving procs that need nothing to secondary_mcps and
// servicing needy ones in list order; single-threaded, that is "service every needy MCP in
// the order it became an MCP". We keep exactly that order but only *needy* MCPs are
// visited: they sit in a min-heap keyed by their MCP sequence number, so a poke with one
// needy MCP costs O(log n) however many MCPs exist. A proc that becomes needy during a pass
// is serviced in the same pass if it comes later in the order (as in Akaros), otherwise
// in the next one.

import type { Kernel } from './kernel.js';
import type { Proc } from './proc.js';
import { RUNNABLE_M, RUNNING_M, RUNNING_S, RUNNABLE_S, EV_VCORE_PREEMPT } from './types.js';
import { provOnAlloc, provOnDealloc } from './prov.js';
import { fcfsPick, fcfsFree } from './alloc-fcfs.js';
import { packedPick, packedFree, topoAdd } from './alloc-packed.js';
import { warnCore } from './preempt.js';
import { sendEvent } from './events.js';
import type { Vcore } from './vcore.js';

/** Min-heap of (mcpSeq, pid). Stale entries are dropped when popped. */
export class NeedyQueue {
  private k = new Float64Array(64);
  private v = new Int32Array(64);
  size = 0;
  push(key: number, pid: number): void {
    if (this.size === this.k.length) {
      const k = new Float64Array(this.size * 2); k.set(this.k); this.k = k;
      const v = new Int32Array(this.size * 2); v.set(this.v); this.v = v;
    }
    const K = this.k, V = this.v;
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (K[p] <= key) break;
      K[i] = K[p]; V[i] = V[p]; i = p;
    }
    K[i] = key; V[i] = pid;
  }
  minKey(): number { return this.k[0]; }
  pop(): number {
    const K = this.k, V = this.v, top = V[0];
    const n = --this.size;
    if (n > 0) {
      const key = K[n], pid = V[n];
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && K[c + 1] < K[c]) c++;
        if (key <= K[c]) break;
        K[i] = K[c]; V[i] = V[c]; i = c;
      }
      K[i] = key; V[i] = pid;
    }
    return top;
  }
  pids(): number[] { return Array.from(this.v.subarray(0, this.size)); }
}

/** get_cores_needed, minus cores already being taken back for it. 0 = no cores wanted. */
export function need(p: Proc): number {
  if (p.state !== RUNNABLE_M && p.state !== RUNNING_M) return 0;
  const n = p.wanted - p.numVcores - p.incoming;
  return n > 0 ? n : 0;
}

export function markNeedy(k: Kernel, p: Proc): void {
  if (!p.queued && need(p) > 0) { p.queued = true; k.needy.push(p.mcpSeq, p.pid); }
}

/** One MCP ksched pass (__run_mcp_ksched). */
export function mcpPass(k: Kernel): void {
  const q = k.needy;
  let cursor = -1;
  const deferred: Proc[] = [];
  k.passes++;
  while (q.size > 0) {
    const seq = q.minKey();
    const p = k.procs.get(q.pop());
    if (!p || p.dead || p.mcpSeq !== seq || !p.queued) continue;
    if (need(p) <= 0) { p.queued = false; continue; }
    if (seq <= cursor) { deferred.push(p); continue; }   // stays logically queued
    cursor = seq;
    p.queued = false;
    coreRequest(k, p, need(p));
    if (need(p) > 0) { p.queued = true; deferred.push(p); }
  }
  for (const p of deferred) q.push(p.mcpSeq, p.pid);
}

/** __core_request(p, n): provisioned cores first (taking them back if lent), then the allocator. */
export function coreRequest(k: Kernel, p: Proc, n: number): void {
  const m = k.m;
  const got: number[] = [];
  for (let c = p.provNotHead; c >= 0 && n > 0;) {
    const nx = m.pNext[c];
    if (!m.offline[c] && m.warnFor[c] === 0) {
      if (m.alloc[c] === 0) { trackAlloc(k, p, c); got.push(c); n--; }
      else if (m.alloc[c] !== p.pid) {
        // lazy revocation of a lent provisioned core, with warning
        if (warnCore(k, p, c)) { trackAlloc(k, p, c); got.push(c); }
        n--;
      }
    }
    c = nx;
  }
  while (n > 0) {
    const c = k.policy === 'packed' ? packedPick(m, p) : fcfsPick(m);
    if (c < 0) break;
    trackAlloc(k, p, c); got.push(c); n--;
  }
  if (got.length) giveCores(k, p, got);
}

/** __track_core_alloc */
export function trackAlloc(k: Kernel, p: Proc, c: number): void {
  const m = k.m;
  m.account(c, k.clock.now);
  m.idleRemove(c);
  m.alloc[c] = p.pid;
  m.grants[c]++;
  m.cpuLoad[m.cpu[c]]++; m.socketLoad[m.socket[c]]++; m.numaLoad[m.numa[c]]++;
  if (k.policy === 'packed') topoAdd(m, p, c, 1);
  if (m.prov[c] === p.pid) provOnAlloc(m, p, c);
}

/** __track_core_dealloc, without placing the core (see placeFree). */
export function trackDealloc(k: Kernel, p: Proc, c: number): void {
  const m = k.m;
  m.account(c, k.clock.now);
  m.alloc[c] = 0;
  m.vcore[c] = -1;
  m.cpuLoad[m.cpu[c]]--; m.socketLoad[m.socket[c]]--; m.numaLoad[m.numa[c]]--;
  if (p.topo) topoAdd(m, p, c, -1);
  if (m.prov[c] === p.pid) provOnDealloc(m, p, c);
}

/** A freed core goes to whoever it was being taken back for, else to the idle list. */
export function placeFree(k: Kernel, c: number): void {
  const m = k.m;
  if (m.warnFor[c]) {
    const b = k.procs.get(m.warnFor[c]);
    k.clock.cancel(m.warnHandle[c]);
    m.warnFor[c] = 0; m.warnHandle[c] = -1;
    if (b) b.incoming--;
    if (b && !b.dead && !m.offline[c] && m.prov[c] === b.pid && need(b) > 0) {
      trackAlloc(k, b, c);
      giveCores(k, b, [c]);
      return;
    }
    if (b) markNeedy(k, b);
  }
  if (m.offline[c]) return;
  if (k.policy === 'packed') packedFree(m, c); else fcfsFree(m, c);
}

/** __proc_give_cores + __proc_run_m */
export function giveCores(k: Kernel, p: Proc, cores: number[]): void {
  const m = k.m, now = k.clock.now;
  for (const c of cores) {
    const v = p.vc.take(k.maxVcores)!;
    v.pcore = c; v.canRcvMsg = true; v.preempted = false; v.resumeT = now;
    m.vcore[c] = v.id;
    p.vc.online.pushTail(p.vc.vcs, v);
    p.numVcores++;
    p.grants++;
    k.log.add(now, 'grant', `pid=${p.pid} vcore=${v.id} pcore=${c}`);
  }
  // vcores bulk-preempted and not regranted are reported now and go inactive
  while (p.vc.bulk.tail >= 0) {
    const v = p.vc.vcs[p.vc.bulk.tail];
    p.vc.bulk.remove(p.vc.vcs, v);
    p.vc.inactive.pushHead(p.vc.vcs, v);
    sendEvent(k, p, EV_VCORE_PREEMPT, 0, [0, v.id, 0, -1]);
  }
  if (p.state === RUNNABLE_M && p.numVcores > 0) p.setState(RUNNING_M, now);
}

/** Unmap vcore v from its pcore and put it on inactive's head (yield, preempt, death). */
export function unmapVcore(k: Kernel, p: Proc, v: Vcore): number {
  const now = k.clock.now, c = v.pcore;
  v.runNs += now - v.resumeT;
  p.vc.online.remove(p.vc.vcs, v);
  p.vc.inactive.pushHead(p.vc.vcs, v);
  v.pcore = -1;
  if (v.warned) { v.warned = false; v.preemptPending = 0; p.warnedVcores--; }
  p.numVcores--;
  return c;
}

// ---- SCPs: round robin on the first LL core --------------------------------------------

export function scpCore(k: Kernel): number { return k.m.ll[0]; }

/** __schedule_scp: deschedule the running SCP if another is runnable; run the head. */
export function scheduleScp(k: Kernel, onTick: boolean): void {
  const m = k.m, c = scpCore(k), now = k.clock.now;
  if (k.runnableScps.length === 0) return;
  const cur = m.alloc[c];
  if (cur) {
    if (!onTick) return;
    const p = k.procs.get(cur)!;
    p.setState(RUNNABLE_S, now);
    k.runnableScps.push(cur);
    m.account(c, now); m.alloc[c] = 0; m.vcore[c] = -1;
  }
  const pid = k.runnableScps.shift()!;
  const p = k.procs.get(pid)!;
  p.setState(RUNNING_S, now);
  m.account(c, now); m.alloc[c] = pid; m.vcore[c] = 0;
  if (pid !== cur) k.log.add(now, 'scp', `pid=${pid} pcore=${c}`);
}

/** The SCP core became free (yield, death, change-to-m): cpu_bored. */
export function scpCoreFreed(k: Kernel, p: Proc): void {
  const m = k.m, c = scpCore(k);
  if (m.alloc[c] === p.pid) { m.account(c, k.clock.now); m.alloc[c] = 0; m.vcore[c] = -1; }
  scheduleScp(k, false);
}

/** The ksched tick: MCP pass, then SCP round robin; re-armed relative to now. */
export function tick(k: Kernel): void {
  k.ticks++;
  mcpPass(k);
  scheduleScp(k, true);
  k.tickHandle = k.clock.schedule(k.clock.now + k.tickNs, () => tick(k), 'tick');
}
