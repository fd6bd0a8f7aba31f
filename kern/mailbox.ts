// SPDX-License-Identifier: GPL-2.0-or-later
//
// A process's event mailbox as the /mcp/N/events reader sees it: the three Akaros kinds
// behind one consumer (akaros.md §3.3). UCQ: unbounded FIFO with payloads. Bitmap: one
// pending bit per type, payload dropped, duplicates merged, lowest type first. CEQ: one
// entry per type, arg2 coalesced by OR (or ADD), arg3 last-write-wins, in order of first
// posting. take() interleaves the kinds by the sequence number of each kind's next entry.

export interface EventMsg {
  seq: number;
  t: number;
  type: number;
  /** the vcore the kernel routed it to */
  vcore: number;
  args: [number, number, number, number];
  /** number of posts merged into this message (bitmap / ceq), 1 for ucq */
  count: number;
  kind: 'ucq' | 'bitmap' | 'ceq';
  /** our fields beyond Akaros's event_msg (deadline, pcore, pid, count), printed x_KEY=V */
  x?: [string, number][];
}

export class Mailbox {
  private ucq: EventMsg[] = [];
  private ucqHead = 0;
  private bits: (EventMsg | undefined)[] = [];
  private nbits = 0;
  private ceq: (EventMsg | undefined)[] = [];
  private ceqRing: number[] = [];
  private subs = new Set<() => void>();
  closed = false;
  /** set by the kernel: called with each message taken (clears alerts / notif_pending) */
  onTake: ((m: EventMsg, nowEmpty: boolean) => void) | null = null;

  get size(): number { return this.ucq.length - this.ucqHead + this.nbits + this.ceqRing.length; }

  post(msg: EventMsg, ceqAdd = false): void {
    if (msg.kind === 'ucq') this.ucq.push(msg);
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
