// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The journal's errors are P9Errors (so the server can answer them as they are) that
// also carry `code`, the errno name a caller switches on ('EIO', 'ENOSPC', ...), and for
// damage found on recovery the file and byte offset where it was found.

import { P9Error } from '../9p/error.js';
import { EIO, ENOSPC } from '../9p/errno.js';

export class WalError extends P9Error {
  /** The errno name, e.g. 'EIO' (same as `ename`). */
  readonly code: string;
  /** The file (a name inside the state directory) where the damage is. */
  readonly file?: string;
  /** Byte offset in `file` of the first bad byte. */
  readonly offset?: number;

  constructor(errno: number, detail: string, where?: { file: string; offset: number }) {
    super(errno, where ? `${where.file} at offset ${where.offset}: ${detail}` : detail);
    this.name = 'WalError';
    this.code = this.ename;
    this.file = where?.file;
    this.offset = where?.offset;
  }
}

/** Damage found on recovery: names the file and the offset. */
export function damaged(file: string, offset: number, detail: string): WalError {
  return new WalError(EIO, detail, { file, offset });
}

/** A failed system call as the caller should see it: a full disk (or quota, or file size
 *  limit) is ENOSPC, anything else EIO. The original error's text goes in the detail. */
export function ioError(e: unknown, what: string): WalError {
  if (e instanceof WalError) return e;
  const code = (e as { code?: unknown } | null)?.code;
  const full = code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG';
  const msg = e instanceof Error ? e.message : String(e);
  return new WalError(full ? ENOSPC : EIO, `${what}: ${msg}`);
}

/** The `code` of a Node system-call error, if it has one. */
export function sysCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
