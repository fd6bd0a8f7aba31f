// SPDX-License-Identifier: LGPL-2.1-or-later
//
// An in-memory file system that remembers what is durable, so tests can crash the
// machine at any point and look at what a disk would hold afterwards. File data becomes
// durable with fsync/fdatasync of that file; directory entries (creations, renames,
// removals) only with syncDir of their directory: the strictest reading of POSIX, which
// is what the journal must survive. What was not made durable comes back, by CrashMode:
//   lose      none of it;
//   torn      an in-order prefix of each file's and directory's unsynced operations,
//             the last write possibly cut short;
//   scramble  each 16-byte piece of each unsynced write independently (as pages reach the
//             disk out of order), the file size either the old or the new one, the gaps
//             zero; and any subset of the unsynced directory operations, in order.
// mkdir is durable at once. Renames work within one directory.

import { dirname, basename } from 'node:path';
import type { FsLayer, OpenFlags } from './fs.js';
import { sysError } from './faultfs.js';

export type CrashMode = 'lose' | 'torn' | 'scramble';

type FileOp = { t: 'w'; pos: number; bytes: Buffer } | { t: 'trunc'; len: number };
type DirOp = { t: 'link'; name: string; ino: Inode } | { t: 'unlink'; name: string } | { t: 'rename'; from: string; to: string };

class Inode {
  data: Buffer = Buffer.alloc(0);
  size = 0;
  durable: Buffer = Buffer.alloc(0);
  log: FileOp[] = [];

  write(pos: number, bytes: Uint8Array): void {
    const end = pos + bytes.length;
    if (end > this.data.length) {
      const grown = Buffer.alloc(Math.max(end, this.data.length * 2, 64));
      this.data.copy(grown, 0, 0, this.size);
      this.data = grown;
    }
    this.data.set(bytes, pos);
    this.size = Math.max(this.size, end);
  }

  truncate(len: number): void {
    if (len < this.size) this.data.fill(0, len, this.size);
    else if (len > this.data.length) this.write(len, new Uint8Array(0));
    this.size = len;
  }

  content(): Buffer {
    return Buffer.from(this.data.subarray(0, this.size));
  }
}

interface Dir { entries: Map<string, Inode>; durable: Map<string, Inode>; log: DirOp[] }

/** A small seeded generator (mulberry32), so a crash image is reproducible from its seed. */
function rng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n: number) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) % n);
  };
}

const MUTATING = new Set<keyof FsLayer>(['write', 'fdatasync', 'fsync', 'ftruncate', 'rename', 'unlink', 'mkdir', 'syncDir']);

export class MemFs implements FsLayer {
  private dirs = new Map<string, Dir>();
  private fds = new Map<number, { ino: Inode; path: string }>();
  private nextFd = 3;
  private ops = 0;
  private crashAt = Infinity;
  private crashHow: { mode: CrashMode; seed: number } = { mode: 'lose', seed: 0 };
  private dead = false;
  /** Once crashed: what the disk held at the crash. */
  image?: MemFs;

  /** Mutating operations (writes, syncs, truncates, renames, removals, creations) so far. */
  get mutations(): number {
    return this.ops;
  }

  /** The machine crashes just before mutating operation number n (0-based) would run. */
  crashAfter(n: number, mode: CrashMode, seed: number): void {
    this.crashAt = n;
    this.crashHow = { mode, seed };
  }

  /** Crashes now: returns the disk's image; every later call on this one fails EIO. */
  crash(mode: CrashMode, seed: number): MemFs {
    if (!this.image) this.image = this.makeImage(mode, seed);
    this.dead = true;
    return this.image;
  }

  /** A file's current bytes (for tests), or undefined. */
  peek(path: string): Buffer | undefined {
    return this.dirs.get(dirname(path))?.entries.get(basename(path))?.content();
  }

  /** Replaces a file's bytes durably, creating it if need be (for tests that damage files). */
  poke(path: string, bytes: Uint8Array): void {
    const d = this.dir(dirname(path));
    let ino = d.entries.get(basename(path));
    if (!ino) {
      ino = new Inode();
      d.entries.set(basename(path), ino);
      d.durable.set(basename(path), ino);
    }
    ino.truncate(0);
    ino.write(0, bytes);
    ino.durable = ino.content();
    ino.log = [];
  }

  private gate(op: keyof FsLayer, what: string): void {
    if (!this.dead && MUTATING.has(op) && this.ops++ === this.crashAt) this.crash(this.crashHow.mode, this.crashHow.seed);
    if (this.dead) throw sysError('EIO', `${op} ${what} (the machine crashed)`);
  }

  private dir(path: string): Dir {
    const d = this.dirs.get(path);
    if (!d) throw sysError('ENOENT', `no directory ${path}`);
    return d;
  }

  private fd(fd: number): { ino: Inode; path: string } {
    const f = this.fds.get(fd);
    if (!f) throw sysError('EBADF', `fd ${fd}`);
    return f;
  }

  async open(path: string, flags: OpenFlags): Promise<number> {
    const creating = flags === 'w' || flags === 'wx';
    this.gate(creating ? 'write' : 'open', path);
    const d = this.dir(dirname(path));
    const name = basename(path);
    let ino = d.entries.get(name);
    if (ino && flags === 'wx') throw sysError('EEXIST', `open ${path}`);
    if (!ino) {
      if (!creating) throw sysError('ENOENT', `open ${path}`);
      ino = new Inode();
      d.entries.set(name, ino);
      d.log.push({ t: 'link', name, ino });
    } else if (flags === 'w') {
      ino.truncate(0);
      ino.log.push({ t: 'trunc', len: 0 });
    }
    const fd = this.nextFd++;
    this.fds.set(fd, { ino, path });
    return fd;
  }

  async close(fd: number): Promise<void> {
    this.gate('close', String(fd));
    this.fd(fd);
    this.fds.delete(fd);
  }

  async read(fd: number, buf: Uint8Array, off: number, len: number, pos: number): Promise<number> {
    this.gate('read', String(fd));
    const { ino } = this.fd(fd);
    const n = Math.max(0, Math.min(len, ino.size - pos));
    buf.set(ino.data.subarray(pos, pos + n), off);
    return n;
  }

  async write(fd: number, buf: Uint8Array, off: number, len: number, pos: number): Promise<number> {
    const f = this.fd(fd);
    this.gate('write', f.path);
    const bytes = Buffer.from(buf.subarray(off, off + len));
    f.ino.write(pos, bytes);
    f.ino.log.push({ t: 'w', pos, bytes });
    return len;
  }

  async fdatasync(fd: number): Promise<void> {
    const f = this.fd(fd);
    this.gate('fdatasync', f.path);
    f.ino.durable = f.ino.content();
    f.ino.log = [];
  }

  async fsync(fd: number): Promise<void> {
    const f = this.fd(fd);
    this.gate('fsync', f.path);
    f.ino.durable = f.ino.content();
    f.ino.log = [];
  }

  async ftruncate(fd: number, len: number): Promise<void> {
    const f = this.fd(fd);
    this.gate('ftruncate', f.path);
    f.ino.truncate(len);
    f.ino.log.push({ t: 'trunc', len });
  }

  async fsize(fd: number): Promise<number> {
    this.gate('fsize', String(fd));
    return this.fd(fd).ino.size;
  }

  async rename(from: string, to: string): Promise<void> {
    this.gate('rename', from);
    if (dirname(from) !== dirname(to)) throw sysError('EXDEV', `rename ${from} ${to}`);
    const d = this.dir(dirname(from));
    const ino = d.entries.get(basename(from));
    if (!ino) throw sysError('ENOENT', `rename ${from}`);
    d.entries.delete(basename(from));
    d.entries.set(basename(to), ino);
    d.log.push({ t: 'rename', from: basename(from), to: basename(to) });
  }

  async unlink(path: string): Promise<void> {
    this.gate('unlink', path);
    const d = this.dir(dirname(path));
    if (!d.entries.delete(basename(path))) throw sysError('ENOENT', `unlink ${path}`);
    d.log.push({ t: 'unlink', name: basename(path) });
  }

  async readdir(dir: string): Promise<string[]> {
    this.gate('readdir', dir);
    return [...this.dir(dir).entries.keys()].sort();
  }

  async mkdir(dir: string): Promise<void> {
    this.gate('mkdir', dir);
    for (let p = dir; !this.dirs.has(p); p = dirname(p)) {
      this.dirs.set(p, { entries: new Map(), durable: new Map(), log: [] });
      if (dirname(p) === p) break;
    }
  }

  async syncDir(dir: string): Promise<void> {
    this.gate('syncDir', dir);
    const d = this.dir(dir);
    d.durable = new Map(d.entries);
    d.log = [];
  }

  private makeImage(mode: CrashMode, seed: number): MemFs {
    const r = rng(seed);
    const out = new MemFs();
    const made = new Map<Inode, Inode>();
    const crashed = (ino: Inode): Inode => {
      let c = made.get(ino);
      if (c) return c;
      c = new Inode();
      c.write(0, ino.durable);
      if (mode === 'torn') {
        const k = r(ino.log.length + 1);
        for (let i = 0; i < k && i < ino.log.length; i++) {
          const op = ino.log[i];
          const partial = i === k - 1 && op.t === 'w' && r(2) === 0;
          if (op.t === 'trunc') c.truncate(op.len);
          else c.write(op.pos, partial ? op.bytes.subarray(0, r(op.bytes.length + 1)) : op.bytes);
        }
      } else if (mode === 'scramble') {
        const oldSize = c.size;
        for (const op of ino.log) {
          if (op.t === 'trunc') { c.truncate(op.len); continue; }
          for (let at = 0; at < op.bytes.length; at += 16) {
            if (r(2) === 0) c.write(op.pos + at, op.bytes.subarray(at, Math.min(at + 16, op.bytes.length)));
          }
        }
        c.truncate(r(2) === 0 ? Math.min(oldSize, ino.size) : ino.size);
      }
      c.durable = c.content();
      made.set(ino, c);
      return c;
    };
    for (const [path, d] of this.dirs) {
      const entries = new Map(d.durable);
      const k = mode === 'lose' ? 0 : mode === 'torn' ? r(d.log.length + 1) : d.log.length;
      for (const op of d.log.slice(0, k)) {
        if (mode === 'scramble' && r(2) === 0) continue;
        if (op.t === 'link') entries.set(op.name, op.ino);
        else if (op.t === 'unlink') entries.delete(op.name);
        else {
          const ino = entries.get(op.from);
          entries.delete(op.from);
          if (ino) entries.set(op.to, ino);
        }
      }
      const img = new Map([...entries].map(([n, ino]) => [n, crashed(ino)] as const));
      out.dirs.set(path, { entries: img, durable: new Map(img), log: [] });
    }
    return out;
  }
}
