// SPDX-License-Identifier: GPL-2.0-or-later
//
// The 9P server: transport-agnostic (serve() takes any duplex byte stream, as
// vscode-jsonrpc does), with listeners for Plan 9 dial strings on top (listen.ts).
// It knows nothing about cores or processes: everything below it is the namespace.
// Options are resolved into one frozen ServerConfig here; connections only read it.
// The server admits maxConnectionsPerAddress connections from one remote address and
// maxConnections in all. When full, a newcomer from an address holding at least two
// fewer connections than the busiest address takes the place of that address's newest
// connection (fair share: one address cannot keep others out); otherwise it is closed at
// once.

import type { Duplex } from 'node:stream';
import { userInfo } from 'node:os';
import { IOHDRSZ } from '../lib/9p/const.js';
import { perr } from '../lib/9p/error.js';
import { EINVAL } from '../lib/9p/errno.js';
import { Connection, FRAMES_PER_TURN, type ConnOwner } from './conn.js';
import { UserDb } from './users.js';
import { listen, type ListenOptions, type Listening } from './listen.js';
import type { ConnMeta, ServerConfig } from './types.js';

/** The namespace, and any setting to change from its default (ServerConfig says what
 *  each one means). */
export type ServerOptions = Pick<ServerConfig, 'ns'> & Partial<Omit<ServerConfig, 'ns'>>;

/** 1 MiB of data per Tread/Twrite, plus its header. */
const MAX_MSIZE = 1024 * 1024 + IOHDRSZ;
/** Refused connections are reported at most this often. */
const WARN_EVERY_MS = 10_000;
/** Frame units (conn.ts) all yielded connections together handle per turn of the event
 *  loop, and as many again for connections handling what just arrived. */
export const TURN_FRAMES = 128;

/** Every limit's default, in one place (srv/README.md lists them). */
export const DEFAULT_LIMITS = Object.freeze({
  maxMsize: MAX_MSIZE,
  maxInflight: 64,
  maxParked: 256,
  maxFids: 4096,
  maxQueuedBytes: 4 * 1024 * 1024,
  maxConnections: 128,
  maxConnectionsPerAddress: 32,
  maxAttaches: 64,
  handshakeMs: 30_000,
});

const positive = (name: string, v: number): number => {
  if (!Number.isInteger(v) || v < 1) throw perr(EINVAL, `${name} ${v}: must be a positive integer`);
  return v;
};

export function resolveConfig(opts: ServerOptions): ServerConfig {
  const L = DEFAULT_LIMITS;
  const maxMsize = positive('maxMsize', opts.maxMsize ?? L.maxMsize);
  return Object.freeze({
    ns: opts.ns,
    hostowner: opts.hostowner ?? userInfo().username,
    users: opts.users ?? new UserDb(),
    maxMsize,
    maxInflight: positive('maxInflight', opts.maxInflight ?? L.maxInflight),
    maxFids: positive('maxFids', opts.maxFids ?? L.maxFids),
    linuxContinuation: opts.linuxContinuation ?? 'auto',
    handshakeMs: positive('handshakeMs', opts.handshakeMs ?? L.handshakeMs),
    maxParked: positive('maxParked', opts.maxParked ?? L.maxParked),
    // At least one largest message, or a single big reply could never be queued.
    maxQueuedBytes: Math.max(positive('maxQueuedBytes', opts.maxQueuedBytes ?? L.maxQueuedBytes), maxMsize),
    maxConnections: positive('maxConnections', opts.maxConnections ?? L.maxConnections),
    maxConnectionsPerAddress: positive('maxConnectionsPerAddress', opts.maxConnectionsPerAddress ?? L.maxConnectionsPerAddress),
    maxAttaches: positive('maxAttaches', opts.maxAttaches ?? L.maxAttaches),
    ...(opts.munge ? { munge: opts.munge } : {}),
    warn: opts.warn ?? ((msg: string) => { process.stderr.write(`akaros: ${msg}\n`); }),
  });
}

export interface ServerStats {
  connections: number;
  fids: number;
  inflight: number;
}

export class Server {
  readonly config: ServerConfig;
  private readonly conns = new Set<Connection>();
  /** Connections by remote address, oldest first ('' for unix and in-memory ones). */
  private readonly byPeer = new Map<string, Connection[]>();
  private readonly listeners: Listening[] = [];
  private connSeq = 0;
  private sessionSeq = 0;
  private refused = 0;
  private evicted = 0;
  private refusedUnreported = 0;
  private lastWarn = 0;
  /** Connections waiting for their turn, in order: the quiet ones first. */
  private quiet: Connection[] = [];
  private turns: Connection[] = [];
  private turnScheduled = false;
  private spent = 0;
  private spentReset = false;
  private readonly owner: ConnOwner = {
    nextSessionId: () => ++this.sessionSeq,
    budget: () => Math.max(0, TURN_FRAMES - this.spent),
    spend: (n) => {
      this.spent += n;
      // The count restarts at the end of the turn. The restart is scheduled only once a
      // connection's worth has been spent: a lone request then costs no setImmediate (and
      // no extra pass of the event loop). Until then `spent` may include units of earlier
      // turns: it can only overcount, so the per-turn bound holds.
      if (this.spent >= FRAMES_PER_TURN && !this.spentReset) {
        this.spentReset = true;
        setImmediate(() => { this.spent = 0; this.spentReset = false; });
      }
    },
    yieldTurn: (c, quiet) => {
      (quiet ? this.quiet : this.turns).push(c);
      if (!this.turnScheduled) {
        this.turnScheduled = true;
        setImmediate(() => this.runTurns());
      }
    },
    connectionClosed: (c) => {
      if (!this.conns.delete(c)) return;
      const group = this.byPeer.get(c.meta.peer);
      const i = group?.indexOf(c) ?? -1;
      if (group && i >= 0) group.splice(i, 1);
      if (group?.length === 0) this.byPeer.delete(c.meta.peer);
    },
  };

  constructor(opts: ServerOptions) {
    this.config = resolveConfig(opts);
  }

  /** Serve one client over any byte stream (socket, in-memory duplex). Past a connection
   *  limit the stream is closed at once and undefined returned. */
  serve(stream: Duplex, meta: ConnMeta = { peer: '', auth: 'none' }): Connection | undefined {
    const cfg = this.config;
    const fromPeer = this.byPeer.get(meta.peer)?.length ?? 0;
    const perAddressFull = meta.peer !== '' && fromPeer >= cfg.maxConnectionsPerAddress;
    if (perAddressFull || (this.conns.size >= cfg.maxConnections && !this.evictFor(fromPeer))) {
      stream.destroy();
      this.noteRefused(meta.peer);
      return undefined;
    }
    const c = new Connection(++this.connSeq, cfg, this.owner, stream, meta);
    this.conns.add(c);
    const group = this.byPeer.get(meta.peer);
    if (group) group.push(c);
    else this.byPeer.set(meta.peer, [c]);
    return c;
  }

  /** One turn: yielded connections in order, FRAMES_PER_TURN units each, TURN_FRAMES in all;
   *  those not reached keep their place for the next turn. */
  private runTurns(): void {
    this.turnScheduled = false;
    const waiting = [...this.quiet, ...this.turns];
    this.quiet = [];
    this.turns = [];
    let budget = TURN_FRAMES;
    let i = 0;
    // A connection always gets at least one frame, so a turn may overshoot by one frame.
    for (; i < waiting.length && budget > 0; i++) budget -= waiting[i].turn(Math.min(FRAMES_PER_TURN, budget));
    // The unreached go first next time, before the ones that just had a turn.
    this.turns = [...waiting.slice(i), ...this.turns];
    if (this.turns.length + this.quiet.length > 0 && !this.turnScheduled) {
      this.turnScheduled = true;
      setImmediate(() => this.runTurns());
    }
  }

  /** Full: closes the newest connection of the busiest address if it holds at least two
   *  more than the newcomer's address. False when there is none to close. */
  private evictFor(newcomerHas: number): boolean {
    let busiest: Connection[] | undefined;
    for (const g of this.byPeer.values()) if (!busiest || g.length > busiest.length) busiest = g;
    if (!busiest || busiest.length < newcomerHas + 2) return false;
    busiest[busiest.length - 1].close();
    this.evicted++;
    return true;
  }

  private noteRefused(peer: string): void {
    this.refused++;
    this.refusedUnreported++;
    const now = Date.now();
    if (now - this.lastWarn < WARN_EVERY_MS) return;
    this.lastWarn = now;
    const n = this.refusedUnreported;
    this.refusedUnreported = 0;
    this.config.warn(`connection limit reached: refused ${n} connection${n === 1 ? '' : 's'}`
      + `${peer ? ` (last from ${peer})` : ''}; limits ${this.config.maxConnections} in all, `
      + `${this.config.maxConnectionsPerAddress} per address`);
  }

  /** Listen on a dial string: tcp!127.0.0.1!5640, tcp!*!564, tls!*!5641, unix!/path/sock. */
  async listen(dial: string, opts: ListenOptions = {}): Promise<Listening> {
    const l = await listen(dial, {
      serve: (s, meta) => { this.serve(s, meta); },
      canMunge: this.config.munge !== undefined,
      maxSockets: 2 * this.config.maxConnections,
      handshakeMs: this.config.handshakeMs,
      warn: this.config.warn,
    }, opts);
    this.listeners.push(l);
    return l;
  }

  /** Live connections, fids and requests in flight: tests check nothing leaks. */
  stats(): ServerStats {
    let fids = 0;
    let inflight = 0;
    for (const c of this.conns) {
      fids += c.fids.size + c.afids.size;
      inflight += c.inflight.size;
    }
    return { connections: this.conns.size, fids, inflight };
  }

  /** Connections closed at once because a connection limit was reached. */
  get refusedConnections(): number {
    return this.refused;
  }

  /** Connections closed to make room for a newcomer from a less busy address. */
  get evictedConnections(): number {
    return this.evicted;
  }

  /** The connections being served (tests and the abuse bench look at their usage). */
  connections(): readonly Connection[] {
    return [...this.conns];
  }

  /** Stops listening and closes every connection (a listener's close waits for its
   *  connections to end, so they are closed before it is awaited). */
  async close(): Promise<void> {
    const stopping = this.listeners.splice(0).map((l) => l.close());
    for (const c of [...this.conns]) c.close();
    await Promise.all(stopping);
  }
}
