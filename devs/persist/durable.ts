// SPDX-License-Identifier: GPL-2.0-or-later
//
// Devices whose replies wait for the journal: every operation (open, read, write, and the
// rest) that made a journal record is answered only once its records are durable, or
// fails with the journal's error (EIO, ENOSPC), the change by then undone. An operation
// that changed nothing is answered at once. The wrapper is transparent otherwise: the
// same qids, stats and errors, so namespaces and clients see the same files.

import type { Caller, Device, DirInfo, Node, OpenFile, OpenMode, ReadRequest } from '../types.js';
import type { Qid } from '../../lib/9p/fcall.js';

/** What the wrapper needs of a journal: a record count and a durability barrier. */
export interface Acker {
  readonly count: number;
  barrier(): Promise<void>;
}

function isPromise<T>(x: T | Promise<T>): x is Promise<T> {
  return typeof (x as { then?: unknown })?.then === 'function';
}

/** Runs `op`; if it made records, its outcome waits for them to be durable. */
function acked<T>(j: Acker, op: () => T | Promise<T>): T | Promise<T> {
  const mark = j.count;
  let r: T | Promise<T>;
  try {
    r = op();
  } catch (e) {
    if (j.count === mark) throw e;
    // earlier lines of a ctl write may have been applied: answer once they are durable
    return j.barrier().then(() => { throw e; });
  }
  if (isPromise(r)) {
    return r.then(
      (v) => (j.count === mark ? v : j.barrier().then(() => v)),
      (e) => (j.count === mark ? Promise.reject(e) : j.barrier().then(() => { throw e; })),
    );
  }
  return j.count === mark ? r : j.barrier().then(() => r as T);
}

/** Shared by every DurableFile that has them (a closure per open would be 100+ bytes). */
function truncateInner(this: DurableFile): void { this.f.truncate!(); }
function closeInner(this: DurableFile): void { this.f.close!(); }

class DurableFile implements OpenFile {
  truncate: (() => void) | undefined;
  close: (() => void) | undefined;
  constructor(readonly f: OpenFile, private readonly j: Acker) {
    this.truncate = f.truncate ? truncateInner : undefined;
    this.close = f.close ? closeInner : undefined;
  }
  read(req: ReadRequest): Buffer | Promise<Buffer> { return acked(this.j, () => this.f.read(req)); }
  write(offset: bigint, data: Buffer): number | Promise<number> { return acked(this.j, () => this.f.write(offset, data)); }
}

/** One wrapper per wrapped node (weakly: it goes with the node), so that nodes a device
 *  hands out again (devs/lib/tree.ts keeps them) are wrapped by the same DurableNode and
 *  the namespace shares their chans. */
const wrappers = new WeakMap<Node, DurableNode>();
function wrap(n: Node, j: Acker): DurableNode {
  let w = wrappers.get(n);
  if (w === undefined || w.j !== j) {
    w = new DurableNode(n, j);
    wrappers.set(n, w);
  }
  return w;
}

class DurableNode implements Node {
  constructor(private readonly n: Node, readonly j: Acker) {
    if (!n.walk) this.walk = undefined;
    if (!n.children) this.children = undefined;
    if (!n.create) this.create = undefined;
    if (!n.remove) this.remove = undefined;
    if (!n.wstat) this.wstat = undefined;
  }
  get qid(): Qid { return this.n.qid; }
  info(): DirInfo { return this.n.info(); }
  walk? = (caller: Caller, name: string): Node | undefined | Promise<Node | undefined> => {
    const c = this.n.walk!(caller, name);
    const w = (n: Node | undefined): Node | undefined => n && wrap(n, this.j);
    return isPromise(c) ? c.then(w) : w(c);
  };
  children? = (caller: Caller): Node[] | Promise<Node[]> => {
    const cs = this.n.children!(caller);
    const w = (l: Node[]): Node[] => l.map((c) => wrap(c, this.j));
    return isPromise(cs) ? cs.then(w) : w(cs);
  };
  open(caller: Caller, mode: OpenMode): OpenFile | Promise<OpenFile> {
    const r = acked(this.j, () => this.n.open(caller, mode));
    return isPromise(r) ? r.then((f) => new DurableFile(f, this.j)) : new DurableFile(r, this.j);
  }
  create? = async (caller: Caller, name: string, perm: number, mode: OpenMode): Promise<{ node: Node; file: OpenFile }> => {
    const r = await acked(this.j, () => this.n.create!(caller, name, perm, mode));
    return { node: wrap(r.node, this.j), file: new DurableFile(r.file, this.j) };
  };
  remove? = (caller: Caller): void | Promise<void> => acked(this.j, () => this.n.remove!(caller));
  wstat? = (caller: Caller, change: { name?: string; mode?: number; length?: bigint; mtime?: number }): void | Promise<void> =>
    this.n.wstat!(caller, change);
}

/** `dev` with every reply that acknowledges a change held until the change is durable. */
export function durableDevice(dev: Device, j: Acker): Device {
  return { name: dev.name, attach: (caller, spec) => new DurableNode(dev.attach(caller, spec), j) };
}
