// SPDX-License-Identifier: LGPL-2.1-or-later
//
// One error class for the whole stack: devices throw it, the server turns it into
// Rerror/Rlerror, the client raises it from a reply. It carries the errno (what class of
// mistake), its name, the wire text, and an optional detail for lasterr and /dev/errstr.

import { errnoName, strerror, errnoByText, EIO } from './errno.js';

export class P9Error extends Error {
  /** Linux errno number. */
  readonly errno: number;
  /** Symbolic name, e.g. 'EINVAL'. */
  readonly ename: string;
  /** The text a 9P2000 Rerror carries: glibc's strerror, or the server's own string. */
  readonly text: string;
  /** Human detail, e.g. 'cores 8: 6 cores free to provision'. Never sent on the wire. */
  readonly detail?: string;

  constructor(errno: number, detail?: string, text?: string) {
    const t = text ?? strerror(errno);
    super(detail ? `${t}: ${detail}` : t);
    this.name = 'P9Error';
    this.errno = errno;
    this.ename = errnoName.get(errno) ?? `E${errno}`;
    this.text = t;
    this.detail = detail;
  }

  /** Build from a 9P2000 / 9P2000.u Rerror: the errno if given and sane, else the text. */
  static fromRerror(ename: string, errno?: number): P9Error {
    if (errno !== undefined && errno > 0 && errno < 512) return new P9Error(errno, undefined, ename);
    return new P9Error(errnoByText.get(ename) ?? EIO, undefined, ename);
  }

  /** Build from a 9P2000.L Rlerror. */
  static fromRlerror(ecode: number): P9Error {
    return new P9Error(ecode > 0 && ecode < 4096 ? ecode : EIO);
  }
}

/** Shorthand used by devices: `throw perr(EINVAL, 'bad verb "banana"')`. */
export function perr(errno: number, detail?: string): P9Error {
  return new P9Error(errno, detail);
}
