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

/** What the vcore's last preemption saved: nothing (restart fresh), its vcore context
 *  (notif_disabled was set: vcore_ctx, resumed at the next start) or the uthread it was
 *  running (uthread_ctx, for the 2LS to restart). */
export const CTX_NONE = 0, CTX_VC = 1, CTX_UTH = 2;

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
  /** a take-back is pending on this vcore (preemptPending may legitimately be 0 at time 0) */
  warned = false;
  /** a refused yield cleared the vcoremap's preempt_pending (proc_yield clears it before
   *  its notif_pending check); the take-back itself still runs to its deadline */
  ppCleared = false;
  notifPending = false;
  /** in vcore context (notifications masked): set at every start, cleared by a yield, by
   *  `notif VC on` (enable_notifs) and by change_vcore with enable_my_notif */
  notifDisabled = false;
  /** VC_CAN_RCV_MSG: set at every start; cleared only by parlib (vcyield) */
  canRcvMsg = false;
  /** CTX_NONE / CTX_VC / CTX_UTH */
  ctx = CTX_NONE;
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

  /** Make vcore id (< max) an object: the never-used vcores up to it join the explicit
   *  inactive list's tail in order, so the list order is unchanged. */
  materialize(id: number): Vcore {
    while (this.fresh <= id) { const v = new Vcore(this.fresh++); this.vcs.push(v); this.inactive.pushTail(this.vcs, v); }
    return this.vcs[id];
  }

  /** The vcore at the head of inactive_vcs (the next one to start), or -1. */
  inactiveHead(max: number): number {
    if (this.inactive.head >= 0) return this.inactive.head;
    return this.fresh < max ? this.fresh : -1;
  }
}
