// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Where an Ndb's files come from. A source answers two questions: what version of a file
// is there now (cheap, asked on every query to decide whether to reload), and what does
// it hold. The disk source versions a file by device, inode, size and nanosecond
// mtime/ctime, so an in-place rewrite and a rename over the file are both seen; the
// memory source counts writes. Reads are synchronous: files are bounded (NDB_BOUNDS) and
// a query must see one consistent database.

import { closeSync, fstatSync, openSync, readSync, statSync, type BigIntStats } from 'node:fs';
import { EFBIG, EIO, EISDIR, ENOENT, errnoByName } from '../9p/errno.js';
import { NdbError } from './error.js';

export interface NdbFileData {
  text: string;
  version: string;
}

export interface NdbSource {
  /** The file's current version, or undefined when it does not exist. */
  version(path: string): string | undefined;
  /** The file's text and version. NdbError ENOENT when missing, EFBIG past maxBytes. */
  read(path: string, maxBytes: number): NdbFileData;
}

function sig(st: BigIntStats): string {
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
}

/** Files on the host's disk. */
export const diskSource: NdbSource = {
  version(path) {
    const st = statSync(path, { bigint: true, throwIfNoEntry: false });
    return st ? sig(st) : undefined;
  },
  read(path, maxBytes) {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
      if (code === 'ENOENT') throw new NdbError(ENOENT, path, 0, 'no such file');
      throw new NdbError(errnoByName.get(code) ?? EIO, path, 0, `cannot open: ${code}`);
    }
    try {
      const st = fstatSync(fd, { bigint: true });
      if (st.isDirectory()) throw new NdbError(EISDIR, path, 0, 'is a directory');
      if (st.size > BigInt(maxBytes)) throw new NdbError(EFBIG, path, 0, `file larger than ${maxBytes} bytes`);
      // Read to EOF, not to st.size: the file may grow between fstat and read. One byte
      // past the bound is enough to know it is too big.
      const buf = Buffer.alloc(Math.min(maxBytes + 1, Number(st.size) + 1));
      let got = 0;
      for (;;) {
        if (got === buf.length) break;
        const n = readSync(fd, buf, got, buf.length - got, null);
        if (n === 0) break;
        got += n;
      }
      if (got > maxBytes) throw new NdbError(EFBIG, path, 0, `file larger than ${maxBytes} bytes`);
      return { text: buf.toString('utf8', 0, got), version: sig(st) };
    } finally {
      closeSync(fd);
    }
  },
};

/** Files held in memory, for tests and for databases built by a program. */
export class NdbMemSource implements NdbSource {
  private readonly files = new Map<string, { text: string; n: number }>();
  private writes = 0;

  constructor(files: Record<string, string> = {}) {
    for (const [p, t] of Object.entries(files)) this.set(p, t);
  }

  set(path: string, text: string): void {
    this.files.set(path, { text, n: ++this.writes });
  }

  delete(path: string): void {
    this.files.delete(path);
  }

  version(path: string): string | undefined {
    const f = this.files.get(path);
    return f ? String(f.n) : undefined;
  }

  read(path: string, maxBytes: number): NdbFileData {
    const f = this.files.get(path);
    if (!f) throw new NdbError(ENOENT, path, 0, 'no such file');
    if (Buffer.byteLength(f.text) > maxBytes) throw new NdbError(EFBIG, path, 0, `file larger than ${maxBytes} bytes`);
    return { text: f.text, version: String(f.n) };
  }
}
