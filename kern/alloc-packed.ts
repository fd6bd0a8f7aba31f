// SPDX-License-Identifier: GPL-2.0-or-later
//
// PACKED core allocator (kern/src/corealloc_packed.c): topology-aware. Distance between
// cores: same cpu (hyperthread pair) 1, same socket 2, same NUMA node 3, else 4. The first
// core of a proc descends from the NUMA level to the least loaded node; later cores
// minimise the summed distance to the proc's allocated cores. Deallocated cores go to the
// idle head. Sums are computed in O(1) per candidate from per-proc counts per node
// (Proc.topo), so a pick is one pass over the idle list. The machine-wide loads per node
// (Machine.cpuLoad/socketLoad/numaLoad) and the per-proc counts are kept only while PACKED
// is the policy; adopt() rebuilds both from the allocation map.

import type { CoreAllocator } from './corealloc.js';
import type { Machine } from './machine.js';
import type { Proc } from './proc.js';

function pick(m: Machine, p: Proc): number {
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

function count(m: Machine, p: Proc, c: number, d: number): void {
  m.cpuLoad[m.cpu[c]] += d; m.socketLoad[m.socket[c]] += d; m.numaLoad[m.numa[c]] += d;
  if (!p.topo) {
    if (d < 0) return;
    p.topo = { n: 0, cpu: new Map(), socket: new Map(), numa: new Map() };
  }
  const t = p.topo;
  t.n += d;
  const bump = (mp: Map<number, number>, k: number) => {
    const v = (mp.get(k) ?? 0) + d;
    if (v) mp.set(k, v); else mp.delete(k);
  };
  bump(t.cpu, m.cpu[c]); bump(t.socket, m.socket[c]); bump(t.numa, m.numa[c]);
}

export const packed: CoreAllocator = {
  policy: 'packed',
  pick,
  free: (m, c) => m.idlePushHead(c),
  onAlloc: (m, p, c) => count(m, p, c, 1),
  onDealloc: (m, p, c) => count(m, p, c, -1),
  adopt: (m, procs) => {
    m.cpuLoad.fill(0); m.socketLoad.fill(0); m.numaLoad.fill(0);
    for (const p of procs.values()) p.topo = null;
    for (let c = 0; c < m.n; c++) {
      const pid = m.alloc[c];
      if (pid && !m.isLL[c]) count(m, procs.get(pid)!, c, 1);
    }
  },
};
