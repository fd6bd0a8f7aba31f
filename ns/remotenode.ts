// SPDX-License-Identifier: GPL-2.0-or-later
//
// A file of a remote mount. A RemoteNode is a path from the mount's root, not a fid:
// each operation walks a fresh fid from the caller's attach, does its work and clunks it
// (the clunk is not waited for, and rides with the next request), so a chan this server
// drops without telling anyone leaves nothing behind on the remote for longer than a
// spare's SPARE_MS (a walked fid kept for the walk on or the open that most often
// follows). Only an open file holds a remote fid, from the open until the local clunk
// closes it. A node walked by one user and used by another (a bind made at boot) is
// walked again on the other user's link: the remote always sees the user doing the
// operation.
//
// Every operation is forwarded (walk, open, read, write, stat, create, remove, wstat,
// clunk) and the server's errors come back with their errno. Reads carry the local
// request's AbortSignal, so a local Tflush becomes a Tflush on the remote.

import { Client } from '../lib/9p/client.js';
import { OREAD, ORCLOSE, QTDIR } from '../lib/9p/const.js';
import { P9Error, perr } from '../lib/9p/error.js';
import { EBADF, ECANCELED, ECONNRESET, EINTR, EIO, EISDIR, ENOENT, EPROTO } from '../lib/9p/errno.js';
import { Tread, Twalk, Twrite, type Qid, type RreadMsg, type RwriteMsg, type Stat } from '../lib/9p/fcall.js';
import type { DirEntry, Fid } from '../lib/9p/fid.js';
import type { Caller, DirInfo, Node, OpenFile, OpenMode, ReadRequest } from '../devs/types.js';
import type { Link } from './remotelink.js';
import type { RemoteMount } from './remotemount.js';

const EMPTY = Buffer.alloc(0);
/** Stats fetched at once for a 9P2000.L listing (Treaddir carries no stats). */
const STAT_BATCH = 8;

const DIR_FILE: OpenFile = {
  read: () => EMPTY,
  write: () => { throw perr(EISDIR); },
};

const forget = (): void => { /* a dead connection took the fid with it */ };

/** Clunk without waiting: the fid number is reusable once the server answered. The
 *  Tclunk is held for the next request on the link (most often the next walk of the
 *  same lookup, or the open after it) and goes out with it (Client.later): an unopened
 *  fid's clunk has no effect on the server worth a write and a wake-up of its own. */
function drop(f: Fid): void {
  const clunk = (): void => { f.clunk().catch(forget); };
  if (f.client instanceof Client) f.client.later(clunk);
  else clunk();
}

/** How long a walked fid waits for a walk on or an open (a Spare), and how many may
 *  wait on one link. */
export const SPARE_MS = 20;
export const MAX_SPARES = 32;

/**
 * The fid a remote walk left on the server at a node's path, kept a moment for what
 * most often comes next: a walk on from that node (the fid itself moves on: Twalk with
 * newfid = fid, so neither a walk from the root nor a clunk) or an open of it (the fid
 * is opened). Unused for SPARE_MS, it is clunked. The shell's `echo 1 > ctl` through a
 * mount is then one remote request per name, an open, a write and a clunk.
 */
class Spare {
  readonly timer: ReturnType<typeof setTimeout>;
  constructor(readonly link: Link, readonly fid: Fid, readonly owner: RemoteNode) {
    this.timer = setTimeout(expire, SPARE_MS, this);
    this.timer.unref?.();
  }
}

const expire = (s: Spare): void => s.owner.dropSpare(s);

/** Twalk of one name with newfid = fid: `f` itself moves on (no new fid). ENOENT, and
 *  `f` where it was, when the name is not there. */
async function moveOn(f: Fid, name: string): Promise<Fid> {
  const r = await f.client.rpc({ type: Twalk, fid: f.fid, newfid: f.fid, wnames: [name] });
  if (r.qids.length !== 1) throw perr(ENOENT, name);
  f.qid = r.qids[0];
  f.path = f.path.concat(name);
  return f;
}

export class RemoteNode implements Node {
  private spare: Spare | undefined = undefined;

  constructor(
    readonly mount: RemoteMount,
    /** Names from the mount's root. */
    readonly path: readonly string[],
    readonly qid: Qid,
    private last: DirInfo,
  ) {}

  get name(): string {
    return this.last.name;
  }

  info(): DirInfo {
    return this.last;
  }

  /** Keeps `f` (walked to this node's path on `link`) as this node's spare, or clunks
   *  it when the node has one or the link has MAX_SPARES. */
  private keep(link: Link, f: Fid): void {
    if (this.spare || link.spares >= MAX_SPARES || !link.current(f)) { drop(f); return; }
    link.spares++;
    this.spare = new Spare(link, f, this);
  }

  /** This node's spare on `link` (on its current connection), now the caller's. */
  private take(link: Link): Fid | undefined {
    const s = this.spare;
    if (!s || s.link !== link) return undefined;
    this.spare = undefined;
    clearTimeout(s.timer);
    link.spares--;
    if (link.current(s.fid)) return s.fid;
    drop(s.fid);
    return undefined;
  }

  /** @internal: the spare's time is up. */
  dropSpare(s: Spare): void {
    if (this.spare !== s) return;
    this.spare = undefined;
    s.link.spares--;
    drop(s.fid);
  }

  /** A fid at this node's path on `link`: the spare, or walked from the root. */
  private fidOn(link: Link, root: Fid): Fid | Promise<Fid> {
    return this.take(link) ?? root.walk([...this.path]);
  }

  stat(caller: Caller): Promise<DirInfo> {
    const link = this.mount.link(caller);
    return link.use(async (root) => {
      const f = await this.fidOn(link, root);
      let ok = false;
      try {
        this.last = this.mount.info(await f.stat(), this.last.name, this.qid);
        ok = true;
        return this.last;
      } finally {
        if (ok) this.keep(link, f);
        else drop(f);
      }
    });
  }

  walk(caller: Caller, name: string): Promise<Node | undefined> {
    const link = this.mount.link(caller);
    const path = [...this.path, name];
    return link.use(async (root) => {
      const spare = this.take(link);
      let f: Fid;
      try {
        f = spare ? await moveOn(spare, name) : await root.walk(path);
      } catch (e) {
        const enoent = e instanceof P9Error && e.errno === ENOENT;
        // A walk that failed left the spare where it was (walk(5)).
        if (spare) {
          if (enoent) this.keep(link, spare);
          else drop(spare);
        }
        if (enoent) return undefined;
        throw e;
      }
      const qid = this.mount.qid(f.qid);
      const node = new RemoteNode(this.mount, path, qid, this.mount.guess(name, qid));
      node.keep(link, f);
      return node;
    });
  }

  children(caller: Caller): Promise<Node[]> {
    return this.mount.use(caller, async (root) => {
      const f = await root.walk([...this.path]);
      let ents: DirEntry[];
      try {
        await f.open(OREAD);
        ents = await f.readdir();
      } finally {
        drop(f);
      }
      ents = ents.filter((e) => e.name !== '.' && e.name !== '..' && e.name !== '' && !e.name.includes('/'));
      if (ents.length > this.mount.maxEntries) {
        throw perr(EIO, `${this.mount.address}: directory of more than ${this.mount.maxEntries} entries`);
      }
      const infos = ents.every((e) => e.stat) ? ents.map((e) => e.stat!) : await this.statAll(root, ents);
      return ents.map((e, i) => {
        const qid = this.mount.qid(e.qid);
        return new RemoteNode(this.mount, [...this.path, e.name], qid, this.mount.info(infos[i], e.name, qid));
      });
    });
  }

  /** 9P2000.L listings name files only: a stat each, a few at a time. */
  private async statAll(root: Fid, ents: DirEntry[]): Promise<Stat[]> {
    const out: Stat[] = new Array(ents.length);
    for (let i = 0; i < ents.length; i += STAT_BATCH) {
      await Promise.all(ents.slice(i, i + STAT_BATCH).map(async (e, j) => {
        const f = await root.walk([...this.path, e.name]);
        try {
          out[i + j] = await f.stat();
        } finally {
          drop(f);
        }
      }));
    }
    return out;
  }

  async open(caller: Caller, mode: OpenMode): Promise<OpenFile> {
    const link = this.mount.link(caller);
    // ORCLOSE stays here: the local clunk removes the file through remove().
    return link.use(async (root) => {
      const f = await this.fidOn(link, root);
      try {
        await f.open(mode & ~ORCLOSE);
      } catch (e) {
        drop(f);
        throw e;
      }
      if (this.qid.type & QTDIR) {
        // Directories are listed through children(); the open only asked permission.
        drop(f);
        return DIR_FILE;
      }
      return new RemoteFile(link, f, this.mount.noblockWaitMs);
    });
  }

  async create(caller: Caller, name: string, perm: number, mode: OpenMode): Promise<{ node: Node; file: OpenFile }> {
    const link = this.mount.link(caller);
    return link.use(async (root) => {
      const f = await root.walk([...this.path]);
      try {
        await f.create(name, perm, mode & ~ORCLOSE);
      } catch (e) {
        drop(f);
        throw e;
      }
      const qid = this.mount.qid(f.qid);
      const node = new RemoteNode(this.mount, [...this.path, name], qid, this.mount.guess(name, qid));
      return { node, file: new RemoteFile(link, f, this.mount.noblockWaitMs) };
    });
  }

  remove(caller: Caller): Promise<void> {
    return this.mount.use(caller, async (root) => {
      const f = await root.walk([...this.path]);
      await f.remove();
    });
  }

  wstat(caller: Caller, change: { name?: string; mode?: number; length?: bigint; mtime?: number }): Promise<void> {
    return this.mount.use(caller, async (root) => {
      const f = await root.walk([...this.path]);
      try {
        await f.wstat(change);
      } finally {
        drop(f);
      }
    });
  }
}

/** One open remote file: its own remote fid, clunked when the local fid is. */
export class RemoteFile implements OpenFile {
  private closed = false;

  constructor(private readonly link: Link, private readonly fid: Fid, private readonly noblockWaitMs: number) {
    link.hold();
  }

  read(req: ReadRequest): Promise<Buffer> {
    return req.noblock ? this.readNow(req) : this.forward(req.offset, req.count, req.signal, req.signal);
  }

  /** A read that must not be held (the Linux continuation rule): the server is asked,
   *  and if it has not answered within noblockWaitMs the request is flushed and this
   *  read returns nothing. A reply that beats the flush is kept, never lost. */
  private async readNow(req: ReadRequest): Promise<Buffer> {
    const ac = new AbortController();
    const onAbort = (): void => ac.abort();
    req.signal.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(onAbort, this.noblockWaitMs);
    try {
      return await this.forward(req.offset, req.count, ac.signal, req.signal);
    } catch (e) {
      if (e instanceof P9Error && e.errno === EINTR && !req.signal.aborted) return EMPTY;
      throw e;
    } finally {
      clearTimeout(timer);
      req.signal.removeEventListener('abort', onAbort);
    }
  }

  /** One Tread straight on the client: the reply resolves the local request with no
   *  async frame in between (a ctl or events read is forwarded as it comes). */
  private forward(offset: bigint, count: number, signal: AbortSignal, local: AbortSignal): Promise<Buffer> {
    try {
      if (this.closed) throw perr(EBADF, 'file closed');
      this.link.room();
    } catch (e) {
      return Promise.reject(e);
    }
    const c = this.fid.client;
    const n = Math.min(count, c.ioSize(this.fid.iounit));
    return c.rpc({ type: Tread, fid: this.fid.fid, offset, count: n }, signal).then(
      (r: RreadMsg) => {
        if (r.data.length > n) throw perr(EPROTO, `Rread of ${r.data.length} bytes for count ${n}`);
        return r.data;
      },
      (e: unknown) => { throw mapFileError(e, this.link, local.aborted || signal.aborted); },
    );
  }

  /** A write that fits one Twrite (a ctl line, an echo) is one rpc, its reply the local
   *  reply; a longer one, or a short write, goes on in iounit-sized pieces (Fid.write). */
  write(offset: bigint, data: Buffer): Promise<number> {
    const c = this.fid.client;
    if (this.closed || data.length === 0 || data.length > c.ioSize(this.fid.iounit)) return this.writeAll(offset, data);
    return c.rpc({ type: Twrite, fid: this.fid.fid, offset, data }).then(
      (r: RwriteMsg) => {
        if (r.count === data.length) return r.count;
        if (r.count > data.length) throw perr(EPROTO, `Rwrite count ${r.count} for ${data.length} bytes`);
        if (r.count === 0) throw perr(EIO, `server wrote 0 of ${data.length} bytes`);
        return this.writeAll(offset + BigInt(r.count), data.subarray(r.count)).then((more) => r.count + more);
      },
      (e: unknown) => this.writeError(e),
    );
  }

  private async writeAll(offset: bigint, data: Buffer): Promise<number> {
    try {
      return await this.fid.write(offset, data);
    } catch (e) {
      return this.writeError(e);
    }
  }

  private async writeError(e: unknown): Promise<never> {
    const m = mapFileError(e, this.link, false);
    throw m instanceof P9Error && m.errno !== EIO ? await this.withErrstr(m) : m;
  }

  /** The server's detail of a refused write (a ctl's `cores 99: want 0..15`): 9P carries
   *  only the error's text, but our servers keep the detail in the session's
   *  /dev/errstr. Best effort: another session of the same user failing at the same
   *  moment could interleave; a server without /dev/errstr gives the text alone. */
  private async withErrstr(e: P9Error): Promise<P9Error> {
    try {
      const text = await this.link.use(async (root) => {
        const f = await root.walk(['dev', 'errstr']);
        try {
          await f.open(OREAD);
          return (await f.read(0n, 1024)).toString('utf8').trim();
        } finally {
          drop(f);
        }
      });
      const detail = text.startsWith(`${e.text}: `) ? text.slice(e.text.length + 2) : '';
      return detail ? new P9Error(e.errno, detail, e.text) : e;
    } catch {
      return e;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.fid.clunk().catch(() => { /* the connection is gone, and the fid with it */ }).finally(() => this.link.release());
  }
}

/** A flushed request (ECANCELED from the client) is an interrupted read here; a dead
 *  connection is EIO; the server's own errors stay as they are. */
function mapFileError(e: unknown, link: Link, aborted: boolean): unknown {
  if (e instanceof P9Error) {
    if (e.errno === ECANCELED && aborted) return perr(EINTR, 'read interrupted');
    if (e.errno === ECONNRESET) return perr(EIO, `${link.address}: ${e.detail ?? e.message}`);
  }
  return e;
}
