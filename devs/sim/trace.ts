// SPDX-License-Identifier: GPL-2.0-or-later
//
// /sim/trace: the kernel's scheduling trace (kern/trace.ts) as a blocking record stream,
// one record per line (format in sim.md). Every open is a reader of its own: it starts
// with a description of the machine as it is at the open (so a reader that comes late
// can still draw who holds what), then follows the kernel's ring with its own cursor. A
// reader that falls more than the ring behind is told `lost n=N` (exactly the records it
// missed) and goes on from the oldest record still held; the kernel never waits for it.

import { quote } from '../../lib/iplib/tokenize.js';
import { type Kernel, type TraceRecord, type Tracer } from '../../kern/index.js';
import { BlockingReader, type RecordSource } from '../lib/blocking.js';
import { streamFile } from '../lib/stream.js';
import type { OpenFile } from '../types.js';
import type { KCtx } from '../kernel/ctx.js';

const SKIP = new Set(['seq', 't', 'kind']);

/** `T KIND key=value...` (no newline); a value with blanks or quotes is quoted as tokenize(2) reads it. */
export function formatTrace(r: TraceRecord): string {
  let s = `${r.t} ${r.kind}`;
  for (const k in r) if (!SKIP.has(k)) s += ` ${k}=${fmtValue(r[k])}`;
  return s;
}

function fmtValue(v: number | string): string {
  return typeof v === 'number' ? String(v) : quote(v);
}

function line(t: number, kind: string, fields: [string, number | string][]): string {
  return `${t} ${kind}${fields.map(([k, v]) => ` ${k}=${fmtValue(v)}`).join('')}`;
}

/**
 * The machine as it is now, as trace lines: `machine`, then a `proc` per listed process,
 * `offline`, `prov`, `hold` (a core and the vcore on it) and `warn` (a pending warning)
 * records, and `sync` (what follows is live). A pending warning's `for` (the pid the core
 * is being taken back for) is not in the kernel's reads: 0 here.
 */
export function traceSnapshot(k: Kernel): string[] {
  const t = k.now(), m = k.machine(), out: string[] = [];
  out.push(line(t, 'machine', [['ncores', m.ncores], ['ll', m.ll.join(',')], ['policy', m.policy],
    ['grace', m.graceNs], ['tick', m.tickNs]]));
  for (const pid of k.pids()) {
    const i = k.procInfo(pid), st = k.status(pid);
    out.push(line(t, 'proc', [['pid', pid], ['user', i.user], ['mcp', i.isMcp ? 1 : 0], ['name', i.name],
      ['state', i.state], ['wanted', st.wanted]]));
  }
  const rows = k.coreRows();
  for (const r of rows) if (r.state === 'offline') out.push(line(t, 'offline', [['pcore', r.core]]));
  for (const r of rows) if (r.prov) out.push(line(t, 'prov', [['pid', r.prov], ['pcore', r.core]]));
  for (const r of rows) if (r.alloc) out.push(line(t, 'hold', [['pid', r.alloc], ['vcore', Math.max(0, r.vcore)], ['pcore', r.core]]));
  for (const pid of k.mcpPids()) {
    for (const v of k.vcoreRows(pid)) {
      if (v.state === 'online' && v.preempt_deadline > 0) {
        out.push(line(t, 'warn', [['pid', pid], ['vcore', v.vcore], ['pcore', v.pcore], ['for', 0], ['deadline', v.preempt_deadline]]));
      }
    }
  }
  out.push(`${t} sync`);
  return out;
}

class TraceSource implements RecordSource {
  private readonly pre: string[];
  private preAt = 0;
  private cursor: number;
  private open = true;

  constructor(private readonly tr: Tracer, k: Kernel) {
    tr.open();
    this.cursor = tr.next;
    this.pre = traceSnapshot(k);
  }

  ready(): boolean {
    return this.preAt < this.pre.length || this.cursor < this.tr.next;
  }

  take(): Buffer | undefined {
    if (this.preAt < this.pre.length) return Buffer.from(`${this.pre[this.preAt++]}\n`);
    const tr = this.tr;
    if (this.cursor >= tr.next) return undefined;
    if (this.cursor < tr.oldest) {
      const n = tr.oldest - this.cursor;
      this.cursor = tr.oldest;
      return Buffer.from(`${tr.at(this.cursor)!.t} lost n=${n}\n`);
    }
    return Buffer.from(`${formatTrace(tr.at(this.cursor++)!)}\n`);
  }

  atEof(): boolean {
    return false;
  }

  subscribe(fn: () => void): () => void {
    return this.tr.subscribe(fn);
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    this.tr.close();
  }
}

/** An open of /sim/trace: its own reader, recording kept while it is open. */
export function traceOpen(ctx: KCtx): OpenFile {
  ctx.sync();
  return streamFile(new BlockingReader(new TraceSource(ctx.k.trace, ctx.k)));
}
