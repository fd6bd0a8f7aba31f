// SPDX-License-Identifier: LGPL-2.1-or-later
//
// A file-system layer that passes every call to another one and counts it, failing
// chosen calls on purpose: the Nth fdatasync with EIO, writes after N bytes with ENOSPC
// (after a short write, as a full disk does), every write cut in half. For tests of the
// journal's failure paths, on the real disk or on MemFs.

import { nodeFs, type FsLayer, type OpenFlags } from './fs.js';

export type FaultOp = keyof FsLayer;

export interface Fault {
  op: FaultOp | FaultOp[];
  /** Let this many matching calls through first (default 0: the next one fails). */
  after?: number;
  /** How many matching calls fail (default 1; Infinity until clear()). */
  times?: number;
  /** The error's code (default 'EIO'). */
  code?: string;
  /** Only calls on a path (for fd calls: the path it was opened with) matching this. */
  path?: RegExp;
}

const ERRNO: Record<string, number> = { EIO: 5, ENOSPC: 28, EDQUOT: 122, EROFS: 30, EACCES: 13, ENOENT: 2 };

export function sysError(code: string, what: string): Error {
  return Object.assign(new Error(`${code}: ${what}`), { code, errno: -(ERRNO[code] ?? 5), syscall: what.split(' ')[0] });
}

interface Armed extends Required<Omit<Fault, 'path' | 'op'>> { ops: FaultOp[]; path?: RegExp; seen: number }

export class FaultFs implements FsLayer {
  /** Calls made, by operation. */
  readonly counts = Object.fromEntries(
    (['open', 'close', 'read', 'write', 'fdatasync', 'fsync', 'ftruncate', 'fsize', 'rename', 'unlink', 'readdir', 'mkdir', 'syncDir'] as FaultOp[])
      .map((k) => [k, 0])) as Record<FaultOp, number>;
  /** Bytes that writes may still add; past it a write is cut short, the next fails ENOSPC. */
  spaceLeft = Infinity;
  /** Every write writes at most half of what it was asked (at least one byte). */
  shortWrites = false;
  private faults: Armed[] = [];
  private readonly paths = new Map<number, string>();

  constructor(readonly inner: FsLayer = nodeFs) {}

  inject(f: Fault): void {
    this.faults.push({
      ops: Array.isArray(f.op) ? f.op : [f.op], after: f.after ?? 0, times: f.times ?? 1, code: f.code ?? 'EIO', path: f.path, seen: 0,
    });
  }

  /** Removes every fault, the space limit and short writes. */
  clear(): void {
    this.faults = [];
    this.spaceLeft = Infinity;
    this.shortWrites = false;
  }

  private hit(op: FaultOp, path: string | undefined): void {
    this.counts[op]++;
    for (const f of this.faults) {
      if (!f.ops.includes(op) || (f.path && !(path !== undefined && f.path.test(path)))) continue;
      if (f.seen++ < f.after || f.times <= 0) continue;
      f.times--;
      throw sysError(f.code, `${op} ${path ?? ''} (injected)`.trim());
    }
  }

  async open(path: string, flags: OpenFlags, dsync?: boolean): Promise<number> {
    this.hit('open', path);
    const fd = await this.inner.open(path, flags, dsync);
    this.paths.set(fd, path);
    return fd;
  }
  async close(fd: number): Promise<void> {
    const path = this.paths.get(fd);
    this.paths.delete(fd);
    this.hit('close', path);
    return this.inner.close(fd);
  }
  async read(fd: number, buf: Uint8Array, off: number, len: number, pos: number): Promise<number> {
    this.hit('read', this.paths.get(fd));
    return this.inner.read(fd, buf, off, len, pos);
  }
  async write(fd: number, buf: Uint8Array, off: number, len: number, pos: number): Promise<number> {
    const path = this.paths.get(fd);
    this.hit('write', path);
    if (this.spaceLeft <= 0 && len > 0) throw sysError('ENOSPC', `write ${path ?? fd} (injected full disk)`);
    let n = Math.min(len, this.spaceLeft);
    if (this.shortWrites) n = Math.min(n, Math.max(1, Math.ceil(len / 2)));
    const done = await this.inner.write(fd, buf, off, n, pos);
    this.spaceLeft -= done;
    return done;
  }
  async fdatasync(fd: number): Promise<void> {
    this.hit('fdatasync', this.paths.get(fd));
    return this.inner.fdatasync(fd);
  }
  async fsync(fd: number): Promise<void> {
    this.hit('fsync', this.paths.get(fd));
    return this.inner.fsync(fd);
  }
  async ftruncate(fd: number, len: number): Promise<void> {
    this.hit('ftruncate', this.paths.get(fd));
    return this.inner.ftruncate(fd, len);
  }
  async fsize(fd: number): Promise<number> {
    this.hit('fsize', this.paths.get(fd));
    return this.inner.fsize(fd);
  }
  async rename(from: string, to: string): Promise<void> {
    this.hit('rename', from);
    return this.inner.rename(from, to);
  }
  async unlink(path: string): Promise<void> {
    this.hit('unlink', path);
    return this.inner.unlink(path);
  }
  async readdir(dir: string): Promise<string[]> {
    this.hit('readdir', dir);
    return this.inner.readdir(dir);
  }
  async mkdir(dir: string): Promise<void> {
    this.hit('mkdir', dir);
    return this.inner.mkdir(dir);
  }
  async syncDir(dir: string): Promise<void> {
    this.hit('syncDir', dir);
    return this.inner.syncDir(dir);
  }
}
