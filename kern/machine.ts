// SPDX-License-Identifier: GPL-2.0-or-later
//
// The pcores: per-core state in typed arrays (so 4096 cores cost a few pages), the
// topology used by PACKED and /core/N/status, the idle list as an intrusive doubly linked
// list (O(1) take, put at head or tail, remove), and per-core accounting.

import type { Topology } from './types.js';

export class Machine {
  readonly n: number;
  readonly isLL: Uint8Array;
  readonly ll: number[];
  readonly offline: Uint8Array;
  /** pid the core is allocated to (MCP vcore, or the SCP on an LL core); 0 = none */
  readonly alloc: Int32Array;
  /** vcore id mapped on the core (pcoremap), -1 = none */
  readonly vcore: Int32Array;
  /** pid the core is provisioned to; 0 = none */
  readonly prov: Int32Array;
  readonly pPrev: Int32Array;
  readonly pNext: Int32Array;
  // idle list
  readonly iPrev: Int32Array;
  readonly iNext: Int32Array;
  readonly inIdle: Uint8Array;
  idleHead = -1;
  idleTail = -1;
  idleCount = 0;
  /** pending warning: the pid the core is being taken for (0 none) and its clock handle */
  readonly warnFor: Int32Array;
  readonly warnHandle: Float64Array;
  // topology
  readonly socket: Int32Array;
  readonly numa: Int32Array;
  readonly cpu: Int32Array;
  /** allocated CG cores per cpu / socket / NUMA node (kept by the PACKED allocator only) */
  readonly cpuLoad: Int32Array;
  readonly socketLoad: Int32Array;
  readonly numaLoad: Int32Array;
  // accounting
  readonly since: Float64Array;
  readonly idleNs: Float64Array;
  readonly userNs: Float64Array;
  readonly grants: Float64Array;
  readonly preempts: Float64Array;
  readonly warned: Float64Array;
  readonly yieldedInTime: Float64Array;
  readonly forced: Float64Array;
  /** online CG cores provisioned to nobody */
  unprovFree = 0;

  constructor(n: number, ll: number[], topo: Topology = {}) {
    this.n = n;
    const i32 = () => new Int32Array(n), f64 = () => new Float64Array(n);
    this.isLL = new Uint8Array(n); this.offline = new Uint8Array(n); this.inIdle = new Uint8Array(n);
    this.alloc = i32(); this.vcore = i32().fill(-1); this.prov = i32();
    this.pPrev = i32().fill(-1); this.pNext = i32().fill(-1);
    this.iPrev = i32().fill(-1); this.iNext = i32().fill(-1);
    this.warnFor = i32(); this.warnHandle = f64().fill(-1);
    this.socket = i32(); this.numa = i32(); this.cpu = i32();
    this.since = f64(); this.idleNs = f64(); this.userNs = f64(); this.grants = f64();
    this.preempts = f64(); this.warned = f64(); this.yieldedInTime = f64(); this.forced = f64();
    this.ll = [...new Set(ll)].sort((a, b) => a - b);
    for (const c of this.ll) this.isLL[c] = 1;
    const sockets = Math.max(1, Math.min(topo.sockets ?? 1, n));
    const numa = Math.max(1, Math.min(topo.numa ?? 1, sockets));
    const perSocket = Math.ceil(n / sockets);
    for (let c = 0; c < n; c++) {
      this.socket[c] = Math.floor(c / perSocket);
      this.numa[c] = Math.floor(this.socket[c] * numa / sockets);
      this.cpu[c] = topo.ht ? c >> 1 : c;
    }
    this.cpuLoad = new Int32Array(n); this.socketLoad = new Int32Array(sockets); this.numaLoad = new Int32Array(numa);
    for (let c = 0; c < n; c++) if (!this.isLL[c]) { this.idlePushTail(c); this.unprovFree++; }
  }

  get ncg(): number { return this.n - this.ll.length; }

  idlePushTail(c: number): void {
    this.iNext[c] = -1; this.iPrev[c] = this.idleTail;
    if (this.idleTail >= 0) this.iNext[this.idleTail] = c; else this.idleHead = c;
    this.idleTail = c; this.inIdle[c] = 1; this.idleCount++;
  }

  idlePushHead(c: number): void {
    this.iPrev[c] = -1; this.iNext[c] = this.idleHead;
    if (this.idleHead >= 0) this.iPrev[this.idleHead] = c; else this.idleTail = c;
    this.idleHead = c; this.inIdle[c] = 1; this.idleCount++;
  }

  idleRemove(c: number): void {
    if (!this.inIdle[c]) return;
    const p = this.iPrev[c], x = this.iNext[c];
    if (p >= 0) this.iNext[p] = x; else this.idleHead = x;
    if (x >= 0) this.iPrev[x] = p; else this.idleTail = p;
    this.iPrev[c] = this.iNext[c] = -1; this.inIdle[c] = 0; this.idleCount--;
  }

  idleList(): number[] {
    const out: number[] = [];
    for (let c = this.idleHead; c >= 0; c = this.iNext[c]) out.push(c);
    return out;
  }

  /** Core c stops running anything: close its accounting interval and clear its owner and
   *  vcore. Allocator bookkeeping and the idle list are the caller's. */
  release(c: number, now: number): void {
    this.account(c, now);
    this.alloc[c] = 0;
    this.vcore[c] = -1;
  }

  /** Close the accounting interval of core c at time now (before its state changes). */
  account(c: number, now: number): void {
    const d = now - this.since[c];
    if (d > 0 && !this.offline[c]) { if (this.alloc[c]) this.userNs[c] += d; else this.idleNs[c] += d; }
    this.since[c] = now;
  }

  distance(a: number, b: number): number {
    if (this.cpu[a] === this.cpu[b]) return 1;
    if (this.socket[a] === this.socket[b]) return 2;
    if (this.numa[a] === this.numa[b]) return 3;
    return 4;
  }
}
