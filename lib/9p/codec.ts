// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Fcall <-> bytes for 9P2000, 9P2000.u and 9P2000.L (reference/9p.md §1). encode() throws
// P9Error(EINVAL) on values that cannot be put on the wire (the caller's bug); decode()
// never throws: every malformed frame becomes a DecodeError that carries the tag when the
// header was readable, so a server can answer it.

import { Reader, Writer, DecodeError } from './buf.js';
import { EINVAL } from './errno.js';
import { P9Error } from './error.js';
import { HDRSZ, MAXWELEM, NONUNAME } from './const.js';
import * as F from './fcall.js';
import type { Dialect, Fcall, Qid } from './fcall.js';
import {
  readAttr, readSetAttr, readStat, readStatFs, writeAttr, writeSetAttr, writeStat, writeStatFs,
} from './stat.js';

export { DecodeError } from './buf.js';
export { encodeStat, decodeStats, encodeDirent, decodeDirents } from './stat.js';

export type Decoded = { ok: true; msg: Fcall } | { ok: false; error: DecodeError };

// Which dialects each message type exists in. Bit 1: 9P2000, 2: 9P2000.u, 4: 9P2000.L.
const D9 = 1, DU = 2, DL = 4, ALL = D9 | DU | DL, CLASSIC = D9 | DU;
const dialectBit: Record<Dialect, number> = { '9P2000': D9, '9P2000.u': DU, '9P2000.L': DL };
const table = new Uint8Array(256);
const names: string[] = [];
function def(t: number, name: string, dialects: number): void {
  table[t] = dialects; table[t + 1] = dialects;
  names[t] = 'T' + name; names[t + 1] = 'R' + name;
}
def(F.Tversion, 'version', ALL); def(F.Tauth, 'auth', ALL); def(F.Tattach, 'attach', ALL);
def(F.Tflush, 'flush', ALL); def(F.Twalk, 'walk', ALL); def(F.Tread, 'read', ALL);
def(F.Twrite, 'write', ALL); def(F.Tclunk, 'clunk', ALL); def(F.Tremove, 'remove', ALL);
// Linux .L never sends these and Rlerror is .L's only error reply (9p.md §1.5, §0.13).
def(F.Topen, 'open', CLASSIC); def(F.Tcreate, 'create', CLASSIC); def(F.Tstat, 'stat', CLASSIC);
def(F.Twstat, 'wstat', CLASSIC);
def(F.Terror, 'error', CLASSIC); table[F.Terror] = 0;
def(F.Tlerror, 'lerror', DL); table[F.Tlerror] = 0;
for (const [t, n] of [
  [F.Tstatfs, 'statfs'], [F.Tlopen, 'lopen'], [F.Tlcreate, 'lcreate'], [F.Tsymlink, 'symlink'],
  [F.Tmknod, 'mknod'], [F.Trename, 'rename'], [F.Treadlink, 'readlink'], [F.Tgetattr, 'getattr'],
  [F.Tsetattr, 'setattr'], [F.Txattrwalk, 'xattrwalk'], [F.Txattrcreate, 'xattrcreate'],
  [F.Treaddir, 'readdir'], [F.Tfsync, 'fsync'], [F.Tlock, 'lock'], [F.Tgetlock, 'getlock'],
  [F.Tlink, 'link'], [F.Tmkdir, 'mkdir'], [F.Trenameat, 'renameat'], [F.Tunlinkat, 'unlinkat'],
] as const) def(t, n, DL);

/** 'Twalk', 'Rlerror', … or 'type 200'. */
export function typeName(type: number): string { return names[type] ?? `type ${type}`; }

/** Whether the message type exists in the dialect (Terror/Tlerror exist in none). */
export function typeInDialect(type: number, dialect: Dialect): boolean {
  return (table[type & 0xff] & dialectBit[dialect]) !== 0 && type === (type & 0xff);
}


/** The scratch writer of encode(); replaced when a frame made it larger than
 *  SCRATCH_KEEP, so one long string is not held for ever. */
let scratch = new Writer(256);
const SCRATCH_KEEP = 16384;

/** The whole frame, size[4] included. `tag` (default msg.tag) lets a caller send a
 *  message object it shares, without copying it just to set the tag. */
export function encode(message: Fcall | Omit<Fcall, 'tag'>, dialect: Dialect, tag = (message as Fcall).tag): Buffer {
  const msg = message as Fcall;
  const t = msg.type;
  if (!typeInDialect(t, dialect)) throw new P9Error(EINVAL, `${typeName(t)} does not exist in ${dialect}`);
  const dl = (msg as { data?: Buffer }).data;
  // A small frame is written into the scratch writer and copied out: one allocation
  // (a slice of Node's buffer pool) per frame. A large payload is written once, into a
  // buffer of its own.
  if (dl !== undefined && dl.length >= IOV_MIN) {
    const w = new Writer(128 + dl.length);
    fill(w, msg, dialect, tag);
    return w.result();
  }
  const w = scratch;
  w.reset();
  fill(w, msg, dialect, tag);
  const out = w.copy();
  if (w.buf.length > SCRATCH_KEEP) scratch = new Writer(256);
  return out;
}

function fill(w: Writer, msg: Fcall, dialect: Dialect, tag: number): void {
  const ext = dialect !== '9P2000';
  const t = msg.type;
  w.skip(4); w.u8(t); w.u16(tag);
  switch (msg.type) {
    case F.Tversion: case F.Rversion: w.u32(msg.msize); w.str(msg.version); break;
    case F.Tauth:
      w.u32(msg.afid); w.str(msg.uname); w.str(msg.aname);
      if (ext) w.u32(msg.nUname ?? NONUNAME);
      break;
    case F.Rauth: w.qid(msg.aqid); break;
    case F.Tattach:
      w.u32(msg.fid); w.u32(msg.afid); w.str(msg.uname); w.str(msg.aname);
      if (ext) w.u32(msg.nUname ?? NONUNAME);
      break;
    case F.Rattach: w.qid(msg.qid); break;
    case F.Rerror: w.str(msg.ename); if (ext) w.u32(msg.errno ?? 0); break;
    case F.Tflush: w.u16(msg.oldtag); break;
    case F.Twalk: {
      if (msg.wnames.length > MAXWELEM) throw new P9Error(EINVAL, `Twalk with ${msg.wnames.length} names`);
      w.u32(msg.fid); w.u32(msg.newfid); w.u16(msg.wnames.length);
      for (const n of msg.wnames) w.str(n);
      break;
    }
    case F.Rwalk: {
      const n = msg.qids.length;
      if (n > MAXWELEM) throw new P9Error(EINVAL, `Rwalk with ${n} qids`);
      w.u16(n);
      for (const q of msg.qids) w.qid(q);
      break;
    }
    case F.Topen: w.u32(msg.fid); w.u8(msg.mode); break;
    case F.Ropen: case F.Rcreate: case F.Rlopen: case F.Rlcreate: w.qid(msg.qid); w.u32(msg.iounit); break;
    case F.Tcreate:
      w.u32(msg.fid); w.str(msg.name); w.u32(msg.perm); w.u8(msg.mode);
      if (ext) w.str(msg.extension ?? '');
      break;
    case F.Tread: case F.Treaddir: w.u32(msg.fid); w.u64(msg.offset); w.u32(msg.count); break;
    case F.Rread: case F.Rreaddir: w.u32(msg.data.length); w.bytes(msg.data); break;
    case F.Twrite: w.u32(msg.fid); w.u64(msg.offset); w.u32(msg.data.length); w.bytes(msg.data); break;
    case F.Rwrite: w.u32(msg.count); break;
    case F.Tclunk: case F.Tremove: case F.Tstat: case F.Tstatfs: case F.Treadlink:
      w.u32(msg.fid); break;
    case F.Rstat: {
      const at = w.skip(2); writeStat(w, msg.stat, dialect); w.patch16(at, w.pos - at - 2);
      break;
    }
    case F.Twstat: {
      w.u32(msg.fid);
      const at = w.skip(2); writeStat(w, msg.stat, dialect); w.patch16(at, w.pos - at - 2);
      break;
    }
    case F.Rflush: case F.Rclunk: case F.Rremove: case F.Rwstat: case F.Rrename: case F.Rsetattr:
    case F.Rxattrcreate: case F.Rfsync: case F.Rlink: case F.Rrenameat: case F.Runlinkat:
      break;
    case F.Rlerror: w.u32(msg.ecode); break;
    case F.Rstatfs: writeStatFs(w, msg.statfs); break;
    case F.Tlopen: w.u32(msg.fid); w.u32(msg.flags); break;
    case F.Tlcreate: w.u32(msg.fid); w.str(msg.name); w.u32(msg.flags); w.u32(msg.mode); w.u32(msg.gid); break;
    case F.Tsymlink: w.u32(msg.dfid); w.str(msg.name); w.str(msg.symtgt); w.u32(msg.gid); break;
    case F.Rsymlink: case F.Rmknod: case F.Rmkdir: w.qid(msg.qid); break;
    case F.Tmknod:
      w.u32(msg.dfid); w.str(msg.name); w.u32(msg.mode); w.u32(msg.major); w.u32(msg.minor); w.u32(msg.gid);
      break;
    case F.Trename: w.u32(msg.fid); w.u32(msg.dfid); w.str(msg.name); break;
    case F.Rreadlink: w.str(msg.target); break;
    case F.Tgetattr: w.u32(msg.fid); w.u64(msg.requestMask); break;
    case F.Rgetattr: writeAttr(w, msg.attr); break;
    case F.Tsetattr: w.u32(msg.fid); writeSetAttr(w, msg.attr); break;
    case F.Txattrwalk: w.u32(msg.fid); w.u32(msg.newfid); w.str(msg.name); break;
    case F.Rxattrwalk: w.u64(msg.size); break;
    case F.Txattrcreate: w.u32(msg.fid); w.str(msg.name); w.u64(msg.attrSize); w.u32(msg.flags); break;
    case F.Tfsync: w.u32(msg.fid); if (msg.datasync !== undefined) w.u32(msg.datasync); break;
    case F.Tlock:
      w.u32(msg.fid); w.u8(msg.lockType); w.u32(msg.flags); w.u64(msg.start); w.u64(msg.length);
      w.u32(msg.procId); w.str(msg.clientId);
      break;
    case F.Rlock: w.u8(msg.status); break;
    case F.Tgetlock:
      w.u32(msg.fid); w.u8(msg.lockType); w.u64(msg.start); w.u64(msg.length); w.u32(msg.procId); w.str(msg.clientId);
      break;
    case F.Rgetlock:
      w.u8(msg.lockType); w.u64(msg.start); w.u64(msg.length); w.u32(msg.procId); w.str(msg.clientId);
      break;
    case F.Tlink: w.u32(msg.dfid); w.u32(msg.fid); w.str(msg.name); break;
    case F.Tmkdir: w.u32(msg.dfid); w.str(msg.name); w.u32(msg.mode); w.u32(msg.gid); break;
    case F.Trenameat: w.u32(msg.olddirfid); w.str(msg.oldname); w.u32(msg.newdirfid); w.str(msg.newname); break;
    case F.Tunlinkat: w.u32(msg.dirfid); w.str(msg.name); w.u32(msg.flags); break;
    default: throw new P9Error(EINVAL, `cannot encode ${typeName((msg as { type: number }).type)}`);
  }
  w.patch32(0, w.pos);
}

/** Payloads at least this long are not copied by encodeIov. */
export const IOV_MIN = 4096;

/**
 * Like encode, but an Rread, Rreaddir or Twrite whose payload is IOV_MIN bytes or more
 * comes back as [header, payload] with the payload not copied: write both back to back
 * (under cork, so a socket sends them in one writev). Anything else is [frame].
 */
export function encodeIov(message: Fcall | Omit<Fcall, 'tag'>, dialect: Dialect, tag = (message as Fcall).tag): Buffer[] {
  const msg = message as Fcall;
  const t = msg.type;
  const data = (msg as { data?: Buffer }).data;
  if (!data || data.length < IOV_MIN || (t !== F.Rread && t !== F.Rreaddir && t !== F.Twrite) || !typeInDialect(t, dialect)) {
    return [encode(msg, dialect, tag)];
  }
  const w = scratch;
  w.reset();
  w.skip(4); w.u8(t); w.u16(tag);
  if (msg.type === F.Twrite) { w.u32(msg.fid); w.u64(msg.offset); }
  w.u32(data.length);
  w.patch32(0, w.pos + data.length);
  return [w.copy(), data];
}

/** encodeIov's result without the array for the usual case: a frame, or [header,
 *  payload] for a payload of IOV_MIN bytes or more. */
export function encodeFrame(message: Fcall | Omit<Fcall, 'tag'>, dialect: Dialect, tag = (message as Fcall).tag): Buffer | Buffer[] {
  const data = (message as { data?: Buffer }).data;
  if (data === undefined || data.length < IOV_MIN) return encode(message, dialect, tag);
  return encodeIov(message, dialect, tag);
}

/** One whole frame (size[4] included) -> a message or a DecodeError. Never throws. */
export function decode(frame: Buffer, dialect: Dialect): Decoded {
  if (!Buffer.isBuffer(frame) || frame.length < HDRSZ) {
    return { ok: false, error: new DecodeError(`frame of ${frame?.length ?? 0} bytes is shorter than ${HDRSZ}`) };
  }
  const m = decodeAt(frame, 0, frame.length, dialect);
  return m instanceof DecodeError ? { ok: false, error: m } : { ok: true, msg: m };
}

/** The codec's one Reader, pointed at each frame in turn (decoding never yields). */
const reader = new Reader(Buffer.alloc(0), 0, 0);
const NOTHING = reader.buf;

/**
 * decode() of the frame buf[at, at + len), without a view of it or a result wrapper:
 * the message, or the DecodeError. Data payloads are views of buf. Never throws.
 * len must be at least HDRSZ (FrameReader guarantees it).
 */
export function decodeAt(buf: Buffer, at: number, len: number, dialect: Dialect): Fcall | DecodeError {
  const size = (buf[at] | (buf[at + 1] << 8) | (buf[at + 2] << 16)) + buf[at + 3] * 0x1000000;
  const type = buf[at + 4], tag = buf[at + 5] | (buf[at + 6] << 8);
  const r = reader;
  try {
    if (size !== len) throw new DecodeError(`size field ${size} but frame is ${len} bytes`);
    if (!typeInDialect(type, dialect)) throw new DecodeError(`${typeName(type)} is not a ${dialect} message`);
    r.reset(buf, at + HDRSZ, at + len);
    const msg = body(r, type, tag, dialect);
    r.done(typeName(type));
    return msg;
  } catch (e) {
    const err = e instanceof DecodeError ? e : new DecodeError(`${typeName(type)}: ${String(e)}`);
    err.tag = tag; err.msgType = type;
    err.message = `${typeName(type)} tag ${tag}: ${err.message}`;
    return err;
  } finally {
    r.reset(NOTHING, 0, 0);
  }
}

function data(r: Reader): Buffer {
  const n = r.u32('count');
  return r.bytes(n, 'data');
}

function body(r: Reader, type: number, tag: number, dialect: Dialect): Fcall {
  const ext = dialect !== '9P2000';
  switch (type) {
    case F.Tversion: case F.Rversion:
      return { type, tag, msize: r.u32('msize'), version: r.str('version') };
    case F.Tauth: {
      const m: F.TauthMsg = { type, tag, afid: r.u32('afid'), uname: r.str('uname'), aname: r.str('aname') };
      if (ext) m.nUname = r.u32('n_uname');
      return m;
    }
    case F.Rauth: return { type, tag, aqid: r.qid() };
    case F.Tattach: {
      const m: F.TattachMsg = {
        type, tag, fid: r.u32('fid'), afid: r.u32('afid'), uname: r.str('uname'), aname: r.str('aname'),
      };
      if (ext) m.nUname = r.u32('n_uname');
      return m;
    }
    case F.Rattach: return { type, tag, qid: r.qid() };
    case F.Rerror: {
      const m: F.RerrorMsg = { type, tag, ename: r.str('ename') };
      if (ext) m.errno = r.u32('errno');
      return m;
    }
    case F.Tflush: return { type, tag, oldtag: r.u16('oldtag') };
    case F.Twalk: {
      const fid = r.u32('fid'), newfid = r.u32('newfid'), n = r.u16('nwname');
      if (n > MAXWELEM) throw new DecodeError(`nwname ${n} > ${MAXWELEM}`);
      const wnames: string[] = new Array(n);
      for (let i = 0; i < n; i++) wnames[i] = r.str('wname');
      return { type, tag, fid, newfid, wnames };
    }
    case F.Rwalk: {
      const n = r.u16('nwqid');
      if (n > MAXWELEM) throw new DecodeError(`nwqid ${n} > ${MAXWELEM}`);
      const qids: Qid[] = new Array(n);
      for (let i = 0; i < n; i++) qids[i] = r.qid();
      return { type, tag, qids };
    }
    case F.Topen: return { type, tag, fid: r.u32('fid'), mode: r.u8('mode') };
    case F.Ropen: case F.Rcreate: case F.Rlopen: case F.Rlcreate:
      return { type, tag, qid: r.qid(), iounit: r.u32('iounit') } as Fcall;
    case F.Tcreate: {
      const m: F.TcreateMsg = { type, tag, fid: r.u32('fid'), name: r.str('name'), perm: r.u32('perm'), mode: r.u8('mode') };
      if (ext) m.extension = r.str('extension');
      return m;
    }
    case F.Tread: case F.Treaddir:
      return { type, tag, fid: r.u32('fid'), offset: r.u64('offset'), count: r.u32('count') } as Fcall;
    case F.Rread: case F.Rreaddir: return { type, tag, data: data(r) } as Fcall;
    case F.Twrite: return { type, tag, fid: r.u32('fid'), offset: r.u64('offset'), data: data(r) };
    case F.Rwrite: return { type, tag, count: r.u32('count') };
    case F.Tclunk: case F.Tremove: case F.Tstat: case F.Tstatfs: case F.Treadlink:
      return { type, tag, fid: r.u32('fid') } as Fcall;
    case F.Rstat: return { type, tag, stat: wrappedStat(r, dialect) };
    case F.Twstat: return { type, tag, fid: r.u32('fid'), stat: wrappedStat(r, dialect) };
    case F.Rflush: case F.Rclunk: case F.Rremove: case F.Rwstat: case F.Rrename: case F.Rsetattr:
    case F.Rxattrcreate: case F.Rfsync: case F.Rlink: case F.Rrenameat: case F.Runlinkat:
      return { type, tag } as Fcall;
    case F.Rlerror: return { type, tag, ecode: r.u32('ecode') };
    case F.Rstatfs: return { type, tag, statfs: readStatFs(r) };
    case F.Tlopen: return { type, tag, fid: r.u32('fid'), flags: r.u32('flags') };
    case F.Tlcreate:
      return { type, tag, fid: r.u32('fid'), name: r.str('name'), flags: r.u32('flags'), mode: r.u32('mode'), gid: r.u32('gid') };
    case F.Tsymlink:
      return { type, tag, dfid: r.u32('dfid'), name: r.str('name'), symtgt: r.str('symtgt'), gid: r.u32('gid') };
    case F.Rsymlink: case F.Rmknod: case F.Rmkdir: return { type, tag, qid: r.qid() } as Fcall;
    case F.Tmknod:
      return {
        type, tag, dfid: r.u32('dfid'), name: r.str('name'), mode: r.u32('mode'), major: r.u32('major'),
        minor: r.u32('minor'), gid: r.u32('gid'),
      };
    case F.Trename: return { type, tag, fid: r.u32('fid'), dfid: r.u32('dfid'), name: r.str('name') };
    case F.Rreadlink: return { type, tag, target: r.str('target') };
    case F.Tgetattr: return { type, tag, fid: r.u32('fid'), requestMask: r.u64('request_mask') };
    case F.Rgetattr: return { type, tag, attr: readAttr(r) };
    case F.Tsetattr: return { type, tag, fid: r.u32('fid'), attr: readSetAttr(r) };
    case F.Txattrwalk: return { type, tag, fid: r.u32('fid'), newfid: r.u32('newfid'), name: r.str('name') };
    case F.Rxattrwalk: return { type, tag, size: r.u64('size') };
    case F.Txattrcreate:
      return { type, tag, fid: r.u32('fid'), name: r.str('name'), attrSize: r.u64('attr_size'), flags: r.u32('flags') };
    case F.Tfsync: {
      // Old diod and rust-9p send only fid[4].
      const m: F.TfsyncMsg = { type, tag, fid: r.u32('fid') };
      if (r.remaining() > 0) m.datasync = r.u32('datasync');
      return m;
    }
    case F.Tlock:
      return {
        type, tag, fid: r.u32('fid'), lockType: r.u8('type'), flags: r.u32('flags'), start: r.u64('start'),
        length: r.u64('length'), procId: r.u32('proc_id'), clientId: r.str('client_id'),
      };
    case F.Rlock: return { type, tag, status: r.u8('status') };
    case F.Tgetlock:
      return {
        type, tag, fid: r.u32('fid'), lockType: r.u8('type'), start: r.u64('start'), length: r.u64('length'),
        procId: r.u32('proc_id'), clientId: r.str('client_id'),
      };
    case F.Rgetlock:
      return {
        type, tag, lockType: r.u8('type'), start: r.u64('start'), length: r.u64('length'),
        procId: r.u32('proc_id'), clientId: r.str('client_id'),
      };
    case F.Tlink: return { type, tag, dfid: r.u32('dfid'), fid: r.u32('fid'), name: r.str('name') };
    case F.Tmkdir: return { type, tag, dfid: r.u32('dfid'), name: r.str('name'), mode: r.u32('mode'), gid: r.u32('gid') };
    case F.Trenameat:
      return {
        type, tag, olddirfid: r.u32('olddirfid'), oldname: r.str('oldname'), newdirfid: r.u32('newdirfid'),
        newname: r.str('newname'),
      };
    case F.Tunlinkat: return { type, tag, dirfid: r.u32('dirfid'), name: r.str('name'), flags: r.u32('flags') };
  }
  throw new DecodeError(`unknown message type ${type}`);
}

/** Rstat/Twstat: n[2] stat[n], where n must equal the stat's own size + 2. */
function wrappedStat(r: Reader, dialect: Dialect) {
  const n = r.u16('stat n');
  if (n > r.remaining()) throw new DecodeError(`stat n ${n} runs past the end`);
  const sr = new Reader(r.buf, r.pos, r.pos + n);
  r.pos += n;
  const s = readStat(sr, dialect);
  sr.done('stat (n disagrees with its size field)');
  return s;
}
