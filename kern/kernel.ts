// SPDX-License-Identifier: GPL-2.0-or-later
//
// The kernel: builds the state from a config, applies commands (the only way state
// changes: checks, then one mechanism call per op), and answers the reads. The mechanisms
// are process.ts, ksched.ts, grant.ts, preempt.ts, coreadmin.ts, events.ts, alarm.ts;
// the reads are views.ts. None of them imports this file.

import { perr, P9Error } from '../lib/9p/error.js';
import { EPERM, ESRCH, EINVAL, ERANGE, ENOENT } from '../lib/9p/errno.js';
import type { Clock } from './clock.js';
import { type KernelLog, clip, LOG_MAX, LOG_MAX_BYTES } from './log.js';
import { type Mailbox, EVQ_MAX } from './mailbox.js';
import type { Alarm, Proc, ProcView } from './proc.js';
import { KState, isPolicy, type StateConfig } from './state.js';
import { KernelError } from './errors.js';
import {
  DEFAULT_EXITCODE, PID_MAX, evType, type KernelConfig, type Policy, type MboxKind, type ProcStatus, type VcoreRow,
  type CoreRow, type CoreStatus, type SysstatRow, type WaitRecord,
} from './types.js';
import { HOST_ONLY, PER_PROC, type Command, type LimitName } from './commands.js';
import { armTick, poke } from './ksched.js';
import * as P from './process.js';
import {
  checkCore, provision, unprovision, unprovCore, provisionCount, coreOffline, coreOnline, setPolicy,
} from './coreadmin.js';
import { sendEvent, mailboxOf, parseEvFlags } from './events.js';
import { alarmCreate, alarmTimer, alarmPeriod, alarmTake, alarmClose, alarmSubscribe } from './alarm.js';
import { preemptAll, preemptCore } from './preempt.js';
import * as V from './views.js';
import { captureImage, restoreImage, type KImage } from './image.js';
import { trace, tracerOf, type Tracer } from './trace.js';
import { vcoreUp, vcoreDown, warned } from './prog/engine.js';
import { runProg, stopProg, setNoiseModel, progExited, progReaped, progResults, progVcores, coreProgTime, noiseInfo, type Row } from './prog/prog.js';
import './prog/workloads.js';

/** Fill in the defaults and refuse a config the machine cannot be built from (EINVAL). */
function normalize(cfg: KernelConfig): StateConfig {
  const n = cfg.ncores ?? 16;
  if (!Number.isInteger(n) || n < 1 || n > 65536) throw perr(EINVAL, `ncores ${n}: want 1..65536`);
  const ll = cfg.llCores ?? [0];
  if (ll.length === 0 || ll.some((c) => !Number.isInteger(c) || c < 0 || c >= n)) throw perr(EINVAL, `llCores ${ll.join(',')}: need at least one core in 0..${n - 1}`);
  const policy = cfg.policy ?? 'fcfs';
  if (!isPolicy(policy)) throw perr(EINVAL, `policy ${policy}`);
  return {
    ncores: n, llCores: ll, topology: cfg.topology ?? {}, policy, graceNs: cfg.graceNs ?? 0,
    tickNs: cfg.tickNs ?? 10_000_000, seed: cfg.seed ?? 1, hostowner: cfg.hostowner ?? 'eve',
    zombieNs: cfg.zombieNs ?? 60e9, logMax: cfg.logMax ?? LOG_MAX, logMaxBytes: cfg.logMaxBytes ?? LOG_MAX_BYTES,
    evqMax: checkLimit('evq', cfg.evqMax ?? EVQ_MAX), nprocMax: checkLimit('nproc', cfg.nprocMax ?? P.NPROC_MAX),
    journal: !!cfg.journal,
  };
}

/** A command's word list: at most 64 strings (EINVAL otherwise). */
function strings(a: unknown, what: string): string[] {
  if (a === undefined) return [];
  if (!Array.isArray(a) || a.length > 64 || a.some((x) => typeof x !== 'string')) throw perr(EINVAL, `${what}: bad arguments`);
  return a as string[];
}

/** The range of each `limit` (ERANGE outside). */
export const LIMIT_RANGE: Readonly<Record<LimitName, readonly [number, number]>> = {
  evq: [1, 1 << 20],
  nproc: [1, PID_MAX],
};

function checkLimit(name: LimitName, n: number): number {
  const [lo, hi] = LIMIT_RANGE[name];
  if (!Number.isInteger(n) || n < lo || n > hi) throw perr(ERANGE, `limit ${name} ${n}: want ${lo}..${hi}`);
  return n;
}

export class Kernel {
  /** Everything the kernel knows (tests and benchmarks look inside; devices use the reads). */
  readonly state: KState;
  /** The configuration the kernel was built from, defaults filled in. */
  readonly config: StateConfig;

  constructor(cfg: KernelConfig = {}) {
    const c = (this.config = normalize(cfg));
    const s = (this.state = new KState(c));
    s.hooks.wakeup = (p) => P.wakeup(s, p);
    s.hooks.vcoreUp = (p, v) => vcoreUp(s, p, v);
    s.hooks.vcoreDown = (p, v, c) => vcoreDown(s, p, v, c);
    s.hooks.warned = (p, v) => warned(s, p, v);
    s.hooks.exited = (p) => progExited(s, p);
    s.hooks.reaped = (p) => progReaped(s, p);
    s.alloc.boot(s.m);
    s.note('boot', `ncores=${c.ncores} ll=${s.m.ll.join(',')} policy=${s.policy} grace=${s.graceNs} tick=${s.tickNs} evq=${s.evqMax} nproc=${s.nprocMax}`);
    armTick(s);
  }

  get clock(): Clock { return this.state.clock; }
  get log(): KernelLog { return this.state.log; }
  get journal(): { t: number; cmd: Command }[] | null { return this.state.journal; }
  /** The scheduling trace (kern/trace.ts): not state, recorded only while someone reads it. */
  get trace(): Tracer { return tracerOf(this.state); }

  // ---- the entry point -----------------------------------------------------------------

  /** Apply one command. A refusal is recorded (the named process's lasterr, an `error` log
   *  record) and thrown as a KernelError. */
  apply(cmd: Command): number | undefined {
    const s = this.state;
    try {
      const r = this.dispatch(cmd);
      if (s.journal) s.journal.push({ t: s.clock.now, cmd: JSON.parse(JSON.stringify(cmd)) });
      return r;
    } catch (e) {
      if (!(e instanceof P9Error)) throw e;
      const pid = (cmd as { pid?: number }).pid;
      const p = pid !== undefined ? s.procs.get(pid) : undefined;
      const detail = clip(e.detail ?? e.text);
      if (p) p.lasterr = detail;
      s.note('error', `${cmd.op}${pid !== undefined ? ` pid=${pid}` : ''} ${e.ename} ${detail}`);
      throw e instanceof KernelError ? e : new KernelError(e);
    }
  }

  private dispatch(c: Command): number | undefined {
    const s = this.state;
    const isHost = c.user === s.hostowner;
    if (HOST_ONLY.has(c.op) && !isHost) throw perr(EPERM, `${c.op}: ${c.user} is not the host owner`);
    let p: Proc | undefined;
    if (PER_PROC.has(c.op)) p = this.target((c as { pid: number }).pid, c.user, c.op, c.op === 'reap');
    switch (c.op) {
      case 'create-mcp': return P.create(s, c.user, c.name, 0, true);
      case 'create-scp': {
        if (c.ppid !== undefined && c.ppid !== 0 && !this.live(c.ppid)) throw perr(ESRCH, `create ppid ${c.ppid}: no such process`);
        return P.create(s, c.user, c.name, c.ppid ?? 0, false);
      }
      case 'run': P.run(s, p!); return;
      case 'change-to-m': P.changeToM(s, p!); return;
      case 'kill': {
        const code = c.code ?? DEFAULT_EXITCODE;
        if (!Number.isInteger(code)) throw perr(EINVAL, `kill ${code}: bad exit code`);
        P.destroy(s, p!, code, 'killed');
        return;
      }
      case 'name': P.rename(p!, c.name); trace(s, 'name', p!.pid, c.name); return;
      case 'cores': {
        P.checkCount(s, 'cores', c.n);
        provisionCount(s, p!, c.n);
        P.want(s, p!, c.n);
        return;
      }
      case 'want': P.want(s, p!, c.n); return;
      case 'prov': provision(s, p!, c.cores, !!c.force, isHost); return;
      case 'unprov': unprovision(s, p!, c.cores); return;
      case 'yield': P.yieldVcore(s, p!, c.vcore, !!c.nice); return;
      case 'notify': {
        const t = evType(c.type);
        if (t < 0) throw perr(EINVAL, `notify ${c.type}: unknown event type`);
        const a = c.args ?? [];
        if (a.length > 4 || a.some((x) => !Number.isFinite(x))) throw perr(EINVAL, `notify ${c.type} ${a.join(' ')}: at most 4 numeric args`);
        s.note('notify', `pid=${p!.pid} type=${t}`);
        sendEvent(s, p!, t, 0, a);
        return;
      }
      case 'ev': {
        const t = evType(c.type);
        if (t < 0) throw perr(EINVAL, `ev ${c.type}: unknown event type`);
        if (!['ucq', 'bitmap', 'ceq', 'off'].includes(c.mbox)) throw perr(EINVAL, `ev ${c.type} ${c.mbox}: mailbox is ucq, bitmap, ceq or off`);
        const f = parseEvFlags(c.flags);
        if (f < 0) throw perr(EINVAL, `ev ${c.type} ${c.mbox} ${[c.flags].flat().join(',')}: unknown flag`);
        const vc = c.vcore ?? 0;
        if (!Number.isInteger(vc) || vc < 0 || vc >= Math.max(1, s.maxVcores)) throw perr(EINVAL, `ev ${c.type}: vcore ${vc} outside 0..${s.maxVcores - 1}`);
        if (!p!.evq) p!.evq = new Map();
        p!.evq.set(t, { kind: c.mbox as MboxKind, flags: f, vcore: vc, alert: false });
        return;
      }
      case 'reap': P.reap(s, p!); return;
      case 'poke': poke(s); return;
      case 'core-offline': coreOffline(s, checkCore(s, c.core, 'offline')); return;
      case 'core-online': coreOnline(s, checkCore(s, c.core, 'online')); return;
      case 'core-prov': provision(s, this.target(c.pid, c.user, 'prov', false), [c.core], true, true); return;
      case 'core-unprov': unprovCore(s, checkCore(s, c.core, 'unprov')); return;
      case 'policy': setPolicy(s, c.policy); return;
      case 'grace': {
        if (!Number.isInteger(c.ns) || c.ns < 0) throw perr(ERANGE, `grace ${c.ns}: want a duration >= 0`);
        s.graceNs = c.ns;
        s.note('grace', `${c.ns}`);
        trace(s, 'grace', c.ns);
        return;
      }
      case 'tick': {
        if (!Number.isInteger(c.ns) || c.ns < 1000) throw perr(ERANGE, `tick ${c.ns}: want >= 1us`);
        s.tickNs = c.ns;
        s.clock.cancel(s.tickHandle);
        armTick(s);
        s.note('tick', `${c.ns}`);
        trace(s, 'tick', c.ns);
        return;
      }
      case 'preempt': {
        if (c.vcore === undefined) { preemptAll(s, p!); return; }
        const v = Number.isInteger(c.vcore) ? p!.vc.vcs[c.vcore] : undefined;
        if (!v || v.pcore < 0) throw perr(EINVAL, `preempt ${c.vcore}: vcore ${c.vcore} of ${p!.pid} is not online`);
        preemptCore(s, p!, v.pcore);
        return;
      }
      case 'core-preempt': {
        const core = checkCore(s, c.core, 'preempt');
        const owner = s.m.isLL[core] ? undefined : s.procs.get(s.m.alloc[core]);
        if (!owner) throw perr(EINVAL, `preempt: pcore ${core} runs no MCP vcore`);
        preemptCore(s, owner, core);
        return;
      }
      case 'change': P.changeVcore(s, p!, c.vcore, c.to, !!c.notif); return;
      case 'notif': P.setNotifs(s, p!, c.vcore, !!c.on); return;
      case 'request': P.request(s, p!, c.n, !!c.more); return;
      case 'vcyield': P.vcoreYield(s, p!, c.vcore, !!c.nice); return;
      case 'alarm-create': return alarmCreate(p!);
      case 'alarm-timer': {
        const a = this.alarmOf(p!, c.id);
        if (!Number.isSafeInteger(c.at) || c.at < 0) throw perr(ERANGE, `alarm ${c.id}: timer ${c.at}`);
        alarmTimer(s, p!, a, c.at);
        return;
      }
      case 'alarm-period': {
        const a = this.alarmOf(p!, c.id);
        if (!Number.isSafeInteger(c.period) || c.period < 0) throw perr(ERANGE, `alarm ${c.id}: period ${c.period}`);
        alarmPeriod(a, c.period);
        return;
      }
      case 'alarm-take': return alarmTake(this.alarmOf(p!, c.id));
      case 'alarm-close': alarmClose(s, p!, this.alarmOf(p!, c.id)); return;
      case 'step': {
        const t0 = s.clock.now, max = c.maxEvents ?? Infinity;
        if (!(c.ns >= 0) || !Number.isSafeInteger(t0 + c.ns)) throw perr(ERANGE, `step ${c.ns}`);
        if (!(max >= 1)) throw perr(ERANGE, `step ${c.ns}: maxEvents ${max}`);
        s.clock.runUntil(t0 + c.ns, max);
        return s.clock.now - t0;
      }
      case 'seed': s.rng.seed(c.n); return;
      case 'limit': {
        if (!Object.hasOwn(LIMIT_RANGE, c.name)) throw perr(EINVAL, `limit ${c.name}: no such limit (evq, nproc)`);
        const n = checkLimit(c.name, c.n);
        if (c.name === 'evq') s.evqMax = n; else s.nprocMax = n;
        s.note('limit', `${c.name} ${n}`);
        return;
      }
      case 'prog-run': runProg(s, p!, String(c.workload), strings(c.args, 'run')); return;
      case 'prog-stop': stopProg(s, p!); return;
      case 'noise': setNoiseModel(s, String(c.model), strings(c.args, 'noise')); return;
      default: throw perr(EINVAL, `unknown op ${(c as { op: string }).op}`);
    }
  }

  /** The process a per-process command acts on: listed, alive unless allowDead, and the
   *  user's own (or the user is the host owner). */
  private target(pid: number, user: string, op: string, allowDead: boolean): Proc {
    const s = this.state;
    const p = s.procs.get(pid);
    if (!p || (p.dead && !allowDead)) throw perr(ESRCH, `${op} ${pid}: no such process`);
    if (user !== p.user && user !== s.hostowner) throw perr(EPERM, `${op} ${pid}: ${user} is not the owner (${p.user})`);
    return p;
  }

  private alarmOf(p: Proc, id: number): Alarm {
    const a = Number.isInteger(id) ? p.alarms?.list.get(id) : undefined;
    if (!a) throw perr(ENOENT, `alarm ${id}: no such alarm of ${p.pid}`);
    return a;
  }

  /** A program's results (kern/prog/prog.ts; undefined: it never ran one). ESRCH. */
  progResults(pid: number): Row[] | undefined { this.mustHave(pid); return progResults(this.state, pid); }
  /** A program's per-vcore accounting: [vcore, pcore, useful, spin, overhead, noise] (ns). ESRCH. */
  progVcores(pid: number): number[][] { this.mustHave(pid); return progVcores(this.state, pid); }
  /** Program time on a core (ns). */
  coreProgTime(c: number): { useful: number; spin: number; overhead: number; noise: number } { return coreProgTime(this.state, c); }
  /** The noise model and its parameters. */
  noiseInfo(): Row[] { return noiseInfo(this.state); }
  progRun(user: string, pid: number, workload: string, args?: string[]): void { this.apply({ op: 'prog-run', user, pid, workload, args }); }
  progStop(user: string, pid: number): void { this.apply({ op: 'prog-stop', user, pid }); }
  setNoise(user: string, model: string, args?: string[]): void { this.apply({ op: 'noise', user, model, args }); }

  private mustHave(pid: number): void { if (!this.state.procs.has(pid)) throw perr(ESRCH, `${pid}: no such process`); }

  private live(pid: number): boolean { const p = this.state.procs.get(pid); return !!p && !p.dead; }

  // ---- typed wrappers ------------------------------------------------------------------

  createMcp(user: string, name?: string): number { return this.apply({ op: 'create-mcp', user, name })!; }
  createScp(user: string, name?: string, ppid?: number): number { return this.apply({ op: 'create-scp', user, name, ppid })!; }
  run(user: string, pid: number): void { this.apply({ op: 'run', user, pid }); }
  changeToM(user: string, pid: number): void { this.apply({ op: 'change-to-m', user, pid }); }
  kill(user: string, pid: number, code?: number): void { this.apply({ op: 'kill', user, pid, code }); }
  setName(user: string, pid: number, name: string): void { this.apply({ op: 'name', user, pid, name }); }
  cores(user: string, pid: number, n: number): void { this.apply({ op: 'cores', user, pid, n }); }
  want(user: string, pid: number, n: number): void { this.apply({ op: 'want', user, pid, n }); }
  prov(user: string, pid: number, cores: number[], force?: boolean): void { this.apply({ op: 'prov', user, pid, cores, force }); }
  unprov(user: string, pid: number, cores: number[] | 'all'): void { this.apply({ op: 'unprov', user, pid, cores }); }
  yield(user: string, pid: number, vcore: number, nice?: boolean): void { this.apply({ op: 'yield', user, pid, vcore, nice }); }
  notify(user: string, pid: number, type: string | number, args?: number[]): void { this.apply({ op: 'notify', user, pid, type, args }); }
  ev(user: string, pid: number, type: string | number, mbox: MboxKind, flags?: string[] | string, vcore?: number): void { this.apply({ op: 'ev', user, pid, type, mbox, flags, vcore }); }
  reap(user: string, pid: number): void { this.apply({ op: 'reap', user, pid }); }
  pokeKsched(user: string): void { this.apply({ op: 'poke', user }); }
  coreOffline(user: string, core: number): void { this.apply({ op: 'core-offline', user, core }); }
  coreOnline(user: string, core: number): void { this.apply({ op: 'core-online', user, core }); }
  coreProv(user: string, core: number, pid: number): void { this.apply({ op: 'core-prov', user, core, pid }); }
  coreUnprov(user: string, core: number): void { this.apply({ op: 'core-unprov', user, core }); }
  setPolicy(user: string, policy: Policy): void { this.apply({ op: 'policy', user, policy }); }
  setGrace(user: string, ns: number): void { this.apply({ op: 'grace', user, ns }); }
  setTick(user: string, ns: number): void { this.apply({ op: 'tick', user, ns }); }
  preempt(user: string, pid: number, vcore?: number): void { this.apply({ op: 'preempt', user, pid, vcore }); }
  corePreempt(user: string, core: number): void { this.apply({ op: 'core-preempt', user, core }); }
  changeVcore(user: string, pid: number, vcore: number, to: number, notif?: boolean): void { this.apply({ op: 'change', user, pid, vcore, to, notif }); }
  notifs(user: string, pid: number, vcore: number, on: boolean): void { this.apply({ op: 'notif', user, pid, vcore, on }); }
  request(user: string, pid: number, n: number, more?: boolean): void { this.apply({ op: 'request', user, pid, n, more }); }
  vcoreYield(user: string, pid: number, vcore: number, nice?: boolean): void { this.apply({ op: 'vcyield', user, pid, vcore, nice }); }
  alarmCreate(user: string, pid: number): number { return this.apply({ op: 'alarm-create', user, pid })!; }
  alarmTimer(user: string, pid: number, id: number, at: number): void { this.apply({ op: 'alarm-timer', user, pid, id, at }); }
  alarmPeriod(user: string, pid: number, id: number, period: number): void { this.apply({ op: 'alarm-period', user, pid, id, period }); }
  alarmTake(user: string, pid: number, id: number): number { return this.apply({ op: 'alarm-take', user, pid, id })!; }
  alarmClose(user: string, pid: number, id: number): void { this.apply({ op: 'alarm-close', user, pid, id }); }
  /** Returns the virtual ns advanced: all of ns unless maxEvents stopped it earlier. */
  step(user: string, ns: number, maxEvents?: number): number { return this.apply({ op: 'step', user, ns, maxEvents })!; }
  seed(user: string, n: number): void { this.apply({ op: 'seed', user, n }); }
  setLimit(user: string, name: LimitName, n: number): void { this.apply({ op: 'limit', user, name, n }); }

  /** Devices record their own parse errors here (lasterr + an error log record). */
  setLasterr(pid: number, detail: string): void {
    const p = this.state.procs.get(pid);
    const d = clip(detail);
    if (p) p.lasterr = d;
    this.state.note('error', `pid=${pid} ${d}`);
  }

  // ---- reads ---------------------------------------------------------------------------

  now(): number { return this.state.clock.now; }
  rand(): number { return this.state.rng.next(); }
  timeInfo(): V.TimeInfo { return V.timeInfo(this.state); }
  machine(): V.MachineInfo { return V.machineInfo(this.state); }
  /** The bounds `limit` sets: UCQ messages per process, processes per user. */
  limits(): Record<LimitName, number> { return { evq: this.state.evqMax, nproc: this.state.nprocMax }; }
  pids(): number[] { return V.pids(this.state); }
  mcpPids(): number[] { return this.pids().filter((x) => this.state.procs.get(x)!.isMcp); }
  has(pid: number): boolean { return this.state.procs.has(pid); }
  /** The listed process pid (alive or dead-not-reaped), read-only; undefined otherwise.
   *  The same object for the process's whole life, a new one if the pid is handed out again. */
  proc(pid: number): ProcView | undefined { return this.state.procs.get(pid); }
  procInfo(pid: number): V.ProcInfo { return V.procInfo(this.state, pid); }
  status(pid: number): ProcStatus { return V.status(this.state, pid); }
  granted(pid: number): number[] { return V.granted(this.state, pid); }
  provList(pid: number): number[] { return V.provList(this.state, pid); }
  vcoreRows(pid: number): VcoreRow[] { return V.vcoreRows(this.state, pid); }
  procStat(pid: number): Record<string, number> { return V.procStat(this.state, pid); }
  coreRows(): CoreRow[] { return V.coreRows(this.state); }
  idleList(): number[] { return this.state.m.idleList(); }
  coreStatus(c: number): CoreStatus { return V.coreStatus(this.state, c); }
  sysstat(): SysstatRow[] { return V.sysstat(this.state); }
  mailbox(pid: number): Mailbox { return mailboxOf(V.procOf(this.state, pid)); }
  waitRecord(pid: number): WaitRecord | undefined { return P.waitRecord(this.state, pid); }
  onExit(pid: number, fn: (r: WaitRecord) => void): () => void { return P.onExit(this.state, pid, fn); }
  alarms(pid: number): V.AlarmRow[] { return V.alarmRows(this.state, pid); }
  /** Alarm id of pid, or undefined (also for a missing pid). */
  alarm(pid: number, id: number): V.AlarmRow | undefined { return V.alarmRow(this.state, pid, id); }
  /** fn runs after each firing of the alarm and when it goes away (ENOENT: no such alarm). */
  onAlarm(pid: number, id: number, fn: () => void): () => void {
    const a = this.state.procs.get(pid)?.alarms?.list.get(id);
    if (!a) throw perr(ENOENT, `alarm ${id} of ${pid}: no such alarm`);
    return alarmSubscribe(a, fn);
  }
  /** The registration of each event type of pid (ESRCH): `ev` and the parlib defaults. */
  evqs(pid: number): V.EvqRow[] { return V.evqRows(this.state, pid); }
  snapshot(): Record<string, unknown> { return V.snapshot(this.state); }

  // ---- images (durable snapshots) --------------------------------------------------------

  /** A complete plain-data copy of the state (kern/image.ts), nothing shared with it. */
  image(): KImage { return captureImage(this.state); }

  /** Become the state `img` holds, in place (a kernel built from the same config): the
   *  clock, the log, and every process that exists in both keep their objects. */
  restore(img: KImage): void { restoreImage(this.state, img); }

  /** A kernel built from `config` and restored from `img`. */
  static fromImage(config: KernelConfig, img: KImage): Kernel {
    const k = new Kernel(config);
    k.restore(img);
    return k;
  }
}
