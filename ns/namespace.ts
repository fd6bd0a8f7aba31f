// SPDX-License-Identifier: GPL-2.0-or-later
//
// One session's namespace: its own mount table over the shared root tree and devices.
// bind/mount/unmount lines (from the boot file or /dev/ns) change this table only.

import { EINVAL, ENOENT } from '../lib/9p/errno.js';
import { P9Error, perr } from '../lib/9p/error.js';
import { QTDIR } from '../devs/lib/qid.js';
import type { Caller, Device, Node } from '../devs/types.js';
import { NsChan } from './chan.js';
import { MountTable } from './mount.js';
import { MORDER, MREPL, type NsOp, parseNsLine } from './parse.js';
import type { RootDir } from './root.js';
import type { TurnBudget } from './budget.js';
import type { SessionNamespace } from './types.js';
import type { RemoteMounts } from './remote.js';
import { checkDial, isDialSource, makeMountPoint, readDialString, remoteUnmountKey } from './remotens.js';

export interface NsShared {
  readonly devices: ReadonlyMap<string, Device>;
  readonly root: RootDir;
  /** Mounts of 9P servers (absent: only devices can be mounted). */
  readonly remote?: RemoteMounts;
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
    // A bare name is a path from the root, as diod's anames are (diodload attaches `ctl`).
    const c = this.lookup(caller, aname.startsWith('#') || aname.startsWith('/') ? aname : `/${aname}`);
    if (c instanceof NsChan) return c;
    c.catch(() => { /* answered below */ });
    throw perr(EINVAL, `attach name "${aname}" goes into a remote mount: attach at / and walk there`);
  }

  text(): string {
    return this.table.text();
  }

  apply(line: string, caller: Caller): void | Promise<void> {
    const op = parseNsLine(line);
    if (op) return this.exec(op, caller, false);
  }

  /** Runs one operation. At boot, missing mount points in the root tree are made. A
   *  promise only when the line takes I/O: a mount of a 9P server (dialed first, except
   *  at boot, where it is dialed when first used), or a walk into a remote mount. */
  exec(op: NsOp, caller: Caller, boot: boolean): void | Promise<void> {
    if (boot && op.op !== 'unmount' && op.old.startsWith('/')) {
      let d = this.shared.root;
      for (const e of elements(op.old)) d = d.mkdir(e);
    }
    if (op.op === 'mount' && !isDevSource(op.new)) return this.mountRemote(op, caller, boot);
    return then(this.lookup(caller, op.old), (old) => this.execAt(op, caller, old));
  }

  private execAt(op: NsOp, caller: Caller, old: NsChan): void | Promise<void> {
    const oldName = op.old.startsWith('/') ? `/${elements(op.old).join('/')}` : op.old;
    switch (op.op) {
      case 'unmount': {
        if (op.new !== undefined && isDialSource(op.new)) {
          if (!this.table.remove(old.under.qid.path, remoteUnmountKey(this.table, old.under.qid.path, op.new))) {
            throw perr(EINVAL, `not mounted: "${line(op)}"`);
          }
          return;
        }
        const src = op.new === undefined ? undefined : this.lookup(caller, op.new);
        return then(src, (s) => {
          if (!this.table.remove(old.under.qid.path, s?.nodes[0].qid.path)) throw perr(EINVAL, `not mounted: "${line(op)}"`);
        });
      }
      case 'bind':
      case 'mount': {
        if (op.op === 'mount') {
          const m = DEVNAME.exec(op.new)!;
          if (m[2] !== undefined && op.spec) throw perr(EINVAL, `mount: spec given twice: "${line(op)}"`);
          const src = this.devChan(caller, op.spec ? `#${m[1]}.${op.spec}` : op.new) as NsChan;
          this.place(op, old, oldName, src.nodes, op.new);
          return;
        }
        const srcName = op.new.startsWith('/') ? `/${elements(op.new).join('/')}` : op.new;
        return then(this.lookup(caller, op.new), (src) => this.place(op, old, oldName, src.nodes, srcName));
      }
    }
  }

  /** Puts `nodes` at `old` as `op` says. */
  private place(op: NsOp & { op: 'bind' | 'mount' }, old: NsChan, oldName: string, nodes: readonly Node[], srcName: string): void {
    const srcDir = (nodes[0].qid.type & QTDIR) !== 0;
    const oldDir = (old.under.qid.type & QTDIR) !== 0;
    if (srcDir !== oldDir) throw perr(EINVAL, `inconsistent bind: one side is a directory: "${line(op)}"`);
    const order = op.flags & MORDER;
    if (!oldDir && order !== MREPL) throw perr(EINVAL, `only a plain bind onto a file: "${line(op)}"`);
    this.table.add(old.under, oldName, {
      nodes: [...nodes],
      flags: op.flags & ~MORDER,
      src: srcName,
      op: op.op,
      ...(op.op === 'mount' && op.spec ? { spec: op.spec } : {}),
    }, order);
  }

  /** `mount DIALSTRING old [spec]`, or `mount FILE old [spec]` where FILE holds a dial
   *  string (a #srv post). At boot the server is dialed when first used; otherwise now,
   *  so that a mount of a server that cannot be reached fails. */
  private mountRemote(op: NsOp & { op: 'mount' }, caller: Caller, boot: boolean): void | Promise<void> {
    const remote = this.shared.remote;
    if (!remote) throw perr(EINVAL, `mount: this server mounts only #devices: "${line(op)}"`);
    const mountAt = (dial: string): void | Promise<void> => {
      const node = remote.mount(dial, op.spec);
      const put = (): void | Promise<void> => {
        if (!boot) makeMountPoint(this.shared.root, op.old);
        return then(this.lookup(caller, op.old), (old) => this.place(op, old, op.old.startsWith('/') ? `/${elements(op.old).join('/')}` : op.old, [node], dial));
      };
      return boot ? put() : node.stat(caller).then(put);
    };
    if (isDialSource(op.new)) {
      checkDial(op.new);
      return mountAt(op.new);
    }
    if (boot) throw perr(EINVAL, `mount: the boot namespace mounts devices and dial strings only: "${line(op)}"`);
    return readDialString((p) => this.lookup(caller, p), caller, op.new).then(mountAt);
  }

  private rootChan(): NsChan {
    return NsChan.resolve(this.table, '/', this.shared.root, undefined);
  }

  /** '#name[.spec]' attached alone: its root has no parent ('..' stays). */
  private devChan(caller: Caller, name: string): NsChan | Promise<NsChan> {
    const m = DEVNAME.exec(name);
    if (!m) throw perr(ENOENT, `bad device name "${name}"`);
    const dev = this.shared.devices.get(m[1]);
    if (!dev) throw perr(ENOENT, `no device #${m[1]}`);
    const c = NsChan.resolve(this.table, '/', dev.attach(caller, m[2] ?? ''), undefined);
    return m[3] ? this.walkAll(caller, c, m[3]) : c;
  }

  /** An absolute path or '#dev/path' to a chan; a promise when the walk goes into a
   *  remote mount. */
  lookup(caller: Caller, path: string): NsChan | Promise<NsChan> {
    if (path.startsWith('#')) return this.devChan(caller, path);
    if (!path.startsWith('/')) throw perr(EINVAL, `path must be absolute: "${path}"`);
    return this.walkAll(caller, this.rootChan(), path);
  }

  private walkAll(caller: Caller, c: NsChan, path: string, names = elements(path), i = 0): NsChan | Promise<NsChan> {
    for (; i < names.length; i++) {
      this.budget?.charge(c.width);
      let next: NsChan | Promise<NsChan>;
      try {
        next = c.walk(caller, names[i]);
      } catch (err) {
        throw walkError(err, path);
      }
      if (next instanceof Promise) {
        const at = i + 1;
        return next.then((n) => this.walkAll(caller, n, path, names, at), (err: unknown) => { throw walkError(err, path); });
      }
      c = next;
    }
    return c;
  }
}

function walkError(err: unknown, path: string): unknown {
  if (err instanceof P9Error) return perr(err.errno, err.errno === ENOENT ? path : `${path}: ${err.detail ?? err.text}`);
  return err;
}

/** `fn(v)` now, or once `v` has settled. */
function then<T, R>(v: T | Promise<T>, fn: (x: T) => R | Promise<R>): R | Promise<R> {
  return v instanceof Promise ? v.then(fn) : fn(v);
}

/** `#name` or `#name.spec`: a device's root. */
function isDevSource(s: string): boolean {
  const m = DEVNAME.exec(s);
  return m !== null && m[3] === '';
}

function line(op: NsOp): string {
  return op.op === 'unmount' ? `unmount ${op.new ?? ''} ${op.old}`.replace('  ', ' ') : `${op.op} ${op.new} ${op.old}`;
}
