// SPDX-License-Identifier: GPL-2.0-or-later
//
// The server's shared shapes: the resolved configuration, a request in flight, and what a
// handler sees of its connection. Everything here is a type, so the handler tables
// (ops*.ts) depend on no class above them and the import graph stays one-way:
// server -> conn -> dispatch -> ops* -> fidops -> types -> fid.

import type { Dialect, RBody, ReplyMap, TMessageByType, Tflush, Tversion } from '../lib/9p/fcall.js';
import type { Caller, NamespaceView, Session } from '../devs/types.js';
import type { NamespaceServer } from '../ns/types.js';
import type { Fid } from './fid.js';
import type { UserDb } from './users.js';

/** The server's settings, defaults resolved once (server.ts) and frozen; every
 *  connection reads this one object. */
export interface ServerConfig {
  readonly ns: NamespaceServer;
  /** Plan 9's eve: may do anything. Default: the user running the server. */
  readonly hostowner: string;
  /** uid <-> name for n_uname and numeric owners. Default: this host's /etc/passwd. */
  readonly users: UserDb;
  /** Largest msize offered (Rversion takes the smaller of this and the client's). */
  readonly maxMsize: number;
  /** Requests in flight per connection before the server stops reading that socket. */
  readonly maxInflight: number;
  /** Fids per connection. */
  readonly maxFids: number;
  /** The Linux continuation rule for blocking reads: auto = Linux kernel sessions only. */
  readonly linuxContinuation: 'auto' | 'always' | 'never';
  /** A connection that has not attached within this long is closed (slowloris). */
  readonly handshakeMs: number;
}

/** A reply body: any R-message without its tag, which the connection fills in. */
export type Reply = RBody;

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

/** What a handler sees of its connection. Handlers run only after a Tversion was
 *  accepted, so the dialect and msize are settled. */
export interface Conn {
  readonly config: ServerConfig;
  readonly dialect: Dialect;
  readonly msize: number;
  /** The Linux kernel client: reads get the continuation rule (continuation.ts). */
  readonly linux: boolean;
  hasFid(num: number): boolean;
  /** The fid for a request, with a reference held until the request settles. */
  useFid(num: number, req: Req): Fid;
  /** Bounded by config.maxFids (EMFILE). */
  addFid(f: Fid): void;
  /** Tclunk and Tremove: the fid leaves the table now, its file closes on the last reference. */
  dropFid(num: number): Fid;
  /** A new session for an attach; the first one ends the handshake timer. */
  newSession(user: string, ns: NamespaceView): Session;
  caller(session: Session): Caller;
}

/** Types a handler table serves: Tversion and Tflush are the connection's own. */
export type HandledType = Exclude<keyof ReplyMap, typeof Tversion | typeof Tflush>;

/** The reply body a request of type T gets on success. */
export type ReplyTo<T extends keyof ReplyMap> = Omit<ReplyMap[T], 'tag'>;

/** One request type's handler: its exact message in, its exact reply body out (or a
 *  thrown P9Error). The connection writes the reply; handlers never do. */
export type Handler<T extends HandledType> =
  (c: Conn, m: TMessageByType[T], r: Req) => ReplyTo<T> | Promise<ReplyTo<T>>;

/** Message type -> handler, each entry typed by its key. */
export type HandlerTable = { readonly [T in HandledType]?: Handler<T> };
