// SPDX-License-Identifier: GPL-2.0-or-later
//
// A 9P stat as JSON (bigints as numbers) and ls -l style mode strings.

import type { Stat } from '../../lib/9p/fcall.js';

export interface StatJson {
  name: string;
  qid: { type: number; version: number; path: string };
  mode: number;
  /** The mode in octal with its 9P type bits, e.g. "d555" or "664". */
  perm: string;
  atime: number;
  mtime: number;
  length: number;
  uid: string;
  gid: string;
  muid: string;
}

const DMDIR = 0x80000000;

export function statJson(s: Stat): StatJson {
  return {
    name: s.name,
    qid: { type: s.qid.type, version: s.qid.version, path: s.qid.path.toString() },
    mode: s.mode >>> 0,
    perm: `${(s.mode & DMDIR) ? 'd' : ''}${(s.mode & 0o777).toString(8).padStart(3, '0')}`,
    atime: s.atime, mtime: s.mtime, length: Number(s.length),
    uid: s.uid, gid: s.gid, muid: s.muid,
  };
}

/** Plan 9 ls -l: d-rwxr-xr-x. */
export function modeString(mode: number): string {
  const rwx = (b: number): string => `${b & 4 ? 'r' : '-'}${b & 2 ? 'w' : '-'}${b & 1 ? 'x' : '-'}`;
  return `${(mode & DMDIR) ? 'd' : '-'}-${rwx(mode >> 6)}${rwx(mode >> 3)}${rwx(mode)}`;
}
