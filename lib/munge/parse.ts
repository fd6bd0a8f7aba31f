// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Strict readers for what the munge tools print. `unmunge -N -k KEYS` writes one
// `KEY:<blanks>VALUE` line per requested key, in the tool's own table order (not the -k
// order), a blank line, then exactly LENGTH payload bytes; anything else means we are not
// talking to the tool we think we are, and nothing in it is trusted.

import { perr } from '../9p/error.js';
import { EPROTO } from '../9p/errno.js';
import { isMungeStatus, type Credential, type MungeStatus } from './status.js';

/** The keys we ask unmunge for, in the order it prints them. */
export const UNMUNGE_KEYS = ['STATUS', 'ENCODE_HOST', 'ENCODE_TIME', 'DECODE_TIME', 'TTL', 'UID', 'GID', 'LENGTH'] as const;
type Key = (typeof UNMUNGE_KEYS)[number];

/** A credential as munge prints it: "MUNGE:" base64 ":" (munge_defs.h prefix/suffix). */
export const CRED_RE = /^MUNGE:[A-Za-z0-9+/]+={0,2}:$/;

const U32 = 0xffffffff;
const NUM = /^(0|[1-9][0-9]{0,19})$/;
const IPV4 = /^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$/;

function bad(what: string, seen: string): Error {
  const shown = JSON.stringify(seen.length > 80 ? seen.slice(0, 80) + '...' : seen);
  return perr(EPROTO, `unmunge output: ${what}: ${shown}`);
}

function num(key: Key, v: string, max: number): number {
  if (!NUM.test(v)) throw bad(`${key} is not a number`, v);
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n > max) throw bad(`${key} out of range`, v);
  return n;
}

export interface Unmunged {
  status: MungeStatus;
  credential: Credential;
}

/** Parse `unmunge -N -k <UNMUNGE_KEYS>` standard output. Throws EPROTO on any deviation. */
export function parseUnmunge(out: Buffer): Unmunged {
  const v = new Map<Key, string>();
  let pos = 0;
  for (const key of UNMUNGE_KEYS) {
    const nl = out.indexOf(0x0a, pos);
    if (nl < 0) throw bad(`missing ${key} line`, out.subarray(pos, pos + 80).toString('latin1'));
    const line = out.subarray(pos, nl).toString('latin1');
    const m = /^([A-Z_]+):( +)(\S+)$/.exec(line);
    if (!m || m[1] !== key) throw bad(`expected ${key}`, line);
    v.set(key, m[3]);
    pos = nl + 1;
  }
  if (out[pos] !== 0x0a) throw bad('no blank line after the metadata', out.subarray(pos, pos + 80).toString('latin1'));
  pos++;
  const status = num('STATUS', v.get('STATUS')!, 255);
  if (!isMungeStatus(status)) throw bad('unknown STATUS', v.get('STATUS')!);
  const host = v.get('ENCODE_HOST')!;
  if (!IPV4.test(host)) throw bad('ENCODE_HOST is not an IPv4 address', host);
  const length = num('LENGTH', v.get('LENGTH')!, out.length);
  const payload = Buffer.from(out.subarray(pos));
  if (payload.length !== length) throw bad(`LENGTH ${length} but ${payload.length} payload bytes`, v.get('LENGTH')!);
  return {
    status,
    credential: {
      uid: num('UID', v.get('UID')!, U32),
      gid: num('GID', v.get('GID')!, U32),
      payload,
      encodeTime: num('ENCODE_TIME', v.get('ENCODE_TIME')!, Number.MAX_SAFE_INTEGER),
      decodeTime: num('DECODE_TIME', v.get('DECODE_TIME')!, Number.MAX_SAFE_INTEGER),
      ttl: num('TTL', v.get('TTL')!, U32),
      host,
    },
  };
}

/** `munge` standard output: exactly one credential and a newline. */
export function parseMungeOut(out: Buffer): string {
  const s = out.toString('latin1');
  if (!s.endsWith('\n')) throw bad('credential not newline-terminated', s);
  const cred = s.slice(0, -1);
  if (!CRED_RE.test(cred)) throw bad('not a credential', cred);
  return cred;
}

/** The message of a tool's `prog: Error: text` stderr line, one line, bounded. */
export function toolMessage(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const last = lines.find((l) => /: Error: /.test(l)) ?? lines[lines.length - 1] ?? '';
  const msg = last.replace(/^[^:]*: Error: /, '');
  return msg.length > 200 ? msg.slice(0, 200) + '...' : msg;
}
