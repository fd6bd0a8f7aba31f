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

  /** writeOwned's direct path: only when nothing is queued or corked, so the order of
   *  writes holds, and only on an open stream (else write() reports the error). */
  handOver(buf: Buffer): boolean {
    if (this.writableLength !== 0 || this.writableCorked !== 0 || this.writableEnded || this.destroyed) return false;
    if (!this.peer.destroyed) this.peer.push(buf);
    return true;
  }
}

export function duplexPair(): [Duplex, Duplex] {
  const a = new End(), b = new End();
  a.peer = b; b.peer = a;
  return [a, b];
}

/**
 * stream.write(buf) for a buffer its writer will never touch again (a freshly encoded
 * frame). On an in-memory end the peer gets `buf` itself, without the copy write() makes
 * and without the Writable machinery: in-process, each 9P message is one buffer from
 * encoder to decoder. Any other stream gets write().
 */
export function writeOwned(stream: Duplex, buf: Buffer): void {
  if (stream instanceof End && stream.handOver(buf)) return;
  stream.write(buf);
}
