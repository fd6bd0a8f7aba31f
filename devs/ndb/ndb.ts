// SPDX-License-Identifier: GPL-2.0-or-later
//
// #ndb, bound at /lib/ndb: the server's network database files (serve --ndb FILE,
// repeatable), read-only, each under its base name, as they are on disk now. The
// database the connection server (#net's cs) and remote mounts translate names with is
// the same one. See ndb.md.

import { posix } from 'node:path';
import { DMDIR } from '../../lib/9p/const.js';
import { EACCES, EINVAL, ENOENT } from '../../lib/9p/errno.js';
import { perr } from '../../lib/9p/error.js';
import type { Qid } from '../../lib/9p/fcall.js';
import { Ndb, NDB_BOUNDS, diskSource, type NdbSource } from '../../lib/ndblib/index.js';
import { checkOpen } from '../lib/perm.js';
import { qidSpace } from '../lib/qid.js';
import { nameCompare, readstr } from '../lib/text.js';
import type { Caller, Device, DirInfo, Node, OpenFile, OpenMode } from '../types.js';

/** The name of the database's made-up first file when several files are given: it
 *  only chains them (no file on disk can be called this). */
const HEAD = '\0--ndb';

/**
 * The database of the files given (in this order). One file is opened as it is, its own
 * `database=` entry chaining others; several are chained in the order given (their own
 * `database=` entries are then not followed). ENOENT for a file that is not there,
 * EINVAL with file:line for one that does not parse.
 */
export function openDatabase(paths: readonly string[]): Ndb {
  if (paths.length === 0) return Ndb.fromString('', '/lib/ndb/local');
  const abs = paths.map((p) => posix.resolve(p));
  for (const p of abs) {
    if (diskSource.version(p) === undefined) throw perr(ENOENT, `ndb file ${p}: no such file`);
    if (/["\n]/.test(p)) throw perr(EINVAL, `ndb file ${JSON.stringify(p)}: the name cannot be chained`);
  }
  if (abs.length === 1) return Ndb.open(abs[0]);
  const text = `database=\n${abs.map((p) => `\tfile="${p}"`).join('\n')}\n`;
  const source: NdbSource = {
    version: (p) => (p === HEAD ? 'head' : diskSource.version(p)),
    read: (p, max) => (p === HEAD ? { text, version: 'head' } : diskSource.read(p, max)),
  };
  return Ndb.open(HEAD, { source });
}

const ROOT_KIND = 0, FILE_KIND = 1;
const bootTime = Math.floor(Date.now() / 1000);

export function createNdbDevice(opts: { hostowner: string | (() => string); ndb: Ndb }): Device {
  const owner = typeof opts.hostowner === 'function' ? opts.hostowner : () => opts.hostowner as string;
  const space = qidSpace('ndb');
  const serials = new Map<string, number>();
  const rootQid: Qid = space.qid(0, ROOT_KIND, true);

  /** name -> path of each file present now; a base name seen twice gets .2, .3... */
  const files = (): Map<string, string> => {
    const out = new Map<string, string>();
    for (const f of opts.ndb.files) {
      if (f.path === HEAD || !f.present) continue;
      const base = posix.basename(f.path);
      let name = base;
      for (let i = 2; out.has(name); i++) name = `${base}.${i}`;
      out.set(name, f.path);
    }
    return out;
  };

  const fileNode = (name: string, path: string): Node => {
    let serial = serials.get(path);
    if (serial === undefined) {
      serial = space.serial();
      serials.set(path, serial);
    }
    const qid = space.qid(serial, FILE_KIND, false);
    const info = (): DirInfo => {
      const o = owner();
      return { name, qid, mode: 0o444, length: 0n, uid: o, gid: o, muid: o, atime: bootTime, mtime: bootTime };
    };
    return {
      qid,
      info,
      open: (caller: Caller, mode: OpenMode): OpenFile => {
        const o = owner();
        checkOpen(caller, { uid: o, gid: o, mode: 0o444, name, dir: false }, mode);
        // One reading per open: a `cat` sees one version of the file.
        const text = diskSource.read(path, NDB_BOUNDS.fileBytes).text;
        return {
          read: (req) => readstr(req.offset, req.count, text),
          write: () => { throw perr(EACCES, `/lib/ndb/${name} is read-only`); },
        };
      },
    };
  };

  const root: Node = {
    qid: rootQid,
    info: () => {
      const o = owner();
      return { name: '#ndb', qid: rootQid, mode: DMDIR | 0o555, length: 0n, uid: o, gid: o, muid: o, atime: bootTime, mtime: bootTime };
    },
    walk: (_c, name) => {
      const p = files().get(name);
      return p === undefined ? undefined : fileNode(name, p);
    },
    children: () => [...files()].sort((a, b) => nameCompare(a[0], b[0])).map(([n, p]) => fileNode(n, p)),
    open: (caller, mode) => {
      const o = owner();
      checkOpen(caller, { uid: o, gid: o, mode: 0o555, name: '#ndb', dir: true }, mode);
      return { read: () => Buffer.alloc(0), write: () => { throw perr(EINVAL); } };
    },
  };

  return {
    name: 'ndb',
    attach: (_c: Caller, spec: string): Node => {
      if (spec !== '') throw perr(EINVAL, `#ndb: bad attach spec "${spec}"`);
      return root;
    },
  };
}
