// SPDX-License-Identifier: GPL-2.0-or-later
//
// PACKED core allocator (kern/src/corealloc_packed.c), step for step:
// - load: a cpu / socket / NUMA node's load counts its allocated cores and its LL cores
//   (Akaros increfs every LL core's nodes at boot; our offline cores count too);
// - the first core of a process that holds none: the head of its provisioned-not-held
//   list if any, else a descent NUMA -> socket -> cpu -> core (find_first_core): at each
//   level, scanning from the chosen parent's first child to the END OF THAT LEVEL (not
//   just the parent's children, as Akaros's loop runs num_nodes[level] times), the first
//   empty node ends the search with its lowest core; full nodes are skipped; else the
//   strictly least loaded node (lowest index on ties) is the next parent. Akaros's loop
//   reads past the end of its node table when the parent is not the first node of its
//   level; we stop at the end of the level (a deliberate difference, kern/FIDELITY.md);
// - every later core: the provisioned-not-held core with the smallest summed distance to
//   the cores it holds (list order on ties), else the idle core with the smallest summed
//   distance, ties to the IDLE-LIST ORDER (head first);
// - the idle list starts descending (boot inserts every core at the head) and a freed
//   core goes to its head.
// Distance: same cpu (hyperthreads) 1, same socket 2, same NUMA node 3, else 4. Summed
// distances are O(1) per candidate from per-process counts per node (Proc.topo). The
// machine-wide loads (Machine.cpuLoad/socketLoad/numaLoad, allocations only; the
// *Resv arrays hold LL and offline cores) and the per-process counts are kept only
// while PACKED is the policy; adopt() rebuilds both from the allocation map.

import type { CoreAllocator } from './corealloc.js';
import type { Machine } from './machine.js';
import type { Proc, TopoCounts } from './proc.js';
import { firstUsableProv, usableProv } from './prov.js';

/** Summed distance from c to every core counted in t (corealloc_packed.c
 *  cumulative_core_distance), from the counts of t's cores on c's cpu, socket, NUMA node. */
function sumDistance(m: Machine, t: TopoCounts, c: number): number {
  const sc = t.cpu.get(m.cpu[c]) ?? 0, ss = t.socket.get(m.socket[c]) ?? 0, sn = t.numa.get(m.numa[c]) ?? 0;
  return sc + 2 * (ss - sc) + 3 * (sn - ss) + 4 * (t.n - sn);
}

/**
 * One level of find_first_core: scan nodes from..to-1. Returns -(node + 2) for the first
 * empty node, else the least loaded node that is not full (lowest index on ties), -1 none.
 */
function scanLevel(from: number, to: number, load: Int32Array, resv: Int32Array, cap: Int32Array): number {
  let best = -1, bestLoad = Infinity;
  for (let j = from; j < to; j++) {
    if (cap[j] === 0) continue;              // a node without cores (uneven split)
    const l = load[j] + resv[j];
    if (l === 0) return -(j + 2);
    if (l >= cap[j]) continue;
    if (l < bestLoad) { bestLoad = l; best = j; }
  }
  return best;
}

/** The first core at or after `from` that ok() accepts, -1 none. */
function firstOk(m: Machine, from: number, ok: (c: number) => boolean): number {
  for (let c = from; c < m.n; c++) if (ok(c)) return c;
  return -1;
}

/** find_first_core without the provisioned head: the descent. ok(c) says a core is free. */
export function firstCore(m: Machine, ok: (c: number) => boolean): number {
  let r = scanLevel(0, m.numaCap.length, m.numaLoad, m.numaResv, m.numaCap);
  if (r < -1) return firstOk(m, m.cpuFirstCore[m.socketFirstCpu[m.numaFirstSocket[-r - 2]]], ok);
  if (r < 0) return -1;
  r = scanLevel(m.numaFirstSocket[r], m.socketCap.length, m.socketLoad, m.socketResv, m.socketCap);
  if (r < -1) return firstOk(m, m.cpuFirstCore[m.socketFirstCpu[-r - 2]], ok);
  if (r < 0) return -1;
  r = scanLevel(m.socketFirstCpu[r], m.ncpu, m.cpuLoad, m.cpuResv, m.cpuCap);
  if (r < -1) return firstOk(m, m.cpuFirstCore[-r - 2], ok);
  if (r < 0) return -1;
  // the CORE level: Akaros's full test never matches there, so this is the first free
  // core from the chosen cpu's first core on (always inside that cpu: it is not full)
  return firstOk(m, m.cpuFirstCore[r], ok);
}

function pick(m: Machine, p: Proc): number {
  const t = p.topo;
  if (!t || t.n === 0) {
    const head = firstUsableProv(m, p);
    if (head >= 0) return head;
    if (m.idleCount === 0) return -1;
    return firstCore(m, (c) => m.inIdle[c] === 1);
  }
  let best = -1, bestD = Infinity;
  for (let c = p.provNotHead; c >= 0; c = m.pNext[c]) {
    if (!usableProv(m, c)) continue;
    const d = sumDistance(m, t, c);
    if (d < bestD) { bestD = d; best = c; }
  }
  if (best >= 0) return best;
  for (let c = m.idleHead; c >= 0; c = m.iNext[c]) {
    const d = sumDistance(m, t, c);
    if (d < bestD) { bestD = d; best = c; }
  }
  return best;
}

function bump(mp: Map<number, number>, k: number, d: number): void {
  const v = (mp.get(k) ?? 0) + d;
  if (v) mp.set(k, v); else mp.delete(k);
}

function addTo(m: Machine, t: TopoCounts, c: number, d: number): void {
  t.n += d;
  bump(t.cpu, m.cpu[c], d); bump(t.socket, m.socket[c], d); bump(t.numa, m.numa[c], d);
}

function count(m: Machine, p: Proc, c: number, d: number): void {
  m.cpuLoad[m.cpu[c]] += d; m.socketLoad[m.socket[c]] += d; m.numaLoad[m.numa[c]] += d;
  if (!p.topo) {
    if (d < 0) return;
    p.topo = { n: 0, cpu: new Map(), socket: new Map(), numa: new Map() };
  }
  addTo(m, p.topo, c, d);
}

/**
 * `cores N` under PACKED (our extension; Akaros's prov tool takes explicit lists): the k
 * unprovisioned online CG cores p does not hold, in the order `want` would grant them:
 * the descent for a process holding nothing, then smallest summed distance over the idle
 * cores (idle-list order on ties), then over cores busy with others (id order on ties).
 */
function plan(m: Machine, p: Proc, k: number): number[] {
  const t: TopoCounts = { n: 0, cpu: new Map(), socket: new Map(), numa: new Map() };
  for (let v = p.vc.online.head; v >= 0; v = p.vc.vcs[v].next) addTo(m, t, p.vc.vcs[v].pcore, 1);
  const planned = new Set<number>();
  const free = (c: number) => m.prov[c] === 0 && !planned.has(c);
  const idleOk = (c: number) => m.inIdle[c] === 1 && free(c);
  const busyOk = (c: number) => !m.isLL[c] && !m.offline[c] && m.alloc[c] !== 0 && m.alloc[c] !== p.pid && free(c);
  const out: number[] = [];
  while (out.length < k) {
    let best = -1;
    if (t.n === 0) best = firstCore(m, idleOk);
    else {
      let bestD = Infinity;
      for (let c = m.idleHead; c >= 0; c = m.iNext[c]) {
        if (!free(c)) continue;
        const d = sumDistance(m, t, c);
        if (d < bestD) { bestD = d; best = c; }
      }
    }
    if (best < 0) {
      let bestD = Infinity;
      for (let c = 0; c < m.n; c++) {
        if (!busyOk(c)) continue;
        const d = t.n === 0 ? 0 : sumDistance(m, t, c);
        if (d < bestD) { bestD = d; best = c; }
      }
    }
    if (best < 0) break;
    planned.add(best); out.push(best); addTo(m, t, best, 1);
  }
  return out;
}

export const packed: CoreAllocator = {
  policy: 'packed',
  pick,
  free: (m, c) => m.idlePushHead(c),
  onAlloc: (m, p, c) => count(m, p, c, 1),
  onDealloc: (m, p, c) => count(m, p, c, -1),
  boot: (m) => m.idleDescending(),
  plan,
  adopt: (m, procs) => {
    m.cpuLoad.fill(0); m.socketLoad.fill(0); m.numaLoad.fill(0);
    for (const p of procs.values()) p.topo = null;
    for (let c = 0; c < m.n; c++) {
      const pid = m.alloc[c];
      if (pid && !m.isLL[c]) count(m, procs.get(pid)!, c, 1);
    }
  },
};
