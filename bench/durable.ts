// SPDX-License-Identifier: GPL-2.0-or-later
//
// Durability benchmarks (issue 11), all in one run on one disk:
//  - the floor: a bare write + fdatasync of a small append to a plain file, and the same
//    append as one O_DSYNC write (what the journal does: one thread-pool trip);
//  - the ctl round trip (`want N` on an open ctl fid, one Twrite) against two `akaros
//    serve` child processes, one journaling to a state directory, one --ephemeral,
//    interleaved with the floor in short blocks so all three see the same load;
//  - acknowledged ctl writes per second at 1 and at 16 writers (a connection each),
//    journaled, alternating blocks; the ephemeral server for reference; beside each, the
//    server's CPU time per acknowledged write (all its threads), the figure a loaded
//    machine disturbs least, the bench's own, and the records per journal batch (read
//    back from the segments' batch headers);
//  - recovery: opening a state whose journal holds 1,000,000 records after its snapshot
//    (read, check, decode, replay through the kernel, check the invariants), and one
//    whose snapshot holds 10,000 MCPs.
// Prints a table, writes bench/results/durable.json. Run: node dist/bench/durable.js [--dir DIR]
// [--only throughput [--ms MS] [--rounds N]] (the writers alone; no result file) [--client
// 9p] (throughput writers through lib/9p's client, not raw frames). DURABLE_NODE_ARGS (say
// `--cpu-prof --cpu-prof-dir=/tmp/prof`) goes on the journaling server's node command line.

import fs from 'node:fs';
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readSync, rmSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createConnection, type Socket } from 'node:net';
import { Client } from '../lib/9p/client.js';
import { SERVE_NODE_FLAGS } from './lib/servers.js';
import { encode } from '../lib/9p/codec.js';
import { NONUNAME, OREAD, OWRITE } from '../lib/9p/const.js';
import { Rwrite, Twrite } from '../lib/9p/fcall.js';
import { parseDialString } from '../lib/iplib/dial.js';
import type { Fid } from '../lib/9p/fid.js';
import { Store } from '../lib/wal/index.js';
import { JournaledKernel } from '../devs/persist/jkernel.js';
import { openMachine } from '../devs/persist/open.js';
import type { Rec } from '../devs/persist/records.js';
import type { NodeSettings } from '../devs/kernel/ctx.js';
import { writeResult } from './lib/load.js';
import { cpuNs } from './lib/servers.js';
import { dial } from '../test/durable/helpers.js';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'run.js');
const H = 'eve';
const SETTINGS: NodeSettings = { sysname: 'nanwan', mode: 'running', speed: 1, seed: 1 };
const pct = (xs: number[], p: number): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
const cb = <T>(run: (done: (e: NodeJS.ErrnoException | null, v: T) => void) => void): Promise<T> =>
  new Promise<T>((res, rej) => run((e, v) => (e ? rej(e) : res(v))));

interface Lat {
  p50us: number; p99us: number; opsPerSec: number; n: number; cpuUsPerOp?: number;
  /** The bench process's CPU per write (the clients), and the journal's batches. */
  clientCpuUsPerOp?: number; batches?: number; recordsPerBatch?: number;
}
function summary(lat: number[], ms: number, cpuNsSpent?: number): Lat {
  const r: Lat = { p50us: Math.round(pct(lat, 0.5) * 1000), p99us: Math.round(pct(lat, 0.99) * 1000), opsPerSec: Math.round(lat.length / (ms / 1000)), n: lat.length };
  if (cpuNsSpent !== undefined && lat.length > 0) r.cpuUsPerOp = Math.round(cpuNsSpent / lat.length / 1000);
  return r;
}

interface Child { p: ChildProcess; address: string }
const cpuOf = (c: Child): number => cpuNs(c.p.pid!);

async function serve(args: string[], nodeArgs: string[] = []): Promise<Child> {
  const p = spawn(process.execPath, [...SERVE_NODE_FLAGS, ...nodeArgs, BIN, 'serve', '--listen', 'tcp!127.0.0.1!0', '--hostowner', H, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const address = await new Promise<string>((resolve, reject) => {
    let out = '';
    p.stdout!.on('data', (b: Buffer) => { out += b.toString(); const m = /serving 9P on (\S+)/.exec(out); if (m) resolve(m[1]); });
    p.on('close', (code) => reject(new Error(`akaros serve exited ${code}`)));
  });
  return { p, address };
}

async function stop(c: Child): Promise<void> {
  const done = new Promise((r) => c.p.on('close', r));
  c.p.kill('SIGTERM');
  await done;
}

/** A connection, its own MCP, and that MCP's ctl open for writing. */
async function writer(address: string, user: string): Promise<{ c: Client; ctl: Fid }> {
  const { c } = await dial(address, user);
  const clone = await c.root!.walk('mcp/clone');
  await clone.open(OREAD);
  const pid = Number((await clone.read(0n, 64)).toString().trim());
  const ctl = await c.root!.walk(`mcp/${pid}/ctl`);
  await ctl.open(OWRITE);
  await clone.clunk();
  return { c, ctl };
}

/**
 * A throughput writer: a connection whose MCP's ctl is open for writing, set up through
 * the 9P client, whose writes then bypass it: the four Twrite frames (`want 0` to `want
 * 3`, one tag) are encoded once and the Rwrite is recognised by its type byte. What the
 * server sees is the same Twrite; the bench's CPU per write (which shares the cores with
 * the server) is a fraction of the client's promise, tag and codec work.
 */
class RawCtl implements CtlWriter {
  private readonly frames: Buffer[];
  private acc: Buffer | null = null;
  private done: ((err: Error | null) => void) | null = null;

  private constructor(readonly c: Client, private readonly sock: Socket, fid: number) {
    this.frames = [0, 1, 2, 3].map((n) => encode({ type: Twrite, tag: 1, fid, offset: 0n, data: Buffer.from(`want ${n}\n`) }, '9P2000.L'));
    // the client has no request outstanding: from here on the replies are this writer's
    sock.removeAllListeners('data');
    sock.on('data', (b: Buffer) => this.onData(b));
  }

  static async open(address: string, user: string): Promise<RawCtl> {
    const d = parseDialString(address);
    const sock = createConnection({ host: d.host, port: Number(d.port) });
    await new Promise<void>((res, rej) => { sock.once('connect', () => res()); sock.once('error', rej); });
    sock.setNoDelay(true);
    const c = await Client.connect(sock, { dialect: '9P2000.L' });
    const root = await c.attach({ uname: user, aname: '', nUname: NONUNAME });
    const clone = await root.walk('mcp/clone');
    await clone.open(OREAD);
    const pid = Number((await clone.read(0n, 64)).toString().trim());
    const ctl = await root.walk(`mcp/${pid}/ctl`);
    await ctl.open(OWRITE);
    await clone.clunk();
    return new RawCtl(c, sock, ctl.fid);
  }

  /** Sends `want (i % 4)`; `done` hears of the Rwrite (or the error). */
  write(i: number, done: (err: Error | null) => void): void {
    this.done = done;
    this.sock.write(this.frames[i & 3]);
  }

  private onData(b: Buffer): void {
    let buf = this.acc ? Buffer.concat([this.acc, b]) : b;
    this.acc = null;
    while (buf.length >= 4) {
      const size = buf.readUInt32LE(0);
      if (buf.length < size) break;
      const type = buf[4], done = this.done;
      this.done = null;
      done?.(type === Rwrite ? null : new Error(`ctl write answered with 9P type ${type}: ${buf.subarray(7, size).toString('latin1')}`));
      buf = buf.subarray(size);
    }
    if (buf.length > 0) this.acc = Buffer.from(buf);
  }

  close(): void { this.sock.destroy(); }
}

/** What a throughput writer does: one ctl write at a time, its outcome to `done`. */
interface CtlWriter { write(i: number, done: (err: Error | null) => void): void; close(): void }

/** A writer through the 9P client (`--client 9p`: the client's own cost per write included). */
async function clientCtl(address: string, user: string): Promise<CtlWriter> {
  const { c, ctl } = await writer(address, user);
  return {
    write: (i, done) => { ctl.write(0n, Buffer.from(`want ${i % 4}\n`)).then(() => done(null), done); },
    close: () => c.close(),
  };
}

const viaClient = (): boolean => { const i = process.argv.indexOf('--client'); return i > 0 && process.argv[i + 1] === '9p'; };
const openWriters = (address: string, n: number): Promise<CtlWriter[]> =>
  Promise.all(Array.from({ length: n }, () => (viaClient() ? clientCtl(address, 'glenda') : RawCtl.open(address, 'glenda'))));

type LatKey = 'floor' | 'floorDsync' | 'journaled' | 'ephemeral';

/** The floors and the two servers' round trips, interleaved in blocks of 20. */
async function latency(dir: string, journaled: Fid, ephemeral: Fid, servers: { journaled: Child; ephemeral: Child }, ms: number): Promise<Record<LatKey, Lat>> {
  const fd = await cb<number>((d) => fs.open(join(dir, 'floor'), 'w', d));
  const C = fs.constants;
  const fdDsync = await cb<number>((d) => fs.open(join(dir, 'floor-dsync'), C.O_WRONLY | C.O_CREAT | C.O_TRUNC | C.O_DSYNC, 0o644, d));
  const rec = Buffer.alloc(60, 7);
  let pos = 0, posDsync = 0, i = 0;
  const ops: Record<LatKey, () => Promise<unknown>> = {
    floor: async () => {
      await cb<number>((d) => fs.write(fd, rec, 0, rec.length, pos, d));
      pos += rec.length;
      await cb<void>((d) => fs.fdatasync(fd, (e) => d(e, undefined)));
    },
    floorDsync: async () => {
      await cb<number>((d) => fs.write(fdDsync, rec, 0, rec.length, posDsync, d));
      posDsync += rec.length;
    },
    journaled: () => journaled.write(0n, Buffer.from(`want ${i++ % 4}\n`)),
    ephemeral: () => ephemeral.write(0n, Buffer.from(`want ${i++ % 4}\n`)),
  };
  const keys = Object.keys(ops) as LatKey[];
  const lat = { floor: [] as number[], floorDsync: [] as number[], journaled: [] as number[], ephemeral: [] as number[] };
  const spent = { floor: 0, floorDsync: 0, journaled: 0, ephemeral: 0 };
  const cpu = { journaled: 0, ephemeral: 0 };
  try {
    for (const op of Object.values(ops)) for (let k = 0; k < 20; k++) await op();   // warm up
    const end = performance.now() + 3 * ms;
    while (performance.now() < end) {
      for (const key of keys) {
        const srv = key === 'journaled' || key === 'ephemeral' ? servers[key] : undefined;
        const c0 = srv ? cpuOf(srv) : 0;
        const b0 = performance.now();
        for (let k = 0; k < 20; k++) { const s = performance.now(); await ops[key](); lat[key].push(performance.now() - s); }
        spent[key] += performance.now() - b0;
        if (srv) cpu[key as 'journaled' | 'ephemeral'] += cpuOf(srv) - c0;
      }
    }
  } finally {
    fs.closeSync(fd);
    fs.closeSync(fdDsync);
  }
  return {
    floor: summary(lat.floor, spent.floor), floorDsync: summary(lat.floorDsync, spent.floorDsync),
    journaled: summary(lat.journaled, spent.journaled, cpu.journaled), ephemeral: summary(lat.ephemeral, spent.ephemeral, cpu.ephemeral),
  };
}

/** The batches the server wrote since the last look, read from its segments' batch
 *  headers (format: lib/wal/README.md), from where the last look stopped. */
class Census {
  private at = new Map<string, number>();
  constructor(private readonly dir: string) {}
  take(): { batches: number; records: number } {
    let batches = 0, records = 0;
    const head = Buffer.alloc(17);
    for (const name of readdirSync(this.dir).filter((n) => /^journal\.\d+\.wal$/.test(n)).sort()) {
      const fd = openSync(join(this.dir, name), 'r');
      try {
        let p = this.at.get(name) ?? 24;
        // a batch frame is 17 bytes: length 9, CRC, kind 0x81, batch bytes, record count
        while (readSync(fd, head, 0, 17, p) === 17 && head.readUInt32LE(0) === 9 && head[8] === 0x81) {
          batches++;
          records += head.readUInt32LE(13);
          p += head.readUInt32LE(9);
        }
        this.at.set(name, p);
      } finally {
        closeSync(fd);
      }
    }
    return { batches, records };
  }
}

/** Closed-loop writers, each on its own ctl, for ms: acknowledged writes per second, the
 *  server's CPU time per write, the bench's own, and (with a census) the batches. */
async function closedLoop(srv: Child, ctls: CtlWriter[], ms: number, census?: Census): Promise<Lat> {
  const lat: number[] = [];
  census?.take();
  const c0 = cpuOf(srv), u0 = process.cpuUsage();
  const t0 = performance.now(), end = t0 + ms;
  // callbacks, not an async loop per writer: the next write goes out from the reply's handler
  await Promise.all(ctls.map((ctl, w) => new Promise<void>((resolve, reject) => {
    let i = w, s = 0;
    const next = (err: Error | null): void => {
      if (err) { reject(err); return; }
      const now = performance.now();
      if (s > 0) lat.push(now - s);
      if (now >= end) { resolve(); return; }
      s = now;
      ctl.write(i++, next);
    };
    next(null);
  })));
  const r = summary(lat, performance.now() - t0, cpuOf(srv) - c0);
  const u = process.cpuUsage(u0);
  if (lat.length > 0) r.clientCpuUsPerOp = Math.round((u.user + u.system) / lat.length);
  if (census) {
    const b = census.take();
    r.batches = b.batches;
    r.recordsPerBatch = b.batches ? +(b.records / b.batches).toFixed(2) : 0;
  }
  return r;
}

/** 1 and 16 writers in alternating 250 ms blocks; the per-block rates averaged. */
async function throughput(srv: Child, ctls: CtlWriter[], ms: number, census?: Census): Promise<{ one: Lat; many: Lat }> {
  const acc: { one: Lat[]; many: Lat[] } = { one: [], many: [] };
  await closedLoop(srv, ctls, 200);
  for (let done = 0; done < ms; done += 250) {
    acc.one.push(await closedLoop(srv, ctls.slice(0, 1), 250, census));
    acc.many.push(await closedLoop(srv, ctls, 250, census));
  }
  const med = (rs: Lat[], f: (r: Lat) => number | undefined) => pct(rs.map((r) => f(r) ?? NaN), 0.5);
  const merge = (rs: Lat[]): Lat => {
    const m: Lat = {
      opsPerSec: Math.round(rs.reduce((a, r) => a + r.opsPerSec, 0) / rs.length),
      p50us: med(rs, (r) => r.p50us), p99us: Math.max(...rs.map((r) => r.p99us)), n: rs.reduce((a, r) => a + r.n, 0),
      cpuUsPerOp: med(rs, (r) => r.cpuUsPerOp), clientCpuUsPerOp: med(rs, (r) => r.clientCpuUsPerOp),
    };
    if (census) {
      const b = rs.reduce((a, r) => a + (r.batches ?? 0), 0);
      m.batches = b;
      m.recordsPerBatch = b ? +(rs.reduce((a, r) => a + (r.recordsPerBatch ?? 0) * (r.batches ?? 0), 0) / b).toFixed(2) : 0;
    }
    return m;
  };
  return { one: merge(acc.one), many: merge(acc.many) };
}

/** A state directory whose journal holds `n` command records after the boot record (no
 *  snapshot): the records a live kernel made, the clock moving between them. */
async function bigJournal(dir: string, n: number): Promise<void> {
  const st = await Store.open(dir, { snapshotRecords: Number.MAX_SAFE_INTEGER });
  try {
    const k = new JournaledKernel({ ncores: 16, hostowner: H });
    await st.append(['b', k.config, SETTINGS] satisfies Rec);
    const buf: Rec[] = [];
    k.recorder = (r) => buf.push(r);
    const pids = [k.createMcp('glenda'), k.createMcp('glenda'), k.createMcp('glenda')];
    const flush = () => Promise.all(buf.splice(0).map((r) => st.append(r)));
    for (let i = 0; i < n - 3; i++) {
      k.want('glenda', pids[i % 3], i % 5);
      if (i % 64 === 0) k.clock.runUntil(k.now() + 1_000_000);
      if (buf.length >= 20_000) await flush();
    }
    await flush();
  } finally {
    await st.close();
  }
}

/** A state directory whose snapshot holds `n` MCPs (some with cores, events, names). */
async function bigSnapshot(dir: string, n: number): Promise<void> {
  const dm = await openMachine(dir, { config: { ncores: 64, hostowner: H, nprocMax: 32767 }, settings: SETTINGS, log: () => {} });
  const k = dm.kernel;
  for (let i = 0; i < n; i++) {
    const pid = k.createMcp('glenda', `p${i}`);
    if (i < 60) k.want('glenda', pid, 1);
    if (i % 4 === 0) k.notify('glenda', pid, 'EV_USER_IPI', [i]);
    if (i % 1000 === 999) await dm.journal.barrier();
  }
  k.pokeKsched(H);
  await dm.close();   // the final snapshot
}

/** Opening the state until it could serve; the snapshot a long replay is followed by
 *  (so that the next start is quick) is timed apart. */
async function timeOpen(dir: string): Promise<{ ms: number; cpuMs: number; snapshotMs: number; replayed: string }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const dm = await openMachine(dir, { config: {}, settings: SETTINGS, log: () => {} });
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const line = dm.lines[0];
  await dm.close();
  return { ms: ms - dm.timing.snapshotMs, cpuMs: (c.user + c.system) / 1000, snapshotMs: dm.timing.snapshotMs, replayed: line };
}

const nodeArgs = (): string[] => (process.env.DURABLE_NODE_ARGS ?? '').split(' ').filter(Boolean);

const tpRow = (what: string, l: Lat) => ({
  what, 'ops/s': l.opsPerSec, 'p50 µs': l.p50us, 'p99 µs': l.p99us, 'server CPU µs/op': l.cpuUsPerOp ?? '',
  'bench CPU µs/op': l.clientCpuUsPerOp ?? '', 'records/batch': l.recordsPerBatch ?? '',
});

/** The journaled server's writers alone, for profiling and for comparing builds: `rounds`
 *  throughput runs of `ms` each on one server. */
export async function onlyThroughput(opts: { ms?: number; rounds?: number; dir?: string } = {}): Promise<{ one: Lat; many: Lat }[]> {
  const root = mkdtempSync(join(opts.dir ?? os.tmpdir(), 'durable-bench-'));
  const state = join(root, 'state');
  mkdirSync(state);
  const out: { one: Lat; many: Lat }[] = [];
  try {
    const jsrv = await serve(['--state', state], nodeArgs());
    try {
      const jw = await openWriters(jsrv.address, 16);
      const census = new Census(state);
      for (let r = 0; r < (opts.rounds ?? 1); r++) {
        const tp = await throughput(jsrv, jw, opts.ms ?? 2000, census);
        console.log(`round ${r}: ${(tp.many.opsPerSec / tp.one.opsPerSec).toFixed(2)}x (load ${os.loadavg()[0].toFixed(2)})`);
        console.table([tpRow('1 writer', tp.one), tpRow('16 writers', tp.many)]);
        out.push(tp);
      }
      for (const w of jw) w.close();
    } finally {
      await stop(jsrv);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return out;
}

export async function run(opts: { ms?: number; records?: number; mcps?: number; dir?: string } = {}): Promise<Record<string, unknown>> {
  const ms = opts.ms ?? 2000;
  const nrec = opts.records ?? 1_000_000;
  const nmcp = opts.mcps ?? 10_000;
  const root = mkdtempSync(join(opts.dir ?? os.tmpdir(), 'durable-bench-'));
  const sub = (n: string) => { const p = join(root, n); mkdirSync(p); return p; };
  try {
    const state = sub('state');
    const jsrv = await serve(['--state', state], nodeArgs());
    const esrv = await serve(['--ephemeral']);
    let lat, tpJ, tpE;
    try {
      const j1 = await writer(jsrv.address, 'glenda'), e1 = await writer(esrv.address, 'glenda');
      const jw = await openWriters(jsrv.address, 16), ew = await openWriters(esrv.address, 16);
      lat = await latency(root, j1.ctl, e1.ctl, { journaled: jsrv, ephemeral: esrv }, ms);
      tpJ = await throughput(jsrv, jw, ms, new Census(state));
      tpE = await throughput(esrv, ew, ms / 2);
      for (const w of [...jw, ...ew]) w.close();
      j1.c.close();
      e1.c.close();
    } finally {
      await stop(jsrv);
      await stop(esrv);
    }
    const jdir = sub('journal-1m');
    await bigJournal(jdir, nrec);
    const recJ = await timeOpen(jdir);
    const sdir = sub('snapshot-10k');
    await bigSnapshot(sdir, nmcp);
    const recS = await timeOpen(sdir);

    const fl = lat.floor;
    const res = {
      bench: 'durable', date: new Date().toISOString(), node: process.version,
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, loadavg: os.loadavg().map((x) => +x.toFixed(2)) },
      floor_fdatasync: fl,
      floor_dsync_write: lat.floorDsync,
      ctl_journaled_1: lat.journaled,
      ctl_ephemeral_1: lat.ephemeral,
      journal_overhead_p50_us: lat.journaled.p50us - lat.ephemeral.p50us,
      throughput_journaled: { one: tpJ.one, sixteen: tpJ.many, ratio: +(tpJ.many.opsPerSec / tpJ.one.opsPerSec).toFixed(2) },
      throughput_ephemeral: { one: tpE.one, sixteen: tpE.many },
      recovery_journal: { records: nrec, ms: Math.round(recJ.ms), cpu_ms: Math.round(recJ.cpuMs), then_snapshot_ms: Math.round(recJ.snapshotMs), report: recJ.replayed },
      recovery_snapshot: { mcps: nmcp, ms: Math.round(recS.ms), cpu_ms: Math.round(recS.cpuMs), report: recS.replayed },
      targets: {
        journaled_p50_us_max: lat.ephemeral.p50us + Math.round(1.2 * fl.p50us), ratio_min: 8, sixteen_ops_min: 10_000, recovery_ms_max: 2000,
        note: 'journaled p50 <= ephemeral p50 + 1.2 x fdatasync p50; 16 writers >= 8x one and >= 10,000/s; recovery <= 2 s each',
      },
    };
    console.log(`durable on ${root} (${res.machine.cpus} cpus, load ${res.machine.loadavg.join(' ')})`);
    const row = (what: string, l: Lat, target = '') =>
      ({ ...tpRow(what, l), target });
    console.table([
      row('floor: write + fdatasync (60 B)', fl),
      row('floor: one O_DSYNC write (60 B)', lat.floorDsync),
      row('ctl write, ephemeral, 1 writer', lat.ephemeral),
      row('ctl write, journaled, 1 writer', lat.journaled, `p50 <= ${res.targets.journaled_p50_us_max}`),
      row('ctl write, journaled, 1 writer (blocks)', tpJ.one),
      row('ctl write, journaled, 16 writers', tpJ.many, `>= 10000/s, ${res.throughput_journaled.ratio}x (>= 8x)`),
      row('ctl write, ephemeral, 16 writers', tpE.many),
    ]);
    console.log(`recovery of ${nrec} journal records: ${res.recovery_journal.ms} ms (CPU ${res.recovery_journal.cpu_ms} ms with the snapshot written after it, ${res.recovery_journal.then_snapshot_ms} ms) (target <= 2000)`);
    console.log(`recovery of a ${nmcp}-MCP snapshot: ${res.recovery_snapshot.ms} ms (${res.recovery_snapshot.cpu_ms} ms CPU) (target <= 2000)`);
    writeResult(import.meta.url, 'durable', res);
    return res;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name: string): string | undefined => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : undefined; };
  const dir = arg('--dir');
  if (arg('--only') === 'throughput') await onlyThroughput({ dir, ms: Number(arg('--ms') ?? 2000), rounds: Number(arg('--rounds') ?? 1) });
  else await run({ dir });
}
