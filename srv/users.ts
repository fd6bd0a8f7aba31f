// SPDX-License-Identifier: GPL-2.0-or-later
//
// Who is attaching. 9P names users by string (uname) and, in 9P2000.u/.L, by number
// (n_uname); Linux v9fs attaches per local uid with uname "" and n_uname = uid, so the
// number wins when it is set (diod's rule). Numbers map to names through the server
// host's passwd file, as diod does; names map back for Rgetattr and the .u stat.

import { readFileSync } from 'node:fs';
import { NONUNAME } from '../lib/9p/const.js';

export const NOBODY_UID = 65534;

export class UserDb {
  private byUid = new Map<number, string>();
  private byName = new Map<string, number>();

  constructor(passwd?: string) {
    let text = passwd;
    if (text === undefined) {
      try { text = readFileSync('/etc/passwd', 'utf8'); } catch { text = ''; }
    }
    for (const line of text.split('\n')) {
      const f = line.split(':');
      if (f.length < 3 || f[0] === '' || !/^\d+$/.test(f[2])) continue;
      const uid = Number(f[2]);
      if (!this.byUid.has(uid)) this.byUid.set(uid, f[0]);
      if (!this.byName.has(f[0])) this.byName.set(f[0], uid);
    }
  }

  /** The user an attach speaks for: n_uname when set, else uname, else "nobody". */
  resolve(uname: string, nUname?: number): string {
    if (nUname !== undefined && nUname !== NONUNAME) return this.byUid.get(nUname) ?? String(nUname);
    return uname !== '' ? uname : 'nobody';
  }

  /** Numeric id for a name: passwd, a decimal name itself, else nobody. */
  uidOf(name: string): number {
    const n = this.byName.get(name);
    if (n !== undefined) return n;
    if (/^\d+$/.test(name)) return Number(name);
    return NOBODY_UID;
  }
}
