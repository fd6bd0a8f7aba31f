// SPDX-License-Identifier: LGPL-2.1-or-later
//
// A client-side fid: one server file handle and the operations on it, for both the
// 9P2000/.u family (Topen/Tcreate/Tstat/Twstat, directories read as stats) and 9P2000.L
// (Tlopen/Tlcreate/Tgetattr/Tsetattr, Treaddir cookies).

import { P9Error } from './error.js';
import { EBADF, EBADMSG, EIO, ENOENT, EOPNOTSUPP, EPROTO } from './errno.js';
import {
  DMDEVICE, DMDIR, DMNAMEDPIPE, DMSETGID, DMSETUID, DMSETVTX, DMSOCKET, DMSYMLINK, DT_CHR,
  DT_DIR, DT_FIFO, DT_LNK, DT_REG, DT_SOCK, MAXWELEM, NONUNAME, OCEXEC, OEXEC, OMASK, OREAD, OTRUNC, P9_DOTL_CLOEXEC, P9_DOTL_CREATE,
  P9_DOTL_DIRECTORY, P9_DOTL_EXCL, P9_DOTL_RDONLY, P9_DOTL_TRUNC, P9_GETATTR_ALL, P9_SETATTR_ATIME,
  P9_SETATTR_ATIME_SET, P9_SETATTR_GID, P9_SETATTR_MODE, P9_SETATTR_MTIME, P9_SETATTR_MTIME_SET,
  P9_SETATTR_SIZE, P9_SETATTR_UID, QTDIR, READDIRHDRSZ, S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO,
  S_IFLNK, S_IFMT, S_IFSOCK, S_ISGID, S_ISUID, S_ISVTX,
} from './const.js';
import * as F from './fcall.js';
import type { Attr, Dialect, Qid, ReplyOf, SetAttr, Stat, StatFs, TRequest } from './fcall.js';
import { DecodeError, decodeDirents, decodeStats } from './codec.js';
import { dontTouchStat } from './stat.js';

/** One directory entry, the same shape for both families. In 9P2000/.u `stat` is the
 *  whole stat and `type` is derived from it; in .L `offset` is the resume cookie and
 *  `type` is the server's DT_* value. "." and ".." appear if the server sends them (.L). */
export interface DirEntry {
  name: string;
  qid: Qid;
  /** DT_* */
  type: number;
  offset?: bigint;
  stat?: Stat;
}

/** What a Fid needs of its connection (lib/9p/client.ts's Client is one): the fid knows
 *  the operations, the client owns tags, fid numbers and the wire. */
export interface FidClient {
  readonly dialect: Dialect;
  readonly msize: number;
  /** Gid sent in Tlcreate/Tmkdir/Tsymlink. */
  readonly gid: number;
  rpc<M extends TRequest>(msg: M, signal?: AbortSignal): Promise<ReplyOf<M['type']>>;
  /** The largest Tread/Twrite payload for a given iounit. */
  ioSize(iounit?: number): number;
  allocFid(): number;
  /** The fid number is unused on the server (clunked, removed, never created). */
  releaseFid(fid: number): void;
}

/** Tsetattr fields: `valid` says which apply; the rest default to 0 / NONUNAME. */
export type SetAttrInput = Partial<SetAttr> & { valid: number };

export class Fid {
  /** From Ropen/Rlopen/Rcreate/Rlcreate; 0 means msize - IOHDRSZ. */
  iounit = 0;
  opened = false;
  private gone = false;

  /** `path` is the names walked from the attach root (for Stat.name in .L). */
  constructor(readonly client: FidClient, readonly fid: number, public qid: Qid, public path: string[]) {}

  private live(): void {
    if (this.gone) throw new P9Error(EBADF, `fid ${this.fid} already clunked`);
  }

  private get dotL(): boolean { return this.client.dialect === '9P2000.L'; }

  /** Walk to a new fid; '' or [] clones. Paths longer than 16 names go in chunks. A walk
   *  that stops short is ENOENT and leaves no new fid behind. */
  async walk(path: string | string[]): Promise<Fid> {
    this.live();
    const names = walkNames(path);
    const c = this.client;
    const newfid = c.allocFid();
    let created = false;
    let qid = this.qid;
    let i = 0;
    do {
      const chunk = names.length <= MAXWELEM ? names : names.slice(i, i + MAXWELEM);
      let r: F.RwalkMsg;
      try {
        r = await c.rpc({ type: F.Twalk, fid: created ? newfid : this.fid, newfid, wnames: chunk });
      } catch (e) {
        await undoWalk(c, newfid, created);
        throw e;
      }
      if (r.qids.length !== chunk.length) {
        await undoWalk(c, newfid, created);
        if (r.qids.length > chunk.length) throw new P9Error(EPROTO, `Rwalk with ${r.qids.length} qids for ${chunk.length} names`);
        throw new P9Error(ENOENT, names.slice(0, i + r.qids.length + 1).join('/'));
      }
      created = true;
      if (chunk.length > 0) qid = r.qids[chunk.length - 1];
      i += chunk.length;
    } while (i < names.length);
    return new Fid(c, newfid, qid, names.length === 0 ? this.path : this.path.concat(names));
  }

  /** Topen, or in .L Tlopen with the mode mapped (OTRUNC -> O_TRUNC, OCEXEC -> O_CLOEXEC;
   *  ORCLOSE has no .L equivalent and is dropped). */
  open(mode: number): Promise<{ qid: Qid; iounit: number }> {
    // Not async itself: an async function returning lopen's promise would add a promise
    // and two turns of the microtask queue to every open.
    if (this.dotL && !this.gone) return this.lopen(lflags(mode) | ((this.qid.type & QTDIR) ? P9_DOTL_DIRECTORY : 0));
    return this.topen(mode);
  }

  private async topen(mode: number): Promise<{ qid: Qid; iounit: number }> {
    this.live();
    const r = await this.client.rpc({ type: F.Topen, fid: this.fid, mode });
    return this.opens(r.qid, r.iounit);
  }

  /** Tlopen with raw P9_DOTL_* flags (.L). */
  async lopen(flags: number): Promise<{ qid: Qid; iounit: number }> {
    this.live();
    const r = await this.client.rpc({ type: F.Tlopen, fid: this.fid, flags });
    return this.opens(r.qid, r.iounit);
  }

  private opens(qid: Qid, iounit: number): { qid: Qid; iounit: number } {
    this.qid = qid;
    this.iounit = iounit;
    this.opened = true;
    return { qid, iounit };
  }

  /** Create `name` in this directory and open it; this fid becomes the new file.
   *  .L: Tlcreate (O_CREAT|O_EXCL) for files; for DMDIR, Tmkdir then walk and open. */
  async create(name: string, perm: number, mode: number, extension?: string): Promise<{ qid: Qid; iounit: number }> {
    this.live();
    const c = this.client;
    if (!this.dotL) {
      const msg: Omit<F.TcreateMsg, 'tag'> = { type: F.Tcreate, fid: this.fid, name, perm: perm >>> 0, mode };
      if (c.dialect === '9P2000.u') msg.extension = extension ?? '';
      const r = await c.rpc(msg);
      this.path = [...this.path, name];
      return this.opens(r.qid, r.iounit);
    }
    if (perm & DMDIR) {
      await this.mkdir(name, perm & 0o7777);
      const r = await c.rpc({ type: F.Twalk, fid: this.fid, newfid: this.fid, wnames: [name] });
      if (r.qids.length !== 1) throw new P9Error(ENOENT, name);
      this.qid = r.qids[0];
      this.path = [...this.path, name];
      return this.lopen(P9_DOTL_RDONLY | P9_DOTL_DIRECTORY);
    }
    return this.lcreate(name, lflags(mode) | P9_DOTL_CREATE | P9_DOTL_EXCL, perm & 0o7777);
  }

  /** Tlcreate with raw flags and Linux mode (.L). */
  async lcreate(name: string, flags: number, mode: number, gid = this.client.gid): Promise<{ qid: Qid; iounit: number }> {
    this.live();
    const r = await this.client.rpc({ type: F.Tlcreate, fid: this.fid, name, flags, mode, gid });
    this.path = [...this.path, name];
    return this.opens(r.qid, r.iounit);
  }

  /** Tmkdir in this directory (.L); returns the new directory's qid. */
  async mkdir(name: string, mode: number, gid = this.client.gid): Promise<Qid> {
    this.live();
    return (await this.client.rpc({ type: F.Tmkdir, dfid: this.fid, name, mode, gid })).qid;
  }

  /** Tunlinkat in this directory (.L); flags may hold AT_REMOVEDIR. */
  async unlinkat(name: string, flags = 0): Promise<void> {
    this.live();
    await this.client.rpc({ type: F.Tunlinkat, dirfid: this.fid, name, flags });
  }

  /** Trenameat from this directory to `newdir` (.L). */
  async renameat(oldname: string, newdir: Fid, newname: string): Promise<void> {
    this.live();
    await this.client.rpc({ type: F.Trenameat, olddirfid: this.fid, oldname, newdirfid: newdir.fid, newname });
  }

  /** Tsymlink in this directory (.L). */
  async symlink(name: string, target: string, gid = this.client.gid): Promise<Qid> {
    this.live();
    return (await this.client.rpc({ type: F.Tsymlink, dfid: this.fid, name, symtgt: target, gid })).qid;
  }

  /** Treadlink (.L). */
  async readlink(): Promise<string> {
    this.live();
    return (await this.client.rpc({ type: F.Treadlink, fid: this.fid })).target;
  }

  /** Tstatfs (.L). */
  async statfs(): Promise<StatFs> {
    this.live();
    return (await this.client.rpc({ type: F.Tstatfs, fid: this.fid })).statfs;
  }

  /** Tfsync (.L). */
  async fsync(datasync = false): Promise<void> {
    this.live();
    await this.client.rpc({ type: F.Tfsync, fid: this.fid, datasync: datasync ? 1 : 0 });
  }

  /** One Tread; `count` is capped to the iounit and msize - IOHDRSZ. */
  async read(offset: bigint, count: number, signal?: AbortSignal): Promise<Buffer> {
    this.live();
    const n = Math.min(count, this.client.ioSize(this.iounit));
    const r = await this.client.rpc({ type: F.Tread, fid: this.fid, offset, count: n }, signal);
    if (r.data.length > n) throw new P9Error(EPROTO, `Rread of ${r.data.length} bytes for count ${n}`);
    return r.data;
  }

  /** Tread from offset 0 until a 0-byte reply. */
  async readAll(signal?: AbortSignal): Promise<Buffer> {
    const parts: Buffer[] = [];
    let off = 0n, total = 0;
    const n = this.client.ioSize(this.iounit);
    for (;;) {
      const d = await this.read(off, n, signal);
      if (d.length === 0) break;
      parts.push(d);
      off += BigInt(d.length);
      total += d.length;
    }
    return parts.length === 1 ? parts[0] : Buffer.concat(parts, total);
  }

  /** Write all of `data` in iounit-sized Twrites, continuing after short writes. A
   *  zero-length write sends one Twrite. Returns the bytes written. */
  async write(offset: bigint, data: Buffer, signal?: AbortSignal): Promise<number> {
    this.live();
    const max = this.client.ioSize(this.iounit);
    let done = 0;
    do {
      const chunk = data.subarray(done, done + max);
      const r = await this.client.rpc({ type: F.Twrite, fid: this.fid, offset: offset + BigInt(done), data: chunk }, signal);
      if (r.count > chunk.length) throw new P9Error(EPROTO, `Rwrite count ${r.count} for ${chunk.length} bytes`);
      if (r.count === 0 && chunk.length > 0) throw new P9Error(EIO, `server wrote 0 of ${chunk.length} bytes`);
      done += r.count;
    } while (done < data.length);
    return done;
  }

  /** Every entry of this directory. If the fid is not open, a clone is opened, read and
   *  clunked, so this fid stays walkable. */
  async readdir(): Promise<DirEntry[]> {
    this.live();
    if (!this.opened) {
      const f = await this.walk([]);
      try {
        await f.open(OREAD);
        return await f.readdir();
      } finally {
        await f.clunk().catch(() => {});
      }
    }
    const c = this.client, out: DirEntry[] = [];
    try {
      if (this.dotL) {
        let offset = 0n;
        const count = c.msize - READDIRHDRSZ;
        for (;;) {
          const r = await c.rpc({ type: F.Treaddir, fid: this.fid, offset, count });
          if (r.data.length === 0) break;
          const ents = decodeDirents(r.data);
          for (const d of ents) out.push({ name: d.name, qid: d.qid, type: d.type, offset: d.offset });
          offset = ents[ents.length - 1].offset;
        }
      } else {
        let offset = 0n;
        for (;;) {
          const d = await this.read(offset, c.ioSize(this.iounit));
          if (d.length === 0) break;
          for (const s of decodeStats(d, c.dialect)) out.push({ name: s.name, qid: s.qid, type: dtFromMode(s.mode), stat: s });
          offset += BigInt(d.length);
        }
      }
    } catch (e) {
      if (e instanceof DecodeError) throw new P9Error(EBADMSG, `directory data: ${e.message}`);
      throw e;
    }
    return out;
  }

  /** Tstat; in .L, Tgetattr(ALL) mapped onto a Stat (uid/gid as decimal strings). */
  async stat(): Promise<Stat> {
    this.live();
    if (!this.dotL) return (await this.client.rpc({ type: F.Tstat, fid: this.fid })).stat;
    const a = await this.getattr(P9_GETATTR_ALL);
    return statFromAttr(a, this.path.length ? this.path[this.path.length - 1] : '/');
  }

  /** Tgetattr (.L). */
  async getattr(mask: bigint = P9_GETATTR_ALL): Promise<Attr> {
    this.live();
    if (!this.dotL) throw new P9Error(EOPNOTSUPP, `Tgetattr in ${this.client.dialect}`);
    return (await this.client.rpc({ type: F.Tgetattr, fid: this.fid, requestMask: mask })).attr;
  }

  /** Tsetattr (.L). */
  async setattr(attr: SetAttrInput): Promise<void> {
    this.live();
    if (!this.dotL) throw new P9Error(EOPNOTSUPP, `Tsetattr in ${this.client.dialect}`);
    const full: SetAttr = {
      valid: attr.valid, mode: attr.mode ?? 0, uid: attr.uid ?? NONUNAME, gid: attr.gid ?? NONUNAME,
      size: attr.size ?? 0n, atimeSec: attr.atimeSec ?? 0n, atimeNsec: attr.atimeNsec ?? 0n,
      mtimeSec: attr.mtimeSec ?? 0n, mtimeNsec: attr.mtimeNsec ?? 0n,
    };
    await this.client.rpc({ type: F.Tsetattr, fid: this.fid, attr: full });
  }

  /** Twstat with every field not given set to "don't touch". In .L, mode/length/atime/
   *  mtime/nUid/nGid become one Tsetattr; other fields are EOPNOTSUPP. */
  async wstat(s: Partial<Stat>): Promise<void> {
    this.live();
    if (!this.dotL) {
      await this.client.rpc({ type: F.Twstat, fid: this.fid, stat: { ...dontTouchStat(this.client.dialect), ...s } });
      return;
    }
    const a: SetAttrInput = { valid: 0 };
    for (const [k, v] of Object.entries(s)) {
      if (v === undefined) continue;
      switch (k) {
        case 'mode': a.valid |= P9_SETATTR_MODE; a.mode = modeFromDm(v as number); break;
        case 'length': a.valid |= P9_SETATTR_SIZE; a.size = v as bigint; break;
        case 'atime': a.valid |= P9_SETATTR_ATIME | P9_SETATTR_ATIME_SET; a.atimeSec = BigInt(v as number); break;
        case 'mtime': a.valid |= P9_SETATTR_MTIME | P9_SETATTR_MTIME_SET; a.mtimeSec = BigInt(v as number); break;
        case 'nUid': a.valid |= P9_SETATTR_UID; a.uid = v as number; break;
        case 'nGid': a.valid |= P9_SETATTR_GID; a.gid = v as number; break;
        default: throw new P9Error(EOPNOTSUPP, `wstat of ${k} in 9P2000.L`);
      }
    }
    await this.setattr(a);
  }

  /** Tremove: the fid is gone afterwards even if the remove failed. */
  async remove(): Promise<void> {
    this.live();
    this.gone = true;
    try {
      await this.client.rpc({ type: F.Tremove, fid: this.fid });
    } finally {
      this.client.releaseFid(this.fid);
    }
  }

  /** Tclunk: the fid is gone afterwards even if the clunk failed. */
  async clunk(): Promise<void> {
    this.live();
    this.gone = true;
    try {
      await this.client.rpc({ type: F.Tclunk, fid: this.fid });
    } finally {
      this.client.releaseFid(this.fid);
    }
  }
}

/** The names a walk sends: '' and '.' dropped (a new array only when there are any). */
function walkNames(path: string | string[]): string[] {
  const parts = typeof path === 'string' ? path.split('/') : path;
  for (const s of parts) if (s === '' || s === '.') return parts.filter(isName);
  return parts;
}

function isName(s: string): boolean { return s !== '' && s !== '.'; }

/** A walk that failed: the new fid, if the server made it, is clunked; its number is free. */
async function undoWalk(c: FidClient, newfid: number, created: boolean): Promise<void> {
  if (created) {
    try { await c.rpc({ type: F.Tclunk, fid: newfid }); } catch { /* destroyed anyway */ }
  }
  c.releaseFid(newfid);
}

/** Topen mode -> Tlopen flags. */
export function lflags(mode: number): number {
  let f = (mode & OMASK) === OEXEC ? P9_DOTL_RDONLY : mode & OMASK;
  if (mode & OTRUNC) f |= P9_DOTL_TRUNC;
  if (mode & OCEXEC) f |= P9_DOTL_CLOEXEC;
  return f;
}

/** 9P2000/.u stat mode -> DT_*. */
export function dtFromMode(mode: number): number {
  if (mode & DMDIR) return DT_DIR;
  if (mode & DMSYMLINK) return DT_LNK;
  if (mode & DMNAMEDPIPE) return DT_FIFO;
  if (mode & DMSOCKET) return DT_SOCK;
  if (mode & DMDEVICE) return DT_CHR;
  return DT_REG;
}

/** Linux st_mode -> 9P2000.u stat mode. Block and char devices both become DMDEVICE. */
export function dmFromMode(m: number): number {
  let dm = m & 0o777;
  switch (m & S_IFMT) {
    case S_IFDIR: dm |= DMDIR; break;
    case S_IFLNK: dm |= DMSYMLINK; break;
    case S_IFCHR: case S_IFBLK: dm |= DMDEVICE; break;
    case S_IFIFO: dm |= DMNAMEDPIPE; break;
    case S_IFSOCK: dm |= DMSOCKET; break;
  }
  if (m & S_ISUID) dm |= DMSETUID;
  if (m & S_ISGID) dm |= DMSETGID;
  if (m & S_ISVTX) dm |= DMSETVTX;
  return dm >>> 0;
}

/** 9P2000.u stat mode -> Linux permission bits (no S_IFMT: chmod cannot change the type). */
export function modeFromDm(dm: number): number {
  let m = dm & 0o777;
  if (dm & DMSETUID) m |= S_ISUID;
  if (dm & DMSETGID) m |= S_ISGID;
  if (dm & DMSETVTX) m |= S_ISVTX;
  return m;
}

const u32 = (v: bigint): number => (v > 0xffffffffn ? 0xffffffff : Number(v));

/** An Rgetattr as a Stat (.u shape; uid/gid strings are the decimal ids). */
export function statFromAttr(a: Attr, name: string): Stat {
  return {
    type: 0, dev: 0, qid: a.qid, mode: dmFromMode(a.mode), atime: u32(a.atimeSec), mtime: u32(a.mtimeSec),
    length: a.size, name, uid: String(a.uid), gid: String(a.gid), muid: '',
    extension: '', nUid: a.uid, nGid: a.gid, nMuid: NONUNAME,
  };
}

