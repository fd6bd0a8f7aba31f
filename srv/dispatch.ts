// SPDX-License-Identifier: GPL-2.0-or-later
//
// The request table per dialect: message type -> handler. 9P2000 and 9P2000.u share one
// table (the .u differences are in the codec and the stat shapes); 9P2000.L has its own.
// A type with no handler is ENOSYS, or EOPNOTSUPP in .L (the errno Linux falls back on).

import { perr } from '../lib/9p/error.js';
import { ENOSYS } from '../lib/9p/errno.js';
import {
  Tcreate, Tflush, Tlcreate, Tlopen, Tmkdir, Topen, Tremove, Tsetattr, Tversion, Twrite, Twstat,
  type Dialect, type TMessage,
} from '../lib/9p/fcall.js';
import { common } from './ops.js';
import { classic } from './ops9p.js';
import { dotl, unsupported } from './opsl.js';
import type { HandlerTable, Conn, Reply, Req } from './types.js';

/** A handler as the connection calls it: any message, any reply body. */
export type AnyHandler = (c: Conn, m: TMessage, r: Req) => Reply | Promise<Reply>;

const tables: Record<Dialect, HandlerTable> = {
  '9P2000': { ...common, ...classic },
  '9P2000.u': { ...common, ...classic },
  '9P2000.L': { ...common, ...dotl },
};

const nosys = (): never => { throw perr(ENOSYS); };

/** The handler for a decoded request. The codec guarantees m.type is the type looked up,
 *  which is what makes each table entry's exact message type hold. */
export function handlerFor(type: number, dialect: Dialect): AnyHandler {
  const h = tables[dialect][type as keyof HandlerTable] as unknown as AnyHandler | undefined;
  return h ?? (dialect === '9P2000.L' ? unsupported : nosys);
}

/** True when `type` is a request this dialect defines (a decode error on it is a bad body). */
export function knownType(type: number, dialect: Dialect): boolean {
  return type === Tversion || type === Tflush || tables[dialect][type as keyof HandlerTable] !== undefined;
}

/** Requests whose failures a user wants to read back from /dev/errstr. */
const ERRSTR_TYPES: ReadonlySet<number> = new Set([
  Topen, Tlopen, Tcreate, Tlcreate, Twrite, Tremove, Twstat, Tsetattr, Tmkdir,
]);

export function setsErrstr(type: number): boolean {
  return ERRSTR_TYPES.has(type);
}
