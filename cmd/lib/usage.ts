// SPDX-License-Identifier: GPL-2.0-or-later
//
// Utilisation, computed in one place (top, and any later view): per core from
// /core/sysstat (busy = user_ns over user_ns + idle_ns), per process from /mcp/N/stat
// (run_ns over elapsed virtual time: 2.0 is two cores' worth). Between two samples it is
// the rate over that interval; the first sample gives the average since boot (cores) or
// since creation (processes); an interval in which virtual time did not move (a paused
// clock) keeps the last value. All times are virtual ns. A program's useful share comes
// from the `prog_*_ns` keys of /mcp/N/stat (useful over all its vcores' time: granted
// core time spent on the program), a core's from /core/util (useful ns over elapsed time).

/** One line of /core/sysstat (core(3)); the counters top does not use are dropped. */
export interface CoreTimes {
  core: number;
  idle_ns: number;
  user_ns: number;
}

export function parseSysstat(text: string): CoreTimes[] {
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => {
    const f = l.trim().split(/\s+/).map(Number);
    return { core: f[0], idle_ns: f[1] ?? 0, user_ns: f[2] ?? 0 };
  });
}

/** One line of /core/util (core(3)): program time on a CG core since boot. */
export interface CoreUseful {
  core: number;
  useful_ns: number;
}

export function parseCoreUtil(text: string): CoreUseful[] {
  return text.split('\n').filter((l) => /^\s*\d/.test(l)).map((l) => {
    const f = l.trim().split(/\s+/).map(Number);
    return { core: f[0], useful_ns: f[1] ?? 0 };
  });
}

/** A program's time over all its vcores (/mcp/N/stat prog_*_ns). */
export interface ProgTimes {
  useful_ns: number;
  /** useful + spin + overhead + noise: the granted core time the program had. */
  total_ns: number;
}

export class Rates {
  private cores = new Map<number, CoreTimes>();
  private coreUtil = new Map<number, number | null>();
  private useful = new Map<number, { useful: number; at: number; share: number | null }>();
  private procs = new Map<number, { run: number; at: number; cpu: number | null }>();
  private progs = new Map<number, { useful: number; total: number; at: number; util: number | null }>();

  /** Busy fraction per core, 0..1; null when the core has no time yet. */
  coreRates(samples: CoreTimes[]): Map<number, number | null> {
    const out = new Map<number, number | null>();
    for (const s of samples) {
      const prev = this.cores.get(s.core);
      let u: number | null;
      if (prev === undefined) {
        const total = s.user_ns + s.idle_ns;
        u = total > 0 ? s.user_ns / total : null;
      } else {
        const du = s.user_ns - prev.user_ns, di = s.idle_ns - prev.idle_ns;
        u = du + di > 0 ? du / (du + di) : this.coreUtil.get(s.core) ?? null;
      }
      this.cores.set(s.core, s);
      this.coreUtil.set(s.core, u);
      out.set(s.core, u);
    }
    return out;
  }

  /** Cores' worth of running a process had (1.5 = one and a half cores); null without time. */
  procRate(pid: number, runNs: number, now: number, createdAt: number): number | null {
    const prev = this.procs.get(pid);
    let cpu: number | null;
    if (prev === undefined || runNs < prev.run) cpu = now > createdAt ? runNs / (now - createdAt) : null;
    else cpu = now > prev.at ? (runNs - prev.run) / (now - prev.at) : prev.cpu;
    this.procs.set(pid, { run: runNs, at: now, cpu });
    return cpu;
  }

  /** Useful share per core (0..1): program useful ns over elapsed virtual time. */
  coreUseful(samples: CoreUseful[], now: number): Map<number, number | null> {
    const out = new Map<number, number | null>();
    for (const s of samples) {
      const prev = this.useful.get(s.core);
      let u: number | null;
      if (prev === undefined || s.useful_ns < prev.useful) u = now > 0 ? s.useful_ns / now : null;
      else u = now > prev.at ? (s.useful_ns - prev.useful) / (now - prev.at) : prev.share;
      if (u !== null) u = Math.min(1, u);
      this.useful.set(s.core, { useful: s.useful_ns, at: now, share: u });
      out.set(s.core, u);
    }
    return out;
  }

  /**
   * A program's useful share of the core time it had (0..1): since the last sample, or
   * overall on the first. Null when it had no core time in the interval (no cores, or
   * not running); a paused clock keeps the last value.
   */
  progUtil(pid: number, t: ProgTimes, now: number): number | null {
    const prev = this.progs.get(pid);
    let u: number | null;
    if (prev === undefined || t.total_ns < prev.total) u = t.total_ns > 0 ? t.useful_ns / t.total_ns : null;
    else if (now === prev.at) u = prev.util;
    else {
      const dt = t.total_ns - prev.total;
      u = dt > 0 ? (t.useful_ns - prev.useful) / dt : null;
    }
    this.progs.set(pid, { useful: t.useful_ns, total: t.total_ns, at: now, util: u });
    return u;
  }

  /** Forget processes that are gone. */
  keepOnly(pids: Iterable<number>): void {
    const keep = new Set(pids);
    for (const p of [...this.procs.keys()]) if (!keep.has(p)) this.procs.delete(p);
    for (const p of [...this.progs.keys()]) if (!keep.has(p)) this.progs.delete(p);
  }
}
