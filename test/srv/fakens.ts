// SPDX-License-Identifier: GPL-2.0-or-later
//
// A tiny namespace for testing the server alone: a static tree with a plain file, a ctl
// file that records writes, a blocking record stream the test feeds, a private file and a
// subdirectory. It implements ns/types.ts directly, so srv/ is tested without ns/ or devs/.

import { perr } from '../../lib/9p/error.js';
import { EACCES, EINTR, ENOENT, ENOTDIR, EPERM } from '../../lib/9p/errno.js';
import { DMDIR, QTDIR } from '../../lib/9p/const.js';
import type { Qid } from '../../lib/9p/fcall.js';
import type { Caller, DirInfo, OpenFile, OpenMode, ReadRequest } from '../../devs/types.js';
import type { Chan, NamespaceServer, SessionNamespace } from '../../ns/types.js';

let qseq = 1n;

export class Stream {
  queue: string[] = [];
  waiters: { req: ReadRequest; resolve: (b: Buffer) => void; reject: (e: unknown) => void }[] = [];
  push(line: string): void {
    this.queue.push(line);
    const w = this.waiters.shift();
    if (w) w.resolve(this.take(w.req.count));
  }
  take(count: number): Buffer {
    const out: string[] = [];
    let n = 0;
    while (this.queue.length > 0 && n + Buffer.byteLength(this.queue[0]) <= count) {
      const l = this.queue.shift()!;
      out.push(l);
      n += Buffer.byteLength(l);
    }
    return Buffer.from(out.join(''));
  }
  read(req: ReadRequest): Buffer | Promise<Buffer> {
    if (this.queue.length > 0 || req.noblock) return this.take(req.count);
    return new Promise((resolve, reject) => {
      const w = { req, resolve, reject };
      this.waiters.push(w);
      req.signal.addEventListener('abort', () => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(perr(EINTR));
      }, { once: true });
    });
  }
}

interface FNode {
  name: string;
  qid: Qid;
  mode: number;
  uid: string;
  parent?: FNode;
  children?: Map<string, FNode>;
  open?: (caller: Caller, mode: OpenMode) => OpenFile;
}

export interface FakeState {
  stream: Stream;
  ctlWrites: string[];
  truncates: number;
  closes: number;
  sysname: string;
}

function mk(name: string, mode: number, uid: string, parent?: FNode, open?: FNode['open']): FNode {
  const n: FNode = { name, qid: { type: (mode >>> 24) & 0xff, version: 0, path: qseq++ }, mode, uid, parent, open };
  if ((mode & DMDIR) !== 0) n.children = new Map();
  if (parent) parent.children!.set(name, n);
  return n;
}

export function fakeNamespace(owner = 'eve'): { ns: NamespaceServer; state: FakeState } {
  const state: FakeState = { stream: new Stream(), ctlWrites: [], truncates: 0, closes: 0, sysname: 'nanwan' };
  const root = mk('/', DMDIR | 0o555, owner);
  const str = (s: () => string): OpenFile => ({
    read: (r) => Buffer.from(s()).subarray(Number(r.offset), Number(r.offset) + r.count),
    write: () => { throw perr(EPERM); },
    close: () => { state.closes++; },
  });
  mk('hello', 0o444, owner, root, () => str(() => 'hello world\n'));
  mk('sysname', 0o664, owner, root, () => ({
    read: (r) => Buffer.from(state.sysname + '\n').subarray(Number(r.offset)),
    write: (_o, d) => { state.sysname = d.toString().replace(/\n$/, ''); return d.length; },
    truncate: () => { state.truncates++; },
    close: () => { state.closes++; },
  }));
  mk('ctl', 0o666, owner, root, () => ({
    read: (r) => Buffer.from('ctl\n').subarray(Number(r.offset)),
    write: (_o, d) => { state.ctlWrites.push(d.toString()); return d.length; },
    truncate: () => { state.truncates++; },
    close: () => { state.closes++; },
  }));
  mk('stream', 0o444, owner, root, () => ({
    read: (r) => state.stream.read(r),
    write: () => { throw perr(EPERM); },
    close: () => { state.closes++; },
  }));
  mk('secret', 0o600, 'glenda', root, () => str(() => 'secret\n'));
  const dir = mk('dir', DMDIR | 0o555, owner, root);
  for (let i = 0; i < 40; i++) mk(`file${String(i).padStart(2, '0')}`, 0o444, owner, dir, () => str(() => `${i}\n`));

  const info = (n: FNode, name = n.name): DirInfo => ({
    name, qid: n.qid, mode: n.mode, length: 0n, uid: n.uid, gid: n.uid, muid: n.uid, atime: 0, mtime: 0,
  });
  const allowed = (c: Caller, n: FNode, mode: OpenMode): boolean => {
    if (c.hostowner) return true;
    const acc = mode & 3;
    const bits = c.user === n.uid ? (n.mode >> 6) & 7 : n.mode & 7;
    const need = (acc === 0 || acc === 2 ? 4 : 0) | (acc === 1 || acc === 2 || (mode & 0x10) ? 2 : 0);
    return (bits & need) === need;
  };
  const chan = (n: FNode, name: string): Chan => ({
    qid: n.qid,
    info: () => info(n, name),
    stat: () => info(n, name),
    isDir: () => (n.qid.type & QTDIR) !== 0,
    walk: (_c, w) => {
      if (!n.children) throw perr(ENOTDIR);
      if (w === '..') return chan(n.parent ?? n, n.parent ? n.parent.name : '/');
      const ch = n.children.get(w);
      if (!ch) throw perr(ENOENT, w);
      return chan(ch, w);
    },
    open: async (c, mode) => {
      if (!allowed(c, n, mode)) throw perr(EACCES, n.name);
      if (n.children) return { read: () => Buffer.alloc(0), write: () => 0 };
      return n.open!(c, mode);
    },
    readdir: () => [...n.children!.values()].map((ch) => info(ch)),
    create: async () => { throw perr(EPERM, 'no create'); },
    remove: async () => { throw perr(EPERM, 'no remove'); },
    wstat: (_c, change) => {
      if (change.length === 0n) { state.truncates++; return; }
      throw perr(EPERM, 'wstat');
    },
  });
  const ns: NamespaceServer = {
    fork(): SessionNamespace {
      return {
        text: () => '',
        apply: () => { throw perr(EPERM); },
        root: (_c, aname) => {
          if (aname !== '' && aname !== '/') throw perr(ENOENT, aname);
          return chan(root, '/');
        },
      };
    },
  };
  return { ns, state };
}
