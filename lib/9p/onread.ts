// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Socket reads into one reused buffer (net's `onread` option) for a lib/9p Client. Node's
// usual read path makes, per read, a fresh 64 KiB backing store, a Buffer and a pass
// through the Readable stream machinery; with `onread` a read is a callback with the
// bytes in a buffer the socket owns and overwrites with the next read. The Client decodes
// frames straight out of it and copies only what must outlive the callback: the
// unfinished tail of a frame and Rread/Rreaddir payloads (bench/README.md, the cluster
// section). A socket set up this way emits no 'data': only a Client can read it.

import type { Duplex } from 'node:stream';

/** Bytes per read, as Node's own read path asks for. */
export const READ_BUFFER = 65536;
/** What may arrive before a Client takes over the socket (a server speaks only when
 *  spoken to: nothing, normally); past it the socket is closed. */
const MAX_EARLY = 1 << 20;

/** The receiving side: `bytes` is valid only during the call. */
export type ReadSink = (bytes: Buffer) => void;

export class ReusedReads {
  readonly buffer = Buffer.allocUnsafe(READ_BUFFER);
  private sink: ReadSink | undefined = undefined;
  private early: Buffer[] = [];
  private earlyBytes = 0;
  stream: Duplex | undefined = undefined;

  /** net's onread callback. */
  readonly callback = (n: number, buf: Uint8Array): boolean => {
    const bytes = Buffer.from(buf.buffer, buf.byteOffset, n);
    if (this.sink) { this.sink(bytes); return true; }
    this.earlyBytes += n;
    if (this.earlyBytes > MAX_EARLY) { this.stream?.destroy(); return false; }
    this.early.push(Buffer.from(bytes));
    return true;
  };

  /** From now on reads go to `sink` (first whatever came before). */
  attach(sink: ReadSink): void {
    this.sink = sink;
    const early = this.early;
    this.early = [];
    for (const b of early) sink(b);
  }
}

const bySocket = new WeakMap<Duplex, ReusedReads>();

/** For dial(): the onread option of a new socket, registered once the socket exists. */
export function reusedReads(): ReusedReads {
  return new ReusedReads();
}

export function register(stream: Duplex, r: ReusedReads): void {
  r.stream = stream;
  bySocket.set(stream, r);
}

/** The reused-buffer reads of a socket dial() made with `reuseReads`, if it was. */
export function readsOf(stream: Duplex): ReusedReads | undefined {
  return bySocket.get(stream);
}
