// SPDX-License-Identifier: GPL-2.0-or-later
//
// The programs' invariants (kern/invariants.ts runs them): a running program's online
// slots are exactly its process's online vcores, on the same pcores; its idle stack holds
// exactly the online slots without a thread; every live thread is in one place (a slot,
// the run queue, the stranded list); a finished program holds no thread and no event;
// noise events run only on cores that run a program's vcore.

import type { KState } from '../state.js';

export function checkProgs(s: KState, bad: (msg: string) => never): void {
  const w = s.progs;
  for (const [pid, pr] of w.list) {
    const p = s.procs.get(pid);
    if (!p) bad(`program of ${pid} without its process`);
    const where = `program ${pid}`;
    if (pr.state !== 'running') {
      if (pr.q.len || pr.stranded.len || pr.idle.length || pr.runnable) bad(`${where}: ${pr.state} but holds threads`);
      for (const h of [pr.hRec, pr.hArr, pr.hFtq, pr.hEnd, pr.hEst]) if (h >= 0) bad(`${where}: ${pr.state} with an event`);
      for (const sl of pr.slots.values()) if (sl.th || sl.seg >= 0 || sl.react >= 0) bad(`${where}: ${pr.state}, vcore ${sl.vc} busy`);
      continue;
    }
    if (p.dead) bad(`${where}: running in a dead process`);
    let onSlots = 0, running = 0;
    for (const sl of pr.slots.values()) {
      const v = p.vc.vcs[sl.vc];
      if (sl.pcore >= 0) {
        onSlots++;
        if (!v || v.pcore !== sl.pcore) bad(`${where}: vcore ${sl.vc} on pcore ${sl.pcore}, kernel says ${v?.pcore}`);
        if (!sl.th !== pr.idle.includes(sl.vc)) bad(`${where}: vcore ${sl.vc} idle stack disagrees`);
      } else if (sl.th || sl.seg >= 0) bad(`${where}: offline vcore ${sl.vc} holds a thread`);
      if (sl.th) running++;
      if ((sl.seg >= 0) !== (!!sl.th && sl.th.rem >= 0)) bad(`${where}: vcore ${sl.vc} segment event disagrees`);
    }
    if (onSlots !== p.vc.online.len) bad(`${where}: ${onSlots} online slots, ${p.vc.online.len} online vcores`);
    if (pr.idle.length + running !== onSlots) bad(`${where}: idle ${pr.idle.length} + running ${running} != ${onSlots}`);
    if (running + pr.q.len + pr.stranded.len !== pr.runnable) bad(`${where}: ${pr.runnable} threads, found ${running + pr.q.len + pr.stranded.len}`);
    if (pr.stranded.len > 0 && pr.hRec < 0) bad(`${where}: stranded threads and no recovery`);
  }
  for (let c = 0; c < s.m.n; c++) {
    if (w.nH[c] < 0) continue;
    const pr = s.m.alloc[c] ? w.list.get(s.m.alloc[c]) : undefined;
    if (!pr || pr.state !== 'running' || w.noise.model !== 'linux') bad(`noise on core ${c}, which runs no program`);
  }
}
