// SPDX-License-Identifier: GPL-2.0-or-later
//
// One attached 9P connection for a CLI command: dial the address (a Plan 9 dial string),
// negotiate, attach, and the file operations every command is made of. A failed write is
// followed by a read of /dev/errstr on the same session, so the error the user sees has
// the server's detail, not just the errno (namespace.md "Errors").

import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import type { Duplex } from 'node:stream';
import { Client } from '../../lib/9p/client.js';
import { dial as dial9p, type DialOptions } from '../../lib/9p/dial.js';
import { P9Error } from '../../lib/9p/error.js';
import { ECONNREFUSED, ECONNRESET, EINVAL, ENOENT, ETIMEDOUT } from '../../lib/9p/errno.js';
import { Munge } from '../../lib/munge/index.js';
import { NONUNAME, OREAD, OTRUNC, OWRITE } from '../../lib/9p/const.js';
import type { Dialect, Stat } from '../../lib/9p/fcall.js';
import type { DirEntry, Fid } from '../../lib/9p/fid.js';
import { parseDialString, type DialString } from '../../lib/iplib/dial.js';

export const DEFAULT_ADDRESS = 'tcp!127.0.0.1!5640';
export const DIALECTS: readonly Dialect[] = ['9P2000', '9P2000.u', '9P2000.L'];

export interface ConnectOptions {
  address: string;
  user: string;
  dialect: Dialect;
  aname?: string;
  /** munge: attach with a MUNGE credential (from munged at AKAROS_MUNGE_SOCKET or libmunge's socket). */
  auth?: 'none' | 'munge';
  /** munge as root: authenticate as root, then attach again as `user`. A connection
   *  authenticated as root may speak for any user (diod's rule); Slurm's hooks, run as
   *  root, act for the job's user this way. */
  speakFor?: boolean;
  /** Files for tls! addresses: the CA, and a client certificate and its key. */
  ca?: string;
  cert?: string;
  key?: string;
}

/** An error the CLI prints as `akaros: MESSAGE` and exits with `exit`. */
export class CliError extends Error {
  constructor(message: string, readonly exit: number = 1, readonly errno?: number, readonly ename?: string) {
    super(message);
    this.name = 'CliError';
  }
}

/** Usage mistakes: exit status 2. */
export function usage(message: string): CliError {
  return new CliError(message, 2);
}

export function defaultUser(): string {
  if (process.env.USER) return process.env.USER;
  try { return userInfo().username; } catch { return 'none'; }
}

const HINT = 'give tcp!HOST!PORT, HOST:PORT or unix!/PATH';

/** HOST:PORT, [V6]:PORT or :PORT as a dial string; anything else unchanged. */
export function hostPort(address: string): string {
  if (address.includes('!')) return address;
  const m = /^(?:\[([^\]]*)\]|([^:\[\]]*)):([^:]*)$/.exec(address);
  if (!m) return address;
  const host = m[1] ?? m[2];
  const port = m[3];
  if (port === '') throw usage(`address "${address}": no port after ":" (${HINT})`);
  return `tcp!${host === '' ? '127.0.0.1' : host}!${port}`;
}

/** Parse the address flag; a bad dial string is a usage error that shows the forms. */
export function parseAddress(address: string): DialString {
  const dial = hostPort(address);
  try {
    // A tls address is a tcp one with TLS on top (lib/9p/dial.ts).
    const d = parseDialString(dial.startsWith('tls!') ? `tcp!${dial.slice(4)}` : dial, { net: 'tcp', service: '5640' });
    if (d.net !== 'unix' && d.net !== 'tcp' && d.net !== 'net') throw new P9Error(EINVAL, `cannot dial network "${d.net}"`);
    if (d.net !== 'unix' && d.port === undefined) {
      throw new P9Error(EINVAL, `"${address}": the service must be a port number, not "${d.service}"`);
    }
    return d;
  } catch (e) {
    let msg = e instanceof P9Error ? (e.detail ?? e.message) : String(e);
    if (/empty service$/.test(msg)) msg = `address "${address}": no port after the last "!"`;
    throw usage(`${msg} (${HINT})`);
  }
}

function pem(what: string, file: string | undefined): Buffer | undefined {
  if (file === undefined) return undefined;
  try {
    return readFileSync(file);
  } catch (e) {
    throw usage(`--${what} ${file}: ${(e as Error).message}`);
  }
}

async function dial(opts: ConnectOptions): Promise<Duplex> {
  const address = hostPort(opts.address);
  const tls = address.startsWith('tls!');
  if (!tls && (opts.ca || opts.cert || opts.key)) throw usage(`--ca, --cert and --key are for tls!HOST!PORT addresses, not "${opts.address}"`);
  if ((opts.cert === undefined) !== (opts.key === undefined)) throw usage('--cert and --key go together');
  const d: DialOptions = {};
  const ca = pem('ca', opts.ca), cert = pem('cert', opts.cert), key = pem('key', opts.key);
  if (ca) d.ca = ca;
  if (cert) d.cert = cert;
  if (key) d.key = key;
  try {
    return await dial9p(address, d);
  } catch (e) {
    if (e instanceof P9Error && (e.errno === ECONNREFUSED || e.errno === ETIMEDOUT)) {
      // Name the address as the user wrote it.
      const prefix = `dial ${address}: `;
      const why = e.detail?.startsWith(prefix) ? e.detail.slice(prefix.length) : (e.detail ?? e.message);
      throw new CliError(`dial ${opts.address}: ${why}`, 1, ECONNREFUSED, 'ECONNREFUSED');
    }
    throw e;
  }
}

/** Split a user's path into names: "/mcp/7/ctl", "mcp/7/ctl" and "/" all work. */
export function names(path: string): string[] {
  return path.split('/').filter((s) => s !== '' && s !== '.');
}

export class Session {
  private constructor(
    readonly client: Client,
    readonly opts: ConnectOptions,
    /** Names every path is taken under (a view made by under()). */
    private readonly base: readonly string[] = [],
  ) {}

  /** The same connection with every path taken under `dir`: another node's files at
   *  /n/NODE read by the single-node readers. Closing the view closes nothing. */
  under(dir: string): Session {
    const v = new Session(this.client, this.opts, [...this.base, ...names(dir)]);
    v.named = Promise.resolve(undefined);
    v.view = true;
    return v;
  }

  private view = false;

  private path(p: string): string[] {
    return [...this.base, ...names(p)];
  }

  static async open(opts: ConnectOptions): Promise<Session> {
    parseAddress(opts.address);
    const sock = await dial(opts);
    let client: Client;
    try {
      client = await Client.connect(sock, { dialect: opts.dialect });
    } catch (e) {
      sock.destroy();
      throw serverError(`version ${opts.dialect}`, e);
    }
    try {
      if (opts.auth === 'munge') {
        // The credential carries our uid; the server checks the name against it.
        const munge = new Munge(process.env.AKAROS_MUNGE_SOCKET ? { socket: process.env.AKAROS_MUNGE_SOCKET } : {});
        await client.attach({
          uname: opts.speakFor ? 'root' : opts.user, aname: opts.aname ?? '', nUname: process.getuid?.() ?? NONUNAME,
          credential: () => munge.encode(), requireAuth: true,
        });
        if (opts.speakFor && opts.user !== 'root') {
          // Root's credential authenticated the connection; a further attach without an
          // afid then names any user (diod's rule), and that attach is the session's root.
          const first = client.root!;
          client.root = await client.attach({ uname: opts.user, aname: opts.aname ?? '', nUname: NONUNAME });
          await first.clunk();
        }
      } else {
        await client.attach({ uname: opts.user, aname: opts.aname ?? '', nUname: NONUNAME });
      }
    } catch (e) {
      client.close();
      throw serverError(`attach as ${opts.user}`, e);
    }
    return new Session(client, opts);
  }

  get root(): Fid {
    return this.client.root!;
  }

  /** Walk to a path (a new fid the caller clunks). */
  async walk(path: string): Promise<Fid> {
    try {
      return await this.root.walk(this.path(path));
    } catch (e) {
      throw serverError(path, await this.why(path, e));
    }
  }

  /** `cat PATH` as text. */
  async read(path: string, signal?: AbortSignal): Promise<string> {
    return (await this.readBytes(path, signal)).toString();
  }

  async readBytes(path: string, signal?: AbortSignal): Promise<Buffer> {
    try {
      return await this.client.readFile(this.path(path).join('/'), signal);
    } catch (e) {
      throw serverError(path, await this.why(path, e));
    }
  }

  /** Like read, but a missing file is undefined (a process that died between ls and read). */
  async readMaybe(path: string): Promise<string | undefined> {
    try {
      return await this.read(path);
    } catch (e) {
      if (e instanceof CliError && (e.ename === 'ENOENT' || e.ename === 'ESRCH')) return undefined;
      throw e;
    }
  }

  /** `echo TEXT > PATH`: open OWRITE|OTRUNC, one write, clunk. `what` names the failure
   *  in the message (default: the line of the text the server refused, see blame()). */
  async write(path: string, data: string | Buffer, what?: string): Promise<number> {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    let f: Fid;
    try {
      f = await this.root.walk(this.path(path));
    } catch (e) {
      throw serverError(path, await this.why(path, e));
    }
    try {
      await f.open(OWRITE | OTRUNC);
    } catch (e) {
      await f.clunk().catch(() => {});
      throw await this.withErrstr(() => path, e);
    }
    try {
      return await f.write(0n, buf);
    } catch (e) {
      throw await this.withErrstr((errstr, text) => what ?? blame(buf.toString(), errstr, text, path), e);
    } finally {
      await f.clunk().catch(() => {});
    }
  }

  /** Open for reading (blocking files: keep the fid across reads). */
  async openRead(path: string): Promise<Fid> {
    const f = await this.walk(path);
    try {
      await f.open(OREAD);
      return f;
    } catch (e) {
      await f.clunk().catch(() => {});
      throw serverError(path, e);
    }
  }

  async ls(path: string): Promise<DirEntry[]> {
    try {
      return await this.client.ls(this.path(path).join('/'));
    } catch (e) {
      throw serverError(path, await this.why(path, e));
    }
  }

  async stat(path: string): Promise<Stat> {
    try {
      return await this.client.stat(this.path(path).join('/'));
    } catch (e) {
      throw serverError(path, await this.why(path, e));
    }
  }

  /** A walk of several names that fails past the first comes back short, which reads as
   *  ENOENT (walk(5)) even where a remote mount's server is down: walk one name at a
   *  time to find the real error (only when there was one). */
  private async why(path: string, e: unknown): Promise<unknown> {
    const ns = this.path(path);
    if (!(e instanceof P9Error) || e.errno !== ENOENT || ns.length < 2) return e;
    const made: Fid[] = [];
    try {
      let f = this.root;
      for (const n of ns) {
        try {
          f = await f.walk([n]);
        } catch (err) {
          return err instanceof P9Error && err.errno !== ENOENT ? err : e;
        }
        made.push(f);
      }
      return e;
    } finally {
      for (const m of made) await m.clunk().catch(() => {});
    }
  }

  /** The detail of the session's last error, from /dev/errstr ('' if unreadable). */
  async errstr(): Promise<string> {
    try {
      return (await this.client.readFile('dev/errstr')).toString().trim();
    } catch {
      return '';
    }
  }

  private async withErrstr(label: (errstr: string, text: string) => string, e: unknown): Promise<Error> {
    if (!(e instanceof P9Error) || e.errno === ECONNRESET) return serverError(label('', ''), e);
    const errstr = await this.errstr();
    return serverError(label(errstr, e.text), e, errstr);
  }

  /** A 9P2000.u connection beside a 9P2000.L one: its stats carry owner names, where
   *  Rgetattr has only numbers (the server maps names it does not know to nobody). */
  private named?: Promise<Session | undefined>;

  private namedSession(): Promise<Session | undefined> {
    if (this.opts.dialect !== '9P2000.L') return Promise.resolve(this);
    this.named ??= Session.open({ ...this.opts, dialect: '9P2000.u' }).catch(() => undefined);
    return this.named;
  }

  /** stat with owner names in every dialect (see namedSession). */
  async statNamed(path: string): Promise<Stat> {
    const u = await this.namedSession();
    return (u ?? this).stat(path);
  }

  /** ls with a stat per entry, owner names in every dialect. */
  async lsNamed(path: string): Promise<DirEntry[]> {
    const u = await this.namedSession();
    const list = await (u ?? this).ls(path);
    const base = names(path).join('/');
    return Promise.all(list.map(async (e) => (e.stat ? e : { ...e, stat: await (u ?? this).stat(`${base}/${e.name}`) })));
  }

  close(): void {
    if (this.view) return;
    this.client.close();
    void this.named?.then((u) => { if (u && u !== this) u.close(); });
  }
}

/**
 * The line of a multi-line ctl write that the server refused. The server applies the
 * lines in order and stops at the first bad one, and its detail names that line
 * (`cores 99: want 0..15`), its verb (`unknown control message "banana"`) or a prefix of
 * it (`yield 3: ...` for `yield 3 nice`). The first line the detail names whole is the
 * one; a verb or prefix decides only if one line has it. Otherwise the path: never a
 * line that was applied.
 */
export function blame(data: string, errstr: string, errText: string, path: string): string {
  const lines = data.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  if (lines.length <= 1) return lines[0] ?? path;
  const detail = errstr.startsWith(`${errText}: `) ? errstr.slice(errText.length + 2) : errstr;
  const whole = lines.find((l) => detail === l || detail.startsWith(`${l}: `) || detail.includes(`"${l}"`));
  if (whole !== undefined) return whole;
  const partial = lines.filter((l) => {
    const w = l.split(/\s+/);
    for (let k = w.length - 1; k >= 1; k--) if (detail.startsWith(`${w.slice(0, k).join(' ')}: `)) return true;
    return detail.includes(`"${w[0]}"`);
  });
  return new Set(partial).size === 1 ? partial[0] : path;
}

/**
 * A server error as the user sees it: `LABEL: TEXT: DETAIL`. /dev/errstr holds
 * `TEXT: DETAIL`, and a ctl detail starts with the command itself (`cores 8: 6 cores
 * free...`); both are folded so each part appears once:
 * `cores 8: No space left on device: 6 cores free to provision`.
 */
export function serverError(label: string, e: unknown, errstr = ''): Error {
  if (e instanceof CliError) return e;
  if (!(e instanceof P9Error)) return e instanceof Error ? e : new Error(String(e));
  let detail = e.detail ?? '';
  if (errstr) {
    detail = errstr.startsWith(`${e.text}: `) ? errstr.slice(e.text.length + 2) : errstr === e.text ? '' : errstr;
  }
  // The detail names the command again ("yield 3: ..." for "yield 3 nice"): drop it.
  const m = /^([^:]+): /.exec(detail);
  if (m && (label === m[1] || label.startsWith(`${m[1]} `))) detail = detail.slice(m[0].length);
  else if (detail === label) detail = '';
  const msg = [label, e.text, detail].filter((s) => s !== '').join(': ');
  return new CliError(msg, 1, e.errno, e.ename);
}
