// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Two connected in-memory Duplex streams: what one side writes, the other reads. Used by
// tests and by in-process client/server pairs. Ending one side ends the other's readable;
// destroying one side ends the other too, as a closed socket would.

import { Duplex } from 'node:stream';

class End extends Duplex {
  peer!: End;
  override _read(): void { /* data is pushed by the peer's writes */ }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    // Copy: the writer may reuse its buffer once the callback runs.
    if (!this.peer.destroyed) this.peer.push(Buffer.from(chunk));
    cb();
  }
  override _final(cb: (err?: Error | null) => void): void {
    if (!this.peer.destroyed) this.peer.push(null);
    cb();
  }
  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    const p = this.peer;
    if (!p.destroyed && !p.readableEnded) p.push(null);
    if (!p.destroyed) queueMicrotask(() => p.destroy());
    cb(err);
  }
}

export function duplexPair(): [Duplex, Duplex] {
  const a = new End(), b = new End();
  a.peer = b; b.peer = a;
  return [a, b];
}
