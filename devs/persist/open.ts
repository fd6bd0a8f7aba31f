// SPDX-License-Identifier: GPL-2.0-or-later
//
// Opening a durable machine: the state directory is recovered (lib/wal: the newest valid
// snapshot, then the journal after it, a torn tail cut off), the kernel and the machine
// settings are rebuilt from them, every record is replayed through the kernel, the
// invariants are checked, and what recovery did goes to the kernel log (/dev/kmesg) as
// `state` records. The result hands the devices a journal (the kernel records its own
// commands) and wraps them so that replies wait for durability.

import { join } from 'node:path';
import { P9Error, perr } from '../../lib/9p/error.js';
import { EINVAL, EIO } from '../../lib/9p/errno.js';
import { Store, nodeFs, type FsLayer, type RecoveryReport, type StoreOptions } from '../../lib/wal/index.js';
import { lockDir } from '../../lib/wal/lock.js';
import { checkInvariants, IMAGE_VERSION, Kernel, type KernelConfig, type StateConfig } from '../../kern/index.js';
import type { KernelDevices } from '../index.js';
import type { NodeSettings } from '../kernel/ctx.js';
import type { Device } from '../types.js';
import { JournaledKernel } from './jkernel.js';
import { Journal, type JournalBase, type JournalOptions } from './journal.js';
import { checkSnapshot, replayRecord, SNAPSHOT_VERSION, validSettings, type Rec, type Snapshot } from './records.js';
import { snapName } from '../../lib/wal/format.js';
import { durableDevice } from './durable.js';

/** The parts of the machine a saved state fixes: a start that names them must agree. */
export type Shape = Partial<Pick<StateConfig, 'ncores' | 'llCores' | 'topology' | 'hostowner'>>;

export interface OpenOptions {
  /** The kernel configuration of a fresh state. */
  config: KernelConfig;
  /** The machine settings of a fresh state. */
  settings: NodeSettings;
  /** What this start asked for explicitly: refused if a saved state differs. */
  shape?: Shape;
  /** Keep the longest valid prefix instead of refusing damage (--recover). */
  recover?: boolean;
  /** Remove any saved state first (--fresh). */
  fresh?: boolean;
  fs?: FsLayer;
  /** lib/wal tuning (segment size, snapshot interval...). */
  store?: Omit<StoreOptions, 'fs' | 'recover' | 'replay' | 'log'>;
  /** Journal tuning (the commit hold: journal.ts COMMIT_HOLD_US). */
  journal?: JournalOptions;
  /** The server's log (stderr). */
  log?: (line: string) => void;
}

export interface DurableMachine {
  dir: string;
  kernel: JournaledKernel;
  /** sysname, clock mode and speed, seed: hand to makeDevices as `settings`. */
  settings: NodeSettings;
  journal: Journal;
  report: RecoveryReport;
  /** True when the directory held no state. */
  created: boolean;
  /** How long the snapshot written after a long replay took (0 if none), in ms. */
  timing: { snapshotMs: number };
  /** Lines describing the recovery (also in the kernel log, as `state` records). */
  lines: string[];
  /** Let a rollback refresh the devices, and wrap them so replies wait for the disk. */
  attach(devs: KernelDevices): Device[];
  /** Final snapshot, then the store closed. */
  close(): Promise<void>;
}

/** A start that replays this many records or more writes a snapshot at once. */
const SNAPSHOT_AFTER_REPLAY = 10_000;

// Zeros written 1 MiB ahead: an append then overwrites allocated space, and its sync need not
// also write the file's new size (lib/wal/README.md, Cost).
const STORE_DEFAULTS: StoreOptions = { snapshotRecords: 100_000, preallocBytes: 1 << 20 };

/** Removes a state directory's journal, snapshots and dropped files (not the directory). */
export async function wipeState(dir: string, fsl: FsLayer = nodeFs): Promise<string[]> {
  let names: string[];
  try {
    names = await fsl.readdir(dir);
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return [];
    throw e;
  }
  const lock = await lockDir(fsl, dir);
  const gone: string[] = [];
  try {
    for (const n of names) {
      if (/^(journal\.\d+\.wal|snapshot\.\d+\.snap(\.tmp)?)$/.test(n) || n.endsWith('.dropped')) {
        await fsl.unlink(join(dir, n));
        gone.push(n);
      }
    }
    // the old files must not come back after a crash to mix with the new journal
    if (gone.length) await fsl.syncDir(dir);
  } finally {
    await lock.release();
  }
  return gone;
}

function sameShape(saved: StateConfig, want: Shape): string[] {
  const diff: string[] = [];
  if (want.ncores !== undefined && want.ncores !== saved.ncores) diff.push(`--cores ${saved.ncores} (asked ${want.ncores})`);
  const ll = (x: number[]) => [...new Set(x)].sort((a, b) => a - b).join(',');
  if (want.llCores !== undefined && ll(want.llCores) !== ll(saved.llCores)) diff.push(`--ll ${ll(saved.llCores)} (asked ${ll(want.llCores)})`);
  const topo = (t: StateConfig['topology']) => `sockets=${t.sockets ?? 1},numa=${t.numa ?? 1}${t.ht ? ',ht' : ''}`;
  if (want.topology !== undefined && topo(want.topology) !== topo(saved.topology)) diff.push(`--topology ${topo(saved.topology)} (asked ${topo(want.topology)})`);
  if (want.hostowner !== undefined && want.hostowner !== saved.hostowner) diff.push(`--hostowner ${saved.hostowner} (asked ${want.hostowner})`);
  return diff;
}

/** What recovery did, one line each (kernel log kind `state`). */
function describe(dir: string, rep: RecoveryReport, replayed: number, created: boolean): string[] {
  if (created) return [`${dir}: new`];
  const out = [`${dir}: recovered: snapshot ${rep.snapshotUsed ?? 'none'} (covers ${rep.snapshotCovers} records), `
    + `${replayed} records replayed, ${rep.bytesCut} bytes cut`];
  for (const l of rep.text) out.push(l);
  return out;
}

class StartError extends Error {
  constructor(readonly snapshotFile: string | undefined, msg: string) { super(msg); }
}

/** Opens (creating if need be) the state directory `dir` and rebuilds the machine from it. */
export async function openMachine(dir: string, o: OpenOptions): Promise<DurableMachine> {
  const fsl = o.fs ?? nodeFs;
  const log = o.log ?? (() => undefined);
  if (o.fresh) {
    const gone = await wipeState(dir, fsl);
    if (gone.length) log(`state ${dir}: --fresh: removed ${gone.length} file(s)`);
  }
  for (;;) {
    try {
      return await openOnce(dir, o, fsl, log);
    } catch (e) {
      // A snapshot that reads back but does not check out (its version, its invariants):
      // refused, or with --recover set aside so the one before it is used.
      if (!(e instanceof StartError) || !e.snapshotFile || !o.recover) throw e instanceof StartError ? perr(EIO, e.message) : e;
      const from = join(dir, e.snapshotFile);
      await fsl.rename(from, `${from}.dropped`);
      log(`state ${dir}: --recover: ${e.message}; set aside as ${e.snapshotFile}.dropped`);
    }
  }
}

async function openOnce(dir: string, o: OpenOptions, fsl: FsLayer, log: (line: string) => void): Promise<DurableMachine> {
  const refuse = (msg: string, snapFile?: string): never => { throw new StartError(snapFile, `state ${dir}: ${msg}`); };
  // Built as recovery goes: from the snapshot it starts from, or from the journal's boot
  // record; then every record after it is replayed as it is read (nothing is collected).
  let m: { k: JournaledKernel; settings: NodeSettings } | undefined;
  let replayed = 0;
  const base = (snapshot: unknown, covers: number): void => {
    if (snapshot === undefined) return;
    const file = snapName(covers);
    let snap: Snapshot;
    try {
      snap = checkSnapshot(snapshot);
    } catch (e) {
      return refuse(`${file} at offset 32: ${(e as Error).message}`, file);
    }
    const k = new JournaledKernel(snap.config);
    try {
      k.restore(snap.kernel);
      checkInvariants(k);
    } catch (e) {
      const old = snap.kernel?.v !== IMAGE_VERSION ? ' (written by another version of akaros: start with --fresh to discard it)' : '';
      return refuse(`${file} at offset 32: the kernel state does not check out: ${(e as Error).message}${old}`, file);
    }
    m = { k, settings: { ...snap.settings } };
  };
  const replay = (r: unknown, seq: number): void => {
    if (!m) {
      if (seq !== 0 || !Array.isArray(r) || r[0] !== 'b' || !validSettings(r[2])) return refuse(`record ${seq}: the journal does not start with a boot record`);
      m = { k: new JournaledKernel(r[1] as KernelConfig), settings: { ...(r[2] as NodeSettings) } };
      return;
    }
    try {
      replayRecord(m, r);
    } catch (e) {
      return refuse(`record ${seq} does not replay: ${e instanceof Error ? e.message : String(e)} `
        + '(the journal was written by another version, or the kernel changed: start with --fresh to discard it)');
    }
    replayed++;
  };
  const st = await Store.open(dir, { ...STORE_DEFAULTS, ...o.store, fs: fsl, recover: !!o.recover, log, base, replay });
  let journal: Journal | undefined;
  try {
    let created = false;
    if (!m) {
      // an empty directory: a new machine, its configuration the journal's first record
      const k = new JournaledKernel(o.config);
      m = { k, settings: { ...o.settings } };
      await st.append(['b', k.config, m.settings] satisfies Rec);
      created = true;
    }
    const { k, settings } = m;
    const diff = sameShape(k.config, o.shape ?? {});
    if (diff.length) {
      throw perr(EINVAL, `state ${dir} holds another machine: ${diff.join(', ')}; start with those flags, or --fresh (or another --state) for a new one`);
    }
    try {
      checkInvariants(k);
    } catch (e) {
      return refuse(`after replaying ${replayed} records: ${(e as Error).message}`);
    }
    // The rollback base: the state now (what the disk holds), nothing after it yet.
    const jbase: JournalBase = {
      snapshot: { v: SNAPSHOT_VERSION, config: k.config, settings: { ...settings }, kernel: k.image() },
      covers: st.stats.nextSeq, records: [],
    };
    journal = new Journal(st, k, settings, jbase, log, o.journal);
    const lines = describe(dir, st.recovered.report, replayed, created);
    for (const l of lines) {
      k.log.add(k.now(), 'state', l);
      journal.note('state', l);
    }
    await journal.barrier();
    // a long journal is replayed once: the next start begins from here
    const s0 = performance.now();
    if (replayed >= SNAPSHOT_AFTER_REPLAY) await journal.snapshot();
    const timing = { snapshotMs: replayed >= SNAPSHOT_AFTER_REPLAY ? performance.now() - s0 : 0 };
    const j = journal;
    return {
      dir, kernel: k, settings, journal: j, report: st.recovered.report, created, lines, timing,
      attach: (devs) => {
        j.onRestored = () => refresh(devs, k, settings);
        return devs.devices.map((d) => durableDevice(d, j));
      },
      close: () => j.close(),
    };
  } catch (e) {
    if (journal) journal.onRestored = null;
    await st.close().catch(() => undefined);
    throw e instanceof P9Error || e instanceof StartError ? e : perr(EIO, `state ${dir}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** After a rollback: the devices' copies of the settings, the clock driver, and readers
 *  parked on mailboxes (a message may be back) catch up with the rebuilt state. */
function refresh(devs: KernelDevices, k: Kernel, s: NodeSettings): void {
  devs.cons.sysname = s.sysname;
  const d = devs.driver;
  if (d) {
    if (d.speed !== s.speed) d.setSpeed(s.speed);
    if (s.mode === 'paused') d.pause(); else d.resume();
    d.sync();
  }
  for (const p of k.state.procs.values()) {
    // Mailbox.fire is how post and close wake subscribers; a restore posts nothing.
    if (p.mbox) (p.mbox as unknown as { fire(): void }).fire();
  }
}
