// SPDX-License-Identifier: GPL-2.0-or-later
//
// One client connection: frames in, replies out, in the plan9port lib9p shape. Every
// request has exactly one exit, respond(), which may come much later (a blocking read);
// Tflush aborts the request's AbortSignal and its Rflush is written only after the old
// request has settled, so a client never sees a reply to a tag it has finished with.
//
// What a connection may hold is bounded, and a Tflush is always read (README "Flow"):
// - active requests (maxInflight) and held bytes (maxQueuedBytes: replies queued for the
//   socket, frames being worked on, read counts reserved) stop the reading of new frames
//   when full. Both drain by themselves: active requests settle on their own and queued
//   replies leave when the client reads them;
// - a blocking read that has to wait moves out of the active count into the parked one
//   (maxParked), so any number of blocked `cat`s up to that cap never stop the reading,
//   and the Tflush that interrupts one is always seen; past maxParked a read gets EAGAIN;
// - once the parked reads' reservations fill maxQueuedBytes, new reads are cut to
//   READ_FLOOR bytes (a short read is always legal) instead of growing the total;
// - at most FRAMES_PER_TURN frame units are handled before the connection yields, and
//   only while the server's budget for this turn of the event loop lasts; the server then
//   gives yielded connections their turns round-robin, a bounded number of units in all
//   per turn, so a newly arrived request from a quiet client waits for one bounded turn
//   however many clients are busy.

import type { Duplex } from 'node:stream';
import { DecodeError, decodeAt, encode, encodeFrame } from '../lib/9p/codec.js';
import { FrameReader } from '../lib/9p/frame.js';
import { writeOwned } from '../lib/9p/duplex.js';
import { P9Error, perr } from '../lib/9p/error.js';
import { EBADF, EBADMSG, EIO, ENOSYS, EOPNOTSUPP, EMFILE, EUSERS } from '../lib/9p/errno.js';
import { IOHDRSZ } from '../lib/9p/const.js';
import {
  isRType, Rerror, Rflush, Rlerror, Rversion, Terror, Tflush, Tlerror, Tversion,
  type Dialect, type RMessage, type TMessage, type TflushMsg, type TversionMsg,
} from '../lib/9p/fcall.js';
import type { Caller, NamespaceView, Session } from '../devs/types.js';
import type { Fid } from './fid.js';
import { handlerFor, knownType, setsErrstr } from './dispatch.js';
import type { AuthFid, Conn, ConnMeta, Reply, Req, ServerConfig } from './types.js';
import { NumTable } from '../lib/numtable.js';

/** Smallest msize a session may have: below it, Rversion `unknown`. */
const MIN_MSIZE = 4096;
/** Linux kernel sessions are told apart by their msize: v9fs asks for this much or more,
 *  the user-space clients (plan9port, 9pfuse, diod's tools) for less. */
const LINUX_MIN_MSIZE = 131072;
/** Error texts are cut to this many bytes, short enough for Linux's error buffers. */
const MAX_ERROR_TEXT = 120;
/** /dev/errstr keeps at most this many bytes (Plan 9's ERRMAX is 128): a failed write of
 *  a megabyte-long ctl line must not be stored whole. */
export const MAX_ERRSTR = 256;
/** The smallest count a read is cut to when the connection's byte budget is spent: more
 *  than any one stat entry or directory entry, so listings still make progress. */
export const READ_FLOOR = 8192;
/** Work one connection does before yielding to the others, in frame units: a frame
 *  costs one unit and one more per FRAME_UNIT_BYTES it holds (a 1 MiB Twrite is parsed,
 *  copied and split: it costs as much as 65 small requests). */
export const FRAMES_PER_TURN = 16;
export const FRAME_UNIT_BYTES = 16384;

/** What a connection needs of its server besides the config. */
export interface ConnOwner {
  nextSessionId(): number;
  connectionClosed(c: Connection): void;
  /** `c` has more to do: call c.turn() when its turn comes. `quiet` (it did nothing yet
   *  this turn: the budget was gone when its bytes came) puts it before the busy ones. */
  yieldTurn(c: Connection, quiet: boolean): void;
  /** Frame units still allowed this turn of the event loop outside the round-robin
   *  (new bytes, settled requests), all connections together; spend() takes them. */
  budget(): number;
  spend(units: number): void;
}

/** `s` cut to at most `max` bytes of UTF-8, never inside a character. */
export function truncateUtf8(s: string, max: number): string {
  if (s.length <= max / 3) return s;
  const b = Buffer.from(s);
  if (b.length <= max) return s;
  let end = max;
  while (end > 0 && (b[end] & 0xc0) === 0x80) end--;
  return b.subarray(0, end).toString();
}

function uncork(c: Connection): void {
  c.uncork();
}

/** A request in flight (types.ts Req). */
class Request implements Req {
  /** Tflush tags waiting for this request to settle; answered in order after it. Made
   *  by the first such Tflush (most requests never see one). */
  flushes: number[] | undefined = undefined;
  /** The first fid this request holds a reference on, and any others (Trename). */
  fid: Fid | undefined = undefined;
  moreFids: Fid[] | undefined = undefined;
  reserved = 0;
  parked = false;
  aborted = false;
  private ac?: AbortController;

  constructor(readonly tag: number, readonly type: number, readonly gen: number, public bytes: number) {}

  signal(): AbortSignal {
    this.ac ??= new AbortController();
    if (this.aborted && !this.ac.signal.aborted) this.ac.abort();
    return this.ac.signal;
  }

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.ac?.abort();
  }
}

export class SessionImpl implements Session {
  private err = '';
  /** Fids of this session in the connection's table (it is live while any are). */
  fids = 0;
  constructor(readonly id: number, readonly connId: number, readonly user: string,
              readonly ns: NamespaceView, private conn: Connection) {}

  /** Stored cut to MAX_ERRSTR bytes, whoever sets it (the server or a /dev/errstr write). */
  get errstr(): string {
    return this.err;
  }

  set errstr(s: string) {
    this.err = truncateUtf8(s, MAX_ERRSTR);
  }

  onClose(fn: () => void): void {
    this.conn.onClose(fn);
  }
}

export class Connection implements Conn {
  /** The session's dialect once a Tversion was accepted (until then replies use 9P2000). */
  dialect: Dialect = '9P2000';
  private versioned = false;
  msize = 0;
  /** The Linux kernel client: reads get the continuation rule (reference/9p.md §9.2). */
  linux = false;
  authUid?: number;
  readonly fids = new NumTable<Fid>();
  readonly afids = new NumTable<AuthFid>();
  readonly inflight = new NumTable<Request>();
  /** Requests in flight that are not parked reads (flush placeholders included). */
  private active = 0;
  private parked = 0;
  /** Frame bytes and reserved read counts of the active requests. */
  private activeBytes = 0;
  /** Reserved read counts of the parked reads. */
  private parkedBytes = 0;
  /** Sessions with at least one fid. */
  private liveSessions = 0;
  private gen = 0;
  private closed = false;
  private pumping = false;
  private yielded = false;
  private corked = false;
  private handshake: ReturnType<typeof setTimeout> | undefined;
  private readonly reader: FrameReader;
  private readonly closeHooks: (() => void)[] = [];

  constructor(readonly id: number, readonly config: ServerConfig, private readonly owner: ConnOwner,
              private readonly stream: Duplex, readonly meta: ConnMeta) {
    this.reader = new FrameReader(config.maxMsize);
    // Until its first Tattach a connection holds resources for nobody: bound the wait.
    this.handshake = setTimeout(() => this.close(), config.handshakeMs);
    this.handshake.unref?.();
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    stream.on('drain', () => this.pump());
    stream.on('end', () => this.close());
    stream.on('close', () => this.close());
    stream.on('error', () => this.close());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** What this connection holds now (tests and the bench check the bounds). */
  usage(): { active: number; parked: number; heldBytes: number; parkedBytes: number; sessions: number } {
    return { active: this.active, parked: this.parked, heldBytes: this.held(), parkedBytes: this.parkedBytes, sessions: this.liveSessions };
  }

  onClose(fn: () => void): void {
    if (this.closed) fn();
    else this.closeHooks.push(fn);
  }

  newSession(user: string, ns: NamespaceView): SessionImpl {
    if (this.liveSessions >= this.config.maxAttaches) {
      throw perr(EUSERS, `more than ${this.config.maxAttaches} attaches on one connection`);
    }
    clearTimeout(this.handshake);
    return new SessionImpl(this.owner.nextSessionId(), this.id, user, ns, this);
  }

  caller(session: Session): Caller {
    return { user: session.user, hostowner: session.user === this.config.hostowner, session };
  }

  hasFid(num: number): boolean {
    return this.fids.has(num) || this.afids.has(num);
  }

  /** The fid for a request, with a reference held until the request settles. */
  useFid(num: number, req: Req): Fid {
    const f = this.fids.get(num);
    if (!f) throw perr(EBADF, this.afids.has(num) ? `fid ${num} is an auth fid` : `fid ${num} unknown`);
    f.refs++;
    const r = req as Request;
    if (r.fid === undefined) r.fid = f;
    else (r.moreFids ??= []).push(f);
    return f;
  }

  addFid(f: Fid): void {
    if (this.fids.size + this.afids.size >= this.config.maxFids) throw perr(EMFILE, `more than ${this.config.maxFids} fids`);
    this.fids.set(f.num, f);
    const s = f.caller.session as SessionImpl;
    if (s.fids++ === 0) this.liveSessions++;
  }

  addAuthFid(num: number, a: AuthFid): void {
    if (this.fids.size + this.afids.size >= this.config.maxFids) throw perr(EMFILE, `more than ${this.config.maxFids} fids`);
    this.afids.set(num, a);
  }

  authFid(num: number): AuthFid | undefined {
    return this.afids.get(num);
  }

  /** Tclunk and Tremove: the fid leaves the table now, its file closes on the last reference. */
  dropFid(num: number): Fid | undefined {
    if (this.afids.delete(num)) return undefined;
    const f = this.fids.get(num);
    if (!f) throw perr(EBADF, `fid ${num} unknown`);
    this.fids.delete(num);
    this.unlinkFid(f);
    return f;
  }

  private unlinkFid(f: Fid): void {
    f.clunked = true;
    const s = f.caller.session as SessionImpl;
    if (--s.fids === 0) this.liveSessions--;
    f.release();
  }

  readCount(req: Req, count: number): number {
    let n = Math.min(count, this.msize - IOHDRSZ);
    const room = this.config.maxQueuedBytes - this.held() - this.parkedBytes;
    if (n > room) n = Math.min(n, Math.max(READ_FLOOR, room));
    req.reserved += n;
    this.activeBytes += n;
    return n;
  }

  park(req: Req): boolean {
    if (req.parked || req.gen !== this.gen || this.inflight.get(req.tag) !== req) return true;
    if (this.parked >= this.config.maxParked) return false;
    req.parked = true;
    this.active--;
    this.activeBytes -= req.bytes + req.reserved;
    this.parked++;
    this.parkedBytes += req.reserved;
    req.bytes = 0;
    // Room for more frames now; parking happens inside a handler, so never re-enter here.
    if (!this.pumping) queueMicrotask(() => this.pump());
    return true;
  }

  /** Replies queued plus what the active requests hold. */
  private held(): number {
    return this.stream.writableLength + this.activeBytes;
  }

  private full(): boolean {
    return this.active >= this.config.maxInflight || this.held() >= this.config.maxQueuedBytes;
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    try {
      this.reader.push(chunk);
    } catch {
      this.close();
      return;
    }
    this.pump();
  }

  /** New bytes, a settled request, a drained socket: handle what can be handled now,
   *  unless the connection is waiting for its turn. */
  private pump(): void {
    if (!this.yielded) this.owner.spend(this.run(Math.min(FRAMES_PER_TURN, this.owner.budget())));
  }

  /** The server's turn for a yielded connection: up to `quota` frame units (at least one
   *  frame); how many units ran. */
  turn(quota: number): number {
    this.yielded = false;
    return this.run(quota);
  }

  /** Handles buffered frames while the connection has room, at most `quota` frame units
   *  (at least one frame); past the quota with bytes left, yields to the server's
   *  round-robin. */
  private run(quota: number): number {
    if (this.pumping || this.closed) return 0;
    this.pumping = true;
    let n = 0;
    try {
      while (!this.closed && !this.full()) {
        if (n >= quota) {
          // Bytes left (maybe a whole frame): the rest waits for this connection's turn.
          if (this.reader.buffered() > 0) {
            this.yielded = true;
            this.owner.yieldTurn(this, n === 0);
          }
          break;
        }
        let size: number;
        const r = this.reader;
        try {
          size = r.take();
        } catch {
          this.close();
          return n;
        }
        if (size < 0) break;
        n += 1 + Math.floor(size / FRAME_UNIT_BYTES);
        this.handleFrame(r.frameBuf, r.frameAt, size);
      }
    } finally {
      this.pumping = false;
    }
    if (this.closed) return n;
    if (this.full() || this.yielded) this.stream.pause();
    else this.stream.resume();
    return n;
  }

  private newReq(tag: number, type: number, bytes: number): Request {
    const req = new Request(tag, type, this.gen, bytes);
    this.inflight.set(tag, req);
    this.active++;
    this.activeBytes += bytes;
    return req;
  }

  /** A request leaves the in-flight table: its counts go with it. */
  private retire(req: Req): void {
    this.inflight.delete(req.tag);
    if (req.parked) {
      this.parked--;
      this.parkedBytes -= req.reserved;
    } else {
      this.active--;
      this.activeBytes -= req.bytes + req.reserved;
    }
  }

  /** The frame buf[at, at + size). */
  private handleFrame(buf: Buffer, at: number, size: number): void {
    const dialect = this.dialect;
    const d = decodeAt(buf, at, size, dialect);
    if (d instanceof DecodeError) {
      const { tag, msgType } = d;
      // An R-message or Terror/Tlerror as a request, or a header we cannot trust: this
      // connection is done.
      if (tag === undefined || msgType === undefined || isRType(msgType) || msgType === Tversion
          || msgType === Terror || msgType === Tlerror || this.inflight.has(tag)) {
        this.close();
        return;
      }
      const errno = knownType(msgType, dialect) ? EBADMSG : (dialect === '9P2000.L' ? EOPNOTSUPP : ENOSYS);
      this.sendError(tag, new P9Error(errno, d.message));
      return;
    }
    const msg = d as TMessage;
    if (isRType(msg.type)) {
      this.close();
      return;
    }
    if (msg.type === Tversion) {
      this.version(msg as TversionMsg);
      return;
    }
    if (this.inflight.has(msg.tag)) {
      // A duplicate tag cannot be told apart from the original's reply: drop the connection.
      this.close();
      return;
    }
    if (msg.type === Tflush) {
      this.flush(msg as TflushMsg, size);
      return;
    }
    const req = this.newReq(msg.tag, msg.type, size);
    if (!this.versioned) {
      this.respond(req, undefined, perr(EIO, 'no Tversion yet'));
      return;
    }
    const handler = handlerFor(msg.type, dialect);
    let out: Reply | Promise<Reply>;
    try {
      out = handler(this, msg, req);
    } catch (e) {
      this.respond(req, undefined, e);
      return;
    }
    // Most requests are answered at once: no promise, no microtask, no closures for them
    // (respond's pump() is a no-op inside run(), whose loop goes on).
    if (out instanceof Promise) out.then((r) => this.respond(req, r), (e) => this.respond(req, undefined, e));
    else this.respond(req, out);
  }

  private version(m: TversionMsg): void {
    this.reset();
    let version = 'unknown';
    let dialect: Dialect | null = null;
    if (m.msize >= MIN_MSIZE && m.version.startsWith('9P2000')) {
      dialect = m.version === '9P2000.L' ? '9P2000.L' : m.version === '9P2000.u' ? '9P2000.u' : '9P2000';
      version = dialect;
    }
    this.dialect = dialect ?? '9P2000';
    this.versioned = dialect !== null;
    this.msize = Math.min(m.msize, this.config.maxMsize);
    const rule = this.config.linuxContinuation;
    this.linux = rule === 'always' || (rule === 'auto' && m.msize >= LINUX_MIN_MSIZE);
    this.send(encode({ type: Rversion, tag: m.tag, msize: this.msize, version }, this.dialect));
    if (dialect) this.reader.maxSize = this.msize;
  }

  private flush(m: TflushMsg, bytes: number): void {
    const old = this.inflight.get(m.oldtag);
    if (!old) {
      this.send(encode({ type: Rflush, tag: m.tag }, this.dialect));
      return;
    }
    // The flush itself is in flight until the old request settles; a flush of it queues
    // behind. It counts as active: the old request was just aborted, so it settles soon.
    const placeholder = this.newReq(m.tag, Tflush, bytes);
    (old.flushes ??= []).push(placeholder.tag);
    old.abort();
  }

  /** The single exit of every request (lib9p's respond). */
  private respond(req: Request, reply?: Reply, err?: unknown): void {
    if (req.fid !== undefined) req.fid.release();
    if (req.moreFids !== undefined) for (const f of req.moreFids) f.release();
    if (this.inflight.get(req.tag) !== req || req.gen !== this.gen || this.closed) return;
    this.retire(req);
    const flushed = req.aborted && req.flushes !== undefined;
    if (err !== undefined) {
      const pe = toP9Error(err);
      if (setsErrstr(req.type) && req.fid !== undefined) {
        req.fid.caller.session.errstr = pe.message;
      }
      if (!flushed) this.sendError(req.tag, pe);
    } else if (reply) {
      this.send(encodeFrame(reply, this.dialect, req.tag));
    }
    if (req.flushes !== undefined) this.answerFlushes(req);
    this.pump();
  }

  private answerFlushes(req: Request): void {
    if (req.flushes === undefined) return;
    for (const ft of req.flushes) {
      const ph = this.inflight.get(ft);
      if (ph) this.retire(ph);
      this.send(encode({ type: Rflush, tag: ft }, this.dialect));
      if (ph) this.answerFlushes(ph);
    }
  }

  /** An error reply in the session's dialect, short enough for Linux's error buffers. */
  private sendError(tag: number, e: P9Error): void {
    const dialect = this.dialect;
    let msg: RMessage;
    if (dialect === '9P2000.L') {
      msg = { type: Rlerror, tag, ecode: e.errno };
    } else {
      const ename = truncateUtf8(e.text, MAX_ERROR_TEXT);
      msg = dialect === '9P2000.u'
        ? { type: Rerror, tag, ename, errno: e.errno }
        : { type: Rerror, tag, ename };
    }
    this.send(encode(msg, dialect));
  }

  /** One reply: a frame, or a header and its uncopied payload (encodeIov). */
  private send(buf: Buffer | Buffer[]): void {
    if (this.closed) return;
    const s = this.stream;
    // More replies coming soon (requests in flight, frames not yet parsed): cork until the
    // end of this tick, so a burst goes out in one writev instead of one write each. A
    // lone reply is written at once.
    if (!this.corked && (this.inflight.size > 0 || this.reader.buffered() > 0)) {
      this.corked = true;
      s.cork();
      process.nextTick(uncork, this);
    }
    if (!Array.isArray(buf)) writeOwned(s, buf);
    else if (buf.length === 1 || this.corked) for (const b of buf) s.write(b);
    else {
      s.cork();
      for (const b of buf) s.write(b);
      s.uncork();
    }
  }

  /** @internal: the end of a tick's corked replies (send). */
  uncork(): void {
    this.corked = false;
    if (!this.stream.destroyed) this.stream.uncork();
  }

  /** Tversion and close: abort everything in flight (replies suppressed) and clunk every fid. */
  private reset(): void {
    this.gen++;
    for (const r of this.inflight.values()) r.abort();
    this.inflight.clear();
    this.active = 0;
    this.parked = 0;
    this.activeBytes = 0;
    this.parkedBytes = 0;
    for (const f of this.fids.values()) this.unlinkFid(f);
    this.fids.clear();
    // authUid stays: diod keeps a connection authenticated across Tversion, which is how
    // a root helper hands an authenticated connection to the kernel's v9fs.
    this.afids.clear();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.handshake);
    this.reset();
    const hooks = this.closeHooks.splice(0);
    for (const h of hooks) {
      try { h(); } catch { /* one hook failing must not stop the others */ }
    }
    this.stream.destroy();
    this.owner.connectionClosed(this);
  }
}

function toP9Error(e: unknown): P9Error {
  if (e instanceof P9Error) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new P9Error(EIO, `internal error: ${msg}`);
}
