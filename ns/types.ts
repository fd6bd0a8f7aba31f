// SPDX-License-Identifier: GPL-2.0-or-later
//
// What the server (srv/) sees of the namespace. A Chan is a position in one session's
// namespace (Plan 9's chan before open): walking it follows mount points and unions,
// ".." goes to the parent (the root's parent is the root). srv never sees devices.

import type { Qid } from '../lib/9p/fcall.js';
import type { Caller, DirInfo, NamespaceView, OpenFile, OpenMode } from '../devs/types.js';

export interface Chan {
  readonly qid: Qid;
  /** Stat of what this chan names; `name` is the name it was walked by ('/' at the root).
   *  Inside a remote mount, the stat as last known (its qid is always right). */
  info(): DirInfo;
  /** A fresh stat: info() for local files; a remote mount's file asks its server. */
  stat(caller: Caller): DirInfo | Promise<DirInfo>;
  isDir(): boolean;
  /** One path element ('..' allowed; '', '.', names with '/' are EINVAL / ENOENT).
   *  ENOTDIR if this is not a directory, ENOENT if there is no such name, EACCES without
   *  search permission. Returns a new Chan; this one is unchanged. A promise only when
   *  the walk goes into a remote mount (local walks answer at once). */
  walk(caller: Caller, name: string): Chan | Promise<Chan>;
  /** Opens a file (permission checked: EACCES/EPERM). Directories open for reading only
   *  (EISDIR for write) and are read through readdir(). */
  open(caller: Caller, mode: OpenMode): Promise<OpenFile>;
  /** A directory's entries, unions merged (first occurrence of a name wins), in order. */
  readdir(caller: Caller): DirInfo[] | Promise<DirInfo[]>;
  /** Create in this directory (the union's create member). EPERM where not allowed. */
  create(caller: Caller, name: string, perm: number, mode: OpenMode): Promise<{ chan: Chan; file: OpenFile }>;
  remove(caller: Caller): Promise<void>;
  wstat(caller: Caller, change: { name?: string; mode?: number; length?: bigint; mtime?: number }): void | Promise<void>;
}

/** One session's private copy of the boot namespace. */
export interface SessionNamespace extends NamespaceView {
  /** aname '' or '/' : the namespace root; '#name' or '#name.spec' : that device alone;
   *  any other aname is a path from the root ('ctl' is '/ctl'). ENOENT for an unknown
   *  device or a path that does not exist. An aname walking into a remote mount is EINVAL
   *  (attach at / and walk there). */
  root(caller: Caller, aname: string): Chan;
}

export interface NamespaceServer {
  /** A fresh copy of the boot namespace, for one attach. */
  fork(): SessionNamespace;
}
