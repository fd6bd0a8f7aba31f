// SPDX-License-Identifier: GPL-2.0-or-later
//
// Writing a stream to stdout as cat(1) does: each piece as it arrives, waiting while the
// reader is slower than the server, and a reader that goes away (`| head`) ends the
// command quietly instead of an EPIPE error.

import type { Writable } from 'node:stream';

export class Sink {
  /** Set when the reader closed the pipe: stop producing. */
  readonly closed = new AbortController();

  constructor(private readonly out: Writable = process.stdout) {
    out.on('error', this.onError);
  }

  private onError = (e: NodeJS.ErrnoException): void => {
    if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') this.closed.abort();
  };

  /** Write and wait until the stream can take more. */
  write(b: Buffer | string): Promise<void> {
    if (this.closed.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      if (this.out.write(b)) { resolve(); return; }
      const done = (): void => {
        this.out.off('drain', done);
        this.closed.signal.removeEventListener('abort', done);
        resolve();
      };
      this.out.once('drain', done);
      this.closed.signal.addEventListener('abort', done, { once: true });
    });
  }

  dispose(): void {
    this.out.off('error', this.onError);
  }
}
