// SPDX-License-Identifier: GPL-2.0-or-later
//
// The kernel: owns the machine, the clock, the processes and the log; applies commands
// (the only way state changes) and answers the reads the devices format. The mechanisms
// live in the neighbouring files; this file is dispatch, checks and views.

import { perr, P9Error } from '../lib/9p/error.js';
import { EPERM, ESRCH, EINVAL, ERANGE, ENOSPC, EBUSY, ENXIO, EAGAIN, ENOENT } from '../lib/9p/errno.js';
import { Clock } from './clock.js';
import { KernelLog } from './log.js';
import { Rand } from './rand.js';
import { Machine } from './machine.js';
import { Proc, PidAllocator } from './proc.js';
import { L_ONLINE, L_BULK } from './vcore.js';
import {
  CREATED, RUNNABLE_S, RUNNING_S, WAITING, DYING, DYING_ABORT, RUNNABLE_M, RUNNING_M,
  STATE_NAMES, PROGNAME_MAX, DEFAULT_EXITCODE, SIGCHLD, EV_POSIX_SIGNAL, evType,
  type KernelConfig, type Policy, type MboxKind, type ProcStatus, type VcoreRow, type CoreRow,
  type CoreStatus, type SysstatRow, type WaitRecord,
} from './types.js';
import { HOST_ONLY, PER_PROC, type Command } from './commands.js';
import { NeedyQueue, markNeedy, mcpPass, trackDealloc, placeFree, unmapVcore, scheduleScp,
  scpCoreFreed, tick, scpCore } from './ksched.js';
import { provAttach, provDetach, provCores, planCores } from './prov.js';
import { revokeCore, withdraw } from './preempt.js';
import { sendEvent, mailboxOf, parseEvFlags } from './events.js';
import type { Mailbox } from './mailbox.js';
import { alarmCreate, alarmSet, alarmCancelAll } from './alarm.js';
import { topoAdd } from './alloc-packed.js';

const WAIT_KEEP = 4096;

export class Kernel {
  readonly m: Machine;
  readonly clock = new Clock();
  readonly log: KernelLog;
  readonly procs = new Map<number, Proc>();
  readonly needy = new NeedyQueue();
  runnableScps: number[] = [];
  readonly maxVcores: number;
  policy: Policy;
  graceNs: number;
  tickNs: number;
  readonly hostowner: string;
  readonly zombieNs: number;
  mcpSeqNext = 1;
  evSeq = 1;
  passes = 0;
  ticks = 0;
  tickHandle = -1;
  journal: { t: number; cmd: Command }[] | null;
  private readonly pidAlloc = new PidAllocator();
  private readonly rng: Rand;
  private readonly waits = new Map<number, WaitRecord>();
  private readonly exitSubs = new Map<number, Set<(r: WaitRecord) => void>>();
  private inPass = false;
  private repoke = false;

  constructor(cfg: KernelConfig = {}) {
    const n = cfg.ncores ?? 16;
    if (!Number.isInteger(n) || n < 1 || n > 65536) throw perr(EINVAL, `ncores ${n}: want 1..65536`);
    const ll = cfg.llCores ?? [0];
    if (ll.length === 0 || ll.some((c) => !Number.isInteger(c) || c < 0 || c >= n)) throw perr(EINVAL, `llCores ${ll.join(',')}: need at least one core in 0..${n - 1}`);
    this.m = new Machine(n, ll, cfg.topology);
    this.maxVcores = this.m.ncg;
    this.policy = cfg.policy ?? 'fcfs';
    if (this.policy !== 'fcfs' && this.policy !== 'packed') throw perr(EINVAL, `policy ${this.policy}`);
    this.graceNs = cfg.graceNs ?? 0;
    this.tickNs = cfg.tickNs ?? 10_000_000;
    this.hostowner = cfg.hostowner ?? 'eve';
    this.zombieNs = cfg.zombieNs ?? 60e9;
    this.log = new KernelLog(cfg.logMax ?? 65536);
    this.rng = new Rand(cfg.seed ?? 1);
    this.journal = cfg.journal ? [] : null;
    this.log.add(0, 'boot', `ncores=${n} ll=${this.m.ll.join(',')} policy=${this.policy} grace=${this.graceNs} tick=${this.tickNs}`);
    this.tickHandle = this.clock.schedule(this.tickNs, () => tick(this), 'tick');
  }

  // ---- the entry point -----------------------------------------------------------------

  apply(cmd: Command): number | undefined {
    try {
      const r = this.dispatch(cmd);
      if (this.journal) this.journal.push({ t: this.clock.now, cmd: JSON.parse(JSON.stringify(cmd)) });
      return r;
    } catch (e) {
      if (e instanceof P9Error) {
        const pid = (cmd as { pid?: number }).pid;
        const p = pid !== undefined ? this.procs.get(pid) : undefined;
        const detail = e.detail ?? e.text;
        if (p) p.lasterr = detail;
        this.log.add(this.clock.now, 'error', `${cmd.op}${pid !== undefined ? ` pid=${pid}` : ''} ${e.ename} ${detail}`);
      }
      throw e;
    }
  }

  private dispatch(c: Command): number | undefined {
    const isHost = c.user === this.hostowner;
    if (HOST_ONLY.has(c.op) && !isHost) throw perr(EPERM, `${c.op}: ${c.user} is not the host owner`);
    let p: Proc | undefined;
    if (PER_PROC.has(c.op)) p = this.target((c as { pid: number }).pid, c.user, c.op, c.op === 'reap');
    switch (c.op) {
      case 'create-mcp': return this.doCreate(c.user, c.name, 0, true);
      case 'create-scp': {
        if (c.ppid !== undefined && c.ppid !== 0 && !this.live(c.ppid)) throw perr(ESRCH, `create ppid ${c.ppid}: no such process`);
        return this.doCreate(c.user, c.name, c.ppid ?? 0, false);
      }
      case 'run': return this.doRun(p!);
      case 'change-to-m': return this.doChangeToM(p!);
      case 'kill': {
        const code = c.code ?? DEFAULT_EXITCODE;
        if (!Number.isInteger(code)) throw perr(EINVAL, `kill ${code}: bad exit code`);
        this.destroy(p!, code, 'killed');
        return;
      }
      case 'name': this.checkName(c.name); p!.name = c.name; return;
      case 'cores': return this.doCores(p!, c.n);
      case 'want': return this.doWant(p!, c.n);
      case 'prov': return this.doProv(p!, c.cores, !!c.force, isHost);
      case 'unprov': return this.doUnprov(p!, c.cores);
      case 'yield': return this.doYield(p!, c.vcore, !!c.nice);
      case 'notify': {
        const t = evType(c.type);
        if (t < 0) throw perr(EINVAL, `notify ${c.type}: unknown event type`);
        const a = c.args ?? [];
        if (a.length > 4 || a.some((x) => !Number.isFinite(x))) throw perr(EINVAL, `notify ${c.type} ${a.join(' ')}: at most 4 numeric args`);
        this.log.add(this.clock.now, 'notify', `pid=${p!.pid} type=${t}`);
        sendEvent(this, p!, t, 0, a);
        return;
      }
      case 'ev': {
        const t = evType(c.type);
        if (t < 0) throw perr(EINVAL, `ev ${c.type}: unknown event type`);
        if (!['ucq', 'bitmap', 'ceq', 'off'].includes(c.mbox)) throw perr(EINVAL, `ev ${c.type} ${c.mbox}: mailbox is ucq, bitmap, ceq or off`);
        const f = parseEvFlags(c.flags);
        if (f < 0) throw perr(EINVAL, `ev ${c.type} ${c.mbox} ${[c.flags].flat().join(',')}: unknown flag`);
        if (!p!.evq) p!.evq = new Map();
        p!.evq.set(t, { kind: c.mbox as MboxKind, flags: f, vcore: 0, alert: false });
        return;
      }
      case 'reap': {
        if (!p!.dead) throw perr(EINVAL, `reap ${p!.pid}: process is ${STATE_NAMES[p!.state]}, not dead`);
        this.reapProc(p!);
        return;
      }
      case 'poke': this.poke(); return;
      case 'core-offline': return this.doOffline(this.core(c.core, 'offline'));
      case 'core-online': return this.doOnline(this.core(c.core, 'online'));
      case 'core-prov': {
        const q = this.target(c.pid, c.user, 'prov', false);
        return this.doProv(q, [c.core], true, true);
      }
      case 'core-unprov': {
        const core = this.core(c.core, 'unprov');
        const o = this.m.prov[core];
        if (o) this.unprovOne(this.procs.get(o)!, core);
        return;
      }
      case 'policy': {
        if (c.policy !== 'fcfs' && c.policy !== 'packed') throw perr(EINVAL, `policy ${c.policy}: fcfs or packed`);
        if (c.policy === 'packed' && this.policy !== 'packed') this.rebuildTopo();
        this.policy = c.policy;
        this.log.add(this.clock.now, 'policy', c.policy);
        return;
      }
      case 'grace': {
        if (!Number.isInteger(c.ns) || c.ns < 0) throw perr(ERANGE, `grace ${c.ns}: want a duration >= 0`);
        this.graceNs = c.ns; this.log.add(this.clock.now, 'grace', `${c.ns}`);
        return;
      }
      case 'tick': {
        if (!Number.isInteger(c.ns) || c.ns < 1000) throw perr(ERANGE, `tick ${c.ns}: want >= 1us`);
        this.tickNs = c.ns;
        this.clock.cancel(this.tickHandle);
        this.tickHandle = this.clock.schedule(this.clock.now + c.ns, () => tick(this), 'tick');
        this.log.add(this.clock.now, 'tick', `${c.ns}`);
        return;
      }
      case 'alarm-create': return alarmCreate(p!);
      case 'alarm-set': {
        const a = p!.alarms?.list.get(c.id);
        if (!a) throw perr(ENOENT, `alarm ${c.id}: no such alarm`);
        const per = c.period ?? 0;
        if (!(c.at >= 0) || !(per >= 0)) throw perr(ERANGE, `alarm ${c.id}: at ${c.at} period ${per}`);
        alarmSet(this, p!, a, c.at, per);
        return;
      }
      case 'alarm-cancel': {
        const a = p!.alarms?.list.get(c.id);
        if (!a) throw perr(ENOENT, `alarm ${c.id}: no such alarm`);
        alarmSet(this, p!, a, 0, 0);
        return;
      }
      case 'step': {
        if (!(c.ns >= 0) || !Number.isFinite(c.ns)) throw perr(ERANGE, `step ${c.ns}`);
        this.clock.step(c.ns);
        return;
      }
      case 'seed': this.rng.seed(c.n); return;
      default: throw perr(EINVAL, `unknown op ${(c as { op: string }).op}`);
    }
  }

  private target(pid: number, user: string, op: string, allowDead: boolean): Proc {
    const p = this.procs.get(pid);
    if (!p || (p.dead && !allowDead)) throw perr(ESRCH, `${op} ${pid}: no such process`);
    if (user !== p.user && user !== this.hostowner) throw perr(EPERM, `${op} ${pid}: ${user} is not the owner (${p.user})`);
    return p;
  }

  private live(pid: number): boolean { const p = this.procs.get(pid); return !!p && !p.dead; }

  private core(c: number, op: string): number {
    if (!Number.isInteger(c) || c < 0 || c >= this.m.n) throw perr(ENXIO, `${op} ${c}: no such core (ncores ${this.m.n})`);
    return c;
  }

  private checkName(name: string): void {
    if (Buffer.byteLength(name) > PROGNAME_MAX) throw perr(EINVAL, `name ${name}: longer than ${PROGNAME_MAX} bytes`);
  }

  private checkN(op: string, n: number): void {
    if (!Number.isInteger(n) || n < 0 || n > this.maxVcores) throw perr(ERANGE, `${op} ${n}: want 0..${this.maxVcores} (max_vcores)`);
  }

  // ---- processes -----------------------------------------------------------------------

  private doCreate(user: string, name: string | undefined, ppid: number, mcp: boolean): number {
    if (name !== undefined) this.checkName(name);
    const pid = this.pidAlloc.alloc((x) => this.procs.has(x));
    if (pid < 0) throw perr(EAGAIN, 'create: no free pid');
    const now = this.clock.now;
    const p = new Proc(pid, user, now);
    p.ppid = ppid;
    p.name = name ?? '';
    this.procs.set(pid, p);
    this.waits.delete(pid);
    if (mcp) {
      // create + run + change-to-m in one step; it never waits for the LL core
      p.setState(RUNNABLE_S, now); p.setState(RUNNING_S, now); p.setState(RUNNABLE_M, now);
      p.isMcp = true;
      p.mcpSeq = this.mcpSeqNext++;
    }
    this.log.add(now, 'create', `pid=${pid} user=${user} ${mcp ? 'mcp' : 'scp'}`);
    return pid;
  }

  private doRun(p: Proc): undefined {
    if (p.state !== CREATED) throw perr(EINVAL, `run ${p.pid}: process is ${STATE_NAMES[p.state]}, not CREATED`);
    p.setState(RUNNABLE_S, this.clock.now);
    this.runnableScps.push(p.pid);
    scheduleScp(this, false);
    return;
  }

  private doChangeToM(p: Proc): undefined {
    if (p.state !== RUNNING_S) throw perr(EINVAL, `m ${p.pid}: process is ${STATE_NAMES[p.state]}, not RUNNING_S`);
    const m = this.m, c = scpCore(this), now = this.clock.now;
    m.account(c, now); m.alloc[c] = 0; m.vcore[c] = -1;
    p.setState(RUNNABLE_M, now);
    p.isMcp = true;
    p.mcpSeq = this.mcpSeqNext++;
    this.log.add(now, 'change-to-m', `pid=${p.pid}`);
    markNeedy(this, p);            // no poke: the first core comes at the next pass
    scheduleScp(this, false);
    return;
  }

  /** proc_wakeup: WAITING -> RUNNABLE_S (runnable tail) or RUNNABLE_M (+ poke). */
  wakeup(p: Proc): void {
    if (p.state !== WAITING) return;
    if (p.isMcp) {
      p.setState(RUNNABLE_M, this.clock.now);
      markNeedy(this, p);
      this.poke();
    } else {
      p.setState(RUNNABLE_S, this.clock.now);
      this.runnableScps.push(p.pid);
      scheduleScp(this, false);
    }
  }

  /** The MCP ksched; re-entrant pokes just make the running pass loop once more. */
  poke(): void {
    if (this.inPass) { this.repoke = true; return; }
    this.inPass = true;
    try {
      do { this.repoke = false; mcpPass(this); } while (this.repoke);
    } finally { this.inPass = false; }
  }

  private doWant(p: Proc, n: number): undefined {
    this.checkN('want', n);
    p.wanted = n;
    this.log.add(this.clock.now, 'want', `pid=${p.pid} n=${n}`);
    if (p.isMcp) {
      if (n > 0 && p.state === WAITING) this.wakeup(p);
      markNeedy(this, p);
      this.poke();
    }
    return;
  }

  private doCores(p: Proc, n: number): undefined {
    this.checkN('cores', n);
    const m = this.m;
    // candidate order: cores it already holds, the allocator's idle order, then the rest
    const order: number[] = [];
    for (let v = p.vc.online.head; v >= 0; v = p.vc.vcs[v].next) order.push(p.vc.vcs[v].pcore);
    if (n > p.provisioned) {
      for (let c = m.idleHead; c >= 0; c = m.iNext[c]) order.push(c);
      for (let c = 0; c < m.n; c++) if (!m.inIdle[c] && m.alloc[c] !== p.pid) order.push(c);
    }
    const plan = planCores(m, p, n, order);
    if (!plan) throw perr(ENOSPC, `cores ${n}: ${p.provisioned + m.unprovFree} cores free to provision`);
    for (const c of plan.drop) this.unprovOne(p, c);
    for (const c of plan.add) { provAttach(m, p, c); this.log.add(this.clock.now, 'prov', `pid=${p.pid} pcore=${c}`); }
    return this.doWant(p, n);
  }

  private doProv(p: Proc, cores: number[], force: boolean, isHost: boolean): undefined {
    const m = this.m;
    const list = [...new Set(cores)];
    for (const c of list) {
      this.core(c, 'prov');
      if (m.isLL[c]) throw perr(EBUSY, `prov ${c}: core ${c} is an LL core`);
      const o = m.prov[c];
      if (o && o !== p.pid) {
        if (!force) throw perr(EBUSY, `prov ${c}: core ${c} is provisioned to ${o}`);
        if (!isHost) throw perr(EPERM, `prov -f ${c}: only the host owner may force`);
      }
    }
    for (const c of list) {
      const o = m.prov[c];
      if (o === p.pid) continue;
      if (o) this.unprovOne(this.procs.get(o)!, c);
      provAttach(m, p, c);
      this.log.add(this.clock.now, 'prov', `pid=${p.pid} pcore=${c}`);
    }
    return;
  }

  private doUnprov(p: Proc, cores: number[] | 'all'): undefined {
    const m = this.m;
    const list = cores === 'all' ? provCores(m, p) : [...new Set(cores)];
    for (const c of list) {
      this.core(c, 'unprov');
      if (m.prov[c] !== p.pid) throw perr(EINVAL, `unprov ${c}: core ${c} is not provisioned to ${p.pid}`);
    }
    for (const c of list) this.unprovOne(p, c);
    return;
  }

  private unprovOne(owner: Proc, c: number): void {
    if (this.m.warnFor[c] === owner.pid) withdraw(this, c);
    provDetach(this.m, owner, c);
    this.log.add(this.clock.now, 'unprov', `pid=${owner.pid} pcore=${c}`);
  }

  private doYield(p: Proc, vc: number, nice: boolean): undefined {
    const now = this.clock.now, m = this.m;
    if (p.state === RUNNING_S) {
      // SCP: nice = WAITING then straight back to RUNNABLE_S; otherwise wait for an event
      if (!Number.isInteger(vc) || vc !== 0) throw perr(EINVAL, `yield ${vc}: an SCP has only vcore 0`);
      p.setState(WAITING, now);
      p.yields++;
      scpCoreFreed(this, p);
      if (nice) this.wakeup(p);
      return;
    }
    const v = Number.isInteger(vc) ? p.vc.vcs[vc] : undefined;
    if (!v || v.list !== L_ONLINE) throw perr(EINVAL, `yield ${vc}: vcore ${vc} of ${p.pid} is not online`);
    const fail = (d: string): never => { p.yieldFails++; throw perr(EAGAIN, d); };
    if (v.sent !== v.done) fail(`yield ${vc}: a preemption is in flight`);
    if (nice && !v.warned) fail(`yield ${vc} nice: no preemption pending on vcore ${vc}`);
    const warned = v.warned;
    if (!warned) {
      if (p.wanted >= p.numVcores) fail(`yield ${vc}: wanted ${p.wanted} >= granted ${p.numVcores}`);
      if (v.notifPending) fail(`yield ${vc}: notification pending on vcore ${vc}`);
    }
    const c = unmapVcore(this, p, v);
    v.notifDisabled = false;
    p.yields++;
    if (warned) { p.yieldedInTime++; m.yieldedInTime[c]++; }
    trackDealloc(this, p, c);
    this.log.add(now, 'yield', `pid=${p.pid} vcore=${vc} pcore=${c}${warned ? ' in-time' : ''}${m.warnFor[c] ? ` to=${m.warnFor[c]}` : ''}`);
    if (p.numVcores === 0) p.setState(WAITING, now);
    placeFree(this, c);
    markNeedy(this, p);
    return;
  }

  private destroy(p: Proc, code: number, reason: WaitRecord['reason']): void {
    const now = this.clock.now, m = this.m;
    if (p.state === RUNNING_S) scpCoreFreed(this, p);
    if (p.state === RUNNABLE_S) this.runnableScps = this.runnableScps.filter((x) => x !== p.pid);
    // __proc_take_allcores(preempt=FALSE): every vcore to inactive
    const freed: number[] = [];
    while (p.vc.online.head >= 0) {
      const v = p.vc.vcs[p.vc.online.head];
      const c = unmapVcore(this, p, v);
      trackDealloc(this, p, c);
      freed.push(c);
    }
    while (p.vc.bulk.head >= 0) { const v = p.vc.vcs[p.vc.bulk.head]; p.vc.bulk.remove(p.vc.vcs, v); p.vc.inactive.pushHead(p.vc.vcs, v); }
    p.setState(DYING, now);
    p.exitcode = code;
    for (const q of this.procs.values()) if (q.ppid === p.pid) q.ppid = 0;
    p.setState(DYING_ABORT, now);
    for (const c of provCores(m, p)) this.unprovOne(p, c);
    alarmCancelAll(this, p);
    p.dead = true;
    p.deathT = now;
    for (const c of freed) placeFree(this, c);
    if (p.state === DYING_ABORT && p.stateSince === now) { /* accounting closed at reap */ }
    const rec: WaitRecord = { pid: p.pid, code, reason };
    this.waits.set(p.pid, rec);
    if (this.waits.size > WAIT_KEEP) this.waits.delete(this.waits.keys().next().value!);
    this.log.add(now, 'exit', `pid=${p.pid} code=${code} ${reason}`);
    p.mbox?.close();
    const parent = p.ppid ? this.procs.get(p.ppid) : undefined;
    if (parent && !parent.dead) sendEvent(this, parent, EV_POSIX_SIGNAL, 0, [SIGCHLD, p.pid, 0, 0]);
    const subs = this.exitSubs.get(p.pid);
    this.exitSubs.delete(p.pid);
    if (subs) for (const f of subs) f(rec);
    if (this.zombieNs > 0) {
      const self = p;
      this.clock.schedule(now + this.zombieNs, () => { if (this.procs.get(self.pid) === self) this.reapProc(self); }, `reap ${p.pid}`);
    }
  }

  private reapProc(p: Proc): void {
    this.procs.delete(p.pid);
    this.log.add(this.clock.now, 'reap', `pid=${p.pid}`);
  }

  // ---- cores ---------------------------------------------------------------------------

  private doOffline(c: number): undefined {
    const m = this.m, now = this.clock.now;
    if (m.isLL[c]) throw perr(EBUSY, `offline ${c}: core ${c} is an LL core`);
    if (m.offline[c]) return;
    if (m.warnFor[c]) withdraw(this, c);
    if (m.alloc[c]) revokeCore(this, this.procs.get(m.alloc[c])!, c, 0);
    m.account(c, now);
    m.idleRemove(c);
    if (m.prov[c] === 0) m.unprovFree--;
    m.offline[c] = 1;
    this.log.add(now, 'offline', `pcore=${c}`);
    return;
  }

  private doOnline(c: number): undefined {
    const m = this.m, now = this.clock.now;
    if (m.isLL[c]) throw perr(EBUSY, `online ${c}: core ${c} is an LL core`);
    if (!m.offline[c]) return;
    m.offline[c] = 0;
    m.since[c] = now;
    if (m.prov[c] === 0) m.unprovFree++;
    placeFree(this, c);
    this.log.add(now, 'online', `pcore=${c}`);
    return;
  }

  private rebuildTopo(): void {
    for (const p of this.procs.values()) p.topo = null;
    for (let c = 0; c < this.m.n; c++) {
      const pid = this.m.alloc[c];
      if (pid && !this.m.isLL[c]) topoAdd(this.m, this.procs.get(pid)!, c, 1);
    }
  }

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
  ev(user: string, pid: number, type: string | number, mbox: MboxKind, flags?: string[] | string): void { this.apply({ op: 'ev', user, pid, type, mbox, flags }); }
  reap(user: string, pid: number): void { this.apply({ op: 'reap', user, pid }); }
  pokeKsched(user: string): void { this.apply({ op: 'poke', user }); }
  coreOffline(user: string, core: number): void { this.apply({ op: 'core-offline', user, core }); }
  coreOnline(user: string, core: number): void { this.apply({ op: 'core-online', user, core }); }
  coreProv(user: string, core: number, pid: number): void { this.apply({ op: 'core-prov', user, core, pid }); }
  coreUnprov(user: string, core: number): void { this.apply({ op: 'core-unprov', user, core }); }
  setPolicy(user: string, policy: Policy): void { this.apply({ op: 'policy', user, policy }); }
  setGrace(user: string, ns: number): void { this.apply({ op: 'grace', user, ns }); }
  setTick(user: string, ns: number): void { this.apply({ op: 'tick', user, ns }); }
  alarmCreate(user: string, pid: number): number { return this.apply({ op: 'alarm-create', user, pid })!; }
  alarmSet(user: string, pid: number, id: number, at: number, period?: number): void { this.apply({ op: 'alarm-set', user, pid, id, at, period }); }
  alarmCancel(user: string, pid: number, id: number): void { this.apply({ op: 'alarm-cancel', user, pid, id }); }
  step(user: string, ns: number): void { this.apply({ op: 'step', user, ns }); }
  seed(user: string, n: number): void { this.apply({ op: 'seed', user, n }); }

  /** Devices record their own parse errors here (lasterr + an error log record). */
  setLasterr(pid: number, detail: string): void {
    const p = this.procs.get(pid);
    if (p) p.lasterr = detail;
    this.log.add(this.clock.now, 'error', `pid=${pid} ${detail}`);
  }

  // ---- reads ---------------------------------------------------------------------------

  now(): number { return this.clock.now; }
  rand(): number { return this.rng.next(); }

  timeInfo(): { sec: number; nsec: number; ticks: number; freq: number } {
    const t = this.clock.now;
    return { sec: Math.floor(t / 1e9), nsec: t % 1e9, ticks: t, freq: 1e9 };
  }

  machine(): { ncores: number; ll: number[]; policy: Policy; graceNs: number; tickNs: number; maxVcores: number; hostowner: string } {
    return { ncores: this.m.n, ll: [...this.m.ll], policy: this.policy, graceNs: this.graceNs, tickNs: this.tickNs, maxVcores: this.maxVcores, hostowner: this.hostowner };
  }

  pids(): number[] { return [...this.procs.keys()].sort((a, b) => a - b); }
  mcpPids(): number[] { return this.pids().filter((x) => this.procs.get(x)!.isMcp); }
  has(pid: number): boolean { return this.procs.has(pid); }

  private get_(pid: number): Proc {
    const p = this.procs.get(pid);
    if (!p) throw perr(ESRCH, `${pid}: no such process`);
    return p;
  }

  procInfo(pid: number): { pid: number; ppid: number; name: string; user: string; state: string; isMcp: boolean; exitcode: number; dead: boolean } {
    const p = this.get_(pid);
    return { pid, ppid: p.ppid, name: p.name, user: p.user, state: STATE_NAMES[p.state], isMcp: p.isMcp, exitcode: p.exitcode, dead: p.dead };
  }

  status(pid: number): ProcStatus {
    const p = this.get_(pid);
    return { pid, name: p.name, user: p.user, state: STATE_NAMES[p.state], wanted: p.wanted, granted: p.numVcores,
      provisioned: p.provisioned, vcores: p.numVcores, max_vcores: this.maxVcores, preempt_pending: p.warnedVcores, lasterr: p.lasterr };
  }

  granted(pid: number): number[] {
    const p = this.get_(pid);
    return p.vc.online.ids(p.vc.vcs).map((v) => p.vc.vcs[v].pcore).sort((a, b) => a - b);
  }

  provList(pid: number): number[] { return provCores(this.m, this.get_(pid)).sort((a, b) => a - b); }

  vcoreRows(pid: number): VcoreRow[] {
    const p = this.get_(pid), now = this.clock.now;
    return p.vc.vcs.map((v) => ({
      vcore: v.id, pcore: v.pcore,
      state: v.list === L_ONLINE ? 'online' : v.list === L_BULK || v.preempted ? 'preempted' : 'inactive',
      preempt_deadline: v.preemptPending, sent: v.sent, done: v.done,
      run_ns: v.runNs + (v.pcore >= 0 ? now - v.resumeT : 0),
    }));
  }

  procStat(pid: number): Record<string, number> {
    const p = this.get_(pid), now = this.clock.now;
    const out: Record<string, number> = { created_at: p.createdT };
    STATE_NAMES.forEach((s, i) => { out[`${s.toLowerCase()}_ns`] = p.stateNs[i] + (p.state === i ? now - p.stateSince : 0); });
    const run = this.vcoreRows(pid).reduce((a, r) => a + r.run_ns, 0);
    Object.assign(out, { run_ns: run, grants: p.grants, revokes: p.revokes, yields: p.yields, yield_fails: p.yieldFails,
      warned: p.warned, yielded_in_time: p.yieldedInTime, forced: p.forced, events: p.events });
    return out;
  }

  private coreState(c: number): 'idle' | 'busy' | 'offline' {
    return this.m.offline[c] ? 'offline' : this.m.alloc[c] ? 'busy' : 'idle';
  }

  coreRows(): CoreRow[] {
    const m = this.m, out: CoreRow[] = [];
    for (let c = 0; c < m.n; c++) out.push({ core: c, role: m.isLL[c] ? 'll' : 'cg', state: this.coreState(c), prov: m.prov[c], alloc: m.alloc[c], vcore: m.vcore[c] });
    return out;
  }

  idleList(): number[] { return this.m.idleList(); }

  coreStatus(c: number): CoreStatus {
    const m = this.m;
    this.core(c, 'core');
    return { core: c, role: m.isLL[c] ? 'll' : 'cg', state: this.coreState(c), proc: m.alloc[c], vcore: m.vcore[c],
      prov: m.prov[c], socket: m.socket[c], numa: m.numa[c], cpu: m.cpu[c] };
  }

  sysstat(): SysstatRow[] {
    const m = this.m, now = this.clock.now, out: SysstatRow[] = [];
    for (let c = 0; c < m.n; c++) {
      const d = m.offline[c] ? 0 : now - m.since[c];
      out.push({ core: c, idle_ns: m.idleNs[c] + (m.alloc[c] ? 0 : d), user_ns: m.userNs[c] + (m.alloc[c] ? d : 0), kernel_ns: 0,
        grants: m.grants[c], preemptions: m.preempts[c], warned: m.warned[c], yielded_in_time: m.yieldedInTime[c], forced: m.forced[c] });
    }
    return out;
  }

  mailbox(pid: number): Mailbox { return mailboxOf(this, this.get_(pid)); }

  waitRecord(pid: number): WaitRecord | undefined {
    const p = this.procs.get(pid);
    if (p && !p.dead) return undefined;
    return this.waits.get(pid);
  }

  onExit(pid: number, fn: (r: WaitRecord) => void): () => void {
    const rec = this.waitRecord(pid);
    if (rec) { fn(rec); return () => {}; }
    this.get_(pid);
    let s = this.exitSubs.get(pid);
    if (!s) this.exitSubs.set(pid, (s = new Set()));
    s.add(fn);
    return () => { s!.delete(fn); };
  }

  alarms(pid: number): { id: number; at: number; period: number; count: number }[] {
    const p = this.get_(pid);
    return p.alarms ? [...p.alarms.list.values()].map(({ id, at, period, count }) => ({ id, at, period, count })) : [];
  }

  snapshot(): Record<string, unknown> {
    const m = this.m;
    return {
      now: this.clock.now, policy: this.policy, graceNs: this.graceNs, tickNs: this.tickNs, rng: this.rng.state,
      pidCursor: this.pidAlloc.state, mcpSeqNext: this.mcpSeqNext, evSeq: this.evSeq, logNext: this.log.next,
      cores: this.coreRows().map((r, c) => ({ ...r, offline: m.offline[c], warnFor: m.warnFor[c] })),
      idle: this.idleList(), runnableScps: [...this.runnableScps],
      procs: this.pids().map((pid) => ({ ...this.status(pid), ppid: this.procs.get(pid)!.ppid, vcores: this.vcoreRows(pid),
        prov: this.provList(pid), stat: this.procStat(pid) })),
      pending: this.clock.pendingTags(),
    };
  }
}
