// SPDX-License-Identifier: GPL-2.0-or-later
//
// The namespace's own root: a synthetic tree of empty directories (Plan 9's root device
// with its mkdir-like stubs). The boot file creates the stubs it binds onto (/dev, /mcp,
// /lib/ndb with /lib...); after boot the tree never changes.

import { EPERM } from '../lib/9p/errno.js';
import { perr } from '../lib/9p/error.js';
import type { Qid } from '../lib/9p/fcall.js';
import { checkOpen } from '../devs/lib/perm.js';
import { DMDIR, qidSpace } from '../devs/lib/qid.js';
import { nameCompare } from '../devs/lib/text.js';
import type { Caller, DirInfo, Node, OpenFile, OpenMode } from '../devs/types.js';

const ROOT_KIND = 1;
const bootTime = Math.floor(Date.now() / 1000);
const EMPTY = Buffer.alloc(0);
const DIR_FILE: OpenFile = { read: () => EMPTY, write: () => { throw perr(EPERM); } };

export class RootDir implements Node {
  readonly qid: Qid;
  private readonly kids = new Map<string, RootDir>();

  constructor(readonly name: string, private readonly owner: () => string) {
    const q = qidSpace('/');
    this.qid = q.qid(q.serial(), ROOT_KIND, true);
  }

  /** The stub `name`, made if missing (boot only). */
  mkdir(name: string): RootDir {
    let d = this.kids.get(name);
    if (!d) {
      d = new RootDir(name, this.owner);
      this.kids.set(name, d);
    }
    return d;
  }

  info(): DirInfo {
    const o = this.owner();
    return { name: this.name, qid: this.qid, mode: DMDIR | 0o555, length: 0n, uid: o, gid: o, muid: o,
      atime: bootTime, mtime: bootTime };
  }

  walk(_c: Caller, name: string): Node | undefined {
    return this.kids.get(name);
  }

  children(): Node[] {
    return [...this.kids.values()].sort((a, b) => nameCompare(a.name, b.name));
  }

  open(caller: Caller, mode: OpenMode): OpenFile {
    const o = this.owner();
    checkOpen(caller, { uid: o, gid: o, mode: 0o555, name: this.name, dir: true }, mode);
    return DIR_FILE;
  }
}
