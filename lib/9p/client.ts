// SPDX-License-Identifier: LGPL-2.1-or-later
//
// An async 9P client over any Duplex byte stream. One connection multiplexes many
// outstanding requests by tag. Cancellation follows flush(5) as Linux does it: an aborted
// request sends Tflush and keeps its tag reserved until Rflush arrives; a reply that beats
// the Rflush is honoured. Errors are P9Error; a dead connection fails everything pending
// with ECONNRESET.

import type { Duplex } from 'node:stream';
import { userInfo } from 'node:os';
import { DecodeError, decodeAt, encode, encodeFrame, typeName } from './codec.js';
import { FrameReader } from './frame.js';
import { writeOwned } from './duplex.js';
import { readsOf } from './onread.js';
import { P9Error } from './error.js';
import { ECANCELED, ECONNRESET, EAGAIN, EBADF, EBADMSG, EIO, ENOENT, EPERM, EPROTO } from './errno.js';
import { IOHDRSZ, NOFID, NONUNAME, NOTAG, OREAD, OTRUNC, OWRITE } from './const.js';
import * as F from './fcall.js';
import type { Dialect, ReplyOf, RMessage, Stat, TMessage, TRequest } from './fcall.js';
import { Fid, type DirEntry, type FidClient } from './fid.js';
import { NumTable } from '../numtable.js';

export interface ConnectOptions {
  /** Default 9P2000.L. */
  dialect?: Dialect;
  /** Default 65536. */
  msize?: number;
  /** Accept a server answering with a lower dialect (.L -> .u -> 9P2000). */
  allowDowngrade?: boolean;
}

export interface AttachOptions {
  /** Default: the local user name. */
  uname?: string;
  /** Default ''. diod wants the exported path. */
  aname?: string;
  /** .u/.L only. Default: the local uid. */
  nUname?: number;
  /** Default NOFID (no authentication). */
  afid?: number;
  /**
   * Authenticate as diod does: Tauth, write this credential to the afid, Tattach with it,
   * clunk the afid. For MUNGE, a fresh credential from munged (lib/munge's encode). A
   * server that answers Tauth "not required" (ENOENT) gets a plain attach, unless
   * `requireAuth`.
   */
  credential?: () => Promise<string | Buffer>;
  /** With `credential`: fail (EPERM) rather than attach unauthenticated. */
  requireAuth?: boolean;
}

const RANK: Record<Dialect, number> = { '9P2000': 0, '9P2000.u': 1, '9P2000.L': 2 };
const MIN_MSIZE = 256;

/** One request awaiting its reply. A class with every field set up front, so all of
 *  them share one shape. */
class Pending {
  /** Set once its reply (or Rflush) has been delivered to the caller. */
  settled = false;
  /** Tag of the Tflush sent for it, if aborted. */
  flushTag: number | undefined = undefined;
  /** For a Tflush: the tag it flushes. */
  oldtag: number | undefined = undefined;
  /** Removes the abort listener. */
  cleanup: (() => void) | undefined = undefined;
  constructor(readonly type: number, readonly resolve: (m: RMessage) => void, readonly reject: (e: Error) => void) {}
}

const ignore = (): void => {};
/** What the executor of send()'s promise was handed (it runs synchronously). */
const captured: { resolve?: (m: RMessage) => void; reject?: (e: Error) => void } = { resolve: undefined, reject: undefined };
function capture(resolve: (m: RMessage) => void, reject: (e: Error) => void): void {
  captured.resolve = resolve;
  captured.reject = reject;
}
const uncork = (c: Client): void => c.uncork();
const flushHeld = (c: Client): void => c.flushHeld();
/** How long a held request (Client.later) waits for another to carry it, and how many
 *  may wait. */
export const HOLD_MS = 2;
export const MAX_HELD = 32;

export class Client implements FidClient {
  dialect: Dialect;
  msize: number;
  /** The fid of the first attach; readFile/writeFile/ls/stat walk from it. */
  root?: Fid;
  /** Resolves when the connection has ended (for any reason). */
  readonly closed: Promise<void>;
  /** Gid sent in Tlcreate/Tmkdir/Tsymlink. */
  gid: number = process.getgid?.() ?? 0;

  private readonly reader: FrameReader;
  // A long-lived Map with a set and a delete per request is slow in V8 (lib/numtable.ts).
  private readonly pending = new NumTable<Pending>();
  private readonly freeTags: number[] = [];
  private nextTag = 0;
  private readonly freeFids: number[] = [];
  private nextFid = 0;
  private dead: P9Error | null = null;
  private corked = false;
  /** Requests made inside later(): encoded, in `pending`, not yet written. */
  private holding = false;
  private held: Buffer[] = [];
  private heldReqs = 0;
  private holdTimer: ReturnType<typeof setTimeout> | undefined = undefined;
  private resolveClosed!: () => void;

  private constructor(private readonly stream: Duplex, dialect: Dialect, msize: number) {
    this.dialect = dialect;
    this.msize = msize;
    this.reader = new FrameReader(msize);
    this.closed = new Promise((res) => { this.resolveClosed = res; });
    const rr = readsOf(stream);
    if (rr) rr.attach((bytes) => this.onData(bytes, true));
    else stream.on('data', (chunk: Buffer) => this.onData(chunk, false));
    stream.on('end', () => this.shutdown(new P9Error(ECONNRESET, 'connection closed by server')));
    stream.on('close', () => this.shutdown(new P9Error(ECONNRESET, 'connection closed')));
    stream.on('error', (e: Error) => this.shutdown(new P9Error(ECONNRESET, e.message)));
  }

  /** Negotiate the version (Tversion on NOTAG). Rejects on "unknown", an unasked-for
   *  dialect (unless allowDowngrade and it is lower), or an msize above ours. */
  static async connect(stream: Duplex, opts: ConnectOptions = {}): Promise<Client> {
    const dialect = opts.dialect ?? '9P2000.L';
    const msize = opts.msize ?? 65536;
    const c = new Client(stream, dialect, msize);
    try {
      const r = await c.send({ type: F.Tversion, msize, version: dialect }, NOTAG) as F.RversionMsg;
      const v = r.version as Dialect;
      if (r.version === 'unknown') throw new P9Error(EPROTO, `server does not speak ${dialect}`);
      if (v !== dialect && !(opts.allowDowngrade && v in RANK && RANK[v] < RANK[dialect])) {
        throw new P9Error(EPROTO, `asked for ${dialect}, server answered ${JSON.stringify(r.version)}`);
      }
      if (r.msize > msize || r.msize < MIN_MSIZE) throw new P9Error(EPROTO, `server msize ${r.msize} (asked ${msize})`);
      c.dialect = v;
      c.msize = r.msize;
      c.reader.maxSize = r.msize;
      return c;
    } catch (e) {
      c.close();
      throw e;
    }
  }

  /** The largest Tread/Twrite payload for a given iounit. */
  ioSize(iounit = 0): number {
    const max = this.msize - IOHDRSZ;
    return iounit > 0 && iounit < max ? iounit : max;
  }

  /** Send one request and wait for its reply; Rerror/Rlerror reject with P9Error. */
  rpc<M extends TRequest>(msg: M, signal?: AbortSignal): Promise<ReplyOf<M['type']>> {
    if (this.dead) return Promise.reject(this.dead);
    if (signal?.aborted) return Promise.reject(new P9Error(ECANCELED, `${typeName(msg.type)} aborted before sending`));
    const tag = this.allocTag();
    if (tag < 0) return Promise.reject(new P9Error(EAGAIN, 'all 65535 tags in use'));
    return this.send(msg, tag, signal) as never;
  }

  private send(msg: TRequest, tag: number, signal?: AbortSignal): Promise<RMessage> {
    let frame: Buffer | Buffer[];
    try {
      frame = encodeFrame(msg, this.dialect, tag);
    } catch (e) {
      this.releaseTag(tag);
      return Promise.reject(e);
    }
    // A shared executor, not a closure per request (bench/README.md, "The shell loop's
    // tail": allocation per request is what sets the young collections' rate).
    const promise = new Promise<RMessage>(capture);
    const p = new Pending(msg.type, captured.resolve!, captured.reject!);
    captured.resolve = captured.reject = undefined;
    this.pending.set(tag, p);
    if (signal) {
      const onAbort = (): void => this.flush(tag, p);
      signal.addEventListener('abort', onAbort, { once: true });
      p.cleanup = () => signal.removeEventListener('abort', onAbort);
    }
    this.write(frame);
    return promise;
  }

  private write(frame: Buffer | Buffer[]): void {
    if (this.holding) { this.hold(frame); return; }
    const heldReqs = this.heldReqs;
    const held = heldReqs > 0 ? this.takeHeld() : undefined;
    // With other requests in flight, more are likely to follow in this tick (16 callers
    // woken by one batch of replies): cork, and uncork once the tick's work is done, so
    // they go out in one writev. A lone request is written at once, its header and
    // payload (encodeIov) together, with any held requests (later()) in front.
    if (!this.corked && this.pending.size - heldReqs > 1) {
      this.corked = true;
      this.stream.cork();
      process.nextTick(uncork, this);
    }
    if (held) this.writeAll(held, Array.isArray(frame) ? frame : [frame]);
    else if (!Array.isArray(frame)) writeOwned(this.stream, frame);
    else if (this.corked) {
      for (const b of frame) this.stream.write(b);
    } else {
      this.writeAll(frame, []);
    }
  }

  /** Buffers in one write (corked unless the tick is corked already). */
  private writeAll(a: Buffer[], b: Buffer[]): void {
    const s = this.stream;
    const cork = !this.corked && a.length + b.length > 1;
    if (cork) s.cork();
    for (const x of a) s.write(x);
    for (const x of b) s.write(x);
    if (cork) s.uncork();
  }

  /**
   * Requests `fn` makes (synchronously: the first steps of an async Fid method are) are
   * held back and go out in front of the next request written on this connection, or
   * after HOLD_MS, or once MAX_HELD are waiting: for requests nobody waits for, such as
   * the clunk of a fid that only walked. Each would otherwise cost a write here and a
   * wake-up, a read and a write on the server; held, it rides along with the next.
   */
  later(fn: () => void): void {
    if (this.dead || this.holding) { fn(); return; }
    this.holding = true;
    try {
      fn();
    } finally {
      this.holding = false;
    }
  }

  private hold(frame: Buffer | Buffer[]): void {
    if (Array.isArray(frame)) for (const b of frame) this.held.push(b);
    else this.held.push(frame);
    this.heldReqs++;
    if (this.heldReqs >= MAX_HELD) { this.flushHeld(); return; }
    if (!this.holdTimer) {
      this.holdTimer = setTimeout(flushHeld, HOLD_MS, this);
      this.holdTimer.unref?.();
    }
  }

  /** The held frames, taken for writing. */
  private takeHeld(): Buffer[] {
    const h = this.held;
    this.held = [];
    this.heldReqs = 0;
    if (this.holdTimer) { clearTimeout(this.holdTimer); this.holdTimer = undefined; }
    return h;
  }

  /** @internal: nothing came to carry the held requests: they go on their own. */
  flushHeld(): void {
    if (this.held.length === 0 || this.dead || this.stream.destroyed) return;
    this.writeAll(this.takeHeld(), []);
  }

  /** @internal */
  uncork(): void {
    this.corked = false;
    if (!this.stream.destroyed) this.stream.uncork();
  }

  /** Tflush for an aborted request; its tag stays reserved until the Rflush. */
  private flush(oldtag: number, p: Pending): void {
    if (p.settled || p.flushTag !== undefined || this.dead) return;
    const ft = this.allocTag();
    if (ft < 0) return; // no tag to flush with: let the original reply arrive
    p.flushTag = ft;
    const fp = new Pending(F.Tflush, ignore, ignore);
    fp.oldtag = oldtag;
    this.pending.set(ft, fp);
    this.write(encode({ type: F.Tflush, tag: ft, oldtag }, this.dialect));
  }

  /** `lent`: the bytes are the socket's reused read buffer (onread.ts), valid only
   *  during this call: what outlives it is copied. */
  private onData(chunk: Buffer, lent: boolean): void {
    if (this.dead) return;
    const r = this.reader;
    r.push(chunk);
    for (;;) {
      let size: number;
      try {
        size = r.take();
      } catch (e) {
        this.fail(new P9Error(EPROTO, (e as Error).message));
        return;
      }
      if (size < 0) break;
      const m = decodeAt(r.frameBuf, r.frameAt, size, this.dialect);
      // Strings and numbers are decoded out of the frame; a payload is a view of it.
      if (lent && r.frameBuf === chunk && !(m instanceof DecodeError) && (m.type === F.Rread || m.type === F.Rreaddir)) {
        const msg = m as F.RreadMsg;
        msg.data = Buffer.from(msg.data);
      }
      this.onFrame(m);
      if (this.dead) return;
    }
    if (lent) r.own(chunk);
  }

  private onFrame(d: F.Fcall | DecodeError): void {
    const tag = d.tag;
    const p = tag === undefined ? undefined : this.pending.get(tag);
    if (!p || (p.settled && p.flushTag === undefined)) {
      this.fail(new P9Error(EPROTO, `reply for unexpected tag ${tag}`));
      return;
    }
    if (p.type === F.Tflush) {
      // Rflush (or, from a non-conforming server, an error): the flushed tag is free again.
      const old = this.pending.get(p.oldtag!);
      this.pending.delete(tag!);
      this.releaseTag(tag!);
      if (old) {
        this.pending.delete(p.oldtag!);
        this.releaseTag(p.oldtag!);
        if (!old.settled) this.settle(old, null, new P9Error(ECANCELED, `${typeName(old.type)} flushed`));
      }
      return;
    }
    if (p.settled) {
      this.fail(new P9Error(EPROTO, `second reply for tag ${tag}`));
      return;
    }
    if (p.flushTag === undefined) {
      this.pending.delete(tag!);
      this.releaseTag(tag!);
    } // else keep the tag reserved until the Rflush
    if (d instanceof DecodeError) { this.settle(p, null, new P9Error(EBADMSG, d.message)); return; }
    const m = d as RMessage;
    if (m.type === F.Rlerror) this.settle(p, null, P9Error.fromRlerror(m.ecode));
    else if (m.type === F.Rerror) this.settle(p, null, P9Error.fromRerror(m.ename, m.errno));
    else if (m.type !== p.type + 1) this.settle(p, null, new P9Error(EPROTO, `${typeName(m.type)} in reply to ${typeName(p.type)}`));
    else this.settle(p, m, null);
  }

  private settle(p: Pending, m: RMessage | null, e: Error | null): void {
    p.settled = true;
    p.cleanup?.();
    if (e) p.reject(e);
    else p.resolve(m!);
  }

  private allocTag(): number {
    if (this.freeTags.length > 0) return this.freeTags.pop()!;
    if (this.nextTag < NOTAG) return this.nextTag++;
    return -1;
  }

  private releaseTag(tag: number): void {
    if (tag !== NOTAG) this.freeTags.push(tag);
  }

  /** @internal */
  allocFid(): number {
    if (this.freeFids.length > 0) return this.freeFids.pop()!;
    if (this.nextFid >= NOFID) throw new P9Error(EAGAIN, 'out of fids');
    return this.nextFid++;
  }

  /** @internal: the fid number is unused on the server (clunked, removed, never created). */
  releaseFid(fid: number): void { this.freeFids.push(fid); }

  /** Number of requests (including Tflushes) awaiting replies. */
  get outstanding(): number { return this.pending.size; }

  /** Tattach (after Tauth and the credential, with opts.credential); the first attached
   *  fid becomes `root`. */
  async attach(opts: AttachOptions = {}): Promise<Fid> {
    const who = { uname: opts.uname ?? localUser(), aname: opts.aname ?? '' } as { uname: string; aname: string; nUname?: number };
    if (this.dialect !== '9P2000') who.nUname = opts.nUname ?? process.getuid?.() ?? NONUNAME;
    if (opts.credential) {
      const afid = await this.authenticate(who, opts.credential, opts.requireAuth ?? false);
      try {
        return await this.attachAs(who, afid ?? NOFID);
      } finally {
        if (afid !== undefined) await this.clunkRaw(afid);
      }
    }
    return this.attachAs(who, opts.afid ?? NOFID);
  }

  /** Tauth and the credential written to the afid; undefined when the server needs none. */
  private async authenticate(who: { uname: string; aname: string; nUname?: number },
    credential: () => Promise<string | Buffer>, required: boolean): Promise<number | undefined> {
    const afid = this.allocFid();
    try {
      await this.rpc({ type: F.Tauth, afid, ...who });
    } catch (e) {
      this.releaseFid(afid);
      // diod's rule: ENOENT means "authentication not required".
      if (e instanceof P9Error && e.errno === ENOENT && !required) return undefined;
      if (e instanceof P9Error && e.errno === ENOENT) throw new P9Error(EPERM, 'the server does not authenticate');
      throw e;
    }
    try {
      const c = await credential();
      const data = typeof c === 'string' ? Buffer.from(c) : c;
      let off = 0;
      while (off < data.length) {
        const chunk = data.subarray(off, off + this.ioSize());
        const r = await this.rpc({ type: F.Twrite, fid: afid, offset: BigInt(off), data: chunk });
        if (r.count === 0) throw new P9Error(EIO, 'the server took no credential bytes');
        off += r.count;
      }
      return afid;
    } catch (e) {
      await this.clunkRaw(afid);
      throw e;
    }
  }

  private async clunkRaw(fid: number): Promise<void> {
    try { await this.rpc({ type: F.Tclunk, fid }); } catch { /* gone either way */ }
    this.releaseFid(fid);
  }

  private async attachAs(who: { uname: string; aname: string; nUname?: number }, afid: number): Promise<Fid> {
    const fid = this.allocFid();
    const msg: TRequest = { type: F.Tattach, fid, afid, ...who };
    try {
      const r = await this.rpc(msg);
      const f = new Fid(this, fid, r.qid, []);
      this.root ??= f;
      return f;
    } catch (e) {
      this.releaseFid(fid);
      throw e;
    }
  }

  private rootFid(): Fid {
    if (!this.root) throw new P9Error(EBADF, 'not attached');
    return this.root;
  }

  /** Walk from the root, open for reading, read to EOF, clunk. */
  async readFile(path: string, signal?: AbortSignal): Promise<Buffer> {
    const f = await this.rootFid().walk(path);
    try {
      await f.open(OREAD);
      return await f.readAll(signal);
    } finally {
      await f.clunk().catch(() => {});
    }
  }

  /** Open with truncation (or create with perm 0644 if the file does not exist) and write
   *  all of `data` at offset 0. Returns the bytes written. */
  async writeFile(path: string, data: Buffer): Promise<number> {
    let f: Fid;
    try {
      f = await this.rootFid().walk(path);
      try { await f.open(OWRITE | OTRUNC); } catch (e) { await f.clunk().catch(() => {}); throw e; }
    } catch (e) {
      if (!(e instanceof P9Error) || e.errno !== ENOENT) throw e;
      const parts = path.split('/').filter((s) => s !== '' && s !== '.');
      const name = parts.pop();
      if (!name) throw e;
      f = await this.rootFid().walk(parts);
      try { await f.create(name, 0o644, OWRITE); } catch (e2) { await f.clunk().catch(() => {}); throw e2; }
    }
    try {
      return await f.write(0n, data);
    } finally {
      await f.clunk().catch(() => {});
    }
  }

  /** Directory entries of `path`, without "." and "..". */
  async ls(path = ''): Promise<DirEntry[]> {
    const f = await this.rootFid().walk(path);
    try {
      return (await f.readdir()).filter((e) => e.name !== '.' && e.name !== '..');
    } finally {
      await f.clunk().catch(() => {});
    }
  }

  /** Tstat, or in .L Tgetattr mapped to a Stat. */
  async stat(path: string): Promise<Stat> {
    const f = await this.rootFid().walk(path);
    try {
      return await f.stat();
    } finally {
      await f.clunk().catch(() => {});
    }
  }

  /** Close the connection; everything pending rejects with ECONNRESET. */
  close(): void {
    this.shutdown(new P9Error(ECONNRESET, 'client closed'));
    this.stream.destroy();
  }

  private fail(e: P9Error): void {
    this.shutdown(e);
    this.stream.destroy();
  }

  private shutdown(e: P9Error): void {
    if (this.dead) return;
    this.dead = e;
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    this.held = [];
    this.heldReqs = 0;
    const ps = [...this.pending.values()];
    this.pending.clear();
    for (const p of ps) if (!p.settled) this.settle(p, null, e.errno === ECONNRESET ? e : new P9Error(ECONNRESET, e.message));
    this.resolveClosed();
  }
}

function localUser(): string {
  try { return userInfo().username; } catch { return 'none'; }
}
