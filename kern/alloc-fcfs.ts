// SPDX-License-Identifier: GPL-2.0-or-later
//
// FCFS core allocator (kern/src/corealloc_fcfs.c, the Akaros default): a process's
// provisioned-not-held cores first (list head), else the idle list's head; the idle list
// starts ascending and deallocated cores go to its tail. It keeps no bookkeeping of its own.

import type { CoreAllocator } from './corealloc.js';
import { firstUsableProv } from './prov.js';

export const fcfs: CoreAllocator = {
  policy: 'fcfs',
  pick: (m, p) => {
    const c = firstUsableProv(m, p);
    return c >= 0 ? c : m.idleHead;
  },
  free: (m, c) => m.idlePushTail(c),
  onAlloc: () => {},
  onDealloc: () => {},
  boot: () => {},
  // `cores N`: unprovisioned idle cores in idle-list order, then cores busy with others
  plan: (m, p, k) => {
    const out: number[] = [];
    for (let c = m.idleHead; c >= 0 && out.length < k; c = m.iNext[c]) if (m.prov[c] === 0) out.push(c);
    for (let c = 0; c < m.n && out.length < k; c++) {
      if (!m.isLL[c] && !m.offline[c] && m.prov[c] === 0 && m.alloc[c] !== 0 && m.alloc[c] !== p.pid) out.push(c);
    }
    return out;
  },
  // PACKED's per-process counts mean nothing here; drop them (PACKED rebuilds on return).
  adopt: (_m, procs) => { for (const p of procs.values()) p.topo = null; },
};
