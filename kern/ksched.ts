// SPDX-License-Identifier: GPL-2.0-or-later
//
// The ksched (kern/src/schedule.c, akaros.md §2.2): the MCP pass over the needy queue,
// __core_request, poke, the tick, and SCP round robin on the first LL core.
//
// Akaros walks primary_mcps, moving procs that need nothing to secondary_mcps and
// servicing needy ones in list order; single-threaded, that is "service every needy MCP in
// the order it became an MCP". We keep exactly that order but only *needy* MCPs are
// visited: they sit in a min-heap keyed by their MCP sequence number (needy.ts), so a
// poke with one needy MCP costs O(log n) however many MCPs exist. A proc that becomes
// needy during a pass is serviced in the same pass if it comes later in the order (as in
// Akaros), otherwise in the next one.

import type { KState } from './state.js';
import type { Proc } from './proc.js';
import { RUNNING_S, RUNNABLE_S } from './types.js';
import { need, trackAlloc, giveCores } from './grant.js';
import { warnCore } from './preempt.js';
import { trace } from './trace.js';

/** mcpPass's list of MCPs to requeue, reused so that a pass over a long needy queue
 *  allocates nothing (its length is kept: emptying a JS array frees its store); null
 *  while a pass holds it. */
let spareDeferred: (Proc | null)[] | null = [];

/** One MCP ksched pass (__run_mcp_ksched). */
export function mcpPass(s: KState): void {
  const q = s.needy;
  let cursor = -1;
  const deferred = spareDeferred ?? [];
  spareDeferred = null;
  let nd = 0;
  s.passes++;
  while (q.size > 0) {
    const seq = q.minKey();
    const p = s.procs.get(q.pop());
    if (!p || p.dead || p.mcpSeq !== seq || !p.queued) continue;
    if (need(p) <= 0) { p.queued = false; continue; }
    if (seq <= cursor) { deferred[nd++] = p; continue; }   // stays logically queued
    cursor = seq;
    p.queued = false;
    coreRequest(s, p, need(p));
    if (need(p) > 0) { p.queued = true; deferred[nd++] = p; }
  }
  for (let i = 0; i < nd; i++) {
    const p = deferred[i]!;
    deferred[i] = null;
    q.push(p.mcpSeq, p.pid);
  }
  spareDeferred = deferred;
}

/** __core_request(p, n): one core at a time from the allocator (which offers p's
 *  provisioned cores first), taking back a provisioned core lent to another process. */
export function coreRequest(s: KState, p: Proc, n: number): void {
  const m = s.m, alloc = s.alloc;
  let got: number[] | null = null;   // made only when a core is found: most passes find none
  while (n > 0) {
    const c = alloc.pick(m, p);
    if (c < 0) break;
    if (m.alloc[c] === 0) { trackAlloc(s, p, c); (got ??= []).push(c); }
    else if (warnCore(s, p, c)) { trackAlloc(s, p, c); (got ??= []).push(c); }   // revoked at once (grace 0)
    n--;
  }
  if (got) giveCores(s, p, got);
}

/** The MCP ksched; re-entrant pokes just make the running pass loop once more. */
export function poke(s: KState): void {
  if (s.inPass) { s.repoke = true; return; }
  s.inPass = true;
  try {
    do { s.repoke = false; mcpPass(s); } while (s.repoke);
  } finally { s.inPass = false; }
}

// ---- SCPs: round robin on the first LL core --------------------------------------------

export function scpCore(s: KState): number { return s.m.ll[0]; }

/** __schedule_scp: deschedule the running SCP if another is runnable; run the head. */
export function scheduleScp(s: KState, onTick: boolean): void {
  const m = s.m, c = scpCore(s), now = s.clock.now;
  if (s.runnableScps.length === 0) return;
  const cur = m.alloc[c];
  if (cur) {
    if (!onTick) return;
    const p = s.procs.get(cur)!;
    p.setState(RUNNABLE_S, now);
    s.runnableScps.push(cur);
    m.release(c, now);
  }
  const pid = s.runnableScps.shift()!;
  const p = s.procs.get(pid)!;
  p.setState(RUNNING_S, now);
  m.account(c, now); m.alloc[c] = pid; m.vcore[c] = 0;
  if (pid !== cur) s.note('scp', `pid=${pid} pcore=${c}`);
  if (pid !== cur) trace(s, 'scp', pid, c);
}

/** p no longer runs on the SCP core (yield, death, change-to-m): cpu_bored. */
export function scpCoreFreed(s: KState, p: Proc): void {
  const c = scpCore(s);
  if (s.m.alloc[c] === p.pid) s.m.release(c, s.clock.now);
  scheduleScp(s, false);
}

/** The ksched tick: MCP pass, then SCP round robin; re-armed relative to now. */
export function tick(s: KState): void {
  s.ticks++;
  mcpPass(s);
  scheduleScp(s, true);
  armTick(s);
}

/** (Re)arm the tick one period from now. */
export function armTick(s: KState): void {
  s.tickHandle = s.clock.schedule(s.clock.now + s.tickNs, () => tick(s), 'tick');
}
