// SPDX-License-Identifier: GPL-2.0-or-later
//
// The namespace server: the devices, the root tree and the boot namespace built once;
// fork() gives each attach its own copy of the mount table (copy-on-write: an attach
// costs a few small objects until the session binds something).

import { EINVAL } from '../lib/9p/errno.js';
import { P9Error, perr } from '../lib/9p/error.js';
import type { Caller, Device, NamespaceView, Session } from '../devs/types.js';
import { DEFAULT_ROOT_DIRS, defaultBootNs } from './boot.js';
import { DEFAULT_MOUNT_LIMITS, MountTable, type MountLimits } from './mount.js';
import { Namespace } from './namespace.js';
import { formatNsOp, parseNsFile } from './parse.js';
import { RootDir } from './root.js';
import { DEFAULT_WALK_BUDGET, TurnBudget } from './budget.js';
import type { NamespaceServer, SessionNamespace } from './types.js';
import { RemoteMounts, type RemoteOptions } from './remote.js';

export interface NamespaceServerOptions {
  devices: readonly Device[];
  /** namespace(6) text; default: defaultBootNs(devices). */
  bootNs?: string;
  /** The host owner's name (owner of the root tree; the boot binds run as this user). */
  hostowner: string;
  /** Root directories made even with nothing bound on them (default ['/n']). */
  rootDirs?: readonly string[];
  /** Mounts of 9P servers (`mount tcp!node2!akaros /n/node2`): how to dial them. Without
   *  it only #devices can be mounted. */
  remote?: RemoteOptions | RemoteMounts;
  /** How big each session's mount table may grow (default DEFAULT_MOUNT_LIMITS); the boot
   *  namespace must fit too. */
  limits?: Partial<MountLimits>;
  /** Union member walks that namespace lines and attach names may take per turn of the
   *  event loop, all sessions together (default DEFAULT_WALK_BUDGET); past it, EAGAIN. */
  walkBudget?: number;
}

export interface NsServer extends NamespaceServer {
  fork(): SessionNamespace;
  readonly devices: readonly Device[];
  readonly hostowner: string;
  /** The remote mounts' connections (close() them at shutdown). */
  readonly remote?: RemoteMounts;
}

/** A Caller for work done by the server itself (boot): the host owner. */
export function bootCaller(hostowner: string): Caller {
  const session: Session = {
    id: 0,
    connId: 0,
    user: hostowner,
    errstr: '',
    onClose() {},
    ns: { text: () => '', apply: () => { throw perr(EINVAL, 'boot session'); } } as NamespaceView,
  };
  return { user: hostowner, hostowner: true, session };
}

export function createNamespaceServer(opts: NamespaceServerOptions): NsServer {
  const devices = new Map<string, Device>();
  for (const d of opts.devices) {
    if (devices.has(d.name)) throw perr(EINVAL, `device #${d.name} registered twice`);
    devices.set(d.name, d);
  }
  const root = new RootDir('/', () => opts.hostowner);
  for (const p of opts.rootDirs ?? DEFAULT_ROOT_DIRS) {
    let d = root;
    for (const e of p.split('/').filter(Boolean)) d = d.mkdir(e);
  }
  const limits: MountLimits = Object.freeze({ ...DEFAULT_MOUNT_LIMITS, ...opts.limits });
  const budget = new TurnBudget(opts.walkBudget ?? DEFAULT_WALK_BUDGET);
  const remote = opts.remote instanceof RemoteMounts ? opts.remote : opts.remote ? new RemoteMounts(opts.remote) : undefined;
  const boot = new Namespace({ devices, root, ...(remote ? { remote } : {}) }, new MountTable(limits));
  const caller = bootCaller(opts.hostowner);
  const text = opts.bootNs ?? defaultBootNs(opts.devices);
  for (const op of parseNsFile(text)) {
    try {
      // At boot a remote mount is put in place without dialing: nothing here may wait.
      const r = boot.exec(op, caller, true);
      if (r) {
        r.catch(() => { /* refused below */ });
        throw perr(EINVAL, `${formatNsOp(op)}: walks into a remote mount, which waits (do it after boot)`);
      }
    } catch (e) {
      if (e instanceof P9Error) throw perr(e.errno, `boot namespace: ${e.detail ?? e.text}`);
      throw e;
    }
  }
  return {
    devices: opts.devices,
    hostowner: opts.hostowner,
    ...(remote ? { remote } : {}),
    fork: () => boot.fork(budget),
  };
}
