// SPDX-License-Identifier: GPL-2.0-or-later
//
// Remote mounts: `mount tcp!node2!akaros /n/node2` puts a 9P server into a namespace.
// RemoteMounts is the server-wide part: the options, and the links (one connection per
// server address, attach spec and local user) every session shares. See ns/README.md.

import type { Dialect } from '../lib/9p/fcall.js';
import { perr } from '../lib/9p/error.js';
import { EAGAIN } from '../lib/9p/errno.js';
import { Link, type LinkConfig, type LinkStatus } from './remotelink.js';
import { RemoteMount } from './remotemount.js';
import { RemoteNode } from './remotenode.js';
import type { Dialer } from './remotedial.js';

export interface RemoteOptions {
  /** Connects to an address (a dial string, names translated first). */
  dial: Dialer;
  /** Spoken to every remote server (default 9P2000.u: directory reads carry whole
   *  stats with owner names, and errors their errno). */
  dialect?: Dialect;
  /** Asked of the server (default 65536: below the 131072 that makes our servers
   *  treat a client as Linux and answer its continuation reads without waiting). */
  msize?: number;
  attach?: LinkConfig['attach'];
  /** Dial, version and attach within this long (default 5 s). */
  dialTimeoutMs?: number;
  /** Walks, stats, opens... within this long (default 15 s); reads and writes may wait. */
  opTimeoutMs?: number;
  /** A link unused this long hangs up (default 60 s). */
  idleMs?: number;
  /** Redial backoff, doubling from min to max (default 100 ms to 5 s). */
  backoffMinMs?: number;
  backoffMaxMs?: number;
  /** Requests in flight per link (default 256): past it, EAGAIN. */
  maxOutstanding?: number;
  /** Links (connections) at once, every user and server together (default 256). */
  maxLinks?: number;
  /** Entries in one remote directory listing (default 65536). */
  maxEntries?: number;
  /** A read that must not wait gives the server this long (default 20 ms). */
  noblockWaitMs?: number;
}

export const REMOTE_DEFAULTS = Object.freeze({
  dialect: '9P2000.u' as Dialect,
  msize: 65536,
  dialTimeoutMs: 5000,
  opTimeoutMs: 15000,
  idleMs: 60000,
  backoffMinMs: 100,
  backoffMaxMs: 5000,
  maxOutstanding: 256,
  maxLinks: 256,
  maxEntries: 65536,
  noblockWaitMs: 20,
});

export class RemoteMounts {
  private readonly links = new Map<string, Link>();
  private readonly cfg: LinkConfig;
  private readonly maxLinks: number;
  private readonly maxEntries: number;
  private readonly noblockWaitMs: number;

  constructor(opts: RemoteOptions) {
    const o = { ...REMOTE_DEFAULTS, ...opts };
    this.cfg = {
      dial: o.dial, dialect: o.dialect, msize: o.msize, dialTimeoutMs: o.dialTimeoutMs,
      opTimeoutMs: o.opTimeoutMs, idleMs: o.idleMs, backoffMinMs: o.backoffMinMs,
      backoffMaxMs: o.backoffMaxMs, maxOutstanding: o.maxOutstanding,
      ...(o.attach ? { attach: o.attach } : {}),
    };
    this.maxLinks = o.maxLinks;
    this.maxEntries = o.maxEntries;
    this.noblockWaitMs = o.noblockWaitMs;
  }

  /** The root of `address` mounted with attach spec `spec`. Nothing is dialed yet. */
  mount(address: string, spec: string): RemoteNode {
    const m = new RemoteMount(address, spec, (mm, user) => this.link(mm, user), this.maxEntries, this.noblockWaitMs);
    return new RemoteNode(m, [], m.rootQid, m.guess('/', m.rootQid));
  }

  /** The qid a mount of `address` with `spec` has at its root (unmount by source). */
  rootQid(address: string, spec: string): bigint {
    return this.mount(address, spec).qid.path;
  }

  private link(m: RemoteMount, user: string): Link {
    const key = `${m.address}\0${m.spec}\0${user}`;
    let l = this.links.get(key);
    if (l && !l.gone) return l;
    if (this.links.size >= this.maxLinks) throw perr(EAGAIN, `${this.maxLinks} remote connections open already`);
    l = new Link(m.address, m.spec, user, this.cfg, (gone) => {
      if (this.links.get(key) === gone) this.links.delete(key);
    });
    this.links.set(key, l);
    return l;
  }

  /** Every link, for tests and listings. */
  status(): LinkStatus[] {
    return [...this.links.values()].map((l) => l.status());
  }

  /** Hangs up every link (server shutdown). */
  close(): void {
    for (const l of this.links.values()) l.close();
    this.links.clear();
  }
}
