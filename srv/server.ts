// SPDX-License-Identifier: GPL-2.0-or-later
//
// The 9P server: transport-agnostic (serve() takes any duplex byte stream, as
// vscode-jsonrpc does), with listeners for Plan 9 dial strings on top (listen.ts).
// It knows nothing about cores or processes: everything below it is the namespace.
// Options are resolved into one frozen ServerConfig here; connections only read it.

import type { Duplex } from 'node:stream';
import { userInfo } from 'node:os';
import { IOHDRSZ } from '../lib/9p/const.js';
import { Connection, type ConnOwner } from './conn.js';
import { UserDb } from './users.js';
import { listen, type Listening } from './listen.js';
import type { ServerConfig } from './types.js';

/** The namespace, and any setting to change from its default (ServerConfig says what
 *  each one means). */
export type ServerOptions = Pick<ServerConfig, 'ns'> & Partial<Omit<ServerConfig, 'ns'>>;

/** 1 MiB of data per Tread/Twrite, plus its header. */
const MAX_MSIZE = 1024 * 1024 + IOHDRSZ;

export function resolveConfig(opts: ServerOptions): ServerConfig {
  return Object.freeze({
    ns: opts.ns,
    hostowner: opts.hostowner ?? userInfo().username,
    users: opts.users ?? new UserDb(),
    maxMsize: opts.maxMsize ?? MAX_MSIZE,
    maxInflight: opts.maxInflight ?? 64,
    maxFids: opts.maxFids ?? 8192,
    linuxContinuation: opts.linuxContinuation ?? 'auto',
    handshakeMs: opts.handshakeMs ?? 30_000,
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
  private readonly listeners: Listening[] = [];
  private connSeq = 0;
  private sessionSeq = 0;
  private readonly owner: ConnOwner = {
    nextSessionId: () => ++this.sessionSeq,
    connectionClosed: (c) => { this.conns.delete(c); },
  };

  constructor(opts: ServerOptions) {
    this.config = resolveConfig(opts);
  }

  /** Serve one client over any byte stream (socket, in-memory duplex). */
  serve(stream: Duplex): Connection {
    const c = new Connection(++this.connSeq, this.config, this.owner, stream);
    this.conns.add(c);
    return c;
  }

  /** Listen on a dial string: tcp!127.0.0.1!5640, tcp!*!564, unix!/path/sock. */
  async listen(dial: string): Promise<Listening> {
    const l = await listen(dial, (s) => this.serve(s));
    this.listeners.push(l);
    return l;
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
    // A listener's close waits for its connections to end: stop accepting, end them, wait.
    const closing = this.listeners.splice(0).map((l) => l.close());
    for (const c of [...this.conns]) c.close();
    await Promise.all(closing);
  }
}
