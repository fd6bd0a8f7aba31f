// SPDX-License-Identifier: GPL-2.0-or-later
import { Command, Errors, Flags } from '@oclif/core';
import { boot, defaultStateDir, DEFAULT_GRACE, DEFAULT_LIMITS, DEFAULT_LISTEN, EVQ_MAX, NPROC_MAX, type AuthMode, type BootOptions } from '../boot.js';
import { P9Error } from '../../lib/9p/error.js';
import { Munge } from '../../lib/munge/index.js';

export interface ServeResult {
  addresses: string[];
  mount: string[];
}

export default class Serve extends Command {
  static override summary = 'Boot the simulated Akaros machine and serve its namespace over 9P.';
  static override description = `Runs the kernel in this process: a manycore machine (--cores, --ll, --topology), its allocator (--policy, --grace, --tick) and the simulation clock (--paused, --seed), with the devices of namespace.md (/dev /core /mcp /proc /sim /alarm) served as 9P2000, 9P2000.u and 9P2000.L on every --listen dial string. Prints where it listens and how to mount it, then serves until SIGINT or SIGTERM, when it closes every connection, writes a final snapshot and exits 0.

The machine's state (processes, provisioning, settings, the kernel log, virtual time) is kept in --state DIR (default ${defaultStateDir()}, i.e. $XDG_STATE_HOME/akaros or ~/.local/state/akaros): every change is on disk before it is acknowledged, and a restart, even after kill -9, comes back where it was. A saved state fixes the machine: --cores, --ll, --topology and --hostowner must then agree with it (or be left out), and its settings win over --policy, --grace, --tick, --seed, --sysname, --evq-max and --nproc-max. --fresh discards it; --ephemeral keeps nothing.

Who may do what: with --auth none (the default) the server believes the user name a client sends, so it refuses to listen anywhere but a loopback address or a unix socket unless --insecure is given (and then warns on every start). --auth munge takes each user from a MUNGE credential checked by munged (diod's exchange; Slurm clusters already run munged with a shared key). tls!HOST!PORT listeners need --tls-cert and --tls-key; with --tls-ca and --tls-users, client certificates name users.`;
  static override examples = [
    { description: 'Serve on the default address (tcp!127.0.0.1!5640)', command: '<%= config.bin %> <%= command.id %>' },
    {
      description: 'A paused 32-core machine on loopback TCP and a unix socket',
      command: '<%= config.bin %> <%= command.id %> --cores 32 --paused --listen tcp!127.0.0.1!5640 --listen unix!/tmp/akaros.sock',
    },
    {
      description: 'Every address, users proven by MUNGE',
      command: '<%= config.bin %> <%= command.id %> --listen tcp!*!5640 --auth munge',
    },
    {
      description: 'TLS on every address, MUNGE inside it',
      command: '<%= config.bin %> <%= command.id %> --listen tls!*!5641 --auth munge --tls-cert server.pem --tls-key server.key',
    },
    { description: 'Two LL cores, packed allocation, Akaros\'s immediate preemption', command: '<%= config.bin %> <%= command.id %> --ll 0,8 --policy packed --grace 0' },
    { description: 'Keep the state in a directory of your choice; start it over', command: '<%= config.bin %> <%= command.id %> --state /var/lib/akaros --fresh' },
    { description: 'A throw-away machine (nothing written to disk)', command: '<%= config.bin %> <%= command.id %> --ephemeral' },
  ];
  static override flags = {
    listen: Flags.string({ char: 'l', multiple: true, summary: `Dial string to serve on, repeatable (default ${DEFAULT_LISTEN}).` }),
    cores: Flags.integer({ char: 'c', summary: 'Number of pcores (default 16).', min: 1 }),
    ll: Flags.string({ summary: 'LL (low-latency, never provisioned) cores as a cpulist (default 0).' }),
    topology: Flags.string({ summary: 'sockets=N,numa=N,ht' }),
    policy: Flags.string({ summary: 'Core allocation policy (default fcfs).', options: ['fcfs', 'packed'] }),
    grace: Flags.string({ summary: `Preemption grace period (0 = Akaros's immediate preemption; default ${DEFAULT_GRACE}).` }),
    tick: Flags.string({ summary: 'ksched tick (default 10ms).' }),
    hostowner: Flags.string({ summary: 'The host owner (default: the user running the server).' }),
    paused: Flags.boolean({ summary: 'Start with the clock paused (advance with: akaros sim step 1ms).' }),
    seed: Flags.integer({ summary: 'PRNG seed (default 1).' }),
    namespace: Flags.file({ summary: 'Boot namespace file (namespace(6) syntax) replacing the default.', exists: true }),
    sysname: Flags.string({ summary: '/dev/sysname, and this node\'s sys= name in the network database.' }),
    ndb: Flags.file({
      multiple: true, exists: true, helpGroup: 'CLUSTER',
      summary: 'Network database file (ndb(6)), repeatable: served at /lib/ndb, used by /net/cs and to dial remote mounts.',
    }),
    cluster: Flags.string({ helpGroup: 'CLUSTER', summary: 'Mount every other node of this cluster (ndb entries with cluster=NAME) at /n/SYS.' }),
    'remote-auth': Flags.string({
      helpGroup: 'CLUSTER', options: ['none', 'munge'], default: 'none',
      summary: 'How remote mounts authenticate: munge encodes a credential for each session\'s user (run as root).',
    }),
    'remote-tls-ca': Flags.file({ helpGroup: 'CLUSTER', exists: true, summary: 'PEM CA that tls! servers mounted must have certificates from (default: the system\'s).' }),
    'remote-dialect': Flags.string({
      helpGroup: 'CLUSTER', summary: 'Dialect spoken to mounted 9P servers.', options: ['9P2000', '9P2000.u', '9P2000.L'], default: '9P2000.u',
    }),
    state: Flags.string({ summary: `State directory (default ${defaultStateDir()}).`, exclusive: ['ephemeral'] }),
    ephemeral: Flags.boolean({ summary: 'Keep no state: nothing is read or written on disk.', exclusive: ['state', 'fresh', 'recover'] }),
    fresh: Flags.boolean({ summary: 'Discard the saved state and start a new machine.' }),
    'snapshot-records': Flags.integer({ summary: 'Snapshot the state every N journal records (default 100000).', min: 1 }),
    recover: Flags.boolean({ summary: 'Start from the longest valid part of a damaged state (and say what was dropped) instead of refusing.' }),
    auth: Flags.string({
      multiple: true, options: ['none', 'munge'], helpGroup: 'SECURITY',
      summary: 'How attaches prove who they are: once for every listener, or once per --listen in order (default none).',
    }),
    insecure: Flags.boolean({ helpGroup: 'SECURITY', summary: 'Allow --auth none on non-loopback listeners (anyone who reaches them can act as any user).' }),
    'munge-socket': Flags.string({ helpGroup: 'SECURITY', summary: "munged's socket (default: libmunge's, /run/munge/munge.socket.2)." }),
    'tls-cert': Flags.file({ helpGroup: 'SECURITY', exists: true, summary: 'PEM certificate chain for tls! listeners.' }),
    'tls-key': Flags.file({ helpGroup: 'SECURITY', exists: true, summary: 'PEM private key for tls! listeners.' }),
    'tls-ca': Flags.file({ helpGroup: 'SECURITY', exists: true, summary: 'PEM CA that client certificates must chain to.' }),
    'tls-users': Flags.file({ helpGroup: 'SECURITY', exists: true, summary: 'Client certificate -> user file (lines: USER cn=NAME or USER sha256=HEX).' }),
    'max-connections': Flags.integer({ helpGroup: 'LIMITS', min: 1, default: DEFAULT_LIMITS.maxConnections, summary: 'Connections at once, all listeners together.' }),
    'max-connections-per-address': Flags.integer({ helpGroup: 'LIMITS', min: 1, default: DEFAULT_LIMITS.maxConnectionsPerAddress, summary: 'Connections at once from one remote address.' }),
    'max-attaches': Flags.integer({ helpGroup: 'LIMITS', min: 1, default: DEFAULT_LIMITS.maxAttaches, summary: 'Live attaches per connection.' }),
    'max-fids': Flags.integer({ helpGroup: 'LIMITS', min: 1, default: DEFAULT_LIMITS.maxFids, summary: 'Fids per connection.' }),
    'max-parked': Flags.integer({ helpGroup: 'LIMITS', min: 1, default: DEFAULT_LIMITS.maxParked, summary: 'Blocked reads per connection.' }),
    'max-queued-bytes': Flags.integer({ helpGroup: 'LIMITS', min: 1, default: DEFAULT_LIMITS.maxQueuedBytes, summary: 'Bytes buffered for one connection before the server stops reading it.' }),
    'evq-max': Flags.integer({ helpGroup: 'LIMITS', min: 1, max: 1 << 20, summary: `Messages one process's event queue holds; more are dropped and counted (EV_OVERFLOW). Default ${EVQ_MAX}; a saved state keeps its own (limit evq on /core/ctl).` }),
    'nproc-max': Flags.integer({ helpGroup: 'LIMITS', min: 1, max: 32767, summary: `Processes per user, live or not yet reaped (the host owner is exempt). Default ${NPROC_MAX}; a saved state keeps its own (limit nproc on /core/ctl).` }),
  };

  async run(): Promise<ServeResult> {
    const { flags } = await this.parse(Serve);
    const auth = (flags.auth ?? []) as AuthMode[];
    const opts: BootOptions = {
      cores: flags.cores, llCores: flags.ll, topology: flags.topology, policy: flags.policy as 'fcfs' | 'packed',
      grace: flags.grace, tick: flags.tick, hostowner: flags.hostowner, listen: flags.listen,
      paused: flags.paused, seed: flags.seed, namespace: flags.namespace, sysname: flags.sysname,
      ndb: flags.ndb, cluster: flags.cluster, remoteDialect: flags['remote-dialect'] as BootOptions['remoteDialect'],
      remoteAuth: flags['remote-auth'] as 'none' | 'munge', remoteTlsCa: flags['remote-tls-ca'],
      state: flags.ephemeral ? undefined : (flags.state ?? defaultStateDir()), fresh: flags.fresh, recover: flags.recover,
      stateStore: flags['snapshot-records'] ? { snapshotRecords: flags['snapshot-records'] } : undefined,
      auth: auth.length <= 1 ? auth[0] : auth,
      insecure: flags.insecure,
      evqMax: flags['evq-max'], nprocMax: flags['nproc-max'],
      server: {
        maxConnections: flags['max-connections'], maxConnectionsPerAddress: flags['max-connections-per-address'],
        maxAttaches: flags['max-attaches'], maxFids: flags['max-fids'], maxParked: flags['max-parked'],
        maxQueuedBytes: flags['max-queued-bytes'],
      },
    };
    if (auth.includes('munge') || flags['remote-auth'] === 'munge') {
      const munge = new Munge(flags['munge-socket'] ? { socket: flags['munge-socket'] } : {});
      if (auth.includes('munge')) opts.munge = munge;
      if (flags['remote-auth'] === 'munge') opts.remoteMunge = munge;
    }
    if (flags['tls-cert'] || flags['tls-key']) {
      if (!flags['tls-cert'] || !flags['tls-key']) {
        process.stderr.write('akaros: serve: --tls-cert and --tls-key go together\n');
        throw new Errors.ExitError(2);
      }
      opts.tls = {
        cert: flags['tls-cert'], key: flags['tls-key'],
        ...(flags['tls-ca'] ? { clientCa: flags['tls-ca'] } : {}), ...(flags['tls-users'] ? { users: flags['tls-users'] } : {}),
      };
    }
    let m: Awaited<ReturnType<typeof boot>>;
    try {
      m = await boot(opts);
    } catch (e) {
      const msg = e instanceof P9Error ? e.message : e instanceof Error ? e.message : String(e);
      process.stderr.write(`akaros: serve: ${msg}\n`);
      // a damaged or busy state is the machine's trouble, not a usage error
      const usage = e instanceof P9Error && !['EIO', 'EBUSY', 'ENOSPC'].includes(e.ename);
      throw new Errors.ExitError(usage ? 2 : 1);
    }
    // The handlers are in place before anyone is told where we listen.
    const stopped = new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        // A second signal while stopping: go now (every acknowledged change is on disk
        // already; only the final snapshot is skipped).
        const now = (): void => { process.stderr.write('akaros: serve: stopped before the final snapshot\n'); process.exit(1); };
        process.once('SIGINT', now);
        process.once('SIGTERM', now);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    // one write: a reader waiting for these lines gets them together
    process.stdout.write([...m.addresses.map((a) => `akaros: serving 9P on ${a}`), 'mount it with:',
      ...m.mountHints().map((h) => `  ${h}`)].join('\n') + '\n');
    await stopped;
    await m.close();
    process.stdout.write('akaros: stopped\n');
    return { addresses: m.addresses, mount: m.mountHints() };
  }
}
