// SPDX-License-Identifier: GPL-2.0-or-later
//
// One client connection: frames in, replies out, in the plan9port lib9p shape. Every
// request has exactly one exit, respond(), which may come much later (a blocking read);
// Tflush aborts the request's AbortSignal and its Rflush is written only after the old
// request has settled, so a client never sees a reply to a tag it has finished with.

import type { Duplex } from 'node:stream';
import { decode, encode } from '../lib/9p/codec.js';
import { FrameReader } from '../lib/9p/frame.js';
import { P9Error, perr } from '../lib/9p/error.js';
import { EBADF, EBADMSG, EIO, ENOSYS, EOPNOTSUPP, EMFILE } from '../lib/9p/errno.js';
import {
  isRType, Rerror, Rflush, Rlerror, Rversion, Terror, Tflush, Tlerror, Tversion,
  type Dialect, type RMessage, type TMessage, type TflushMsg, type TversionMsg,
} from '../lib/9p/fcall.js';
import type { Caller, NamespaceView, Session } from '../devs/types.js';
import type { Fid } from './fid.js';
import { handlerFor, knownType, setsErrstr } from './dispatch.js';
import type { Conn, Reply, Req, ServerConfig } from './types.js';

/** Smallest msize a session may have: below it, Rversion `unknown`. */
const MIN_MSIZE = 4096;
/** Linux kernel sessions are told apart by their msize: v9fs asks for this much or more,
 *  the user-space clients (plan9port, 9pfuse, diod's tools) for less. */
const LINUX_MIN_MSIZE = 131072;
/** Error texts are cut to this many bytes, short enough for Linux's error buffers. */
const MAX_ERROR_TEXT = 120;

/** What a connection needs of its server besides the config. */
export interface ConnOwner {
  nextSessionId(): number;
  connectionClosed(c: Connection): void;
}

export class SessionImpl implements Session {
  errstr = '';
  constructor(readonly id: number, readonly connId: number, readonly user: string,
              readonly ns: NamespaceView, private conn: Connection) {}
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
  readonly fids = new Map<number, Fid>();
  readonly inflight = new Map<number, Req>();
  private gen = 0;
  private closed = false;
  private writeBlocked = false;
  private handshake: ReturnType<typeof setTimeout> | undefined;
  private readonly reader: FrameReader;
  private readonly closeHooks: (() => void)[] = [];

  constructor(readonly id: number, readonly config: ServerConfig, private readonly owner: ConnOwner,
              private readonly stream: Duplex) {
    this.reader = new FrameReader(config.maxMsize);
    // Until its first Tattach a connection holds resources for nobody: bound the wait.
    this.handshake = setTimeout(() => this.close(), config.handshakeMs);
    this.handshake.unref?.();
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    stream.on('drain', () => { this.writeBlocked = false; this.pump(); });
    stream.on('end', () => this.close());
    stream.on('close', () => this.close());
    stream.on('error', () => this.close());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  onClose(fn: () => void): void {
    if (this.closed) fn();
    else this.closeHooks.push(fn);
  }

  newSession(user: string, ns: NamespaceView): SessionImpl {
    clearTimeout(this.handshake);
    return new SessionImpl(this.owner.nextSessionId(), this.id, user, ns, this);
  }

  caller(session: Session): Caller {
    return { user: session.user, hostowner: session.user === this.config.hostowner, session };
  }

  hasFid(num: number): boolean {
    return this.fids.has(num);
  }

  /** The fid for a request, with a reference held until the request settles. */
  useFid(num: number, req: Req): Fid {
    const f = this.fids.get(num);
    if (!f) throw perr(EBADF, `fid ${num} unknown`);
    f.refs++;
    req.fids.push(f);
    return f;
  }

  addFid(f: Fid): void {
    if (this.fids.size >= this.config.maxFids) throw perr(EMFILE, `more than ${this.config.maxFids} fids`);
    this.fids.set(f.num, f);
  }

  /** Tclunk and Tremove: the fid leaves the table now, its file closes on the last reference. */
  dropFid(num: number): Fid {
    const f = this.fids.get(num);
    if (!f) throw perr(EBADF, `fid ${num} unknown`);
    this.fids.delete(num);
    f.clunked = true;
    f.release();
    return f;
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

  /** Process buffered frames while under the in-flight cap and the socket can take replies. */
  private pump(): void {
    while (!this.closed && !this.writeBlocked && this.inflight.size < this.config.maxInflight) {
      let frame: Buffer | null;
      try {
        frame = this.reader.next();
      } catch {
        this.close();
        return;
      }
      if (!frame) break;
      this.handleFrame(frame);
    }
    if (this.closed) return;
    if (this.writeBlocked || this.inflight.size >= this.config.maxInflight) this.stream.pause();
    else this.stream.resume();
  }

  private handleFrame(frame: Buffer): void {
    const dialect = this.dialect;
    const d = decode(frame, dialect);
    if (!d.ok) {
      const { tag, msgType } = d.error;
      // An R-message or Terror/Tlerror as a request, or a header we cannot trust: this
      // connection is done.
      if (tag === undefined || msgType === undefined || isRType(msgType) || msgType === Tversion
          || msgType === Terror || msgType === Tlerror || this.inflight.has(tag)) {
        this.close();
        return;
      }
      const errno = knownType(msgType, dialect) ? EBADMSG : (dialect === '9P2000.L' ? EOPNOTSUPP : ENOSYS);
      this.sendError(tag, new P9Error(errno, d.error.message));
      return;
    }
    const msg = d.msg as TMessage;
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
      this.flush(msg as TflushMsg);
      return;
    }
    const req: Req = { tag: msg.tag, type: msg.type, ac: new AbortController(), flushes: [], fids: [], gen: this.gen };
    this.inflight.set(msg.tag, req);
    if (!this.versioned) {
      this.respond(req, undefined, perr(EIO, 'no Tversion yet'));
      return;
    }
    const handler = handlerFor(msg.type, dialect);
    let p: Promise<Reply>;
    try {
      p = Promise.resolve(handler(this, msg, req));
    } catch (e) {
      p = Promise.reject(e);
    }
    p.then((r) => this.respond(req, r), (e) => this.respond(req, undefined, e));
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

  private flush(m: TflushMsg): void {
    const old = this.inflight.get(m.oldtag);
    if (!old) {
      this.send(encode({ type: Rflush, tag: m.tag }, this.dialect));
      return;
    }
    // The flush itself is in flight until the old request settles; a flush of it queues behind.
    const placeholder: Req = { tag: m.tag, type: Tflush, ac: new AbortController(), flushes: [], fids: [], gen: this.gen };
    this.inflight.set(m.tag, placeholder);
    old.flushes.push(m.tag);
    old.ac.abort();
  }

  /** The single exit of every request (lib9p's respond). */
  private respond(req: Req, reply?: Reply, err?: unknown): void {
    for (const f of req.fids) f.release();
    if (this.inflight.get(req.tag) !== req || req.gen !== this.gen || this.closed) return;
    this.inflight.delete(req.tag);
    const flushed = req.ac.signal.aborted && req.flushes.length > 0;
    if (err !== undefined) {
      const pe = toP9Error(err);
      if (setsErrstr(req.type) && req.fids.length > 0) {
        req.fids[0].caller.session.errstr = pe.message;
      }
      if (!flushed) this.sendError(req.tag, pe);
    } else if (reply) {
      this.send(encode({ ...reply, tag: req.tag } as RMessage, this.dialect));
    }
    this.answerFlushes(req);
    this.pump();
  }

  private answerFlushes(req: Req): void {
    for (const ft of req.flushes) {
      const ph = this.inflight.get(ft);
      if (ph) this.inflight.delete(ft);
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
      const ename = Buffer.from(e.text).subarray(0, MAX_ERROR_TEXT).toString();
      msg = dialect === '9P2000.u'
        ? { type: Rerror, tag, ename, errno: e.errno }
        : { type: Rerror, tag, ename };
    }
    this.send(encode(msg, dialect));
  }

  private send(buf: Buffer): void {
    if (this.closed) return;
    if (!this.stream.write(buf)) this.writeBlocked = true;
  }

  /** Tversion and close: abort everything in flight (replies suppressed) and clunk every fid. */
  private reset(): void {
    this.gen++;
    for (const r of this.inflight.values()) r.ac.abort();
    this.inflight.clear();
    for (const f of this.fids.values()) {
      f.clunked = true;
      f.release();
    }
    this.fids.clear();
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
