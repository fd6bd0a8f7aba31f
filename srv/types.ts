// SPDX-License-Identifier: GPL-2.0-or-later
//
// The server's shared shapes: the resolved configuration, a request in flight, and what a
// handler sees of its connection. Everything here is a type, so the handler tables
// (ops*.ts) depend on no class above them and the import graph stays one-way:
// server -> listen -> conn -> dispatch -> ops* -> auth -> fidops -> types -> fid.

import type { Dialect, RBody, ReplyMap, TMessageByType, Tflush, Tversion } from '../lib/9p/fcall.js';
import type { Caller, NamespaceView, Session } from '../devs/types.js';
import type { NamespaceServer } from '../ns/types.js';
import type { Fid } from './fid.js';
import type { UserDb } from './users.js';

/** How an attach proves who it is: `none` believes uname/n_uname (loopback and unix
 *  sockets only, unless the operator insists); `munge` takes the uid from a MUNGE
 *  credential written to an afid, as diod does. */
export type AuthMode = 'none' | 'munge';

/** What the server needs of a MUNGE decoder (lib/munge's Munge is one): munged's verdict
 *  on a credential, rejecting unless it is good. */
export interface CredentialDecoder {
  decode(cred: Buffer): Promise<{ uid: number }>;
}

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
  /** Blocking reads parked per connection (they do not count against maxInflight);
   *  one more gets EAGAIN at once. */
  readonly maxParked: number;
  /** Bytes one connection may hold: replies queued for the socket plus requests being
   *  worked on (Twrite data, Tread counts reserved up front). Over it, the server stops
   *  reading that connection until the client reads its replies. */
  readonly maxQueuedBytes: number;
  /** Connections at once, all listeners together; one more is closed at once. */
  readonly maxConnections: number;
  /** Connections at once from one remote address (TCP and TLS listeners). */
  readonly maxConnectionsPerAddress: number;
  /** Live attaches (sessions with a fid) per connection; one more is EUSERS. */
  readonly maxAttaches: number;
  /** MUNGE decoder for `--auth munge` listeners (lib/munge through munged). */
  readonly munge?: CredentialDecoder;
  /** Operator warnings (an --insecure listener, refused connections): default stderr. */
  readonly warn: (msg: string) => void;
}

/** What one connection knows about where it came from. */
export interface ConnMeta {
  /** The remote address ('' for unix sockets and in-memory streams). */
  readonly peer: string;
  readonly auth: AuthMode;
  /** The user a verified TLS client certificate maps to: every attach is this user. */
  readonly certUser?: string;
}

/** A reply body: any R-message without its tag, which the connection fills in. */
export type Reply = RBody;

export interface Req {
  readonly tag: number;
  readonly type: number;
  /** Aborted by Tflush, Tversion and close; made on first use (most requests never
   *  need one, and an AbortSignal is costly to create). */
  signal(): AbortSignal;
  abort(): void;
  readonly aborted: boolean;
  /** Bumped by Tversion and close: replies of an older generation are never sent. */
  readonly gen: number;
  /** Bytes of the request frame, held until it settles or parks. */
  bytes: number;
  /** A Tread's or Treaddir's count, reserved for its reply until it settles. */
  reserved: number;
  /** A blocking read waiting for data: counts against maxParked, not maxInflight. */
  parked: boolean;
}

/** A client's claim about who it is: uname and, in .u/.L, n_uname (NONUNAME if unset). */
export interface Claim {
  readonly uname: string;
  readonly nUname?: number;
}

/** What a handler sees of its connection. Handlers run only after a Tversion was
 *  accepted, so the dialect and msize are settled. */
export interface Conn {
  readonly config: ServerConfig;
  readonly dialect: Dialect;
  readonly msize: number;
  /** The Linux kernel client: reads get the continuation rule (continuation.ts). */
  readonly linux: boolean;
  readonly meta: ConnMeta;
  /** The uid a MUNGE attach on this connection proved (diod's authenticated connection). */
  authUid?: number;
  hasFid(num: number): boolean;
  /** The fid for a request, with a reference held until the request settles. */
  useFid(num: number, req: Req): Fid;
  /** Bounded by config.maxFids (EMFILE). */
  addFid(f: Fid): void;
  /** Tclunk and Tremove: the fid leaves the table now, its file closes on the last
   *  reference. Undefined for an afid (it just goes). */
  dropFid(num: number): Fid | undefined;
  /** An afid (Tauth), in the fid number space and counted against maxFids. */
  addAuthFid(num: number, a: AuthFid): void;
  authFid(num: number): AuthFid | undefined;
  /** A new session for an attach (EUSERS past maxAttaches); the first one ends the
   *  handshake timer. */
  newSession(user: string, ns: NamespaceView): Session;
  caller(session: Session): Caller;
  /** The count a Tread/Treaddir may have: at most msize allows, and less when the
   *  connection already holds maxQueuedBytes; reserved for the reply until it settles. */
  readCount(req: Req, count: number): number;
  /** A read is blocked in its file: it leaves the in-flight count for the parked one.
   *  False when maxParked reads already wait (the caller answers EAGAIN). */
  park(req: Req): boolean;
}

/** The state of one afid: who the Tauth claimed to be and what was written to it. */
export interface AuthFid {
  readonly claim: Claim;
  data: Buffer;
  /** Set by the attach that used it: one afid buys one attach. */
  used: boolean;
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
