// SPDX-License-Identifier: GPL-2.0-or-later
//
// Who an attach speaks for. Three sources, strongest first:
// - a verified TLS client certificate mapped to a user (the connection's certUser): every
//   attach on that connection is that user;
// - a MUNGE credential (`--auth munge`), diod's exchange: Tauth makes an afid, the client
//   writes the credential to it, and the Tattach naming that afid is decoded through
//   munged; the uid comes from the credential. The connection is then authenticated as
//   that uid, so later attaches with afid NOFID may speak for the same uid (uid 0 for any
//   user: root can mint credentials for anyone anyway), which is what lets a root helper
//   hand a connection to Linux v9fs;
// - nothing (`--auth none`): uname/n_uname are believed. Only loopback and unix listeners
//   allow it unless the operator says --insecure (listen.ts).
// Any uname or n_uname that disagrees with the proven identity is EPERM, and so is every
// authentication failure; the reason goes in the error's detail, not on the wire.

import { perr } from '../lib/9p/error.js';
import { EBADF, EFBIG, EINVAL, EIO, ENAMETOOLONG, ENOENT, EPERM } from '../lib/9p/errno.js';
import { NOFID, NONUNAME, QTAUTH } from '../lib/9p/const.js';
import type { Qid } from '../lib/9p/fcall.js';
import { hasControl } from './fidops.js';
import type { AuthFid, Claim, Conn } from './types.js';

/** The longest user name accepted, in bytes. */
export const MAXUNAME = 255;
/** The longest attach name, in bytes (Linux PATH_MAX). */
export const MAXANAME = 4096;
/** Bytes an afid takes: a MUNGE credential without payload is 143. */
export const MAX_CREDENTIAL = 4096;

/** Unames and anames end up in status files, stat owners and the kernel log. */
export function checkIdentity(uname: string, aname: string): void {
  if (hasControl(uname)) throw perr(EINVAL, `bad user name ${JSON.stringify(uname.slice(0, 40))}`);
  if (hasControl(aname)) throw perr(EINVAL, `bad attach name ${JSON.stringify(aname.slice(0, 40))}`);
  if (Buffer.byteLength(uname) > MAXUNAME) throw perr(ENAMETOOLONG, `user name longer than ${MAXUNAME} bytes`);
  if (Buffer.byteLength(aname) > MAXANAME) throw perr(ENAMETOOLONG, `attach name longer than ${MAXANAME} bytes`);
}

const claimText = (c: Claim): string =>
  c.nUname !== undefined && c.nUname !== NONUNAME ? `uid ${c.nUname}` : `"${c.uname}"`;

/** A claim agrees with uid `uid` (named `name`) when each part it sets names that user. */
function agrees(c: Conn, claim: Claim, uid: number, name: string): boolean {
  if (claim.nUname !== undefined && claim.nUname !== NONUNAME && claim.nUname !== uid) return false;
  if (claim.uname !== '' && claim.uname !== name && claim.uname !== String(uid)) return false;
  return true;
}

function sameClaim(a: Claim, b: Claim): boolean {
  return a.uname === b.uname && (a.nUname ?? NONUNAME) === (b.nUname ?? NONUNAME);
}

/** Tauth: an afid on a `--auth munge` connection; ENOENT ("not required") elsewhere, which
 *  diod's clients take as "attach with NOFID". */
export function authFid(c: Conn, afid: number, claim: Claim): Qid {
  if (c.meta.auth !== 'munge' || c.meta.certUser !== undefined) throw perr(ENOENT, 'authentication not required');
  if (c.hasFid(afid)) throw perr(EBADF, `fid ${afid} already in use`);
  c.addAuthFid(afid, { claim, data: Buffer.alloc(0), used: false });
  return { type: QTAUTH, version: 0, path: 0n };
}

/** A Twrite to an afid: the credential, appended (diod's npc_puts writes at the running
 *  offset), at most MAX_CREDENTIAL bytes, never after the afid was used. */
export function writeAuth(a: AuthFid, offset: bigint, data: Buffer): number {
  if (a.used) throw perr(EIO, 'credential already used');
  if (offset !== BigInt(a.data.length)) throw perr(EIO, `credential write at offset ${offset}, expected ${a.data.length}`);
  if (a.data.length + data.length > MAX_CREDENTIAL) throw perr(EFBIG, `credential longer than ${MAX_CREDENTIAL} bytes`);
  a.data = Buffer.concat([a.data, data]);
  return data.length;
}

/** The user a Tattach speaks for, or EPERM. May wait for munged. */
export async function attachUser(c: Conn, claim: Claim, afid: number): Promise<string> {
  const users = c.config.users;
  const cert = c.meta.certUser;
  if (cert !== undefined) {
    if (afid !== NOFID) throw perr(EPERM, 'authenticated by certificate: attach with afid NOFID');
    if (!agrees(c, claim, users.uidOf(cert), cert)) throw perr(EPERM, `${claimText(claim)} is not ${cert}, the certificate's user`);
    return cert;
  }
  if (c.meta.auth === 'none') {
    if (afid !== NOFID) throw perr(EPERM, 'authentication not required: attach with afid NOFID');
    return users.resolve(claim.uname, claim.nUname);
  }
  if (afid === NOFID) {
    const uid = c.authUid;
    if (uid === undefined) throw perr(EPERM, 'authentication required: Tauth and a MUNGE credential first');
    if (uid === 0) return claim.uname === '' && (claim.nUname ?? NONUNAME) === NONUNAME ? users.resolve('', 0) : users.resolve(claim.uname, claim.nUname);
    const name = users.resolve('', uid);
    if (!agrees(c, claim, uid, name)) throw perr(EPERM, `${claimText(claim)}: this connection is authenticated as ${name}`);
    return name;
  }
  const a = c.authFid(afid);
  if (!a) throw perr(EPERM, `fid ${afid} is not an auth fid`);
  if (!sameClaim(a.claim, claim)) throw perr(EPERM, `attach as ${claimText(claim)} with the afid of ${claimText(a.claim)}`);
  if (a.used) throw perr(EPERM, 'afid already used');
  if (a.data.length === 0) throw perr(EPERM, 'no credential written to the afid');
  const decoder = c.config.munge;
  if (!decoder) throw perr(EPERM, 'no MUNGE decoder configured');
  a.used = true;
  let uid: number;
  try {
    uid = (await decoder.decode(a.data)).uid;
  } catch (e) {
    throw perr(EPERM, `credential refused: ${e instanceof Error ? e.message : String(e)}`);
  }
  const name = users.resolve('', uid);
  if (!agrees(c, claim, uid, name)) throw perr(EPERM, `${claimText(claim)} is not ${name}, the credential's user`);
  c.authUid = uid;
  return name;
}
