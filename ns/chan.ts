// SPDX-License-Identifier: GPL-2.0-or-later
//
// A position in one session's namespace. Each chan remembers the chan it was walked from,
// so ".." is lexical: it goes back through mount points to where the walk came from (the
// root's parent is the root), as Plan 9 does with the chan's path.

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

export class NsChan implements Chan {
  constructor(
    private readonly table: MountTable,
    /** The name this chan was walked by ('/' at a root). */
    readonly name: string,
    /** What the walk found, before mounts: the mount point's key. */
    readonly under: Node,
    /** The members after mount resolution ([under] when nothing is mounted). */
    readonly nodes: readonly Node[],
    /** The mount head this chan is a mount point of, at walk time. */
    readonly head: Mhead | undefined,
    readonly parent: NsChan | undefined,
  ) {}

  /** A chan for `under`, resolving what this session mounted on it. */
  static resolve(table: MountTable, name: string, under: Node, parent: NsChan | undefined): NsChan {
    const h = table.get(under.qid.path);
    const nodes = h ? table.members(h) : [under];
    return new NsChan(table, name, under, nodes.length ? nodes : [under], h, parent);
  }

  get qid(): Qid {
    return this.nodes[0].qid;
  }

  info(): DirInfo {
    const i = this.nodes[0].info();
    return { ...i, name: this.name };
  }

  stat(caller: Caller): DirInfo | Promise<DirInfo> {
    const n = this.nodes[0];
    return n.stat ? n.stat(caller).then((i) => ({ ...i, name: this.name })) : this.info();
  }

  isDir(): boolean {
    return (this.nodes[0].qid.type & QTDIR) !== 0;
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
    for (; i < this.nodes.length; i++) {
      const n = this.nodes[i];
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
        return child.then((c) => (c ? NsChan.resolve(this.table, name, c, this) : this.walkFrom(caller, name, next, d)));
      }
      if (child) return NsChan.resolve(this.table, name, child, this);
    }
    if (denied) checkAccess(caller, denied.info(), AEXEC);
    throw perr(ENOENT, name);
  }

  async open(caller: Caller, mode: OpenMode): Promise<OpenFile> {
    if (this.isDir() && !this.nodes[0].stat) {
      const i = this.nodes[0].info();
      checkOpen(caller, { ...i, dir: true }, mode);
    }
    return this.nodes[0].open(caller, mode);
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
    let target: Node | undefined = this.nodes[0];
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
    const n = this.nodes[0];
    if (!n.remove) throw perr(EPERM, `${this.name}: cannot remove`);
    await n.remove(caller);
  }

  wstat(caller: Caller, change: { name?: string; mode?: number; length?: bigint; mtime?: number }): void | Promise<void> {
    if (change.name === undefined && change.mode === undefined && change.length === undefined && change.mtime === undefined) return;
    const n = this.nodes[0];
    if (!n.wstat) throw perr(EPERM, `${this.name}: cannot change`);
    return n.wstat(caller, change);
  }
}

function isPromise<T>(v: T | Promise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown } | undefined)?.then === 'function';
}
