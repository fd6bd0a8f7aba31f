// SPDX-License-Identifier: GPL-2.0-or-later
//
// The generic walk/stat/dirread/open plumbing, written once (Plan 9 devwalk, devstat,
// devdirread, devopen over a Dirtab). A device declares tables:
//   DirSpec    one per directory kind: its fixed files (FileSpec, the Dirtab rows) and
//              optionally a generator of numbered subdirectories (NumberedSpec);
//   FileSpec   name, kind (qid file type id), perm, and what reading/writing does:
//              `read` renders text, `write` takes bytes, `ctl` is a Cmdtab, `open` takes
//              over completely (streams, clone files);
// and defineDevice() turns them into a Device. Every directory level carries a context
// object: the device root's (from attach), then the object a numbered directory names
// (the process behind /mcp/7), handed to every handler below it.

import { DMDIR } from '../../lib/9p/const.js';
import { EACCES, EINVAL, EISDIR, EPERM } from '../../lib/9p/errno.js';
import { P9Error, perr } from '../../lib/9p/error.js';
import type { Qid } from '../../lib/9p/fcall.js';
import type { Caller, Device, DirInfo, Node, OpenFile, OpenMode, ReadRequest } from '../types.js';
import { type Cmdtab, runCmds } from './cmd.js';
import { AREAD, AWRITE, allowed, checkOpen, openAccess } from './perm.js';
import { type QidSpace, qidSpace } from './qid.js';
import { nameCompare, readstr } from './text.js';

export interface FileSpec<C> {
  name: string;
  /** File type id, unique within the device, 1..0xffff: the low 16 bits of qid.path. */
  kind: number;
  /** Permission bits (0o664...). DMDIR is added for directories. */
  perm: number;
  /** errno when the permission check fails (default EACCES; #mcp ctl files use EPERM). */
  denyErrno?: number;
  /** Owner of this file (default: the directory's owner). */
  uid?(obj: C): string;
  /** A subdirectory with the same context object. */
  dir?: DirSpec<C>;
  /** Renders the whole content; the plumbing serves it by offset. The rendering made by a
   *  read at offset 0 is kept for that open's later offsets, so one `cat` sees one state. */
  read?(obj: C, caller: Caller): string | Buffer;
  /** Takes a write; returns the count accepted (default: all of it). */
  write?(obj: C, caller: Caller, data: Buffer, offset: bigint): number | void | Promise<number | void>;
  /** A ctl file: each write is commands (cmd.ts). Read gives `read` if set, else the
   *  context's id and a newline (the numbered directory's name), else ''. */
  ctl?: Cmdtab<C>;
  /** Called with the failure of a ctl line (for `lasterr`). */
  ctlError?(obj: C, err: P9Error, line: string): void;
  /** Full control of the open (after the permission check): streams, clone files. */
  open?(obj: C, caller: Caller, mode: OpenMode, node: DevNode<C>): OpenFile | Promise<OpenFile>;
  /** An `open` row that takes no writes: opening it for writing is EACCES even for the
   *  host owner, as for a row with no `write`/`ctl`. */
  readOnly?: boolean;
}

export interface DirSpec<C> {
  /** The fixed entries, Plan 9 Dirtab style. */
  files?: readonly FileSpec<C>[];
  /** Numbered subdirectories (/mcp/7): generated from live objects. */
  numbered?: NumberedSpec<C, any>;
}

export interface NumberedSpec<P, K extends object> {
  /** Qid kind of the numbered directories themselves. */
  kind: number;
  /** Permission of the numbered directories (e.g. 0o555). */
  perm: number;
  /** The live ids under `parent` (any order; the plumbing sorts numerically). */
  list(parent: P, caller: Caller): Iterable<number>;
  /** The object called `id`, or undefined (ENOENT). */
  lookup(parent: P, id: number): K | undefined;
  /** The table inside each numbered directory; handlers get the object K. */
  dir: DirSpec<K>;
  /** Owner of the directory and, by default, everything in it. */
  owner?(obj: K): string;
  /** A serial never reused for another object. Default: by object identity (the kernel
   *  must hand out a new object for a new process even when the pid is reused). */
  serial?(obj: K): number;
  /** Names are prefix + id (#alarm's `a0`, `a1`); default none. */
  prefix?: string;
  /** Tremove of a numbered directory (`rm -r /alarm/7/a0`); without it, EPERM. */
  remove?(obj: K, caller: Caller): void;
}

export interface DeviceSpec<R> {
  /** Without '#'. */
  name: string;
  /** The host owner's name: owner of fixed files (a getter: it is decided at boot). */
  hostowner: string | (() => string);
  root: DirSpec<R>;
  /** The root context for an attach; `spec` is the part after '#name.' ('' if none).
   *  Default: undefined context, and a non-empty spec is EINVAL. */
  attach?(caller: Caller, spec: string): R;
  /** Permission of the root directory (default 0o555). */
  rootPerm?: number;
}

/** What defineDevice returns: a Device with its qid space exposed for the device's own use. */
export interface TableDevice<R> extends Device {
  readonly qids: QidSpace;
  readonly spec: DeviceSpec<R>;
  attach(caller: Caller, spec: string): DevNode<R>;
}

const ROOT_KIND = 0;
const EMPTY = Buffer.alloc(0);
const bootTime = Math.floor(Date.now() / 1000);

const fileMaps = new WeakMap<DirSpec<any>, { byName: Map<string, FileSpec<any>>; sorted: FileSpec<any>[] }>();
function filesOf(d: DirSpec<any>) {
  let m = fileMaps.get(d);
  if (!m) {
    const files = d.files ?? [];
    m = { byName: new Map(files.map((f) => [f.name, f])), sorted: [...files].sort((a, b) => nameCompare(a.name, b.name)) };
    fileMaps.set(d, m);
  }
  return m;
}

/** A file or directory of a table device. Immutable, so a directory keeps the children
 *  it has handed out and gives the same node to every walk (walks by 10,000 fids to one
 *  file share one node, its qid and its name): a fixed file's node lives as long as its
 *  directory's; a numbered directory's is held weakly by its object (a WeakMap keyed by
 *  the process behind /mcp/7), so it goes when the object does and no fid holds it. A
 *  kept node is handed out again only while its owner, serial and id are still what the
 *  tables give now. */
export class DevNode<C> implements Node {
  readonly qid: Qid;
  /** Fixed files walked to, by table row (made on the first walk). */
  private fixedKids: Map<FileSpec<C>, DevNode<C>> | undefined = undefined;
  /** Numbered directories walked to, by their object. */
  private numberedKids: WeakMap<object, DevNode<any>> | undefined = undefined;
  /** Set on a numbered directory whose NumberedSpec has `remove`. */
  removeFn: ((obj: C, caller: Caller) => void) | undefined = undefined;

  constructor(
    readonly dev: TableDevice<any>,
    /** The context object handed to handlers. */
    readonly obj: C,
    readonly name: string,
    /** The object serial (0 for fixed files): the middle bits of qid.path. */
    readonly serial: number,
    readonly kind: number,
    readonly perm: number,
    readonly owner: string,
    /** The table entry (files and named directories) or undefined (root, numbered dirs). */
    readonly file: FileSpec<C> | undefined,
    /** The directory table when this is a directory. */
    readonly dir: DirSpec<C> | undefined,
    /** The id of the nearest numbered directory ('' at the top). */
    readonly objId: string,
  ) {
    this.qid = dev.qids.qid(serial, kind, dir !== undefined);
  }

  isDir(): boolean {
    return this.dir !== undefined;
  }

  info(): DirInfo {
    return {
      name: this.name,
      qid: this.qid,
      mode: (this.dir ? DMDIR : 0) | this.perm,
      length: 0n,
      uid: this.owner,
      gid: this.owner,
      muid: this.owner,
      atime: bootTime,
      mtime: bootTime,
    };
  }

  walk(_caller: Caller, name: string): DevNode<any> | undefined {
    const d = this.dir;
    if (!d) return undefined;
    const f = filesOf(d).byName.get(name);
    if (f) return this.child(f);
    const g = d.numbered;
    const pre = g?.prefix ?? '';
    const num = name.startsWith(pre) ? name.slice(pre.length) : '';
    if (g && /^(0|[1-9]\d{0,15})$/.test(num)) {
      const o = g.lookup(this.obj, Number(num));
      if (o !== undefined) return this.numberedChild(g, Number(num), o, true);
    }
    return undefined;
  }

  children(caller: Caller): DevNode<any>[] {
    const d = this.dir;
    if (!d) return [];
    const out: DevNode<any>[] = [];
    const g = d.numbered;
    if (g) {
      const ids = [...g.list(this.obj, caller)].sort((a, b) => a - b);
      for (const id of ids) {
        const o = g.lookup(this.obj, id);
        if (o !== undefined) out.push(this.numberedChild(g, id, o, false));
      }
    }
    for (const f of filesOf(d).sorted) out.push(this.child(f));
    return out;
  }

  /** The node of a fixed file (its name is the table's), kept per row: at most one per
   *  row of this directory's table. */
  private child(f: FileSpec<C>): DevNode<C> {
    const owner = f.uid ? f.uid(this.obj) : this.owner;
    const kids = this.fixedKids ??= new Map();
    const had = kids.get(f);
    if (had !== undefined && had.owner === owner) return had;
    const n = new DevNode<C>(this.dev, this.obj, f.name, this.serial, f.kind, f.perm, owner, f, f.dir, this.objId);
    kids.set(f, n);
    return n;
  }

  /** A numbered directory's node. Walks keep it (weakly, by its object: at most one per
   *  live object); a listing reuses a kept one but keeps none, so `ls` of a directory of
   *  thousands of processes leaves nothing behind. */
  private numberedChild(g: NumberedSpec<C, any>, id: number, o: object, keep: boolean): DevNode<any> {
    const serial = g.serial ? g.serial(o) : this.dev.qids.serialOf(o);
    const owner = g.owner ? g.owner(o) : this.owner;
    const objId = String(id);
    const had = this.numberedKids?.get(o);
    if (had !== undefined && had.serial === serial && had.owner === owner && had.objId === objId) return had;
    const n = new DevNode<any>(this.dev, o, `${g.prefix ?? ''}${objId}`, serial, g.kind, g.perm,
      owner, undefined, g.dir, objId);
    n.removeFn = g.remove;
    if (keep) (this.numberedKids ??= new WeakMap()).set(o, n);
    return n;
  }

  remove(caller: Caller): void {
    if (!this.removeFn) throw perr(EPERM, `${this.name}: cannot remove`);
    this.removeFn(this.obj, caller);
  }

  open(caller: Caller, mode: OpenMode): OpenFile | Promise<OpenFile> {
    const f = this.file;
    const info = { uid: this.owner, gid: this.owner, mode: this.perm, name: this.name, dir: !!this.dir };
    checkOpen(caller, info, mode, f?.denyErrno ?? EACCES);
    if (this.dir) return DIR_FILE;
    // A file that has no way to be written (or read) refuses that open even to the host
    // owner, as Plan 9's devcons answers Eperm for `time` opened for writing.
    const want = openAccess(mode);
    if (f && (want & AWRITE) && !canWrite(f)) throw perr(EACCES, `${this.name} is read-only`);
    if (f && !f.open && (want & AREAD) && !f.read && !f.ctl) throw perr(EACCES, `${this.name} is write-only`);
    if (f?.open) return f.open(this.obj, caller, mode, this);
    return new TextFile<C>(this, caller);
  }

  /** Synthetic files: only truncation (length 0) and touching mtime are accepted, by
   *  whoever may open the file for writing; renames and mode changes are EPERM. */
  wstat(caller: Caller, change: { name?: string; mode?: number; length?: bigint; mtime?: number }): void {
    if ((change.name !== undefined && change.name !== this.name) || change.mode !== undefined) {
      throw perr(EPERM, `${this.name}: cannot change name or mode`);
    }
    if (change.length !== undefined && change.length !== 0n) throw perr(EINVAL, `${this.name}: length ${change.length}`);
    if (change.length !== undefined && !allowed(caller, this.owner, this.owner, this.perm, AWRITE)) {
      throw perr(this.file?.denyErrno ?? EACCES, this.name);
    }
    if (change.length !== undefined && this.file && !canWrite(this.file)) throw perr(EACCES, `${this.name} is read-only`);
  }
}

/** The row can be opened for writing at all (by someone). */
function canWrite(f: FileSpec<any>): boolean {
  return f.open ? !f.readOnly : !!(f.write || f.ctl);
}

const DIR_FILE: OpenFile = {
  read: () => EMPTY,
  write: () => { throw perr(EISDIR); },
};

/** One open of a `read`/`write`/`ctl` file. */
class TextFile<C> implements OpenFile {
  private snap: Buffer | undefined;

  constructor(private readonly node: DevNode<C>, private readonly caller: Caller) {}

  read(req: ReadRequest): Buffer {
    const f = this.node.file!;
    if (req.offset === 0n || this.snap === undefined) {
      const r = f.read ? f.read(this.node.obj, this.caller) : this.node.objId ? `${this.node.objId}\n` : '';
      this.snap = typeof r === 'string' ? Buffer.from(r) : r;
    }
    return readstr(req.offset, req.count, this.snap);
  }

  write(offset: bigint, data: Buffer): number | Promise<number> {
    const f = this.node.file!;
    if (f.ctl) {
      if (data.length === 0) return 0;
      const onErr = f.ctlError ? (e: P9Error, line: string) => f.ctlError!(this.node.obj, e, line) : undefined;
      const r = runCmds(f.ctl, data, this.node.obj, this.caller, onErr);
      return r ? r.then(() => data.length) : data.length;
    }
    if (!f.write) throw perr(EACCES, `${this.node.name} is read-only`);
    const r = f.write(this.node.obj, this.caller, data, offset);
    if (r && typeof (r as Promise<number | void>).then === 'function') {
      return (r as Promise<number | void>).then((n) => (typeof n === 'number' ? n : data.length));
    }
    return typeof r === 'number' ? r : data.length;
  }

  truncate(): void {}
}

/** Builds a Device from tables. Register it by passing it to createNamespaceServer. */
export function defineDevice<R>(spec: DeviceSpec<R>): TableDevice<R> {
  const qids = qidSpace(spec.name);
  const owner = typeof spec.hostowner === 'function' ? spec.hostowner : () => spec.hostowner as string;
  const dev: TableDevice<R> = {
    name: spec.name,
    qids,
    spec,
    attach(caller: Caller, aspec: string): DevNode<R> {
      let obj: R;
      if (spec.attach) obj = spec.attach(caller, aspec);
      else if (aspec !== '') throw perr(EINVAL, `#${spec.name}: bad attach spec "${aspec}"`);
      else obj = undefined as R;
      return new DevNode<R>(dev, obj, `#${spec.name}`, 0, ROOT_KIND, spec.rootPerm ?? 0o555, owner(),
        undefined, spec.root, '');
    },
  };
  return dev;
}

