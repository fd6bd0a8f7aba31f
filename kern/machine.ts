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
  /** LL and offline cores per cpu / socket / NUMA node: never allocatable, so PACKED
   *  counts them as load (Akaros increfs every LL core's nodes at boot) */
  readonly cpuResv: Int32Array;
  readonly socketResv: Int32Array;
  readonly numaResv: Int32Array;
  /** cores per cpu / socket / NUMA node, and each node's first child (core, cpu, socket):
   *  a node's children are contiguous, as Akaros numbers its topology */
  readonly cpuCap: Int32Array;
  readonly socketCap: Int32Array;
  readonly numaCap: Int32Array;
  readonly cpuFirstCore: Int32Array;
  readonly socketFirstCpu: Int32Array;
  readonly numaFirstSocket: Int32Array;
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
    // cpus are numbered in core order and never straddle a socket: with `ht` a socket of
    // an odd number of cores ends with a one-thread cpu
    let ncpu = 0, inCpu = 0;
    for (let c = 0; c < n; c++) {
      this.socket[c] = Math.floor(c / perSocket);
      this.numa[c] = Math.floor(this.socket[c] * numa / sockets);
      const pair = topo.ht && inCpu === 1 && this.socket[c - 1] === this.socket[c];
      if (pair) { this.cpu[c] = ncpu - 1; inCpu = 2; } else { this.cpu[c] = ncpu++; inCpu = 1; }
    }
    const i32n = (k: number) => new Int32Array(k);
    this.cpuLoad = i32n(ncpu); this.socketLoad = i32n(sockets); this.numaLoad = i32n(numa);
    this.cpuResv = i32n(ncpu); this.socketResv = i32n(sockets); this.numaResv = i32n(numa);
    this.cpuCap = i32n(ncpu); this.socketCap = i32n(sockets); this.numaCap = i32n(numa);
    this.cpuFirstCore = i32n(ncpu).fill(-1); this.socketFirstCpu = i32n(sockets).fill(-1); this.numaFirstSocket = i32n(numa).fill(-1);
    for (let c = 0; c < n; c++) {
      const cp = this.cpu[c], so = this.socket[c], nu = this.numa[c];
      this.cpuCap[cp]++; this.socketCap[so]++; this.numaCap[nu]++;
      if (this.cpuFirstCore[cp] < 0) this.cpuFirstCore[cp] = c;
      if (this.socketFirstCpu[so] < 0) this.socketFirstCpu[so] = cp;
      if (this.numaFirstSocket[nu] < 0) this.numaFirstSocket[nu] = so;
    }
    // a node without cores has its first child where the next node's would be, so a scan
    // from it starts at the right place
    for (let s = sockets - 1; s >= 0; s--) if (this.socketFirstCpu[s] < 0) this.socketFirstCpu[s] = s + 1 < sockets ? this.socketFirstCpu[s + 1] : ncpu;
    for (let k = numa - 1; k >= 0; k--) if (this.numaFirstSocket[k] < 0) this.numaFirstSocket[k] = k + 1 < numa ? this.numaFirstSocket[k + 1] : sockets;
    for (let c = 0; c < n; c++) if (this.isLL[c]) this.reserve(c, 1);
    for (let c = 0; c < n; c++) if (!this.isLL[c]) { this.idlePushTail(c); this.unprovFree++; }
  }

  get ncpu(): number { return this.cpuCap.length; }

  /** Count c (LL or offline) as load on its cpu, socket and NUMA node, or stop (d = -1). */
  private reserve(c: number, d: number): void {
    this.cpuResv[this.cpu[c]] += d; this.socketResv[this.socket[c]] += d; this.numaResv[this.numa[c]] += d;
  }

  /** Core c goes out of (off = true) or back into service; the idle list and accounting
   *  are the caller's. */
  setOffline(c: number, off: boolean): void {
    if (!!this.offline[c] === off) return;
    this.offline[c] = off ? 1 : 0;
    this.reserve(c, off ? 1 : -1);
  }

  /** Rebuild the idle list from the free online CG cores, highest id at the head (what
   *  PACKED's boot leaves: it inserts every core at the head). */
  idleDescending(): void {
    while (this.idleHead >= 0) this.idleRemove(this.idleHead);
    for (let c = 0; c < this.n; c++) if (!this.isLL[c] && !this.offline[c] && this.alloc[c] === 0) this.idlePushHead(c);
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
