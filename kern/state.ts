// SPDX-License-Identifier: GPL-2.0-or-later
//
// The kernel state: everything the mechanisms read and change, in one object they are
// handed (never the Kernel). Plain data in plain fields (typed arrays, Maps, Proc objects)
// so that a snapshot can walk it; the behaviour lives in the mechanism files.
//
// Two fields are not state and a snapshot skips them: `exitSubs` (devices' listeners)
// and `hooks` (calls a low mechanism must make upward without importing the module that
// implements them: events.ts wakes a process, and waking pokes the ksched, whose pass
// sends events).

import { Clock } from './clock.js';
import { KernelLog } from './log.js';
import { Rand } from './rand.js';
import { Machine } from './machine.js';
import { PidAllocator, type Proc } from './proc.js';
import { NeedyQueue } from './needy.js';
import type { CoreAllocator } from './corealloc.js';
import { fcfs } from './alloc-fcfs.js';
import { packed } from './alloc-packed.js';
import type { Command } from './commands.js';
import type { Policy, Topology, WaitRecord } from './types.js';
import type { Vcore } from './vcore.js';
import { newProgWorld, type ProgWorld } from './prog/types.js';

export const ALLOCATORS: Readonly<Record<Policy, CoreAllocator>> = { fcfs, packed };

export function isPolicy(x: unknown): x is Policy {
  return typeof x === 'string' && Object.hasOwn(ALLOCATORS, x);
}

/** A validated, complete configuration (Kernel's constructor fills in the defaults). */
export interface StateConfig {
  ncores: number;
  llCores: number[];
  topology: Topology;
  policy: Policy;
  graceNs: number;
  tickNs: number;
  seed: number;
  hostowner: string;
  zombieNs: number;
  logMax: number;
  logMaxBytes: number;
  evqMax: number;
  nprocMax: number;
  journal: boolean;
}

export interface KHooks {
  /** proc_wakeup (process.ts), wired by the Kernel. */
  wakeup(p: Proc): void;
  /** the programs' 2LS (prog/engine.ts): a vcore was mapped / is being unmapped from pcore
   *  c / was warned with a grace period; a process died / was reaped */
  vcoreUp(p: Proc, v: Vcore): void;
  vcoreDown(p: Proc, v: Vcore, c: number): void;
  warned(p: Proc, v: Vcore): void;
  exited(p: Proc): void;
  reaped(p: Proc): void;
}

/** Hooks before the Kernel wires them: wakeup must be wired, the programs' may stay no-ops. */
export function unwiredHooks(): KHooks {
  const none = (): void => {};
  return { wakeup: () => { throw new Error('kernel state: hooks not wired'); }, vcoreUp: none, vcoreDown: none, warned: none, exited: none, reaped: none };
}

export class KState {
  readonly m: Machine;
  readonly clock = new Clock();
  readonly log: KernelLog;
  readonly procs = new Map<number, Proc>();
  readonly needy = new NeedyQueue();
  /** RUNNABLE_S processes in round-robin order */
  runnableScps: number[] = [];
  readonly maxVcores: number;
  policy: Policy;
  graceNs: number;
  tickNs: number;
  readonly hostowner: string;
  readonly zombieNs: number;
  /** per-process UCQ bound (mailbox.ts) and per-user process bound (process.ts) */
  evqMax: number;
  nprocMax: number;
  /** listed processes (alive or not yet reaped) per user */
  readonly userProcs = new Map<string, number>();
  mcpSeqNext = 1;
  evSeq = 1;
  passes = 0;
  ticks = 0;
  tickHandle = -1;
  readonly pidAlloc = new PidAllocator();
  readonly rng: Rand;
  /** wait records of the last exits, oldest first (process.ts bounds it) */
  readonly waits = new Map<number, WaitRecord>();
  /** a ksched pass is running; a poke meanwhile sets repoke */
  inPass = false;
  repoke = false;
  /** `{t, cmd}` of every successful command when the config asks for it */
  journal: { t: number; cmd: Command }[] | null;
  readonly exitSubs = new Map<number, Set<(r: WaitRecord) => void>>();
  readonly hooks: KHooks = unwiredHooks();
  /** the programs the MCPs run, the noise model, per-core program time (kern/prog/) */
  readonly progs: ProgWorld;

  constructor(cfg: StateConfig) {
    this.m = new Machine(cfg.ncores, cfg.llCores, cfg.topology);
    this.maxVcores = this.m.ncg;
    this.policy = cfg.policy;
    this.graceNs = cfg.graceNs;
    this.tickNs = cfg.tickNs;
    this.hostowner = cfg.hostowner;
    this.zombieNs = cfg.zombieNs;
    this.evqMax = cfg.evqMax;
    this.nprocMax = cfg.nprocMax;
    this.log = new KernelLog(cfg.logMax, cfg.logMaxBytes);
    this.rng = new Rand(cfg.seed);
    this.journal = cfg.journal ? [] : null;
    this.progs = newProgWorld(cfg.ncores, cfg.seed);
  }

  /** The allocator of the current policy. */
  get alloc(): CoreAllocator { return ALLOCATORS[this.policy]; }

  /** Append a decision to the kernel log at the current virtual time. */
  note(kind: string, text: string): void { this.log.add(this.clock.now, kind, text); }
}
