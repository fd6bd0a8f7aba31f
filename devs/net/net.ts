// SPDX-License-Identifier: GPL-2.0-or-later
//
// #net, bound at /net: the connection server's file, /net/cs (Plan 9's cs(8)). Write a
// dial string with names (`tcp!node2!akaros`), read back the dial strings to try, one
// per line, best first (`tcp!127.0.0.1!5642`); or write an attribute query
// (`!sys=node2`, `!ipinfo sys=node2 ip`). The translation is lib/ndblib's, over the
// server's database (serve --ndb FILE). See cs.md.

import { EINVAL } from '../../lib/9p/errno.js';
import { perr } from '../../lib/9p/error.js';
import { type Ndb, csAttrQuery, csQuery } from '../../lib/ndblib/index.js';
import { defineDevice, type TableDevice } from '../lib/tree.js';
import { readstr } from '../lib/text.js';
import type { OpenFile, ReadRequest } from '../types.js';

const Qcs = 1;
/** The longest query taken (lib/ndblib's CS_MAX_QUERY, and a newline). */
const MAX_QUERY = 1025;

export interface NetOptions {
  hostowner: string | (() => string);
  ndb: Ndb;
  /** This system's name, for `$attr` hosts and `!ipinfo` (default: none). */
  sysname?: () => string | undefined;
}

/**
 * One open of /net/cs. A write replaces the answers; a read at offset o gets the
 * answers from o. A read at or past where the last write ended counts from there, so a
 * shell reading on the descriptor it wrote on (`exec 3<>/net/cs; echo q >&3; cat <&3`)
 * gets the answers from their start, and Plan 9's way (write, seek to 0, read) works too.
 */
class CsFile implements OpenFile {
  private answers = Buffer.alloc(0);
  private base = 0n;

  constructor(private readonly opts: NetOptions) {}

  read(req: ReadRequest): Buffer {
    const off = req.offset >= this.base ? req.offset - this.base : req.offset;
    return readstr(off, req.count, this.answers);
  }

  write(offset: bigint, data: Buffer): number {
    this.answers = Buffer.alloc(0);
    this.base = 0n;
    if (data.length > MAX_QUERY) throw perr(EINVAL, `cs: query longer than ${MAX_QUERY - 1} bytes`);
    const q = data.toString('utf8').replace(/\n$/, '');
    const cs = { sysname: this.opts.sysname?.() };
    const lines = q.startsWith('!') ? csAttrQuery(this.opts.ndb, q, cs) : csQuery(this.opts.ndb, q, cs);
    this.answers = Buffer.from(lines.map((l) => `${l}\n`).join(''));
    this.base = offset + BigInt(data.length);
    return data.length;
  }
}

export function createNetDevice(opts: NetOptions): TableDevice<void> {
  return defineDevice<void>({
    name: 'net',
    hostowner: opts.hostowner,
    root: {
      files: [{
        name: 'cs', kind: Qcs, perm: 0o666,
        open: () => new CsFile(opts),
      }],
    },
  });
}
