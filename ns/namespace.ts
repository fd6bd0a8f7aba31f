// SPDX-License-Identifier: GPL-2.0-or-later
//
// One session's namespace: its own mount table over the shared root tree and devices.
// bind/mount/unmount lines (from the boot file or /dev/ns) change this table only.

import { EINVAL, ENOENT } from '../lib/9p/errno.js';
import { P9Error, perr } from '../lib/9p/error.js';
import { QTDIR } from '../devs/lib/qid.js';
import type { Caller, Device } from '../devs/types.js';
import { NsChan } from './chan.js';
import { MountTable } from './mount.js';
import { MORDER, MREPL, type NsOp, parseNsLine } from './parse.js';
import type { RootDir } from './root.js';
import type { TurnBudget } from './budget.js';
import type { SessionNamespace } from './types.js';

export interface NsShared {
  readonly devices: ReadonlyMap<string, Device>;
  readonly root: RootDir;
}

const DEVNAME = /^#([A-Za-z0-9_-]+)(?:\.([^/]*))?((?:\/.*)?)$/;

/** Path elements of an absolute path, cleaned ('.' and empty elements dropped). */
function elements(path: string): string[] {
  return path.split('/').filter((e) => e !== '' && e !== '.');
}

export class Namespace implements SessionNamespace {
  /** `budget` bounds the walking this namespace's lines and anames do per turn, shared
   *  with every session's (the boot namespace has none). */
  constructor(readonly shared: NsShared, readonly table: MountTable, private readonly budget?: TurnBudget) {}

  /** A copy with its own mount table (copy-on-write: cheap until it changes). */
  fork(budget = this.budget): Namespace {
    return new Namespace(this.shared, this.table.copy(), budget);
  }

  root(caller: Caller, aname: string): NsChan {
    if (aname === '' || aname === '/') return this.rootChan();
    if (aname.startsWith('#')) return this.devChan(caller, aname);
    // A bare name is a path from the root, as diod's anames are (diodload attaches `ctl`).
    return this.lookup(caller, aname.startsWith('/') ? aname : `/${aname}`);
  }

  text(): string {
    return this.table.text();
  }

  apply(line: string, caller: Caller): void {
    const op = parseNsLine(line);
    if (op) this.exec(op, caller, false);
  }

  /** Runs one operation. At boot, missing mount points in the root tree are made. */
  exec(op: NsOp, caller: Caller, boot: boolean): void {
    if (boot && op.op !== 'unmount' && op.old.startsWith('/')) {
      let d = this.shared.root;
      for (const e of elements(op.old)) d = d.mkdir(e);
    }
    const old = this.lookup(caller, op.old);
    const oldName = op.old.startsWith('/') ? `/${elements(op.old).join('/')}` : op.old;
    switch (op.op) {
      case 'unmount': {
        const src = op.new === undefined ? undefined : this.lookup(caller, op.new).nodes[0].qid.path;
        if (!this.table.remove(old.under.qid.path, src)) throw perr(EINVAL, `not mounted: "${line(op)}"`);
        return;
      }
      case 'bind':
      case 'mount': {
        let src: NsChan;
        let srcName = op.new;
        if (op.op === 'mount') {
          const m = DEVNAME.exec(op.new);
          if (!m || m[3] !== '') {
            throw perr(EINVAL, `mount: only #device sources can be mounted for now (9P services come later): "${op.new}"`);
          }
          if (m[2] !== undefined && op.spec) throw perr(EINVAL, `mount: spec given twice: "${line(op)}"`);
          src = this.devChan(caller, op.spec ? `#${m[1]}.${op.spec}` : op.new);
        } else {
          src = this.lookup(caller, op.new);
          if (op.new.startsWith('/')) srcName = `/${elements(op.new).join('/')}`;
        }
        const srcDir = (src.nodes[0].qid.type & QTDIR) !== 0;
        const oldDir = (old.under.qid.type & QTDIR) !== 0;
        if (srcDir !== oldDir) throw perr(EINVAL, `inconsistent bind: one side is a directory: "${line(op)}"`);
        const order = op.flags & MORDER;
        if (!oldDir && order !== MREPL) throw perr(EINVAL, `only a plain bind onto a file: "${line(op)}"`);
        this.table.add(old.under, oldName, {
          nodes: [...src.nodes],
          flags: op.flags & ~MORDER,
          src: srcName,
          op: op.op,
          ...(op.op === 'mount' && op.spec ? { spec: op.spec } : {}),
        }, order);
        return;
      }
    }
  }

  private rootChan(): NsChan {
    return NsChan.resolve(this.table, '/', this.shared.root, undefined);
  }

  /** '#name[.spec]' attached alone: its root has no parent ('..' stays). */
  private devChan(caller: Caller, name: string): NsChan {
    const m = DEVNAME.exec(name);
    if (!m) throw perr(ENOENT, `bad device name "${name}"`);
    const dev = this.shared.devices.get(m[1]);
    if (!dev) throw perr(ENOENT, `no device #${m[1]}`);
    const c = NsChan.resolve(this.table, '/', dev.attach(caller, m[2] ?? ''), undefined);
    return m[3] ? this.walkAll(caller, c, m[3]) : c;
  }

  /** An absolute path or '#dev/path' to a chan. */
  lookup(caller: Caller, path: string): NsChan {
    if (path.startsWith('#')) return this.devChan(caller, path);
    if (!path.startsWith('/')) throw perr(EINVAL, `path must be absolute: "${path}"`);
    return this.walkAll(caller, this.rootChan(), path);
  }

  private walkAll(caller: Caller, c: NsChan, path: string): NsChan {
    for (const e of elements(path)) {
      this.budget?.charge(c.nodes.length);
      try {
        c = c.walk(caller, e);
      } catch (err) {
        if (err instanceof P9Error) throw perr(err.errno, err.errno === ENOENT ? path : `${path}: ${err.detail ?? err.text}`);
        throw err;
      }
    }
    return c;
  }
}

function line(op: NsOp): string {
  return op.op === 'unmount' ? `unmount ${op.new ?? ''} ${op.old}`.replace('  ', ' ') : `${op.op} ${op.new} ${op.old}`;
}
