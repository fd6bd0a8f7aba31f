// SPDX-License-Identifier: GPL-2.0-or-later
//
// Following a blocking file (events, kmesg, wait): one open fid, read after read at a
// growing offset, each burst handed on as it comes, until end of file or Ctrl-C.

import { P9Error } from '../../lib/9p/error.js';
import { ECANCELED, EINTR } from '../../lib/9p/errno.js';
import { serverError, type Session } from './connect.js';

export interface FollowResult {
  /** How the follow ended. */
  ended: 'eof' | 'interrupted' | 'once' | 'timeout';
  bytes: number;
}

/** Read `path` and call `onData` with every non-empty reply (awaited: a slow consumer
 *  slows the reads, so nothing piles up here). `once`: stop after the first. */
export async function follow(
  s: Session, path: string, onData: (b: Buffer) => void | Promise<void>, signal: AbortSignal, once = false,
): Promise<FollowResult> {
  const f = await s.openRead(path);
  const count = s.client.msize;
  let off = 0n, bytes = 0;
  try {
    for (;;) {
      if (signal.aborted) return { ended: 'interrupted', bytes };
      let b: Buffer;
      try {
        b = await f.read(off, count, signal);
      } catch (e) {
        if (signal.aborted && e instanceof P9Error && (e.errno === ECANCELED || e.errno === EINTR)) {
          return { ended: 'interrupted', bytes };
        }
        throw serverError(path, e);
      }
      if (b.length === 0) return { ended: 'eof', bytes };
      off += BigInt(b.length);
      bytes += b.length;
      await onData(b);
      if (once) return { ended: 'once', bytes };
    }
  } finally {
    await f.clunk().catch(() => {});
  }
}
