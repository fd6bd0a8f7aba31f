// SPDX-License-Identifier: GPL-2.0-or-later
//
// FCFS core allocator (kern/src/corealloc_fcfs.c, the Akaros default): the idle list
// starts ascending, the head is handed out, deallocated cores go to the tail. It keeps no
// bookkeeping of its own.

import type { CoreAllocator } from './corealloc.js';

export const fcfs: CoreAllocator = {
  policy: 'fcfs',
  pick: (m) => m.idleHead,
  free: (m, c) => m.idlePushTail(c),
  onAlloc: () => {},
  onDealloc: () => {},
  // PACKED's per-process counts mean nothing here; drop them (PACKED rebuilds on return).
  adopt: (_m, procs) => { for (const p of procs.values()) p.topo = null; },
};
