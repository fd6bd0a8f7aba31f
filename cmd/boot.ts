// SPDX-License-Identifier: GPL-2.0-or-later
//
// Boot the machine: a kernel, its devices, the boot namespace and the 9P server on its
// listeners. `akaros serve` (and so `npm start`) comes through here, as do the tests
// that want the whole stack on a loopback port.

import { readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { Kernel, type KernelConfig } from '../kern/index.js';
import { makeDevices, makeNetDevices, openDatabase } from '../devs/index.js';
import { openMachine, type DurableMachine, type OpenOptions } from '../devs/persist/open.js';
import type { NodeSettings } from '../devs/kernel/ctx.js';
import type { FsLayer } from '../lib/wal/index.js';
import { cpulistParse, parseDuration } from '../devs/dev.js';
import { createNamespaceServer, type NsServer } from '../ns/server.js';
import { RemoteMounts } from '../ns/remote.js';
import { netDialer } from '../ns/remotedial.js';
import { mungeAttach, type MungeAttachOptions } from '../ns/remoteauth.js';
import { UserDb, NOBODY_UID } from '../srv/users.js';
import { defaultBootNs } from '../ns/boot.js';
import { clusterMounts } from '../ns/cluster.js';
import { csResolver } from '../lib/ndblib/index.js';
import type { Dialect } from '../lib/9p/fcall.js';
import { Server, type ServerOptions } from '../srv/server.js';
import { CertUsers } from '../srv/certusers.js';
import type { ListenOptions } from '../srv/listen.js';
import type { AuthMode, CredentialDecoder } from '../srv/types.js';
import { parseDialString } from '../lib/iplib/dial.js';
import { perr } from '../lib/9p/error.js';
import { EINVAL } from '../lib/9p/errno.js';

export const DEFAULT_LISTEN = 'tcp!127.0.0.1!5640';
/** For `akaros serve`'s flags (the rest of cmd/ reaches the server only through here). */
export { DEFAULT_LIMITS } from '../srv/server.js';
export { EVQ_MAX, NPROC_MAX } from '../kern/index.js';
export type { AuthMode } from '../srv/types.js';
/** The default grace: none, Akaros's immediate preemption (schedule.c __core_request: "no
 *  warning time for now - just an immediate preempt"). A grace period is an opt-in
 *  extension (--grace, `grace` on /core/ctl). */
export const DEFAULT_GRACE = '0';

/** Where `akaros serve` keeps its state unless told otherwise: $XDG_STATE_HOME/akaros,
 *  else ~/.local/state/akaros (the XDG base directory rule for state). */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  const x = env.XDG_STATE_HOME;
  return x && x.startsWith('/') ? join(x, 'akaros') : join(homedir(), '.local', 'state', 'akaros');
}

export interface BootOptions {
  cores?: number;
  /** LL (management) cores as a cpulist, e.g. "0" (the default) or "0,8". */
  llCores?: number[] | string;
  /** "sockets=2,numa=2,ht" (every key optional). */
  topology?: string;
  policy?: 'fcfs' | 'packed';
  grace?: string;
  tick?: string;
  hostowner?: string;
  listen?: string[];
  /** How each listener's attaches prove who they are: one mode for every listener, or
   *  one per `listen` entry in the same order (default 'none': loopback and unix only). */
  auth?: AuthMode | AuthMode[];
  /** Allow `none` on non-loopback listeners (warned about on every start). */
  insecure?: boolean;
  /** Files for tls! listeners: the server's PEM certificate and key; optionally the CA
   *  client certificates must chain to and the users file mapping them to users. */
  tls?: { cert: string; key: string; clientCa?: string; users?: string };
  /** The MUNGE decoder for `munge` listeners (lib/munge through munged). */
  munge?: CredentialDecoder;
  /** Messages an MCP's event queue holds before it drops and counts (kern default 4096). */
  evqMax?: number;
  /** Live or unreaped processes per user, host owner exempt (kern default 1024). */
  nprocMax?: number;
  /** Server limits and settings (srv/README.md lists them with their defaults). */
  server?: Omit<ServerOptions, 'ns' | 'hostowner' | 'munge'>;
  paused?: boolean;
  seed?: number;
  /** A namespace(6) file replacing the default boot namespace. */
  namespace?: string;
  sysname?: string;
  /** Network database files (--ndb, repeatable): /lib/ndb, /net/cs, remote mount names. */
  ndb?: string[];
  /** Mount every other node of this cluster (ndb entries with cluster=NAME) under /n. */
  cluster?: string;
  /** The dialect spoken to mounted 9P servers (default 9P2000.u). */
  remoteDialect?: Dialect;
  /** How remote mounts authenticate: 'none' (default) or 'munge', a credential encoded
   *  for each session's user with `remoteMunge` (this server must run as root). */
  remoteAuth?: 'none' | 'munge';
  remoteMunge?: Pick<MungeAttachOptions, 'encode'>;
  /** PEM CA that tls! servers' certificates must chain to (default: the system's). */
  remoteTlsCa?: string;
  /** A state directory: the machine is recovered from it and every change is journaled
   *  there before it is acknowledged. Without it the machine is ephemeral. */
  state?: string;
  /** Keep the longest valid prefix of a damaged state instead of refusing to start. */
  recover?: boolean;
  /** Discard any saved state first. */
  fresh?: boolean;
  /** Tests: the state's file-system layer and lib/wal tuning. */
  stateFs?: FsLayer;
  stateStore?: OpenOptions['store'];
  /** Where the state's messages go (default stderr). */
  log?: (line: string) => void;
}

export interface Booted {
  kernel: Kernel;
  server: Server;
  ns: NsServer;
  /** The dial strings actually listened on (port 0 resolved). */
  addresses: string[];
  hostowner: string;
  /** The durable state, when booted with one. */
  state?: DurableMachine;
  /** How to mount each listener with Linux v9fs and plan9port's 9pfuse. */
  mountHints(): string[];
  close(): Promise<void>;
}

export function parseTopology(s: string): { sockets?: number; numa?: number; ht?: boolean } {
  const topo: { sockets?: number; numa?: number; ht?: boolean } = {};
  for (const part of s.split(',').filter(Boolean)) {
    const [k, v] = part.split('=');
    if (k === 'ht' && v === undefined) topo.ht = true;
    else if ((k === 'sockets' || k === 'numa') && v !== undefined && /^\d+$/.test(v) && Number(v) > 0) topo[k] = Number(v);
    else throw perr(EINVAL, `topology "${s}": expected sockets=N,numa=N,ht`);
  }
  return topo;
}

/** The settings flags a saved state overrides (named when a restart ignores them). */
const SETTINGS_FLAGS: [keyof BootOptions, string][] = [['policy', '--policy'], ['grace', '--grace'], ['tick', '--tick'],
  ['seed', '--seed'], ['sysname', '--sysname'], ['evqMax', '--evq-max'], ['nprocMax', '--nproc-max']];

export async function boot(opts: BootOptions = {}): Promise<Booted> {
  const ncores = opts.cores ?? 16;
  const ll = typeof opts.llCores === 'string' ? cpulistParse(opts.llCores, ncores - 1) : opts.llCores;
  const topology = opts.topology ? parseTopology(opts.topology) : undefined;
  const config: KernelConfig = {
    ncores,
    llCores: ll,
    topology,
    policy: opts.policy ?? 'fcfs',
    graceNs: Number(parseDuration(opts.grace ?? DEFAULT_GRACE)),
    tickNs: opts.tick ? Number(parseDuration(opts.tick)) : undefined,
    seed: opts.seed ?? 1,
    hostowner: opts.hostowner ?? userInfo().username,
    evqMax: opts.evqMax,
    nprocMax: opts.nprocMax,
  };
  const log = opts.log ?? ((line: string) => { process.stderr.write(`akaros: ${line}\n`); });
  let dm: DurableMachine | undefined;
  let kernel: Kernel;
  if (opts.state) {
    const settings: NodeSettings = { sysname: opts.sysname ?? 'nanwan', mode: opts.paused ? 'paused' : 'running', speed: 1, seed: opts.seed ?? 1 };
    dm = await openMachine(opts.state, {
      config, settings, recover: opts.recover, fresh: opts.fresh, fs: opts.stateFs, store: opts.stateStore, log,
      shape: { ncores: opts.cores, llCores: ll, topology, hostowner: opts.hostowner },
    });
    kernel = dm.kernel;
    for (const l of dm.lines) log(`state ${l}`);
    if (!dm.created) {
      const ignored = SETTINGS_FLAGS.filter(([key]) => opts[key] !== undefined).map(([, flag]) => flag);
      if (ignored.length) log(`state ${opts.state}: the saved machine's settings win over ${ignored.join(' ')} (change them through /core/ctl and /sim/ctl)`);
      // --paused on a restart: come back paused whatever the state says
      if (opts.paused && dm.settings.mode !== 'paused') dm.journal.set('mode', 'paused');
    }
  } else {
    kernel = new Kernel(config);
  }
  const hostowner = kernel.config.hostowner;
  const drivers = ['srv', 'net', 'ndb'];
  const devs = makeDevices(dm
    ? { kernel, hostowner, persist: dm.journal, settings: dm.settings, drivers }
    : { kernel, hostowner, sysname: opts.sysname, paused: opts.paused, seed: opts.seed ?? 1, drivers });
  let ns: NsServer;
  let remote: RemoteMounts | undefined;
  try {
    const ndb = openDatabase(opts.ndb ?? []);
    // A saved machine's sysname wins over --sysname: ask the device, not the flag.
    const sysname = (): string => devs.cons.sysname;
    const net = makeNetDevices({ hostowner, ndb, sysname });
    const devices = [...(dm ? dm.attach(devs) : devs.devices), ...net.devices];
    let bootNs = opts.namespace ? readFileSync(opts.namespace, 'utf8') : defaultBootNs(devices);
    if (opts.cluster !== undefined) bootNs += clusterMounts(ndb, opts.cluster, sysname());
    if (opts.remoteAuth === 'munge' && !opts.remoteMunge) throw perr(EINVAL, 'remote auth munge needs a MUNGE encoder');
    const users = opts.server?.users ?? new UserDb();
    remote = new RemoteMounts({
      dial: netDialer(async (d) => csResolver(ndb, { sysname: sysname() })(d),
        opts.remoteTlsCa ? { ca: readFileSync(opts.remoteTlsCa) } : {}),
      ...(opts.remoteDialect ? { dialect: opts.remoteDialect } : {}),
      ...(opts.remoteAuth === 'munge' ? {
        attach: mungeAttach({
          encode: (o) => opts.remoteMunge!.encode(o),
          uidOf: (name) => { const u = users.uidOf(name); return u === NOBODY_UID && name !== 'nobody' ? undefined : u; },
        }),
      } : {}),
    });
    ns = createNamespaceServer({ devices, hostowner, bootNs, remote });
  } catch (e) {
    remote?.close();
    devs.close();
    await dm?.close();
    throw e;
  }
  const server = new Server({ ...opts.server, ns, hostowner, ...(opts.munge ? { munge: opts.munge } : {}) });
  const addresses: string[] = [];
  try {
    const dials = opts.listen?.length ? opts.listen : [DEFAULT_LISTEN];
    const modes = Array.isArray(opts.auth) ? opts.auth : dials.map(() => opts.auth as AuthMode | undefined);
    if (modes.length !== dials.length) {
      throw perr(EINVAL, `${modes.length} auth modes for ${dials.length} listeners: give one, or one per listener`);
    }
    const tls = opts.tls && {
      cert: readFileSync(opts.tls.cert), key: readFileSync(opts.tls.key),
      ...(opts.tls.clientCa ? { clientCa: readFileSync(opts.tls.clientCa) } : {}),
      ...(opts.tls.users ? { users: new CertUsers(readFileSync(opts.tls.users, 'utf8')) } : {}),
    };
    for (const [i, l] of dials.entries()) {
      const lo: ListenOptions = { auth: modes[i] ?? 'none', insecure: opts.insecure ?? false };
      if (l.startsWith('tls!')) {
        if (!tls) throw perr(EINVAL, `${l}: a tls listener needs --tls-cert and --tls-key`);
        lo.tls = tls;
      }
      addresses.push((await server.listen(l, lo)).address);
    }
  } catch (e) {
    await server.close();
    remote.close();
    devs.close();
    await dm?.close();
    throw e;
  }
  let closing: Promise<void> | undefined;
  return {
    kernel,
    server,
    ns,
    addresses,
    hostowner,
    state: dm,
    mountHints: () => addresses.flatMap(mountHint),
    // Connections first (their last changes are journaled), then the clock stops where it
    // is, then the final snapshot.
    close: () => (closing ??= (async () => {
      await server.close();
      remote.close();
      devs.close();
      await dm?.close();
    })()),
  };
}

function mountHint(addr: string): string[] {
  // Linux and 9pfuse speak no TLS: a tls listener is for the akaros CLI and lib/9p.
  if (addr.startsWith('tls!')) return [`akaros ls / -a '${addr}' --ca CA.pem`];
  const d = parseDialString(addr);
  if (d.net === 'unix') {
    return [`mount -t 9p -o trans=unix,version=9p2000.L,cache=none ${d.host} /mnt/akaros`];
  }
  const host = d.host === '*' ? '127.0.0.1' : d.host;
  return [
    `mount -t 9p -o trans=tcp,port=${d.port},version=9p2000.L,cache=none ${host} /mnt/akaros`,
    `9pfuse 'tcp!${host}!${d.port}' /mnt/akaros`,
  ];
}
