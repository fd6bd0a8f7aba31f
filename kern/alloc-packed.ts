// SPDX-License-Identifier: GPL-2.0-or-later
//
// PACKED core allocator (kern/src/corealloc_packed.c): topology-aware. Distance between
// cores: same cpu (hyperthread pair) 1, same socket 2, same NUMA node 3, else 4. The first
// core of a proc descends from the NUMA level to the least loaded node; later cores
// minimise the summed distance to the proc's allocated cores. Deallocated cores go to the
// idle head. Sums are computed in O(1) per candidate from per-proc counts per node, so a
// pick is one pass over the idle list.

import type { Machine } from './machine.js';
import type { Proc } from './proc.js';

export function packedPick(m: Machine, p: Proc): number {
  let best = -1, bestKey = Infinity;
  const t = p.topo;
  const total = t ? t.n : 0;
  for (let c = m.idleHead; c >= 0; c = m.iNext[c]) {
    let key: number;
    if (!t || total === 0) {
      // least loaded NUMA node, then socket, then cpu; ties by core id (list order)
      key = ((m.numaLoad[m.numa[c]] * 65536 + m.socketLoad[m.socket[c]]) * 65536 + m.cpuLoad[m.cpu[c]]) * 65536 + c;
    } else {
      const sc = t.cpu.get(m.cpu[c]) ?? 0, ss = t.socket.get(m.socket[c]) ?? 0, sn = t.numa.get(m.numa[c]) ?? 0;
      const sum = sc + 2 * (ss - sc) + 3 * (sn - ss) + 4 * (total - sn);
      key = sum * 65536 + c;
    }
    if (key < bestKey) { bestKey = key; best = c; }
  }
  return best;
}

export function packedFree(m: Machine, c: number): void { m.idlePushHead(c); }

export function topoAdd(m: Machine, p: Proc, c: number, d: number): void {
  if (!p.topo) p.topo = { n: 0, cpu: new Map(), socket: new Map(), numa: new Map() };
  p.topo.n += d;
  const bump = (mp: Map<number, number>, k: number) => {
    const v = (mp.get(k) ?? 0) + d;
    if (v) mp.set(k, v); else mp.delete(k);
  };
  bump(p.topo.cpu, m.cpu[c]); bump(p.topo.socket, m.socket[c]); bump(p.topo.numa, m.numa[c]);
}
