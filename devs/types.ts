// SPDX-License-Identifier: GPL-2.0-or-later
//
// The file interface every device implements and the namespace (ns/) serves. A Node is a
// file or directory; an OpenFile is one open of it (per-open state, like a Plan 9 chan
// after open). Every method that can fail throws P9Error (lib/9p/error.ts) with the errno
// named in its comment; the server turns that into Rerror/Rlerror.

import type { Qid } from '../lib/9p/fcall.js';

/** Per-attach state: one per Tattach, shared by every fid walked from it. */
export interface Session {
  /** Unique per attach, never reused. */
  readonly id: number;
  /** The connection this attach came in on (for `ephemeral` and connection-tied state). */
  readonly connId: number;
  /** The attaching user's name (uname, or the name of n_uname). */
  readonly user: string;
  /** The last error of this session with its detail (read through /dev/errstr). */
  errstr: string;
  /** Runs `fn` once when the connection closes (or at once if it already has). */
  onClose(fn: () => void): void;
  /** This session's namespace; devs/cons reads and writes it through /dev/ns. */
  readonly ns: NamespaceView;
}

/** What /dev/ns needs from the session's namespace (ns/ implements it). */
export interface NamespaceView {
  /** The mount table in namespace(6) syntax, one line per entry. */
  text(): string;
  /** Apply one `bind`/`mount`/`unmount` line to this session only. Throws EINVAL. A
   *  promise only for a line that takes I/O (a mount of a 9P server dials it first). */
  apply(line: string, caller: Caller): void | Promise<void>;
}

/** Who is asking. */
export interface Caller {
  readonly user: string;
  /** The host owner may do anything (Plan 9's eve). */
  readonly hostowner: boolean;
  readonly session: Session;
}

/** Dialect-neutral stat: what Rstat / Rgetattr / directory reads are built from. */
export interface DirInfo {
  name: string;
  qid: Qid;
  /** DM* bits (DMDIR, DMAPPEND, DMEXCL...) | permission bits rwxrwxrwx. */
  mode: number;
  /** Synthetic files report 0. */
  length: bigint;
  uid: string;
  gid: string;
  muid: string;
  /** Seconds since the epoch. */
  atime: number;
  mtime: number;
}

/** Open modes as in open(5): OREAD 0, OWRITE 1, ORDWR 2, OEXEC 3 | OTRUNC 0x10 | ORCLOSE 0x40. */
export type OpenMode = number;

export interface ReadRequest {
  offset: bigint;
  count: number;
  /** Aborted by Tflush or when the connection goes away: reject or resolve promptly. */
  signal: AbortSignal;
  /**
   * True when the reader must not be held: a blocking file returns whatever it has now,
   * possibly 0 bytes (the Linux v9fs continuation rule, reference/9p.md §9).
   */
  noblock: boolean;
}

export interface OpenFile {
  /** Bytes at offset, at most `count`. 0 bytes means end of file. A blocking file waits
   *  (unless req.noblock) and rejects with EINTR when req.signal aborts. */
  read(req: ReadRequest): Buffer | Promise<Buffer>;
  /** Returns the count written. ctl files treat each write as one command (offset ignored).
   *  EINVAL, ERANGE, EPERM... per the device's doc. */
  write(offset: bigint, data: Buffer): number | Promise<number>;
  /** Truncate to 0 (Topen OTRUNC, Twstat length 0, Tsetattr size 0). Synthetic files accept it. */
  truncate?(): void;
  /** Called exactly once when the fid is clunked or the connection closes. */
  close?(): void;
}

export interface Node {
  readonly qid: Qid;
  /** The stat. For a Node with stat(), the last one known (from its walk or listing). */
  info(): DirInfo;
  /** Files whose stat takes I/O (a remote mount's): a fresh stat. Such a Node makes its
   *  own permission checks (its server does), so the namespace makes none for it. */
  stat?(caller: Caller): Promise<DirInfo>;
  /** Directories: the child called `name`, or undefined (the caller answers ENOENT).
   *  A promise only where the answer takes I/O (remote mounts). */
  walk?(caller: Caller, name: string): Node | undefined | Promise<Node | undefined>;
  /** Directories: every child, sorted (numerically for numeric names). */
  children?(caller: Caller): Node[] | Promise<Node[]>;
  /** Checks permission for `mode` (EACCES / EPERM) and returns the per-open state. */
  open(caller: Caller, mode: OpenMode): OpenFile | Promise<OpenFile>;
  /** Directories that allow creation. EPERM/EACCES otherwise. */
  create?(caller: Caller, name: string, perm: number, mode: OpenMode): Promise<{ node: Node; file: OpenFile }>;
  remove?(caller: Caller): void | Promise<void>;
  /** A rename (same directory) or a mode change; length 0 is truncation. EPERM otherwise. */
  wstat?(caller: Caller, change: { name?: string; mode?: number; length?: bigint; mtime?: number }): void | Promise<void>;
}

/** A device: attached by `#name` (or `#name.spec`). */
export interface Device {
  /** Without the '#': 'cons', 'mcp', ... */
  readonly name: string;
  /** The root directory of the device for this attach. */
  attach(caller: Caller, spec: string): Node;
}
