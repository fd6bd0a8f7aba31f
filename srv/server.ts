// SPDX-License-Identifier: GPL-2.0-or-later
//
// The 9P server: transport-agnostic (serve() takes any duplex byte stream, as
// vscode-jsonrpc does), with listeners for Plan 9 dial strings on top (listen.ts).
// It knows nothing about cores or processes: everything below it is the namespace.
// Options are resolved into one frozen ServerConfig here; connections only read it.
// The server admits connections up to maxConnections, and maxConnectionsPerAddress from
// one remote address; one more is closed at once.

import type { Duplex } from 'node:stream';
import { userInfo } from 'node:os';
import { IOHDRSZ } from '../lib/9p/const.js';
import { perr } from '../lib/9p/error.js';
import { EINVAL } from '../lib/9p/errno.js';
import { Connection, type ConnOwner } from './conn.js';
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
  private readonly perAddress = new Map<string, number>();
  private readonly listeners: Listening[] = [];
  private connSeq = 0;
  private sessionSeq = 0;
  private refused = 0;
  private refusedUnreported = 0;
  private lastWarn = 0;
  private readonly owner: ConnOwner = {
    nextSessionId: () => ++this.sessionSeq,
    connectionClosed: (c) => {
      if (!this.conns.delete(c)) return;
      const p = c.meta.peer;
      if (p !== '') {
        const n = (this.perAddress.get(p) ?? 1) - 1;
        if (n > 0) this.perAddress.set(p, n);
        else this.perAddress.delete(p);
      }
    },
  };

  constructor(opts: ServerOptions) {
    this.config = resolveConfig(opts);
  }

  /** Serve one client over any byte stream (socket, in-memory duplex). Past a connection
   *  limit the stream is closed at once and undefined returned. */
  serve(stream: Duplex, meta: ConnMeta = { peer: '', auth: 'none' }): Connection | undefined {
    const cfg = this.config;
    const fromPeer = meta.peer === '' ? 0 : this.perAddress.get(meta.peer) ?? 0;
    if (this.conns.size >= cfg.maxConnections || fromPeer >= cfg.maxConnectionsPerAddress) {
      stream.destroy();
      this.noteRefused(meta.peer);
      return undefined;
    }
    if (meta.peer !== '') this.perAddress.set(meta.peer, fromPeer + 1);
    const c = new Connection(++this.connSeq, cfg, this.owner, stream, meta);
    this.conns.add(c);
    return c;
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

  /** The connections being served (tests and the abuse bench look at their usage). */
  connections(): readonly Connection[] {
    return [...this.conns];
  }

  async close(): Promise<void> {
    await Promise.all(this.listeners.splice(0).map((l) => l.close()));
    for (const c of [...this.conns]) c.close();
  }
}
