// SPDX-License-Identifier: GPL-2.0-or-later
//
// Our server against diod, in the same run, through the same client (lib/9p, 9P2000.L,
// msize 65536, TCP loopback): Tread of /dev/sysname vs Tread of a small file diod
// exports, and Tgetattr of each, at 1 and 16 outstanding requests. Both servers run as
// separate processes so neither shares the client's event loop. Prints a table with the
// ratios (ours / diod's) and writes bench/results/srv-read.json.

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Client } from '../lib/9p/client.js';
import { OREAD, P9_GETATTR_BASIC } from '../lib/9p/const.js';
import { findDiod, startDiod } from '../test/9p/diod.js';
import { load, resultPath, type LoadResult } from './lib/load.js';

interface Row { op: string; outstanding: number; ours: LoadResult; diod?: LoadResult }

function dial(port: number): Promise<net.Socket> {
  return new Promise((res, rej) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => { s.setNoDelay(true); res(s); });
    s.once('error', rej);
  });
}

async function startOurs(): Promise<{ port: number; stop(): void }> {
  const bin = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'run.js');
  const p = spawn(process.execPath, [bin, 'serve', '--ephemeral', '--listen', 'tcp!127.0.0.1!0', '--paused'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((res, rej) => {
    let out = '';
    p.stdout!.on('data', (b: Buffer) => {
      out += b;
      const m = /serving 9P on tcp!127\.0\.0\.1!(\d+)/.exec(out);
      if (m) res(Number(m[1]));
    });
    p.once('exit', (c) => rej(new Error(`server exited ${c}`)));
  });
  return { port, stop: () => p.kill('SIGTERM') };
}

async function measure(sock: net.Socket, aname: string, file: string, ms: number): Promise<Map<string, LoadResult>> {
  const c = await Client.connect(sock, { msize: 65536 });
  const root = await c.attach({ aname });
  const f = await root.walk(file);
  await f.open(OREAD);
  const g = await root.walk(file);
  const out = new Map<string, LoadResult>();
  for (const [name, op] of [['Tread', () => f.read(0n, 4096)], ['Tgetattr', () => g.getattr(P9_GETATTR_BASIC)]] as const) {
    for (const n of [1, 16]) {
      await load(op, n, 200);
      out.set(`${name}/${n}`, await load(op, n, ms));
    }
  }
  c.close();
  return out;
}

export async function run(opts: { ms?: number } = {}): Promise<Row[]> {
  const ms = opts.ms ?? 2000;
  const ours = await startOurs();
  let mine: Map<string, LoadResult>;
  try {
    mine = await measure(await dial(ours.port), '', 'dev/sysname', ms);
  } finally {
    ours.stop();
  }
  let theirs: Map<string, LoadResult> | undefined;
  const bin = findDiod();
  if (bin) {
    const dir = mkdtempSync(join(tmpdir(), 'srvbench-'));
    writeFileSync(join(dir, 'sysname'), 'nanwan\n');
    const d = await startDiod(bin, dir);
    try {
      theirs = await measure(await d.connect(), dir, 'sysname', ms);
    } finally {
      await d.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  } else {
    console.log('srv-read: diod is not installed; only our numbers are shown');
  }
  const rows: Row[] = [...mine].map(([k, v]) => {
    const [op, n] = k.split('/');
    return { op, outstanding: Number(n), ours: v, diod: theirs?.get(k) };
  });
  console.log('9P small operations: our server (/dev/sysname) vs diod (a 7-byte file), 9P2000.L, TCP loopback');
  console.table(rows.map((r) => ({
    op: r.op,
    outstanding: r.outstanding,
    'ours ops/s': r.ours.opsPerSec,
    'diod ops/s': r.diod?.opsPerSec ?? '-',
    'ops ratio': r.diod ? (r.ours.opsPerSec / r.diod.opsPerSec).toFixed(2) : '-',
    'ours p50 µs': r.ours.p50us,
    'diod p50 µs': r.diod?.p50us ?? '-',
    'ours p99 µs': r.ours.p99us,
    'diod p99 µs': r.diod?.p99us ?? '-',
  })));
  const out = resultPath(import.meta.url, 'srv-read');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({ bench: 'srv-read', date: new Date().toISOString(), node: process.version, rows }, null, 2) + '\n');
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
