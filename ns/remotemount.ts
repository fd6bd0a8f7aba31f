// SPDX-License-Identifier: GPL-2.0-or-later
//
// One mounted 9P server (an address and an attach spec): which link a user's operations
// go through, and how the server's qids and stats look here.
//
// Qids. Every server numbers its files its own way (two of our servers hand out the same
// paths), so a remote qid is renamed into this server's space: device index `remote`,
// then 48 bits mixed from the mount and the remote path. The same remote file always
// gets the same local qid, files of different mounts differ, and nothing remote can
// collide with a local file (a mount point keyed by a remote qid stays where it is). Two
// remote files could in principle share the 48 bits (one chance in 2^48 per pair).

import { DMDIR, QTDIR } from '../lib/9p/const.js';
import type { Qid, Stat } from '../lib/9p/fcall.js';
import type { Fid } from '../lib/9p/fid.js';
import { qidSpace } from '../devs/lib/qid.js';
import type { Caller, DirInfo } from '../devs/types.js';
import type { Link } from './remotelink.js';

const SPACE = qidSpace('remote');
const M64 = (1n << 64n) - 1n;
const M48 = (1n << 48n) - 1n;

/** splitmix64's finaliser: a bijection on 64 bits that spreads every input bit. */
function mix(x: bigint): bigint {
  let z = x & M64;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M64;
  return z ^ (z >> 31n);
}

function hashText(s: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of Buffer.from(s)) h = ((h ^ BigInt(b)) * 0x100000001b3n) & M64;
  return h;
}

export class RemoteMount {
  private readonly salt: bigint;
  readonly rootQid: Qid;

  constructor(
    readonly address: string,
    readonly spec: string,
    private readonly links: (m: RemoteMount, user: string) => Link,
    /** Remote files per directory listing at most (a server streaming names forever). */
    readonly maxEntries: number,
    /** How long a read that must not wait gives the server before it is flushed. */
    readonly noblockWaitMs: number,
  ) {
    this.salt = hashText(`${address}\0${spec}`);
    this.rootQid = { type: QTDIR, version: 0, path: this.localPath(M64) };
  }

  /** The link `caller` goes through: the server sees the caller's user. */
  link(caller: Caller): Link {
    return this.links(this, caller.user);
  }

  /** `fn` on the caller's link (see Link.use). */
  use<T>(caller: Caller, fn: (root: Fid) => Promise<T>, timed = true): Promise<T> {
    return this.link(caller).use(fn, timed);
  }

  private localPath(remote: bigint): bigint {
    return (BigInt(SPACE.index) << 48n) | (mix(this.salt ^ remote) & M48);
  }

  /** A remote qid as this server shows it. */
  qid(q: Qid): Qid {
    return { type: q.type, version: q.version, path: this.localPath(q.path) };
  }

  /** A remote stat as a DirInfo, under the qid this server already gave the file. */
  info(s: Stat, name: string, qid: Qid): DirInfo {
    return {
      name, qid, mode: s.mode >>> 0, length: s.length, uid: s.uid, gid: s.gid, muid: s.muid,
      atime: s.atime, mtime: s.mtime,
    };
  }

  /** What is known of a file before its stat was asked for: its qid says file or directory. */
  guess(name: string, qid: Qid): DirInfo {
    const dir = (qid.type & QTDIR) !== 0;
    const now = Math.floor(Date.now() / 1000);
    return { name, qid, mode: dir ? DMDIR | 0o555 : 0o444, length: 0n, uid: 'none', gid: 'none', muid: 'none', atime: now, mtime: now };
  }
}
