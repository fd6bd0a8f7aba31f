// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The public face of lib/munge: MUNGE credentials through a running munged. The plain
// functions share one default Munge (its limits apply across all their callers); a server
// that wants its own socket, limits or deadline makes its own instance.

import { Munge, type EncodeOptions, type CallOptions } from './munge.js';
import type { Credential } from './status.js';

export { Munge, MUNGE_MAX_REQUEST, type MungeConfig, type EncodeOptions, type CallOptions } from './munge.js';
export { MungeError, MungeStatus, mungeStrerror, mungeStatusName, mungeErrno, isMungeStatus, type Credential } from './status.js';
export { Gate } from './gate.js';
export { CRED_RE, parseUnmunge, parseMungeOut, UNMUNGE_KEYS } from './parse.js';

let shared: Munge | undefined;
function dflt(): Munge {
  shared ??= new Munge();
  return shared;
}

/** A credential for this process, from munged (opts.socket or the default one). */
export function encode(opts: EncodeOptions = {}): Promise<string> {
  return dflt().encode(opts);
}

/** munged's verdict on a credential; rejects with MungeError unless it is good. */
export function decode(cred: string | Buffer, opts: CallOptions = {}): Promise<Credential> {
  return dflt().decode(cred, opts);
}
