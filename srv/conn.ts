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
  Rerror, Rflush, Rlerror, Rversion, Terror, Tflush, Tlerror, Tversion,
  type Dialect, type RMessage, type TMessage, type TflushMsg, type TversionMsg,
} from '../lib/9p/fcall.js';
import type { Caller, NamespaceView, Session } from '../devs/types.js';
import { Fid } from './fid.js';
import { handlerFor, knownType } from './ops.js';
import type { ServerCore } from './server.js';

/** A reply body: an R-message without its tag, which respond() fills in. */
export type Reply = RMessage extends infer M ? (M extends RMessage ? Omit<M, 'tag'> : never) : never;

export interface Req {
  readonly tag: number;
  readonly type: number;
  readonly ac: AbortController;
  /** Tflush tags waiting for this request to settle; answered in order after it. */
  readonly flushes: number[];
  /** Fids this request holds a reference on. */
  readonly fids: Fid[];
  /** Bumped by Tversion and close: replies of an older generation are never sent. */
  readonly gen: number;
}

/** Types whose failures a user wants to read back from /dev/errstr. */
const ERRSTR_TYPES = new Set([112, 12, 114, 14, 118, 122, 126, 26, 72]);

const MIN_MSIZE = 4096;
const MAX_ERROR_TEXT = 120;

export class SessionImpl implements Session {
  errstr = '';
  constructor(readonly id: number, readonly connId: number, readonly user: string,
              readonly ns: NamespaceView, private conn: Connection) {}
  onClose(fn: () => void): void {
    this.conn.onClose(fn);
  }
}

export class Connection {
  dialect: Dialect | null = null;
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

  constructor(readonly id: number, readonly core: ServerCore, private readonly stream: Duplex) {
    this.reader = new FrameReader(core.maxMsize);
    // Until its first Tattach a connection holds resources for nobody: bound the wait.
    this.handshake = setTimeout(() => this.close(), core.handshakeMs);
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
    return new SessionImpl(this.core.nextSessionId(), this.id, user, ns, this);
  }

  caller(session: Session): Caller {
    return { user: session.user, hostowner: session.user === this.core.hostowner, session };
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
    if (this.fids.size >= this.core.maxFids) throw perr(EMFILE, `more than ${this.core.maxFids} fids`);
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
    while (!this.closed && !this.writeBlocked && this.inflight.size < this.core.maxInflight) {
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
    if (this.writeBlocked || this.inflight.size >= this.core.maxInflight) this.stream.pause();
    else this.stream.resume();
  }

  private handleFrame(frame: Buffer): void {
    const dialect = this.dialect ?? '9P2000';
    const d = decode(frame, dialect);
    if (!d.ok) {
      const { tag, msgType } = d.error;
      // An R-message or Terror/Tlerror as a request, or a header we cannot trust: this
      // connection is done.
      if (tag === undefined || msgType === undefined || (msgType & 1) === 1 || msgType === Tversion
          || msgType === Terror || msgType === Tlerror || this.inflight.has(tag)) {
        this.close();
        return;
      }
      const errno = knownType(msgType, dialect) ? EBADMSG : (dialect === '9P2000.L' ? EOPNOTSUPP : ENOSYS);
      this.sendError(tag, new P9Error(errno, d.error.message));
      return;
    }
    const msg = d.msg as TMessage;
    if ((msg.type & 1) === 1) {
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
    if (this.dialect === null) {
      this.respond(req, undefined, perr(EIO, 'no Tversion yet'));
      return;
    }
    const handler = handlerFor(msg.type, this.dialect);
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
    this.dialect = dialect;
    this.msize = Math.min(m.msize, this.core.maxMsize);
    const rule = this.core.linuxContinuation;
    this.linux = rule === 'always' || (rule === 'auto' && m.msize >= 131072);
    this.send(encode({ type: Rversion, tag: m.tag, msize: this.msize, version } as RMessage, dialect ?? '9P2000'));
    if (dialect) this.reader.maxSize = this.msize;
  }

  private flush(m: TflushMsg): void {
    const old = this.inflight.get(m.oldtag);
    if (!old) {
      this.send(encode({ type: Rflush, tag: m.tag } as RMessage, this.dialect ?? '9P2000'));
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
      if (ERRSTR_TYPES.has(req.type) && req.fids.length > 0) {
        req.fids[0].caller.session.errstr = pe.message;
      }
      if (!flushed) this.sendError(req.tag, pe);
    } else if (reply) {
      this.send(encode({ ...reply, tag: req.tag } as RMessage, this.dialect ?? '9P2000'));
    }
    this.answerFlushes(req);
    this.pump();
  }

  private answerFlushes(req: Req): void {
    for (const ft of req.flushes) {
      const ph = this.inflight.get(ft);
      if (ph) this.inflight.delete(ft);
      this.send(encode({ type: Rflush, tag: ft } as RMessage, this.dialect ?? '9P2000'));
      if (ph) this.answerFlushes(ph);
    }
  }

  /** An error reply in the session's dialect, short enough for Linux's error buffers. */
  private sendError(tag: number, e: P9Error): void {
    const dialect = this.dialect ?? '9P2000';
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
    this.core.connectionClosed(this);
  }
}

function toP9Error(e: unknown): P9Error {
  if (e instanceof P9Error) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new P9Error(EIO, `internal error: ${msg}`);
}
