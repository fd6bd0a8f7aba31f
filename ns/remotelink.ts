// SPDX-License-Identifier: GPL-2.0-or-later
//
// One link of a remote mount: a 9P connection to one server, attached as one local user.
// Every session of that user walking into any mount of that server shares it (an attach
// copies the namespace, not the connections). A link is dialed when first used, counts
// the operations and open files using it, and hangs up after `idleMs` unused.
//
// A link that fails (the dial, or the connection later) is `down`: every operation fails
// EIO at once, never waiting, while it redials in the background with capped exponential
// backoff for as long as somebody keeps trying it (within idleMs); then it is forgotten
// and the next operation dials afresh. Files opened on a lost connection stay dead (EIO):
// their fids were on the server that went away. New walks work again once it is back.

import type { Duplex } from 'node:stream';
import { Client } from '../lib/9p/client.js';
import { NONUNAME } from '../lib/9p/const.js';
import { P9Error, perr } from '../lib/9p/error.js';
import { EAGAIN, ECONNRESET, EIO } from '../lib/9p/errno.js';
import type { Dialect } from '../lib/9p/fcall.js';
import type { Fid } from '../lib/9p/fid.js';

/** How a link reaches and authenticates to its server. */
export interface LinkConfig {
  /** Connects to `address` (names translated first); rejects when it cannot. */
  dial(address: string, signal: AbortSignal): Promise<Duplex>;
  dialect: Dialect;
  msize: number;
  /** Attaches `user` on a fresh connection. Default: a plain Tattach (auth none) with
   *  uname = the user and n_uname ~0, so the server goes by the name and sees this
   *  session's user, never the uid this server process runs as. remoteauth.ts has the
   *  MUNGE one. */
  attach?: (client: Client, user: string, spec: string, address: string) => Promise<Fid>;
  /** Dial + version + attach must finish within this long. */
  dialTimeoutMs: number;
  /** An operation other than read/write must finish within this long, or the link is
   *  taken for lost (a server that stopped answering). */
  opTimeoutMs: number;
  idleMs: number;
  backoffMinMs: number;
  backoffMaxMs: number;
  /** Requests in flight on one link; past it, EAGAIN. */
  maxOutstanding: number;
}

type State = 'idle' | 'dialing' | 'up' | 'down';

/** A link's state, for /n listings, tests and `cluster nodes`. */
export interface LinkStatus {
  address: string;
  spec: string;
  user: string;
  state: State;
  /** Operations and open files using it now. */
  refs: number;
  /** Walked fids kept on the server for a moment (remotenode.ts). */
  spares: number;
  /** Why it is down. */
  error?: string;
}

export class Link {
  private state: State = 'idle';
  private client?: Client;
  private root?: Fid;
  private dialing?: Promise<void>;
  private error?: P9Error;
  private backoff = 0;
  private retryTimer?: ReturnType<typeof setTimeout>;
  /** Timed operations in flight: id -> deadline (Date.now() ms), oldest first. */
  private readonly timed = new Map<number, number>();
  private timedSeq = 0;
  private watchdog?: ReturnType<typeof setTimeout>;
  private idleTimer?: ReturnType<typeof setTimeout>;
  private lastUse = Date.now();
  /** The last failure was the server refusing the attach, not a lost connection. */
  private refused = false;
  private refs = 0;
  private closed = false;
  /** Walked fids kept a moment by nodes (remotenode.ts Spare). */
  spares = 0;

  constructor(
    readonly address: string,
    readonly spec: string,
    readonly user: string,
    private readonly cfg: LinkConfig,
    /** Told when the link has nothing left (idle, unused): the pool forgets it. */
    private readonly onForget: (l: Link) => void,
  ) {}

  status(): LinkStatus {
    return {
      address: this.address, spec: this.spec, user: this.user, state: this.state, refs: this.refs, spares: this.spares,
      ...(this.error && this.state === 'down' ? { error: this.error.message } : {}),
    };
  }

  /** The connected root fid, dialing first if needed. EIO at once while down. */
  private async ready(): Promise<Fid> {
    this.lastUse = Date.now();
    if (this.closed) throw perr(EIO, `${this.address}: mount closed`);
    if (this.state === 'up') return this.root!;
    if (this.state === 'down') throw this.downError();
    if (this.state === 'idle') this.dial();
    await this.dialing;
    if ((this.state as State) !== 'up') throw this.downError();
    return this.root!;
  }

  /** EIO for a server that cannot be reached; a server that answered and refused the
   *  attach (EPERM: no credential, the wrong user) keeps its errno. */
  private downError(): P9Error {
    const why = this.error?.detail ?? this.error?.message ?? 'not connected';
    return perr(this.refused ? this.error!.errno : EIO, `${this.address}: ${why}`);
  }

  /**
   * Runs `fn` on the connected root with a reference held. `timed`: the operation must
   * finish within opTimeoutMs (reads and writes may rightly wait: they are not timed).
   * Connection failures become EIO; the server's own errors keep their errno.
   */
  use<T>(fn: (root: Fid) => Promise<T>, timed = true): Promise<T> {
    if (this.state === 'up' && !this.closed) {
      this.lastUse = Date.now();
      return this.run(this.root!, fn, timed);
    }
    return this.ready().then((root) => this.run(root, fn, timed));
  }

  private async run<T>(root: Fid, fn: (root: Fid) => Promise<T>, timed: boolean): Promise<T> {
    this.room();
    this.hold();
    // One watchdog timer per link, not one per operation (walks come by the dozen).
    const id = timed ? this.startTimed() : 0;
    try {
      return await fn(root);
    } catch (e) {
      if (id !== 0 && this.expired(id)) throw perr(EIO, `${this.address}: no answer in ${this.cfg.opTimeoutMs} ms`);
      throw this.mapError(e);
    } finally {
      if (id !== 0) this.timed.delete(id);
      this.release();
    }
  }

  /** Registers a timed operation: its deadline, in start order (so the oldest is first). */
  private startTimed(): number {
    const id = ++this.timedSeq;
    this.timed.set(id, Date.now() + this.cfg.opTimeoutMs);
    if (!this.watchdog) this.armWatchdog(this.cfg.opTimeoutMs);
    return id;
  }

  private expired(id: number): boolean {
    const d = this.timed.get(id);
    return d !== undefined && Date.now() >= d;
  }

  private armWatchdog(ms: number): void {
    this.watchdog = setTimeout(() => this.checkTimed(), Math.max(1, ms));
    this.watchdog.unref?.();
  }

  /** The oldest timed operation past its deadline: the server stopped answering, so the
   *  link is lost (which fails every request on it, that one included). */
  private checkTimed(): void {
    this.watchdog = undefined;
    const first = this.timed.values().next();
    if (first.done) return;
    const now = Date.now();
    if (now >= first.value) {
      const client = this.client;
      if (client) this.lost(client, perr(EIO, `no answer in ${this.cfg.opTimeoutMs} ms`));
      // Their promises are failing now; what is left is looked at again in a while.
      this.armWatchdog(this.cfg.opTimeoutMs);
      return;
    }
    this.armWatchdog(first.value - now);
  }

  /** True when `f` is a fid of the connection this link has now (not of one lost). */
  current(f: Fid): boolean {
    return this.client !== undefined && f.client === this.client;
  }

  /** EAGAIN when maxOutstanding requests are in flight on this link already: what is
   *  queued for the server is bounded, whatever its own flow control does. */
  room(): void {
    if (this.client && this.client.outstanding >= this.cfg.maxOutstanding) {
      throw perr(EAGAIN, `${this.address}: ${this.cfg.maxOutstanding} requests in flight`);
    }
  }

  /** Connection-level failures as EIO: the server is what failed, not the file. (The
   *  client rejects everything with ECONNRESET once its connection is gone.) */
  mapError(e: unknown): unknown {
    if (e instanceof P9Error && e.errno === ECONNRESET) return perr(EIO, `${this.address}: ${e.detail ?? e.message}`);
    return e;
  }

  /** A reference for an open file: kept until the file is closed. */
  hold(): void {
    this.refs++;
    if (this.idleTimer) {
      clearTimeout(this.idleTimer);
      this.idleTimer = undefined;
    }
  }

  release(): void {
    this.lastUse = Date.now();
    if (--this.refs > 0 || this.closed) return;
    this.armIdle();
  }

  private armIdle(): void {
    if (this.idleTimer || this.refs > 0) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.refs > 0) return;
      if (Date.now() - this.lastUse < this.cfg.idleMs) { this.armIdle(); return; }
      this.hangup();
    }, this.cfg.idleMs);
    this.idleTimer.unref?.();
  }

  private dial(): void {
    this.state = 'dialing';
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), this.cfg.dialTimeoutMs);
    timer.unref?.();
    this.dialing = this.connect(ac.signal).then(
      ({ client, root }) => {
        clearTimeout(timer);
        if (this.closed) { client.close(); return; }
        this.client = client;
        this.root = root;
        this.state = 'up';
        this.refused = false;
        this.backoff = 0;
        this.error = undefined;
        void client.closed.then(() => this.lost(client, perr(EIO, 'connection lost')));
        this.armIdle();
      },
      (e: unknown) => {
        clearTimeout(timer);
        const pe = e instanceof P9Error ? e : perr(EIO, e instanceof Error ? e.message : String(e));
        this.refused = !ac.signal.aborted && e instanceof AttachRefused;
        this.failed(ac.signal.aborted ? perr(EIO, `dial timed out after ${this.cfg.dialTimeoutMs} ms`) : pe);
      },
    );
  }

  private async connect(signal: AbortSignal): Promise<{ client: Client; root: Fid }> {
    const stream = await this.cfg.dial(this.address, signal);
    const onAbort = (): void => { stream.destroy(); };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const client = await Client.connect(stream, { dialect: this.cfg.dialect, msize: this.cfg.msize });
      try {
        let root: Fid;
        try {
          root = this.cfg.attach
            ? await this.cfg.attach(client, this.user, this.spec, this.address)
            : await client.attach({ uname: this.user, aname: this.spec, nUname: NONUNAME });
        } catch (e) {
          if (e instanceof P9Error && e.errno !== ECONNRESET) throw new AttachRefused(e, this.user);
          throw e;
        }
        if (signal.aborted) throw perr(EIO, 'dial timed out');
        return { client, root };
      } catch (e) {
        client.close();
        throw e;
      }
    } catch (e) {
      stream.destroy();
      throw e;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** The connection `client` went away (or stopped answering): down, and redial. */
  private lost(client: Client, e: P9Error): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.root = undefined;
    client.close();
    if (this.closed) return;
    if (this.idleTimer) {
      clearTimeout(this.idleTimer);
      this.idleTimer = undefined;
    }
    this.failed(e);
  }

  private failed(e: P9Error): void {
    this.state = 'down';
    this.error = e;
    this.dialing = undefined;
    if (this.closed) return;
    this.backoff = this.backoff === 0 ? this.cfg.backoffMinMs : Math.min(this.backoff * 2, this.cfg.backoffMaxMs);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      // Nobody has tried it for idleMs: stop; the next operation dials afresh.
      if (Date.now() - this.lastUse >= this.cfg.idleMs && this.refs === 0) { this.forget(); return; }
      this.dial();
    }, this.backoff);
    this.retryTimer.unref?.();
  }

  /** Unused for idleMs: hang up and let the pool forget this link. */
  private hangup(): void {
    const c = this.client;
    this.client = undefined;
    this.root = undefined;
    c?.close();
    this.forget();
  }

  private forget(): void {
    this.state = 'idle';
    this.closed = true;
    this.onForget(this);
  }

  /** Server shutdown or pool eviction: hang up now. */
  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    if (this.watchdog) clearTimeout(this.watchdog);
    this.retryTimer = this.idleTimer = this.watchdog = undefined;
    const c = this.client;
    this.client = undefined;
    this.root = undefined;
    this.state = 'idle';
    c?.close();
  }

  /** True once the link is closed for good (the pool makes a new one). */
  get gone(): boolean {
    return this.closed;
  }
}

/** The server answered the attach with an error (EPERM for a refused credential). */
class AttachRefused extends P9Error {
  constructor(e: P9Error, user: string) {
    super(e.errno, `attach as ${user}: ${e.detail ?? e.text}`, e.text);
  }
}
