// SPDX-License-Identifier: GPL-2.0-or-later
//
// A trace folded into what the views draw: each core's tenures (an MCP holding it from a
// grant to a yield, revoke or exit), each warning and how it ended (yielded in time,
// revoked at the deadline, withdrawn), the forced revokes, each MCP's wanted / granted /
// provisioned over time, and the events and workload phases as instants. The Chrome
// trace and the SVG timeline are both drawn from this, so they agree.

import { num, str, type TraceRec } from './trace-parse.js';

/** How a tenure ended; `change`: the process put another of its vcores on the core
 *  (change_to_vcore), which starts the next tenure at once. */
export type TenureEnd = 'yield' | 'revoke' | 'exit' | 'change' | 'end';

export interface Tenure {
  pcore: number;
  pid: number;
  vcore: number;
  t0: number;
  t1: number;
  /** the holder was already there when the trace began (a `hold` record) */
  before: boolean;
  end: TenureEnd;
}

export type WarnOutcome = 'yield' | 'revoke' | 'withdraw' | 'exit' | 'open';

export interface Warning {
  pcore: number;
  /** the warned process (the victim) */
  pid: number;
  vcore: number;
  /** the process the core is taken back for (0: unknown or none) */
  for: number;
  t: number;
  deadline: number;
  /** when the warning ended (the yield, revoke or withdrawal; the trace's end if open) */
  end: number;
  outcome: WarnOutcome;
}

export interface Revoke { t: number; pcore: number; pid: number; vcore: number; for: number }

export interface ProcMeta { pid: number; name: string; user: string; mcp: boolean; exit?: number }

export interface CounterSample { t: number; wanted: number; granted: number; provisioned: number }

export interface Instant {
  t: number;
  pid: number;
  /** `event`, `phase`, `exit`... */
  kind: string;
  name: string;
  args: Record<string, string | number>;
}

export interface Timeline {
  t0: number;
  t1: number;
  ncores: number;
  ll: number[];
  procs: Map<number, ProcMeta>;
  tenures: Tenure[];
  warnings: Warning[];
  revokes: Revoke[];
  counters: Map<number, CounterSample[]>;
  instants: Instant[];
  /** `lost` records: the trace has a gap there (what the model shows may be off after it) */
  lost: { t: number; n: number }[];
}

export interface TimelineOptions {
  /** Virtual time the recording ended (default: the last record's). */
  end?: number;
}

interface Held { pid: number; vcore: number; t0: number; before: boolean }

export function buildTimeline(recs: TraceRec[], opts: TimelineOptions = {}): Timeline {
  const tl: Timeline = {
    t0: recs.length ? recs[0].t : 0, t1: 0, ncores: 0, ll: [], procs: new Map(), tenures: [], warnings: [],
    revokes: [], counters: new Map(), instants: [], lost: [],
  };
  const held = new Map<number, Held>();
  const pending = new Map<number, Warning>();
  const wanted = new Map<number, number>(), granted = new Map<number, number>(), prov = new Map<number, Set<number>>();
  let last = tl.t0;

  const meta = (pid: number): ProcMeta => {
    let m = tl.procs.get(pid);
    if (!m) tl.procs.set(pid, (m = { pid, name: '', user: '', mcp: true }));
    return m;
  };
  const sample = (pid: number, t: number): void => {
    if (!pid) return;
    let s = tl.counters.get(pid);
    if (!s) tl.counters.set(pid, (s = []));
    const c = { t, wanted: wanted.get(pid) ?? 0, granted: granted.get(pid) ?? 0, provisioned: prov.get(pid)?.size ?? 0 };
    const prev = s[s.length - 1];
    if (prev && prev.t === t) s[s.length - 1] = c;
    else if (!prev || prev.wanted !== c.wanted || prev.granted !== c.granted || prev.provisioned !== c.provisioned) s.push(c);
  };
  const endWarning = (pcore: number, t: number, outcome: WarnOutcome): void => {
    const w = pending.get(pcore);
    if (!w) return;
    w.end = t; w.outcome = outcome;
    pending.delete(pcore);
  };
  const release = (pcore: number, t: number, end: TenureEnd): void => {
    const h = held.get(pcore);
    if (!h) return;
    held.delete(pcore);
    tl.tenures.push({ pcore, pid: h.pid, vcore: h.vcore, t0: h.t0, t1: t, before: h.before, end });
    if (end === 'end') return;   // the recording stopped, the core was not given up
    granted.set(h.pid, Math.max(0, (granted.get(h.pid) ?? 0) - 1));
    sample(h.pid, t);
  };
  const hold = (pid: number, vcore: number, pcore: number, t: number, before: boolean): void => {
    release(pcore, t, 'end');
    held.set(pcore, { pid, vcore, t0: t, before });
    granted.set(pid, (granted.get(pid) ?? 0) + 1);
    sample(pid, t);
  };

  for (const r of recs) {
    const t = r.t, pid = num(r, 'pid'), pcore = num(r, 'pcore');
    if (t > last) last = t;
    switch (r.kind) {
      case 'machine':
        tl.ncores = num(r, 'ncores');
        tl.ll = str(r, 'll').split(',').filter((x) => x !== '').map(Number);
        break;
      case 'proc':
      case 'create': {
        const m = meta(pid);
        m.name = str(r, 'name'); m.user = str(r, 'user'); m.mcp = num(r, 'mcp') === 1;
        if (r.kind === 'proc') { wanted.set(pid, num(r, 'wanted')); sample(pid, t); }
        break;
      }
      case 'name': meta(pid).name = str(r, 'name'); break;
      case 'state':
        if (str(r, 'to') === 'RUNNABLE_M' || str(r, 'to') === 'RUNNING_M') meta(pid).mcp = true;
        break;
      case 'want': wanted.set(pid, num(r, 'n')); sample(pid, t); break;
      case 'prov': {
        for (const [o, set] of prov) if (o !== pid && set.delete(pcore)) sample(o, t);
        let set = prov.get(pid);
        if (!set) prov.set(pid, (set = new Set()));
        set.add(pcore);
        sample(pid, t);
        break;
      }
      case 'unprov': prov.get(pid)?.delete(pcore); sample(pid, t); break;
      // an SCP on an LL core is not an MCP's tenure (SCP round robin is not traced per core)
      case 'hold': if (!tl.ll.includes(pcore)) hold(pid, num(r, 'vcore'), pcore, t, true); break;
      case 'grant': hold(pid, num(r, 'vcore'), pcore, t, false); break;
      case 'change': release(pcore, t, 'change'); hold(pid, num(r, 'to'), pcore, t, false); break;
      case 'yield': endWarning(pcore, t, 'yield'); release(pcore, t, 'yield'); break;
      case 'revoke':
        endWarning(pcore, t, 'revoke');
        release(pcore, t, 'revoke');
        tl.revokes.push({ t, pcore, pid, vcore: num(r, 'vcore'), for: num(r, 'for') });
        break;
      case 'warn': {
        endWarning(pcore, t, 'withdraw');
        const w: Warning = { pcore, pid, vcore: num(r, 'vcore'), for: num(r, 'for'), t, deadline: num(r, 'deadline'), end: t, outcome: 'open' };
        tl.warnings.push(w);
        pending.set(pcore, w);
        break;
      }
      case 'withdraw': endWarning(pcore, t, 'withdraw'); break;
      case 'exit': {
        for (const [c, h] of [...held]) if (h.pid === pid) { endWarning(c, t, 'exit'); release(c, t, 'exit'); }
        meta(pid).exit = t;
        wanted.set(pid, 0);
        sample(pid, t);
        tl.instants.push({ t, pid, kind: 'exit', name: `exit ${str(r, 'reason')}`, args: { ...r.f } });
        break;
      }
      case 'event':
        tl.instants.push({ t, pid, kind: 'event', name: str(r, 'type'), args: { ...r.f } });
        break;
      case 'phase':
        tl.instants.push({ t, pid, kind: 'phase', name: str(r, 'name'), args: { ...r.f } });
        break;
      case 'lost': tl.lost.push({ t, n: num(r, 'n') }); break;
      default: break;
    }
  }
  tl.t1 = Math.max(last, opts.end ?? last);
  for (const c of [...held.keys()]) release(c, tl.t1, 'end');
  for (const w of pending.values()) w.end = tl.t1;
  tl.tenures.sort((a, b) => a.t0 - b.t0 || a.pcore - b.pcore);
  if (tl.ncores === 0) tl.ncores = 1 + Math.max(0, ...tl.tenures.map((x) => x.pcore), ...tl.warnings.map((w) => w.pcore));
  return tl;
}

/** The records between two virtual times, with what happened before `from` folded into
 *  the state at `from` (tenures cut at the edges are kept, clipped). */
export function clip(tl: Timeline, from: number, to: number): Timeline {
  const inside = (a: number, b: number) => b >= from && a <= to;
  return {
    ...tl,
    t0: from, t1: to,
    tenures: tl.tenures.filter((x) => inside(x.t0, x.t1)).map((x) => ({ ...x, t0: Math.max(from, x.t0), t1: Math.min(to, x.t1) })),
    warnings: tl.warnings.filter((w) => inside(w.t, w.end)),
    revokes: tl.revokes.filter((r) => r.t >= from && r.t <= to),
    instants: tl.instants.filter((i) => i.t >= from && i.t <= to),
    lost: tl.lost.filter((l) => l.t >= from && l.t <= to),
  };
}
