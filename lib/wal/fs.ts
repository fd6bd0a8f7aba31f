// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The few file-system operations the journal uses, as an interface, so that tests can put
// a fault-injecting layer (faultfs.ts) or a crash-simulating one (memfs.ts) underneath the
// same code that runs on the real disk. Every call is asynchronous: the event loop never
// waits for the disk. Errors are Node's system-call errors (with a string `code`).

import fs from 'node:fs';

/** 'r' read only; 'r+' read-write, must exist; 'w' create or truncate; 'wx' create, must
 *  not exist. */
export type OpenFlags = 'r' | 'r+' | 'w' | 'wx';

export interface FsLayer {
  /** `dsync`: each write on the fd is durable (data, and the size that reaches it) when it
   *  returns, as after an fdatasync (O_DSYNC); a layer that does so may make fdatasync of
   *  the fd free. A layer may ignore it: callers still call fdatasync. */
  open(path: string, flags: OpenFlags, dsync?: boolean): Promise<number>;
  close(fd: number): Promise<void>;
  /** Reads up to len bytes at file position pos into buf[off...]; returns the count. */
  read(fd: number, buf: Uint8Array, off: number, len: number, pos: number): Promise<number>;
  /** Writes up to len bytes of buf[off...] at file position pos; may write fewer. */
  write(fd: number, buf: Uint8Array, off: number, len: number, pos: number): Promise<number>;
  fdatasync(fd: number): Promise<void>;
  fsync(fd: number): Promise<void>;
  ftruncate(fd: number, len: number): Promise<void>;
  /** The file's size in bytes. */
  fsize(fd: number): Promise<number>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  readdir(dir: string): Promise<string[]>;
  /** Creates the directory and its parents; no error if it exists. */
  mkdir(dir: string): Promise<void>;
  /** Makes the directory's entries (creations, renames, removals) durable. */
  syncDir(dir: string): Promise<void>;
}

const cb = <T>(run: (done: (e: NodeJS.ErrnoException | null, v: T) => void) => void): Promise<T> =>
  new Promise<T>((resolve, reject) => run((e, v) => (e ? reject(e) : resolve(v))));

const C = fs.constants;
const DSYNC_FLAGS: Record<OpenFlags, number> = {
  r: C.O_RDONLY | C.O_DSYNC,
  'r+': C.O_RDWR | C.O_DSYNC,
  w: C.O_WRONLY | C.O_CREAT | C.O_TRUNC | C.O_DSYNC,
  wx: C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_DSYNC,
};
/** Open with O_DSYNC: their writes are synced as they are made, their fdatasync is free. */
const dsyncFds = new Set<number>();

/** The real file system, through Node's callback API (one thread-pool hop per call). On
 *  an O_DSYNC fd, a write and its fdatasync are one hop (one system call) instead of two:
 *  the journal's append is a single trip through the thread pool. */
export const nodeFs: FsLayer = {
  async open(path, flags, dsync) {
    const fd = await cb<number>((d) => fs.open(path, dsync ? DSYNC_FLAGS[flags] : flags, 0o644, d));
    if (dsync) dsyncFds.add(fd);
    return fd;
  },
  close: (fd) => {
    dsyncFds.delete(fd);
    return cb<void>((d) => fs.close(fd, (e) => d(e, undefined)));
  },
  read: (fd, buf, off, len, pos) => cb<number>((d) => fs.read(fd, buf, off, len, pos, d)),
  write: (fd, buf, off, len, pos) => cb<number>((d) => fs.write(fd, buf, off, len, pos, d)),
  fdatasync: (fd) => (dsyncFds.has(fd) ? Promise.resolve() : cb<void>((d) => fs.fdatasync(fd, (e) => d(e, undefined)))),
  fsync: (fd) => cb<void>((d) => fs.fsync(fd, (e) => d(e, undefined))),
  ftruncate: (fd, len) => cb<void>((d) => fs.ftruncate(fd, len, (e) => d(e, undefined))),
  fsize: (fd) => cb<number>((d) => fs.fstat(fd, (e, st) => d(e, e ? 0 : st.size))),
  rename: (from, to) => cb<void>((d) => fs.rename(from, to, (e) => d(e, undefined))),
  unlink: (path) => cb<void>((d) => fs.unlink(path, (e) => d(e, undefined))),
  readdir: (dir) => cb<string[]>((d) => fs.readdir(dir, d)),
  mkdir: (dir) => cb<void>((d) => fs.mkdir(dir, { recursive: true }, (e) => d(e, undefined))),
  async syncDir(dir) {
    const fd = await cb<number>((d) => fs.open(dir, 'r', d));
    try {
      await cb<void>((d) => fs.fsync(fd, (e) => d(e, undefined)));
    } finally {
      await cb<void>((d) => fs.close(fd, (e) => d(e, undefined)));
    }
  },
};

/** The whole file, read through the layer. */
export async function readWhole(fsl: FsLayer, path: string): Promise<Buffer> {
  const fd = await fsl.open(path, 'r');
  try {
    const size = await fsl.fsize(fd);
    const buf = Buffer.allocUnsafe(size);
    let got = 0;
    while (got < size) {
      const n = await fsl.read(fd, buf, got, size - got, got);
      if (n === 0) break;
      got += n;
    }
    return got === size ? buf : buf.subarray(0, got);
  } finally {
    await fsl.close(fd);
  }
}

/** Writes all of buf at pos, looping over short writes. */
export async function writeAll(fsl: FsLayer, fd: number, buf: Uint8Array, pos: number): Promise<void> {
  let off = 0;
  while (off < buf.length) {
    const n = await fsl.write(fd, buf, off, buf.length - off, pos + off);
    if (n <= 0) throw Object.assign(new Error(`write returned ${n} at offset ${pos + off}`), { code: 'EIO' });
    off += n;
  }
}
