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
import { checkInvariants, Kernel, type KernelConfig, type StateConfig } from '../../kern/index.js';
import type { KernelDevices } from '../index.js';
import type { NodeSettings } from '../kernel/ctx.js';
import type { Device } from '../types.js';
import { JournaledKernel } from './jkernel.js';
import { Journal, type JournalBase } from './journal.js';
import { checkSnapshot, replayRecord, SNAPSHOT_VERSION, validSettings, type Rec, type Snapshot } from './records.js';
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
  /** Lines describing the recovery (also in the kernel log, as `state` records). */
  lines: string[];
  /** Let a rollback refresh the devices, and wrap them so replies wait for the disk. */
  attach(devs: KernelDevices): Device[];
  /** Final snapshot, then the store closed. */
  close(): Promise<void>;
}

/** Snapshot records below this many replayed at start make no snapshot at once. */
const SNAPSHOT_AFTER_REPLAY = 10_000;

const STORE_DEFAULTS: StoreOptions = { snapshotRecords: 100_000 };

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
  const st = await Store.open(dir, { ...STORE_DEFAULTS, ...o.store, fs: fsl, recover: !!o.recover, log });
  let journal: Journal | undefined;
  try {
    const rec = st.recovered;
    const records = rec.records as Rec[];
    let k: JournaledKernel;
    let settings: NodeSettings;
    let base: Snapshot;
    let first = 0;          // index of the first record to replay
    let created = false;
    const refuse = (msg: string, snapFile?: string): never => { throw new StartError(snapFile, `state ${dir}: ${msg}`); };
    if (rec.snapshot !== undefined) {
      const file = rec.snapshotFile;
      let snap: Snapshot;
      try {
        snap = checkSnapshot(rec.snapshot);
      } catch (e) {
        return refuse(`${file} at offset 32: ${(e as Error).message}`, file);
      }
      k = new JournaledKernel(snap.config);
      try {
        k.restore(snap.kernel);
        checkInvariants(k);
      } catch (e) {
        return refuse(`${file} at offset 32: the kernel state does not check out: ${(e as Error).message}`, file);
      }
      settings = { ...snap.settings };
      base = snap;
    } else if (records.length > 0) {
      const b = records[0];
      if (!Array.isArray(b) || b[0] !== 'b' || !validSettings(b[2])) return refuse('the journal does not start with a boot record (record 0)');
      k = new JournaledKernel(b[1]);
      settings = { ...b[2] };
      base = { v: SNAPSHOT_VERSION, config: k.config, settings: { ...settings }, kernel: k.image() };
      first = 1;
    } else {
      k = new JournaledKernel(o.config);
      settings = { ...o.settings };
      base = { v: SNAPSHOT_VERSION, config: k.config, settings: { ...settings }, kernel: k.image() };
      await st.append(['b', k.config, settings] satisfies Rec);
      created = true;
    }
    const diff = sameShape(k.config, o.shape ?? {});
    if (diff.length) {
      throw perr(EINVAL, `state ${dir} holds another machine: ${diff.join(', ')}; start with those flags, or --fresh (or another --state) for a new one`);
    }
    const covers = rec.report.snapshotCovers;
    const m = { k, settings };
    for (let i = first; i < records.length; i++) {
      try {
        replayRecord(m, records[i]);
      } catch (e) {
        return refuse(`record ${covers + i} does not replay: ${e instanceof Error ? e.message : String(e)} `
          + '(the journal was written by another version, or the kernel changed: start with --fresh to discard it)');
      }
    }
    try {
      checkInvariants(k);
    } catch (e) {
      return refuse(`after replaying ${records.length - first} records: ${(e as Error).message}`);
    }
    const durable = records.map((r, i) => ({ seq: covers + i, rec: r })).slice(first);
    const jbase: JournalBase = { snapshot: base, covers: covers + first, records: durable };
    journal = new Journal(st, k, settings, jbase, log);
    const replayed = records.length - first;
    const lines = describe(dir, rec.report, replayed, created);
    for (const l of lines) {
      k.log.add(k.now(), 'state', l);
      journal.note('state', l);
    }
    await journal.barrier();
    if (replayed >= SNAPSHOT_AFTER_REPLAY) await journal.snapshot();
    const j = journal;
    return {
      dir, kernel: k, settings, journal: j, report: rec.report, created, lines,
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
