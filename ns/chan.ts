// SPDX-License-Identifier: GPL-2.0-or-later
//
// A position in one session's namespace. Each chan remembers the chan it was walked from,
// so ".." is lexical: it goes back through mount points to where the walk came from (the
// root's parent is the root), as Plan 9 does with the chan's path.
//
// A chan never changes once made, so walks share them: a directory chan remembers the
// children it handed out (weakly: a chan lives only as long as a fid or a child chan holds
// it) and hands the same chan to the next walk of that name when the walk finds the same
// node with the same mount head, which is every walk of a device's file (devs/lib/tree.ts
// keeps its nodes). 10,000 fids walked to dev/null hold one `dev` chan and one `null` chan
// between them. Each walk still asks the members (permission, a removed file's ENOENT)
// and the mount table; only the result is shared.

import { EBUSY, EEXIST, EINVAL, ENOENT, ENOTDIR, EPERM } from '../lib/9p/errno.js';
import { perr } from '../lib/9p/error.js';
import type { Qid } from '../lib/9p/fcall.js';
import { AEXEC, allowed, checkAccess, checkOpen } from '../devs/lib/perm.js';
import { QTDIR } from '../devs/lib/qid.js';
import type { Caller, DirInfo, Node, OpenFile, OpenMode } from '../devs/types.js';
import type { Chan } from './types.js';
import type { Mhead, MountTable } from './mount.js';

/** Control characters forge lines in every listing that prints a name: never a name. */
const CONTROL = /[\x00-\x1f\x7f]/;

/** Children a directory chan remembers; past it the longest remembered goes. A child that
 *  is no longer remembered still works: the next walk of its name makes a new chan. */
export const MAX_CHAN_KIDS = 64;

export class NsChan implements Chan {
  /** Children handed out by walks: the one child (most chans are walked from by one name
   *  only, or never), or by name once a second name is walked. */
  private kids: WeakRef<NsChan> | Map<string, WeakRef<NsChan>> | undefined = undefined;

  constructor(
    private readonly table: MountTable,
    /** The name this chan was walked by ('/' at a root). */
    readonly name: string,
    /** What the walk found, before mounts: the mount point's key. */
    readonly under: Node,
    /** The mount head this chan is a mount point of, at walk time (its members are this
     *  chan's; without one, `under` is the only member). */
    readonly head: Mhead | undefined,
    readonly parent: NsChan | undefined,
  ) {}

  /** A chan for `under`, resolving what this session mounted on it. */
  static resolve(table: MountTable, name: string, under: Node, parent: NsChan | undefined): NsChan {
    return new NsChan(table, name, under, mounted(table, under), parent);
  }

  /** The members after mount resolution ([under] when nothing is mounted). */
  get nodes(): readonly Node[] {
    return this.head?.nodes.length ? this.head.nodes : [this.under];
  }

  /** How many members (what a walk from here may ask). */
  get width(): number {
    return this.head?.nodes.length || 1;
  }

  /** The first member: what stat, open and remove act on. */
  private get first(): Node {
    return this.head?.nodes[0] ?? this.under;
  }

  private member(i: number): Node {
    return this.head?.nodes.length ? this.head.nodes[i] : this.under;
  }

  /** The child chan `name` for the node a walk found: the remembered one if it names the
   *  same node under the same mount head, else a new one (remembered from now on). */
  private child(name: string, under: Node): NsChan {
    const head = mounted(this.table, under);
    const kids = this.kids;
    const had = kids instanceof Map ? kids.get(name)?.deref() : kids?.deref();
    if (had !== undefined && had.name === name && had.under === under && had.head === head) return had;
    const c = new NsChan(this.table, name, under, head, this);
    const ref = new WeakRef(c);
    if (kids instanceof Map) {
      if (kids.size >= MAX_CHAN_KIDS && !kids.has(name)) kids.delete(kids.keys().next().value!);
      kids.set(name, ref);
    } else if (had === undefined || had.name === name) {
      this.kids = ref;
    } else {
      this.kids = new Map([[had.name, kids!], [name, ref]]);
    }
    return c;
  }

  get qid(): Qid {
    return this.first.qid;
  }

  info(): DirInfo {
    const i = this.first.info();
    return { ...i, name: this.name };
  }

  stat(caller: Caller): DirInfo | Promise<DirInfo> {
    const n = this.first;
    return n.stat ? n.stat(caller).then((i) => ({ ...i, name: this.name })) : this.info();
  }

  isDir(): boolean {
    return (this.first.qid.type & QTDIR) !== 0;
  }

  walk(caller: Caller, name: string): NsChan | Promise<NsChan> {
    if (name === '' || name.includes('/') || CONTROL.test(name)) throw perr(EINVAL, `bad file name ${JSON.stringify(name)}`);
    if (!this.isDir()) throw perr(ENOTDIR, this.name);
    if (name === '..') return this.parent ?? this;
    if (name === '.') throw perr(ENOENT, '.');
    return this.walkFrom(caller, name, 0, undefined);
  }

  /** The union members from `i` on, in order; a member that answers later (a remote
   *  mount's) makes the rest of the walk wait for it. */
  private walkFrom(caller: Caller, name: string, i: number, denied: Node | undefined): NsChan | Promise<NsChan> {
    for (const w = this.width; i < w; i++) {
      const n = this.member(i);
      if (!n.stat) {
        const info = n.info();
        if (!allowed(caller, info.uid, info.gid, info.mode, AEXEC)) {
          denied ??= n;
          continue;
        }
      }
      const child = n.walk?.(caller, name);
      if (isPromise(child)) {
        const next = i + 1, d = denied;
        return child.then((c) => (c ? this.child(name, c) : this.walkFrom(caller, name, next, d)));
      }
      if (child) return this.child(name, child);
    }
    if (denied) checkAccess(caller, denied.info(), AEXEC);
    throw perr(ENOENT, name);
  }

  async open(caller: Caller, mode: OpenMode): Promise<OpenFile> {
    const n = this.first;
    if (this.isDir() && !n.stat) {
      const i = n.info();
      checkOpen(caller, { ...i, dir: true }, mode);
    }
    return n.open(caller, mode);
  }

  readdir(caller: Caller): DirInfo[] | Promise<DirInfo[]> {
    if (!this.isDir()) throw perr(ENOTDIR, this.name);
    const lists = this.nodes.map((n) => n.children?.(caller) ?? []);
    if (lists.some(isPromise)) return Promise.all(lists).then((l) => this.merge(l));
    return this.merge(lists as Node[][]);
  }

  private merge(lists: readonly Node[][]): DirInfo[] {
    const seen = new Set<string>();
    const out: DirInfo[] = [];
    for (const list of lists) {
      for (const c of list) {
        const i = c.info();
        if (seen.has(i.name)) continue;
        seen.add(i.name);
        // Show what a walk would give: a mount point lists as the mounted directory.
        const h = this.table.get(c.qid.path);
        const m = h ? this.table.members(h)[0] : undefined;
        out.push(m ? { ...m.info(), name: i.name } : i);
      }
    }
    return out;
  }

  async create(caller: Caller, name: string, perm: number, mode: OpenMode): Promise<{ chan: Chan; file: OpenFile }> {
    if (!this.isDir()) throw perr(ENOTDIR, this.name);
    if (name === '' || name === '.' || name === '..' || name.includes('/') || CONTROL.test(name)) {
      throw perr(EINVAL, `bad file name ${JSON.stringify(name)}`);
    }
    let target: Node | undefined = this.first;
    if (this.head) {
      target = this.table.createMember(this.head);
      if (!target) throw perr(EPERM, `${this.name}: mounted directory forbids creation (no -c member)`);
    }
    // A remote directory's server answers EEXIST itself.
    if (!target.stat) {
      const there = target.walk?.(caller, name);
      if (isPromise(there) ? await there : there) throw perr(EEXIST, name);
    }
    if (!target.create) throw perr(EPERM, `${this.name}: cannot create here`);
    const { node, file } = await target.create(caller, name, perm, mode);
    return { chan: NsChan.resolve(this.table, name, node, this), file };
  }

  async remove(caller: Caller): Promise<void> {
    if (this.head) throw perr(EBUSY, `${this.name} is a mount point`);
    const n = this.first;
    if (!n.remove) throw perr(EPERM, `${this.name}: cannot remove`);
    await n.remove(caller);
  }

  wstat(caller: Caller, change: { name?: string; mode?: number; length?: bigint; mtime?: number }): void | Promise<void> {
    if (change.name === undefined && change.mode === undefined && change.length === undefined && change.mtime === undefined) return;
    const n = this.first;
    if (!n.wstat) throw perr(EPERM, `${this.name}: cannot change`);
    return n.wstat(caller, change);
  }
}

/** The mount head on `under` in this table, if any. */
function mounted(table: MountTable, under: Node): Mhead | undefined {
  return table.get(under.qid.path);
}

function isPromise<T>(v: T | Promise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown } | undefined)?.then === 'function';
}
