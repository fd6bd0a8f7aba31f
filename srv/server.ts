// SPDX-License-Identifier: GPL-2.0-or-later
//
// The 9P server: transport-agnostic (serve() takes any duplex byte stream, as
// vscode-jsonrpc does), with listeners for Plan 9 dial strings on top (listen.ts).
// It knows nothing about cores or processes: everything below it is the namespace.

import type { Duplex } from 'node:stream';
import { userInfo } from 'node:os';
import type { NamespaceServer } from '../ns/types.js';
import { Connection } from './conn.js';
import { UserDb } from './users.js';
import { listen, type Listening } from './listen.js';

export interface ServerOptions {
  ns: NamespaceServer;
  /** Plan 9's eve: may do anything. Default: the user running the server. */
  hostowner?: string;
  users?: UserDb;
  /** Largest msize offered (Rversion takes the smaller of this and the client's). */
  maxMsize?: number;
  /** Requests in flight per connection before the server stops reading that socket. */
  maxInflight?: number;
  maxFids?: number;
  /** The Linux continuation rule for blocking reads: auto = Linux kernel sessions only. */
  linuxContinuation?: 'auto' | 'always' | 'never';
  /** A connection that has not attached within this long is closed (slowloris). */
  handshakeMs?: number;
}

/** What a Connection needs from its server. */
export interface ServerCore {
  readonly ns: NamespaceServer;
  readonly users: UserDb;
  readonly hostowner: string;
  readonly maxMsize: number;
  readonly maxInflight: number;
  readonly maxFids: number;
  readonly linuxContinuation: 'auto' | 'always' | 'never';
  readonly handshakeMs: number;
  nextSessionId(): number;
  connectionClosed(c: Connection): void;
}

export interface ServerStats {
  connections: number;
  fids: number;
  inflight: number;
}

export class Server implements ServerCore {
  readonly ns: NamespaceServer;
  readonly users: UserDb;
  readonly hostowner: string;
  readonly maxMsize: number;
  readonly maxInflight: number;
  readonly maxFids: number;
  readonly linuxContinuation: 'auto' | 'always' | 'never';
  readonly handshakeMs: number;
  private readonly conns = new Set<Connection>();
  private readonly listeners: Listening[] = [];
  private connSeq = 0;
  private sessionSeq = 0;

  constructor(opts: ServerOptions) {
    this.ns = opts.ns;
    this.users = opts.users ?? new UserDb();
    this.hostowner = opts.hostowner ?? userInfo().username;
    this.maxMsize = opts.maxMsize ?? 1024 * 1024 + 24;
    this.maxInflight = opts.maxInflight ?? 64;
    this.maxFids = opts.maxFids ?? 8192;
    this.linuxContinuation = opts.linuxContinuation ?? 'auto';
    this.handshakeMs = opts.handshakeMs ?? 30_000;
  }

  /** Serve one client over any byte stream (socket, in-memory duplex). */
  serve(stream: Duplex): Connection {
    const c = new Connection(++this.connSeq, this, stream);
    this.conns.add(c);
    return c;
  }

  /** Listen on a dial string: tcp!127.0.0.1!5640, tcp!*!564, unix!/path/sock. */
  async listen(dial: string): Promise<Listening> {
    const l = await listen(dial, (s) => this.serve(s));
    this.listeners.push(l);
    return l;
  }

  nextSessionId(): number {
    return ++this.sessionSeq;
  }

  connectionClosed(c: Connection): void {
    this.conns.delete(c);
  }

  /** Live connections, fids and requests in flight: tests check nothing leaks. */
  stats(): ServerStats {
    let fids = 0;
    let inflight = 0;
    for (const c of this.conns) {
      fids += c.fids.size;
      inflight += c.inflight.size;
    }
    return { connections: this.conns.size, fids, inflight };
  }

  async close(): Promise<void> {
    await Promise.all(this.listeners.splice(0).map((l) => l.close()));
    for (const c of [...this.conns]) c.close();
  }
}
