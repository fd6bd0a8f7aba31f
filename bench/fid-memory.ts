// SPDX-License-Identifier: GPL-2.0-or-later
//
// Heap per fid on the server: 10,000 fids held on one connection, walked only and walked
// and opened, on /dev/null, /dev/sysname and an MCP's status file; then the same files
// through the durable machine's device wrappers (devs/persist/durable.ts, what `serve`
// with its default state directory serves), with a journal that never has records, so
// only the wrappers' own memory shows. Runs in a child
// process started with --expose-gc so the heap can be measured after full collections;
// the client sends bare Twalk/Tlopen through Client.rpc and keeps nothing per fid, so
// the growth is the server's (its Fid, the chan the walk made, the open file, the fid
// table's entry). Target (issue 16): at most 300 bytes per open fid. Writes
// bench/results/fid-memory.json.

import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { writeResult } from './lib/load.js';

const N = 10_000;
const TARGET = 300;

export interface FidMemoryRow { file: string; durable: boolean; opened: boolean; fids: number; bytesPerFid: number }

async function child(): Promise<FidMemoryRow[]> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('fid-memory: run with --expose-gc');
  const { Kernel } = await import('../kern/index.js');
  const { makeDevices } = await import('../devs/index.js');
  const { createNamespaceServer } = await import('../ns/server.js');
  const { Server } = await import('../srv/server.js');
  const { durableDevice } = await import('../devs/persist/durable.js');
  const { Client } = await import('../lib/9p/client.js');
  const { duplexPair } = await import('../lib/9p/duplex.js');
  const { NONUNAME, P9_DOTL_RDONLY } = await import('../lib/9p/const.js');
  const F = await import('../lib/9p/fcall.js');
  const host = 'eve';
  const kernel = new Kernel({ ncores: 16, hostowner: host, zombieNs: 0, nprocMax: 32767 });
  const devs = makeDevices({ kernel, hostowner: host, paused: true });
  const journal = { count: 0, barrier: async (): Promise<void> => {} };
  const servers: InstanceType<typeof Server>[] = [];
  const connect = async (durable: boolean): ReturnType<typeof Client.connect> => {
    const devices = durable ? devs.devices.map((d) => durableDevice(d, journal)) : devs.devices;
    const ns = createNamespaceServer({ devices, hostowner: host });
    const server = new Server({ ns, hostowner: host, maxFids: 4 * N });
    servers.push(server);
    const [a, b] = duplexPair();
    server.serve(a);
    const c = await Client.connect(b);
    await c.rpc({ type: F.Tattach, fid: 0, afid: 0xffffffff, uname: host, aname: '', nUname: NONUNAME });
    return c;
  };
  const plain = await connect(false);
  const clone = await plain.rpc({ type: F.Twalk, fid: 0, newfid: 1, wnames: ['mcp', 'clone'] });
  if (clone.qids.length !== 2) throw new Error('fid-memory: no mcp/clone');
  await plain.rpc({ type: F.Tlopen, fid: 1, flags: P9_DOTL_RDONLY });
  const pid = (await plain.rpc({ type: F.Tread, fid: 1, offset: 0n, count: 64 })).data.toString().trim();
  await plain.rpc({ type: F.Tclunk, fid: 1 });

  // Pipelined in batches, so the measurement does not wait on 10,000 round trips one by one.
  const batch = async (make: (fid: number) => Promise<unknown>, from: number, n: number): Promise<void> => {
    for (let i = 0; i < n; i += 256) {
      const ps: Promise<unknown>[] = [];
      for (let j = i; j < Math.min(n, i + 256); j++) ps.push(make(from + j));
      await Promise.all(ps);
    }
  };
  const heap = (): number => { gc(); gc(); return process.memoryUsage().heapUsed; };
  const rows: FidMemoryRow[] = [];
  const durableConn = await connect(true);
  for (const [c, durable] of [[plain, false], [durableConn, true]] as const) {
    for (const path of [['dev', 'null'], ['dev', 'sysname'], ['mcp', pid, 'status']]) {
      for (const opened of [false, true]) {
        const first = 1000;
        const hold = async (fid: number): Promise<void> => {
          const r = await c.rpc({ type: F.Twalk, fid: 0, newfid: fid, wnames: path });
          if (r.qids.length !== path.length) throw new Error(`fid-memory: walk to ${path.join('/')} failed`);
          if (opened) await c.rpc({ type: F.Tlopen, fid, flags: P9_DOTL_RDONLY });
        };
        const drop = async (fid: number): Promise<void> => { await c.rpc({ type: F.Tclunk, fid }); };
        // Warm-up: the code paths compiled and every lazily made table grown once.
        await batch(hold, first, N);
        await batch(drop, first, N);
        const before = heap();
        await batch(hold, first, N);
        const after = heap();
        await batch(drop, first, N);
        rows.push({ file: '/' + path.join('/'), durable, opened, fids: N, bytesPerFid: Math.round((after - before) / N) });
      }
    }
  }
  plain.close();
  durableConn.close();
  devs.close();
  for (const s of servers) await s.close();
  return rows;
}

export async function run(opts: { quiet?: boolean } = {}): Promise<FidMemoryRow[]> {
  const self = fileURLToPath(import.meta.url);
  const rows = await new Promise<FidMemoryRow[]>((res, rej) => {
    const p = spawn(process.execPath, ['--expose-gc', self, '--child'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout!.on('data', (d: Buffer) => { out += d; });
    p.on('close', (code) => {
      if (code !== 0) { rej(new Error(`fid-memory child exited ${code}`)); return; }
      res(JSON.parse(out) as FidMemoryRow[]);
    });
  });
  if (!opts.quiet) {
    console.log(`server heap per fid, ${N} fids on one connection (target: ≤ ${TARGET} B per open fid)`);
    for (const r of rows) {
      const verdict = r.opened ? (r.bytesPerFid <= TARGET ? 'target met' : 'target missed') : '';
      console.log(`${(r.file + (r.durable ? ' (durable)' : '')).padEnd(30)} ${(r.opened ? 'walked + opened' : 'walked').padEnd(16)} ${String(r.bytesPerFid).padStart(6)} B/fid  ${verdict}`);
    }
  }
  writeResult(import.meta.url, 'fid-memory', { bench: 'fid-memory', date: new Date().toISOString(), node: process.version, target: TARGET, rows });
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv.includes('--child')) process.stdout.write(JSON.stringify(await child()));
  else await run();
}
