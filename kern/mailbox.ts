// SPDX-License-Identifier: GPL-2.0-or-later
//
// A process's event mailbox as the /mcp/N/events reader sees it: the three Akaros kinds
// behind one consumer (akaros.md §3.3). UCQ: FIFO with payloads, bounded (below). Bitmap:
// one pending bit per type, payload dropped, duplicates merged, lowest type first. CEQ:
// one entry per type, arg2 coalesced by OR (or ADD), arg3 last-write-wins, in order of
// first posting. take() interleaves the kinds by the sequence number of each kind's next
// entry. Bitmap and CEQ hold at most one entry per event type, so only the UCQ needs a
// bound: at `limit` entries a new message is dropped and counted in an overflow record
// queued where the gap is (so the reader sees, in order: what was kept, how many were
// lost, what came after). Dropping the newest keeps what the reader has not seen in the
// order it happened, as Linux's inotify and perf rings do; dropping the oldest would
// reorder history behind the reader's back. Akaros's bitmap mailboxes lose counts the
// same way, by coalescing.

export interface EventMsg {
  seq: number;
  t: number;
  type: number;
  /** the vcore the kernel routed it to */
  vcore: number;
  args: [number, number, number, number];
  /** number of posts merged into this message (bitmap / ceq), 1 for ucq; for an
   *  overflow record, the number of messages lost */
  count: number;
  /** 'overflow': not an event, the record of UCQ messages dropped at this point */
  kind: 'ucq' | 'bitmap' | 'ceq' | 'overflow';
  /** our fields beyond Akaros's event_msg (deadline, pcore, pid, count), printed x_KEY=V */
  x?: [string, number][];
}

/** Default bound of a process's UCQ (messages; the overflow record may add one). */
export const EVQ_MAX = 4096;
/** The type of an overflow record: no Akaros event type. */
export const EV_OVERFLOW = -1;

export class Mailbox {
  private ucq: EventMsg[] = [];
  private ucqHead = 0;
  private bits: (EventMsg | undefined)[] = [];
  private nbits = 0;
  private ceq: (EventMsg | undefined)[] = [];
  private ceqRing: number[] = [];
  private subs = new Set<() => void>();
  closed = false;
  /** UCQ bound in messages; the kernel sets it from its limit before each post */
  limit = EVQ_MAX;
  /** messages dropped over the mailbox's life */
  lostTotal = 0;
  /** set by the kernel: called with each message taken (clears alerts / notif_pending) */
  onTake: ((m: EventMsg, nowEmpty: boolean) => void) | null = null;

  get size(): number { return this.ucq.length - this.ucqHead + this.nbits + this.ceqRing.length; }

  post(msg: EventMsg, ceqAdd = false): void {
    if (msg.kind === 'ucq') {
      if (this.ucq.length - this.ucqHead >= this.limit) { this.drop(msg); return; }
      this.ucq.push(msg);
    }
    else if (msg.kind === 'bitmap') {
      const b = this.bits[msg.type];
      if (b) b.count++;
      else { this.bits[msg.type] = { ...msg, args: [0, 0, 0, 0], x: undefined }; this.nbits++; }
    } else {
      const e = this.ceq[msg.type];
      if (e) {
        e.count++;
        e.args[1] = ceqAdd ? e.args[1] + msg.args[1] : (e.args[1] | msg.args[1]) >>> 0;
        e.args[2] = msg.args[2];
      } else {
        this.ceq[msg.type] = { ...msg, args: [0, msg.args[1], msg.args[2], 0], x: undefined };
        this.ceqRing.push(msg.type);
      }
    }
    this.fire();
  }

  /** A full UCQ: count msg in the overflow record at the tail (one more entry at most). */
  private drop(msg: EventMsg): void {
    this.lostTotal++;
    const tail = this.ucq.length > this.ucqHead ? this.ucq[this.ucq.length - 1] : undefined;
    if (tail?.kind === 'overflow') { tail.count++; return; }
    this.ucq.push({ seq: msg.seq, t: msg.t, type: EV_OVERFLOW, vcore: msg.vcore, args: [0, 0, 0, 0], count: 1, kind: 'overflow' });
    this.fire();
  }

  close(): void { this.closed = true; this.fire(); }

  private fire(): void { for (const f of [...this.subs]) f(); }

  subscribe(fn: () => void): () => void { this.subs.add(fn); return () => { this.subs.delete(fn); }; }

  /** Consume up to max messages. */
  take(max = Infinity): EventMsg[] {
    const out: EventMsg[] = [];
    while (out.length < max) {
      const u = this.ucqHead < this.ucq.length ? this.ucq[this.ucqHead] : undefined;
      let b: EventMsg | undefined;
      if (this.nbits) for (const x of this.bits) if (x) { b = x; break; }
      const c = this.ceqRing.length ? this.ceq[this.ceqRing[0]] : undefined;
      let pick = u;
      if (b && (!pick || b.seq < pick.seq)) pick = b;
      if (c && (!pick || c.seq < pick.seq)) pick = c;
      if (!pick) break;
      if (pick === u) {
        this.ucqHead++;
        if (this.ucqHead > 1024 && this.ucqHead * 2 > this.ucq.length) { this.ucq = this.ucq.slice(this.ucqHead); this.ucqHead = 0; }
      } else if (pick === b) { this.bits[pick.type] = undefined; this.nbits--; }
      else { this.ceq[pick.type] = undefined; this.ceqRing.shift(); }
      out.push(pick);
      this.onTake?.(pick, this.size === 0);
    }
    return out;
  }

  /** The messages a take() would return, without consuming them. */
  peek(): EventMsg[] {
    const save = { u: this.ucqHead, ucq: this.ucq, bits: [...this.bits], nb: this.nbits, ceq: [...this.ceq], ring: [...this.ceqRing], on: this.onTake };
    this.onTake = null;
    const out = this.take();
    this.ucqHead = save.u; this.ucq = save.ucq; this.bits = save.bits; this.nbits = save.nb;
    this.ceq = save.ceq; this.ceqRing = save.ring; this.onTake = save.on;
    return out;
  }
}
