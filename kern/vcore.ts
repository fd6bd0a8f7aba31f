// SPDX-License-Identifier: GPL-2.0-or-later
//
// The vcoremap entry and the three per-process vcore lists (akaros.md §1.5):
// online_vcs, bulk_preempted_vcs, inactive_vcs. Each vcore is on exactly one list.
// inactive starts as 0..max_vcores-1 ascending; to keep 10,000 MCPs x 4095 vcores cheap
// the never-used tail of that list is implicit (`fresh`..max-1) and only vcores that have
// been used exist as objects. Grant pops the head of bulk_preempted, else the head of
// inactive, and appends to online; yield / single preempt push on the head of inactive,
// so the most recently yielded or preempted vcore is handed out next.

export const L_INACTIVE = 0, L_ONLINE = 1, L_BULK = 2;

export class Vcore {
  pcore = -1;
  list = L_INACTIVE;
  prev = -1;
  next = -1;
  /** nr_preempts_sent / nr_preempts_done */
  sent = 0;
  done = 0;
  /** absolute deadline of a pending preemption warning, 0 = none */
  preemptPending = 0;
  /** a warning is pending (preemptPending may legitimately be 0 at time 0) */
  warned = false;
  notifPending = false;
  notifDisabled = false;
  canRcvMsg = false;
  /** VC_PREEMPTED */
  preempted = false;
  runNs = 0;
  resumeT = 0;
  constructor(readonly id: number) {}
}

/** A doubly linked list of vcore ids threaded through Vcore.prev/next. */
export class VcList {
  head = -1;
  tail = -1;
  len = 0;
  constructor(readonly tag: number) {}

  pushTail(vcs: Vcore[], v: Vcore): void {
    v.list = this.tag; v.next = -1; v.prev = this.tail;
    if (this.tail >= 0) vcs[this.tail].next = v.id; else this.head = v.id;
    this.tail = v.id; this.len++;
  }

  pushHead(vcs: Vcore[], v: Vcore): void {
    v.list = this.tag; v.prev = -1; v.next = this.head;
    if (this.head >= 0) vcs[this.head].prev = v.id; else this.tail = v.id;
    this.head = v.id; this.len++;
  }

  remove(vcs: Vcore[], v: Vcore): void {
    if (v.prev >= 0) vcs[v.prev].next = v.next; else this.head = v.next;
    if (v.next >= 0) vcs[v.next].prev = v.prev; else this.tail = v.prev;
    v.prev = v.next = -1; this.len--;
  }

  ids(vcs: Vcore[]): number[] {
    const out: number[] = [];
    for (let i = this.head; i >= 0; i = vcs[i].next) out.push(i);
    return out;
  }
}

/** Per-process vcore bookkeeping: the map and the lists. */
export class VcoreSet {
  vcs: Vcore[] = [];
  online = new VcList(L_ONLINE);
  bulk = new VcList(L_BULK);
  /** the explicit (used) part of inactive_vcs; the implicit tail is fresh..max-1 */
  inactive = new VcList(L_INACTIVE);
  fresh = 0;

  /** Take the vcore the next grant uses (bulk head, else inactive head), off its list. */
  take(max: number): Vcore | null {
    let v: Vcore;
    if (this.bulk.head >= 0) { v = this.vcs[this.bulk.head]; this.bulk.remove(this.vcs, v); }
    else if (this.inactive.head >= 0) { v = this.vcs[this.inactive.head]; this.inactive.remove(this.vcs, v); }
    else if (this.fresh < max) { v = new Vcore(this.fresh++); this.vcs.push(v); }
    else return null;
    return v;
  }

  /** The vcore at the head of inactive_vcs (the next one to start), or -1. */
  inactiveHead(max: number): number {
    if (this.inactive.head >= 0) return this.inactive.head;
    return this.fresh < max ? this.fresh : -1;
  }
}
