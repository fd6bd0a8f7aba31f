// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Encode and decode MUNGE credentials through a running munged, by running Debian's
// `munge` and `unmunge` tools as children: they speak munged's socket protocol and let
// munged see the caller's uid the only way it trusts (SO_PEERCRED). Nothing here blocks
// the event loop; every call has a deadline, and a Gate bounds how many children run and
// how many calls may wait for one.

import { perr } from '../9p/error.js';
import { ECANCELED, EINVAL, EIO, EPROTO } from '../9p/errno.js';
import { Gate } from './gate.js';
import { runTool, type ToolResult } from './spawn.js';
import { CRED_RE, UNMUNGE_KEYS, parseMungeOut, parseUnmunge, toolMessage } from './parse.js';
import { MungeError, MungeStatus, isMungeStatus, mungeStrerror, type Credential } from './status.js';

/** munged's own request limit (MUNGE_MAXIMUM_REQ_LEN). */
export const MUNGE_MAX_REQUEST = 1 << 20;

export interface MungeConfig {
  /** munged's socket. Default: the tools' built-in one (/run/munge/munge.socket.2). */
  socket?: string;
  /** Deadline of one call, waiting in line included. Default 5000 ms. */
  timeoutMs?: number;
  /** Tool children running at once. Default 4. */
  maxConcurrent?: number;
  /** Calls waiting for a child; one more fails EAGAIN. Default 64. */
  maxQueue?: number;
  /** Longest credential decode() accepts, and largest payload encode() sends.
   *  Default and maximum MUNGE_MAX_REQUEST. */
  maxLength?: number;
  /** Default 'munge' and 'unmunge', looked up on PATH. */
  mungePath?: string;
  unmungePath?: string;
}

export interface CallOptions {
  /** Overrides the configured socket for this call. */
  socket?: string;
  signal?: AbortSignal;
}

export interface EncodeOptions extends CallOptions {
  /** Carried inside the credential; default none. */
  payload?: Buffer | string;
  /** Seconds; 0 = munged's default (300), -1 = its maximum (--max-ttl, 3600). */
  ttl?: number;
  /** Encode as this uid/gid instead of our own. Only root may (the tool seteuid()s). */
  uid?: number;
  gid?: number;
  /** Only this uid / gid may decode it (others get CRED_UNAUTHORIZED). */
  restrictUid?: number;
  restrictGid?: number;
}

function checkId(what: string, v: number | undefined): void {
  if (v !== undefined && (!Number.isInteger(v) || v < 0 || v >= 0xffffffff)) {
    throw perr(EINVAL, `${what} ${v}: must be an integer in 0..4294967294`);
  }
}

function checkSocket(s: string | undefined): void {
  if (s === undefined) return;
  // sun_path holds 108 bytes with the NUL.
  if (typeof s !== 'string' || s === '' || s.includes('\0') || Buffer.byteLength(s) > 107) {
    throw perr(EINVAL, `munge socket ${JSON.stringify(s)}: must be a path of 1..107 bytes`);
  }
}

/** Trailing blanks and NULs are not part of a credential (diod's afid buffer may hold a
 *  newline); anything else that does not look like one never reaches munged. */
function credText(cred: string | Buffer, max: number): string {
  const s = (typeof cred === 'string' ? cred : cred.toString('latin1')).replace(/[\s\0]+$/, '');
  if (s.length > max) throw new MungeError(MungeStatus.BAD_LENGTH, `credential of ${s.length} bytes (limit ${max})`);
  if (!CRED_RE.test(s)) {
    const shown = JSON.stringify(s.length > 40 ? s.slice(0, 40) + '...' : s);
    throw new MungeError(MungeStatus.BAD_CRED, `not a MUNGE credential: ${shown}`);
  }
  return s;
}

export class Munge {
  readonly socket?: string;
  readonly timeoutMs: number;
  readonly maxLength: number;
  readonly mungePath: string;
  readonly unmungePath: string;
  private readonly gate: Gate;

  constructor(cfg: MungeConfig = {}) {
    checkSocket(cfg.socket);
    const timeoutMs = cfg.timeoutMs ?? 5000;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw perr(EINVAL, `munge timeoutMs ${timeoutMs}: must be > 0`);
    const maxLength = cfg.maxLength ?? MUNGE_MAX_REQUEST;
    if (!Number.isInteger(maxLength) || maxLength < 1 || maxLength > MUNGE_MAX_REQUEST) {
      throw perr(EINVAL, `munge maxLength ${maxLength}: must be 1..${MUNGE_MAX_REQUEST}`);
    }
    this.socket = cfg.socket;
    this.timeoutMs = timeoutMs;
    this.maxLength = maxLength;
    this.mungePath = cfg.mungePath ?? 'munge';
    this.unmungePath = cfg.unmungePath ?? 'unmunge';
    this.gate = new Gate(cfg.maxConcurrent ?? 4, cfg.maxQueue ?? 64);
  }

  /** Tool children running now. */
  get running(): number { return this.gate.running; }
  /** Calls waiting for a child now. */
  get queued(): number { return this.gate.queued; }

  /** A new credential for the calling process (or opts.uid/gid, as root). */
  async encode(opts: EncodeOptions = {}): Promise<string> {
    checkSocket(opts.socket);
    checkId('uid', opts.uid); checkId('gid', opts.gid);
    checkId('restrictUid', opts.restrictUid); checkId('restrictGid', opts.restrictGid);
    const ttl = opts.ttl ?? 0;
    if (!Number.isInteger(ttl) || ttl < -1 || ttl > 0xffffffff) throw perr(EINVAL, `ttl ${ttl}: must be -1, 0 or seconds`);
    const payload = typeof opts.payload === 'string' ? Buffer.from(opts.payload) : opts.payload;
    if (payload && payload.length > this.maxLength) {
      throw new MungeError(MungeStatus.BAD_LENGTH, `payload of ${payload.length} bytes (limit ${this.maxLength})`);
    }
    const args = this.socketArgs(opts.socket);
    if (ttl !== 0) args.push('-t', String(ttl));
    if (opts.uid !== undefined) args.push('-U', String(opts.uid));
    if (opts.gid !== undefined) args.push('-G', String(opts.gid));
    if (opts.restrictUid !== undefined) args.push('-u', String(opts.restrictUid));
    if (opts.restrictGid !== undefined) args.push('-g', String(opts.restrictGid));
    // An empty stdin is an empty payload, the same as -n.
    if (!payload || payload.length === 0) args.push('-n');
    const r = await this.run(this.mungePath, args, payload && payload.length > 0 ? payload : null, 2 * this.maxLength + 4096, opts.signal);
    if (r.code !== 0) throw this.failure(this.mungePath, r);
    return parseMungeOut(r.stdout);
  }

  /** What munged says about a credential: resolves only for SUCCESS; every other status
   *  rejects with a MungeError (EXPIRED/REWOUND/REPLAYED carry the decoded contents). */
  async decode(cred: string | Buffer, opts: CallOptions = {}): Promise<Credential> {
    checkSocket(opts.socket);
    const text = credText(cred, this.maxLength);
    const args = [...this.socketArgs(opts.socket), '-N', '-k', UNMUNGE_KEYS.join(',')];
    const r = await this.run(this.unmungePath, args, Buffer.from(text + '\n', 'latin1'), this.maxLength + 4096, opts.signal);
    if (r.code === null || !isMungeStatus(r.code)) throw this.failure(this.unmungePath, r);
    if (r.code !== MungeStatus.SUCCESS && r.stdout.length === 0) throw this.failure(this.unmungePath, r);
    const u = parseUnmunge(r.stdout);
    if (u.status !== r.code) {
      throw perr(EPROTO, `${this.unmungePath}: exit status ${r.code} but STATUS ${u.status}`);
    }
    if (u.status !== MungeStatus.SUCCESS) {
      throw new MungeError(u.status, `uid ${u.credential.uid} gid ${u.credential.gid}`, u.credential);
    }
    return u.credential;
  }

  private socketArgs(override?: string): string[] {
    const s = override ?? this.socket;
    return s === undefined ? [] : ['-S', s];
  }

  /** One child under the gate and the deadline; the deadline counts the wait in line. */
  private async run(file: string, args: string[], input: Buffer | null, maxStdout: number, signal?: AbortSignal): Promise<ToolResult> {
    const ac = new AbortController();
    const timer = setTimeout(() => {
      ac.abort(new MungeError(MungeStatus.TIMEOUT, `${file}: no answer within ${this.timeoutMs} ms`));
    }, this.timeoutMs);
    const onAbort = (): void => ac.abort(perr(ECANCELED, `${file}: aborted by the caller`));
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const release = await this.gate.acquire(ac.signal);
      try {
        return await runTool(file, args, input, { signal: ac.signal, maxStdout });
      } finally {
        release();
      }
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  private failure(file: string, r: ToolResult): Error {
    const msg = toolMessage(r.stderr);
    if (r.code === null) return perr(EIO, `${file}: killed by ${r.signal}${msg ? `: ${msg}` : ''}`);
    if (!isMungeStatus(r.code) || r.code === MungeStatus.SUCCESS) {
      return perr(EIO, `${file}: exit status ${r.code}${msg ? `: ${msg}` : ''}`);
    }
    // The tools' message is often just the status text again.
    return new MungeError(r.code, msg && msg !== mungeStrerror(r.code) ? msg : undefined);
  }
}
