// SPDX-License-Identifier: LGPL-2.1-or-later
//
// One consistent, immutable view of a database: its files in search order, parsed, and
// the `ipnet` entries with their networks worked out. An Ndb swaps whole snapshots on
// reload, so a query (ipinfo does many searches) never sees half of an old file and half
// of a new one. Per-attribute indexes are built on the first search for an attribute in
// a file, the way libndb's hash files are per attribute, and then kept with the file.

import { E2BIG, EINVAL, ENOENT } from '../9p/errno.js';
import { P9Error } from '../9p/error.js';
import { defmask, isv4, maskip, parseip, parseipmask, prefixmask } from '../iplib/ip.js';
import type { NdbEntry, NdbTuple } from './entry.js';
import { NdbError } from './error.js';
import { parseNdb, type NdbBounds } from './parse.js';
import type { NdbSource } from './source.js';
import { posix } from 'node:path';

export interface NdbFile {
  readonly path: string;
  /** The source's version of what was read; undefined when the file was missing. */
  readonly version: string | undefined;
  readonly entries: readonly NdbEntry[];
  /** Every attribute the file uses: only those get an index, so queries for made-up
   *  attributes cannot grow the cache. */
  readonly attrs: ReadonlySet<string>;
  /** attr -> value -> indexes into entries (each entry once, in order). */
  readonly byAttr: Map<string, Map<string, number[]>>;
}

/** A network an `ipnet` entry describes. An entry with several ip= has several. */
export interface NdbIpnet {
  readonly entry: NdbEntry;
  /** The network address, masked, 16 bytes. */
  readonly net: Buffer;
  readonly mask: Buffer;
  /** Prefix length in 128-bit terms (a v4 /24 is 120): the position of the mask's last one bit. */
  readonly bits: number;
  /** Position of the entry in the whole database, for stable ordering. */
  readonly order: number;
}

export interface NdbSnapshot {
  readonly files: readonly NdbFile[];
  readonly ipnets: readonly NdbIpnet[];
}

/** A search hit: the entry and the tuple in it that matched. */
export interface NdbMatch {
  readonly entry: NdbEntry;
  readonly tuple: NdbTuple;
  readonly file: string;
}

function loadFile(source: NdbSource, path: string, b: NdbBounds, missingOk: boolean, reuse?: NdbFile): NdbFile {
  if (reuse && reuse.version !== undefined && source.version(path) === reuse.version) return reuse;
  let data;
  try {
    data = source.read(path, b.fileBytes);
  } catch (e) {
    if (missingOk && e instanceof P9Error && e.errno === ENOENT) {
      return { path, version: undefined, entries: [], attrs: new Set(), byAttr: new Map() };
    }
    throw e;
  }
  const entries = parseNdb(data.text, path, b);
  const attrs = new Set<string>();
  for (const e of entries) for (const t of e.tuples) attrs.add(t.attr);
  return { path, version: data.version, entries, attrs, byAttr: new Map() };
}

/** The files a database opened at `first` is made of, in search order: those named by
 *  `file=` in the first file's `database=` entry (relative names against the first
 *  file's directory), with the first file where it is itself named, else in front. */
export function chainOrder(first: string, firstEntries: readonly NdbEntry[]): string[] {
  const db = firstEntries.find((e) => e.has('database', ''));
  if (!db) return [first];
  const dir = posix.dirname(first);
  const self = posix.normalize(first);
  const out: string[] = [];
  for (const t of db.tuples) {
    if (t.attr !== 'file' || t.val === '') continue;
    let p = t.val.startsWith('/') ? posix.normalize(t.val) : posix.join(dir, t.val);
    if (t.val === first || p === self) p = first;
    if (!out.includes(p)) out.push(p);
  }
  if (!out.includes(first)) out.unshift(first);
  return out;
}

/** A v4 network's `/N` means N bits of the v4 address (9front's reading; Plan 9's
 *  classic libip would count them over all 128 bits, which fits no v4 network). */
export function parseNetMask(text: string, v4: boolean): Buffer {
  const m = /^\/(\d{1,2})$/.exec(text);
  if (v4 && m && Number(m[1]) <= 32) return prefixmask(96 + Number(m[1]), 16);
  return parseipmask(text);
}

/** libndb's prefixlen: one past the last one bit of the mask. */
export function maskBits(mask: Buffer): number {
  for (let y = mask.length - 1; y >= 0; y--) {
    for (let i = 8; i > 0; i--) if (mask[y] & (1 << (8 - i))) return y * 8 + i;
  }
  return 0;
}

function ipnetsOf(files: readonly NdbFile[]): NdbIpnet[] {
  const out: NdbIpnet[] = [];
  let order = 0;
  for (const f of files) {
    for (const e of f.entries) {
      order++;
      if (!e.has('ipnet')) continue;
      const where = e.where ?? { file: f.path, line: 0 };
      for (const t of e.tuples) {
        if (t.attr !== 'ip') continue;
        let ip: Buffer, mask: Buffer;
        try {
          ip = parseip(t.val);
        } catch {
          throw new NdbError(EINVAL, where.file, where.line, 'ipnet entry has a bad ip', `ip=${t.val}`);
        }
        const mt = e.find('ipmask', t);
        try {
          mask = mt ? parseNetMask(mt.val, isv4(ip)) : defmask(ip);
        } catch {
          throw new NdbError(EINVAL, where.file, where.line, 'ipnet entry has a bad ipmask', `ipmask=${mt?.val}`);
        }
        out.push({ entry: e, net: maskip(ip, mask), mask, bits: maskBits(mask), order });
      }
    }
  }
  return out;
}

/** Read the database that starts at `first`. `previous` lets unchanged files be kept
 *  without reading them again. */
export function loadSnapshot(source: NdbSource, first: string, b: NdbBounds, previous?: NdbSnapshot): NdbSnapshot {
  const old = new Map(previous?.files.map((f) => [f.path, f]));
  const head = loadFile(source, first, b, false, old.get(first));
  const order = chainOrder(first, head.entries);
  if (order.length > b.files) {
    throw new NdbError(E2BIG, first, 0, `database names more than ${b.files} files`);
  }
  const files = order.map((p) => (p === first ? head : loadFile(source, p, b, true, old.get(p))));
  let tuples = 0;
  for (const f of files) for (const e of f.entries) tuples += e.tuples.length;
  if (tuples > b.tuples) throw new NdbError(E2BIG, first, 0, `database holds more than ${b.tuples} tuples`);
  return { files, ipnets: ipnetsOf(files) };
}

/** The versions the snapshot was read at, as one comparable string. */
export function snapshotVersion(s: NdbSnapshot): string {
  return s.files.map((f) => `${f.path}\0${f.version ?? '-'}`).join('\0\0');
}

/** The versions the source has now for the same files. */
export function currentVersion(source: NdbSource, s: NdbSnapshot): string {
  return s.files.map((f) => `${f.path}\0${source.version(f.path) ?? '-'}`).join('\0\0');
}

const NONE: ReadonlyMap<string, number[]> = new Map();

function indexFor(f: NdbFile, attr: string): ReadonlyMap<string, number[]> {
  if (!f.attrs.has(attr)) return NONE;
  let idx = f.byAttr.get(attr);
  if (idx) return idx;
  idx = new Map();
  f.entries.forEach((e, i) => {
    for (const t of e.tuples) {
      if (t.attr !== attr) continue;
      const list = idx!.get(t.val);
      if (!list) idx!.set(t.val, [i]);
      else if (list[list.length - 1] !== i) list.push(i);
    }
  });
  f.byAttr.set(attr, idx);
  return idx;
}

/** ndbsearch/ndbsnext: every entry holding the tuple attr=val, file by file in order;
 *  `tuple` is the first such tuple in the entry. */
export function* searchIn(s: NdbSnapshot, attr: string, val: string): Generator<NdbMatch> {
  for (const f of s.files) {
    const hits = indexFor(f, attr).get(val);
    if (!hits) continue;
    for (const i of hits) {
      const entry = f.entries[i];
      const tuple = entry.tuples.find((t) => t.attr === attr && t.val === val)!;
      yield { entry, tuple, file: f.path };
    }
  }
}

/** What ndbgetvalue finds: the value and the match it came from. */
export interface NdbFound extends NdbMatch {
  readonly value: string;
}

/** ndbgetvalue: the first entry with attr=val that also has `rattr`; the value is taken
 *  from the matched tuple's line when it has one there, else from anywhere in the entry. */
export function getvalueIn(s: NdbSnapshot, attr: string, val: string, rattr: string): NdbFound | undefined {
  for (const m of searchIn(s, attr, val)) {
    const r = m.entry.find(rattr, m.tuple);
    if (r) return { ...m, value: r.val };
  }
  return undefined;
}
