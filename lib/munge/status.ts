// SPDX-License-Identifier: LGPL-2.1-or-later
//
// MUNGE's status numbers (munge_err_t, stable since munge 0.5) and the error class that
// carries one. A credential munged refuses is EPERM for whoever asked: the caller is told
// "not you", and the MUNGE status says why for the log.

import { P9Error } from '../9p/error.js';
import { EINVAL, EIO, ENOMEM, EPERM, ETIMEDOUT, errnoByName } from '../9p/errno.js';

export const MungeStatus = {
  SUCCESS: 0,
  SNAFU: 1,
  BAD_ARG: 2,
  BAD_LENGTH: 3,
  OVERFLOW: 4,
  NO_MEMORY: 5,
  SOCKET: 6,
  TIMEOUT: 7,
  BAD_CRED: 8,
  BAD_VERSION: 9,
  BAD_CIPHER: 10,
  BAD_MAC: 11,
  BAD_ZIP: 12,
  BAD_REALM: 13,
  CRED_INVALID: 14,
  CRED_EXPIRED: 15,
  CRED_REWOUND: 16,
  CRED_REPLAYED: 17,
  CRED_UNAUTHORIZED: 18,
} as const;
export type MungeStatus = (typeof MungeStatus)[keyof typeof MungeStatus];

const TEXT: readonly string[] = [
  'Success', 'Internal error', 'Invalid argument', 'Exceeded maximum message length',
  'Buffer overflow', 'Out of memory', 'Socket communication error', 'Socket timeout',
  'Invalid credential format', 'Invalid credential version', 'Invalid cipher type',
  'Invalid MAC type', 'Invalid compression type', 'Unrecognized security realm',
  'Invalid credential', 'Expired credential', 'Rewound credential', 'Replayed credential',
  'Unauthorized credential',
];

const NAME = new Map<number, string>(Object.entries(MungeStatus).map(([k, v]) => [v, k]));

export function isMungeStatus(n: number): n is MungeStatus {
  return Number.isInteger(n) && n >= 0 && n < TEXT.length;
}

/** munge_strerror(): the text munged's tools print for a status. */
export function mungeStrerror(s: number): string {
  return TEXT[s] ?? `Unknown MUNGE status ${s}`;
}

/** The symbolic name, e.g. 'CRED_EXPIRED'. */
export function mungeStatusName(s: number): string {
  return NAME.get(s) ?? `STATUS_${s}`;
}

// ECONNREFUSED has no named export in lib/9p/errno.ts; look it up by name.
const ECONNREFUSED = errnoByName.get('ECONNREFUSED') ?? EIO;

/** The errno a status becomes: every refused credential is EPERM; munged being
 *  unreachable is ECONNREFUSED; the rest are the caller's or the daemon's trouble. */
export function mungeErrno(s: number): number {
  if (s >= MungeStatus.BAD_CRED) return EPERM;
  switch (s) {
    case MungeStatus.BAD_ARG: case MungeStatus.BAD_LENGTH: return EINVAL;
    case MungeStatus.NO_MEMORY: return ENOMEM;
    case MungeStatus.SOCKET: return ECONNREFUSED;
    case MungeStatus.TIMEOUT: return ETIMEDOUT;
    default: return EIO;
  }
}

/** What munged vouched for: the credential's integrity checked out. */
export interface Credential {
  /** Of the process that encoded it, as munged saw it (SO_PEERCRED). */
  uid: number;
  gid: number;
  /** Empty when there was none. */
  payload: Buffer;
  /** Seconds since the epoch, by the encoding host's clock. */
  encodeTime: number;
  /** Seconds since the epoch, by the decoding munged's clock. */
  decodeTime: number;
  /** Seconds; munged caps it at its --max-ttl. */
  ttl: number;
  /** The encoding host's IPv4 address, dotted. */
  host: string;
}

/** A MUNGE failure. `status` says which; `credential` is set for EXPIRED, REWOUND and
 *  REPLAYED, where the contents are genuine but the credential may not be used. */
export class MungeError extends P9Error {
  readonly status: MungeStatus;
  readonly statusName: string;
  readonly credential?: Credential;

  constructor(status: MungeStatus, detail?: string, credential?: Credential) {
    const what = mungeStrerror(status);
    super(mungeErrno(status), detail ? `munge: ${what}: ${detail}` : `munge: ${what}`);
    this.name = 'MungeError';
    this.status = status;
    this.statusName = mungeStatusName(status);
    this.credential = credential;
  }
}
