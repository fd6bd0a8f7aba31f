// SPDX-License-Identifier: GPL-2.0-or-later
//
// #srv, bound at /srv: where a client posts a connection for others to mount (Plan 9's
// srv(3), over 9P). A post cannot hold an open channel here, so it holds what reaches
// one: a dial string. Create /srv/NAME, write `tcp!node2!akaros` into it, and anyone
// may `mount /srv/NAME /n/x` (the namespace reads the post and dials it). Posts are the
// server's, shared by every session (like Plan 9's /srv), owned by their creator, and
// removed by the owner or the host owner. See srv.md.

import { DMDIR } from '../../lib/9p/const.js';
import { EBUSY, EEXIST, EINVAL, ENAMETOOLONG, ENOSPC, EPERM } from '../../lib/9p/errno.js';
import { P9Error, perr } from '../../lib/9p/error.js';
import type { Qid } from '../../lib/9p/fcall.js';
import { parseDialString } from '../../lib/iplib/dial.js';
import { AWRITE, allowed, checkOpen } from '../lib/perm.js';
import { qidSpace } from '../lib/qid.js';
import { nameCompare, readstr } from '../lib/text.js';
import type { Caller, Device, DirInfo, Node, OpenFile, OpenMode, ReadRequest } from '../types.js';

export interface SrvLimits {
  /** Posts at once, every user together. */
  maxPosts: number;
  /** Bytes in a posted dial string. */
  maxDial: number;
  /** Bytes in a post's name. */
  maxName: number;
}

export const SRV_LIMITS: SrvLimits = Object.freeze({ maxPosts: 256, maxDial: 1024, maxName: 64 });

const ROOT_KIND = 0, POST_KIND = 1;

interface Post {
  name: string;
  owner: string;
  perm: number;
  dial: string;
  readonly serial: number;
  mtime: number;
  removed: boolean;
}

export interface SrvDevice extends Device {
  /** name -> dial string of every post (the CLI and tests look). */
  posts(): Map<string, string>;
}

const now = (): number => Math.floor(Date.now() / 1000);
const bootTime = now();

export function createSrvDevice(opts: { hostowner: string | (() => string); limits?: Partial<SrvLimits> }): SrvDevice {
  const limits: SrvLimits = { ...SRV_LIMITS, ...opts.limits };
  const owner = typeof opts.hostowner === 'function' ? opts.hostowner : () => opts.hostowner as string;
  const space = qidSpace('srv');
  const posts = new Map<string, Post>();
  const rootQid: Qid = space.qid(0, ROOT_KIND, true);

  const postQid = (p: Post): Qid => space.qid(p.serial, POST_KIND, false);
  const postInfo = (p: Post): DirInfo => ({
    name: p.name, qid: postQid(p), mode: p.perm, length: 0n, uid: p.owner, gid: p.owner, muid: p.owner,
    atime: p.mtime, mtime: p.mtime,
  });

  /** Sets (or, with '', clears) a post's dial string. */
  const post = (p: Post, data: Buffer): number => {
    if (p.removed) throw perr(EINVAL, `/srv/${p.name} was removed`);
    if (p.dial !== '') throw perr(EBUSY, `/srv/${p.name} holds ${p.dial} already (truncate or remove it first)`);
    if (data.length > limits.maxDial + 1) throw perr(ENAMETOOLONG, `dial string longer than ${limits.maxDial} bytes`);
    const text = data.toString('utf8').replace(/\n$/, '');
    if (text.includes('\n')) throw perr(EINVAL, 'one dial string, on one line');
    try {
      // tls!host!service is tcp with TLS on it.
      parseDialString(text.startsWith('tls!') ? `tcp!${text.slice(4)}` : text, { net: 'tcp', service: '5640' });
    } catch (e) {
      throw e instanceof P9Error ? perr(EINVAL, `/srv/${p.name}: ${e.detail ?? e.message}`) : e;
    }
    p.dial = text;
    p.mtime = now();
    return data.length;
  };

  class PostNode implements Node {
    readonly qid: Qid;
    constructor(private readonly p: Post) {
      this.qid = postQid(p);
    }

    info(): DirInfo {
      return postInfo(this.p);
    }

    open(caller: Caller, mode: OpenMode): OpenFile {
      const p = this.p;
      checkOpen(caller, { uid: p.owner, gid: p.owner, mode: p.perm, name: p.name, dir: false }, mode);
      return postFile(p);
    }

    remove(caller: Caller): void {
      const p = this.p;
      if (caller.user !== p.owner && !caller.hostowner) throw perr(EPERM, `/srv/${p.name} belongs to ${p.owner}`);
      if (posts.get(p.name) === p) posts.delete(p.name);
      p.removed = true;
    }

    wstat(caller: Caller, change: { name?: string; mode?: number; length?: bigint }): void {
      const p = this.p;
      if (change.name !== undefined && change.name !== p.name) throw perr(EPERM, `/srv/${p.name}: posts are not renamed`);
      if (change.mode !== undefined) {
        if (caller.user !== p.owner && !caller.hostowner) throw perr(EPERM, `/srv/${p.name} belongs to ${p.owner}`);
        if (change.mode & DMDIR) throw perr(EPERM, 'a post is not a directory');
        p.perm = change.mode & 0o777;
      }
      if (change.length !== undefined) {
        if (change.length !== 0n) throw perr(EINVAL, `/srv/${p.name}: length ${change.length}`);
        if (!allowed(caller, p.owner, p.owner, p.perm, AWRITE)) throw perr(EPERM, `/srv/${p.name}: ${caller.user} may not write`);
        p.dial = '';
      }
    }
  }

  const postFile = (p: Post): OpenFile => ({
    read: (req: ReadRequest) => readstr(req.offset, req.count, p.dial ? `${p.dial}\n` : ''),
    write: (_off: bigint, data: Buffer) => post(p, data),
    truncate: () => { p.dial = ''; },
  });

  const rootNode: Node = {
    qid: rootQid,
    info: () => {
      const o = owner();
      return { name: '#srv', qid: rootQid, mode: DMDIR | 0o777, length: 0n, uid: o, gid: o, muid: o, atime: bootTime, mtime: bootTime };
    },
    walk: (_c, name) => {
      const p = posts.get(name);
      return p ? new PostNode(p) : undefined;
    },
    children: () => [...posts.values()].sort((a, b) => nameCompare(a.name, b.name)).map((p) => new PostNode(p)),
    open: (caller, mode) => {
      const o = owner();
      checkOpen(caller, { uid: o, gid: o, mode: 0o777, name: '#srv', dir: true }, mode);
      return { read: () => Buffer.alloc(0), write: () => { throw perr(EINVAL); } };
    },
    // The creator's open is not checked against the new mode (Plan 9's create).
    create: async (caller, name, perm) => {
      if (perm & DMDIR) throw perr(EPERM, '/srv holds posts, not directories');
      if (Buffer.byteLength(name) > limits.maxName) throw perr(ENAMETOOLONG, `post name longer than ${limits.maxName} bytes`);
      if (posts.has(name)) throw perr(EEXIST, `/srv/${name}`);
      if (posts.size >= limits.maxPosts) throw perr(ENOSPC, `/srv holds ${limits.maxPosts} posts already`);
      const p: Post = { name, owner: caller.user, perm: perm & 0o777, dial: '', serial: space.serial(), mtime: now(), removed: false };
      posts.set(name, p);
      return { node: new PostNode(p), file: postFile(p) };
    },
  };

  return {
    name: 'srv',
    attach: (_caller: Caller, spec: string): Node => {
      if (spec !== '') throw perr(EINVAL, `#srv: bad attach spec "${spec}"`);
      return rootNode;
    },
    posts: () => new Map([...posts.values()].map((p) => [p.name, p.dial])),
  };
}
