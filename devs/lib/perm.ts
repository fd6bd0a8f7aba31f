// SPDX-License-Identifier: GPL-2.0-or-later
//
// Permission checks as Plan 9's devpermcheck: the host owner (eve) may do anything;
// everyone else gets the owner bits if they own the file, the group bits if their name is
// the file's group, else the other bits. Failure is EACCES unless the table says otherwise
// (a ctl file that non-owners may read but must not write answers EPERM).

import { OREAD, OTRUNC } from '../../lib/9p/const.js';
import { EACCES, EISDIR } from '../../lib/9p/errno.js';
import { perr } from '../../lib/9p/error.js';
import type { Caller, OpenMode } from '../types.js';

/** Access bits (Plan 9's AREAD/AWRITE/AEXEC), what a permission triple grants. */
export const AREAD = 4, AWRITE = 2, AEXEC = 1;

/** The rwx bits (4/2/1) an open mode needs; OTRUNC needs write. */
export function openAccess(mode: OpenMode): number {
  let a = [AREAD, AWRITE, AREAD | AWRITE, AEXEC][mode & 3];
  if (mode & OTRUNC) a |= AWRITE;
  return a;
}

/** True when `caller` has every bit of `want` (rwx as 4/2/1) on a file with this owner,
 *  group and permission. */
export function allowed(caller: Caller, uid: string, gid: string, perm: number, want: number): boolean {
  if (caller.hostowner) return true;
  let bits = perm & 7;
  if (caller.user === uid) bits = (perm >> 6) & 7;
  else if (caller.user === gid) bits = (perm >> 3) & 7;
  return (bits & want) === want;
}

/** Throws EACCES (or `errno`) unless allowed. `what` names the file in the detail. */
export function checkAccess(caller: Caller, f: { uid: string; gid: string; mode: number; name?: string },
  want: number, errno = EACCES): void {
  if (!allowed(caller, f.uid, f.gid, f.mode, want)) {
    throw perr(errno, `${f.name ?? 'file'}: ${caller.user} may not ${want & AWRITE ? 'write' : want & AREAD ? 'read' : 'search'}`);
  }
}

/** The open-time check: directories open for reading only (EISDIR), then the bits. */
export function checkOpen(caller: Caller, f: { uid: string; gid: string; mode: number; name?: string; dir?: boolean },
  mode: OpenMode, errno = EACCES): void {
  if (f.dir && ((mode & 3) !== OREAD || (mode & OTRUNC))) throw perr(EISDIR, f.name);
  checkAccess(caller, f, openAccess(mode), errno);
}
