// SPDX-License-Identifier: LGPL-2.1-or-later
//
// An open network database (libndb's Ndb): the first file, the files its `database=`
// entry chains in, and the queries of ndb(2) over them.
//
// Reload: every query first asks the source for the current version of each file (a
// stat per file on disk) and rereads the database when any differs, so edits are seen on
// the next query without a watcher, a timer or a restart. A reload that fails (a typo
// in the new text) keeps answering from the last good database, records the error in
// `lastError` (and tells `onReloadError`), and is not retried until the files change
// again; reload() does the same work but throws.

import type { NdbEntry, NdbTuple } from './entry.js';
import { getipaddrIn, ipinfoIn } from './ipinfo.js';
import { NDB_BOUNDS, type NdbBounds } from './parse.js';
import {
  currentVersion, getvalueIn, loadSnapshot, searchIn, snapshotVersion,
  type NdbFound, type NdbMatch, type NdbSnapshot,
} from './snapshot.js';
import { diskSource, NdbMemSource, type NdbSource } from './source.js';

export interface NdbOptions {
  /** Where files are read from (default: the host's disk). */
  source?: NdbSource;
  /** Limits (default NDB_BOUNDS). */
  bounds?: Partial<NdbBounds>;
  /** Check for changed files on every query (default true). */
  autoReload?: boolean;
  /** Told about a failed automatic reload; the old database stays in use. */
  onReloadError?: (err: Error) => void;
}

export class Ndb {
  /** The path the database was opened from. */
  readonly path: string;
  private readonly source: NdbSource;
  private readonly bounds: NdbBounds;
  private readonly autoReload: boolean;
  private readonly onReloadError?: (err: Error) => void;
  private snap: NdbSnapshot;
  private snapVersion: string;
  private failedVersion?: string;
  /** The error of the last automatic reload, until one succeeds. */
  lastError?: Error;

  /** Open `path` and the files it chains. Throws NdbError (ENOENT when `path` is
   *  missing, EINVAL with file:line for a malformed file). Chained files that are
   *  missing are skipped, as libndb does, and picked up once they appear. */
  constructor(path: string, opts: NdbOptions = {}) {
    this.path = path;
    this.source = opts.source ?? diskSource;
    this.bounds = { ...NDB_BOUNDS, ...opts.bounds };
    this.autoReload = opts.autoReload ?? true;
    if (opts.onReloadError) this.onReloadError = opts.onReloadError;
    this.snap = loadSnapshot(this.source, path, this.bounds);
    this.snapVersion = snapshotVersion(this.snap);
  }

  static open(path: string, opts: NdbOptions = {}): Ndb {
    return new Ndb(path, opts);
  }

  /** A database of one text (which may chain others only through `files`). */
  static fromString(text: string, name = '/lib/ndb/local', files: Record<string, string> = {}): Ndb {
    return new Ndb(name, { source: new NdbMemSource({ ...files, [name]: text }) });
  }

  /** The files searched, in order, and whether each was there at the last load. */
  get files(): { path: string; present: boolean }[] {
    return this.current().files.map((f) => ({ path: f.path, present: f.version !== undefined }));
  }

  /** ndbchanged: true when some file differs from what was last loaded. */
  changed(): boolean {
    return currentVersion(this.source, this.snap) !== this.snapVersion;
  }

  /** ndbreopen: read every file again now. Throws on a malformed file, leaving the
   *  database as it was. */
  reload(): void {
    const next = loadSnapshot(this.source, this.path, this.bounds, this.snap);
    this.snap = next;
    this.snapVersion = snapshotVersion(next);
    this.failedVersion = undefined;
    this.lastError = undefined;
  }

  /** The snapshot to answer from, reloaded first if the files changed. */
  private current(): NdbSnapshot {
    if (!this.autoReload) return this.snap;
    const now = currentVersion(this.source, this.snap);
    if (now === this.snapVersion || now === this.failedVersion) return this.snap;
    try {
      this.reload();
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      this.failedVersion = now;
      this.lastError = err;
      this.onReloadError?.(err);
    }
    return this.snap;
  }

  /** One consistent view of the database as it is now (reloaded first if the files
   *  changed): several queries through one view never straddle a reload. */
  view(): NdbView {
    return new NdbView(this.current());
  }

  /** Every entry, file by file. */
  entries(): IterableIterator<NdbEntry> {
    return this.view().entries();
  }

  /** ndbsearch + ndbsnext: each entry holding attr=val, with the tuple that matched. The
   *  iteration runs over the database as it was when search was called. */
  search(attr: string, val: string): IterableIterator<NdbMatch> {
    return this.view().search(attr, val);
  }

  /** The first entry holding attr=val, or undefined. */
  searchOne(attr: string, val: string): NdbMatch | undefined {
    return this.view().searchOne(attr, val);
  }

  /** ndbgetvalue: the value of `rattr` in the first entry with attr=val that has one,
   *  taken from the matched line when possible. */
  getvalue(attr: string, val: string, rattr: string): string | undefined {
    return this.view().getvalue(attr, val, rattr);
  }

  /** ndbgetvalue with its entry: the value and the match it came from. */
  find(attr: string, val: string, rattr: string): NdbFound | undefined {
    return this.view().find(attr, val, rattr);
  }

  /** ndbgetipaddr: the addresses of a system or domain name (an address is its own). */
  getipaddr(name: string): string[] {
    return this.view().getipaddr(name);
  }

  /** ndbipinfo: `rattrs` for the system attr=val, inherited through the ipnet entries
   *  that contain its address, narrowest first. `@attr` resolves the values to addresses. */
  ipinfo(attr: string, val: string, rattrs: readonly string[]): NdbTuple[] {
    return this.view().ipinfo(attr, val, rattrs);
  }
}

/** The queries over one snapshot. */
export class NdbView {
  constructor(private readonly snap: NdbSnapshot) {}

  *entries(): Generator<NdbEntry> {
    for (const f of this.snap.files) yield* f.entries;
  }

  search(attr: string, val: string): IterableIterator<NdbMatch> {
    return searchIn(this.snap, attr, val);
  }

  searchOne(attr: string, val: string): NdbMatch | undefined {
    for (const m of searchIn(this.snap, attr, val)) return m;
    return undefined;
  }

  getvalue(attr: string, val: string, rattr: string): string | undefined {
    return getvalueIn(this.snap, attr, val, rattr)?.value;
  }

  find(attr: string, val: string, rattr: string): NdbFound | undefined {
    return getvalueIn(this.snap, attr, val, rattr);
  }

  getipaddr(name: string): string[] {
    return getipaddrIn(this.snap, name);
  }

  ipinfo(attr: string, val: string, rattrs: readonly string[]): NdbTuple[] {
    return ipinfoIn(this.snap, attr, val, rattrs);
  }
}
