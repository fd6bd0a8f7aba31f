// SPDX-License-Identifier: GPL-2.0-or-later
//
// The cluster's hooks: one wrapper per kind (what slurm.conf names), the shared recorder
// hook.sh, the test's own hook per kind (replaceable while the cluster runs: slurmd
// executes the file afresh for every job), and the records hook.sh leaves.

import { writeFileSync, renameSync, rmSync, readdirSync, readFileSync, copyFileSync, chmodSync } from 'node:fs';
import { join, dirname, basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpulistParse } from '../../../lib/cpulist.js';
import { MAX_CPU_ID } from './parse.js';

export type HookKind = 'prolog' | 'epilog' | 'taskprolog' | 'prologctld' | 'epilogctld';
export const HOOK_KINDS: readonly HookKind[] = ['prolog', 'epilog', 'taskprolog', 'prologctld', 'epilogctld'];

/** The test's hook: an executable it owns, or bash text. Either gets Slurm's environment
 *  and arguments plus SLURM_CONF, SLURM_HARNESS_DIR, SLURM_HARNESS_RECORD, the cluster's
 *  hookEnv and, in the node prolog, SLURM_HARNESS_CPU_IDS; its exit status is the hook's. */
export type HookSpec = { path: string } | { sh: string };

const here = dirname(fileURLToPath(import.meta.url));
/** hook.sh and hostlist.sh stay in the source tree (test/harness/slurm), beside the
 *  compiled module's source; each cluster gets its own copy, so it needs nothing else. */
export const HARNESS_DIR = join(here, '..', '..', '..', '..', 'test', 'harness', 'slurm');
export const HOOK_SH = join(HARNESS_DIR, 'hook.sh');
export const HOSTLIST_SH = join(HARNESS_DIR, 'hostlist.sh');

export function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function writeExec(path: string, text: string): void {
  const tmp = `${path}.tmp${process.pid}`;
  writeFileSync(tmp, text, { mode: 0o755 });
  chmodSync(tmp, 0o755);
  renameSync(tmp, path);
}

/** Writes hook.sh, hostlist.sh and one wrapper per kind into `dir`/hooks; returns kind → wrapper. */
export function installHooks(dir: string, env: Record<string, string>, kinds: readonly HookKind[]): Record<HookKind, string> {
  const hooks = join(dir, 'hooks');
  for (const f of [HOOK_SH, HOSTLIST_SH]) {
    const to = join(hooks, basename(f));
    copyFileSync(f, to);
    chmodSync(to, 0o755);
  }
  const exports = Object.entries(env).map(([k, v]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new Error(`bad hook environment name "${k}"`);
    return `export ${k}=${shq(v)}\n`;
  }).join('');
  const out = {} as Record<HookKind, string>;
  for (const k of kinds) {
    const w = join(hooks, k);
    writeExec(w, `#!/bin/bash\n${exports}exec /bin/bash ${shq(join(hooks, 'hook.sh'))} ${k} "$@"\n`);
    out[k] = w;
  }
  return out;
}

/** Installs (or with null removes) the test's hook for `kind`; takes effect from the next
 *  time Slurm runs that hook. */
export function setUserHook(dir: string, kind: HookKind, spec: HookSpec | null): void {
  const p = join(dir, 'hooks', `${kind}.user`);
  if (spec === null) {
    rmSync(p, { force: true });
    return;
  }
  const body = 'path' in spec ? `exec ${shq(spec.path)} "$@"\n` : spec.sh.endsWith('\n') ? spec.sh : `${spec.sh}\n`;
  writeExec(p, `#!/bin/bash\n${body}`);
}

export interface HookRecord {
  kind: HookKind;
  /** SLURMD_NODENAME, or 'ctld' for the controller's hooks. */
  node: string;
  jobId: number;
  /** Start and end, ms since the epoch; end is null while the hook still runs. */
  at: number;
  end: number | null;
  /** The hook's exit status (null while running). */
  rc: number | null;
  /** Every SLURM* variable the hook saw. */
  env: Record<string, string>;
  /** Node prolog only: `scontrol show job -d` as the prolog saw it, and this node's CPU
   *  ids from it (null when the prolog did not ask). */
  jobText: string | null;
  cpuIds: number[] | null;
  file: string;
}

export function parseRecord(text: string, file: string): HookRecord {
  const r: HookRecord = { kind: 'prolog', node: '', jobId: 0, at: 0, end: null, rc: null, env: {}, jobText: null, cpuIds: null, file };
  let section = 'head';
  const job: string[] = [];
  let sawJob = false;
  for (const line of text.split('\n')) {
    const sec = /^--- (\w+)(?: (.*))?$/.exec(line);
    if (sec) {
      section = sec[1];
      const arg = sec[2] ?? '';
      if (section === 'job') sawJob = true;
      if (section === 'cpus') r.cpuIds = cpulistParse(arg, MAX_CPU_ID);
      if (section === 'end') {
        const [end, rc] = arg.split(' ');
        r.end = Number(end);
        r.rc = Number(rc);
      }
      continue;
    }
    if (section === 'job') {
      job.push(line);
      continue;
    }
    if (section !== 'head') continue;
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const k = line.slice(0, eq);
    const v = line.slice(eq + 1);
    if (k === 'kind') r.kind = v as HookKind;
    else if (k === 'node') r.node = v;
    else if (k === 'job') r.jobId = Number(v);
    else if (k === 'at') r.at = Number(v);
    else if (k.startsWith('SLURM')) r.env[k] = v;
  }
  if (sawJob) r.jobText = job.join('\n').replace(/\n+$/, '');
  return r;
}

/** Every record in `dir`/log/hooks, oldest first. */
export function readRecords(dir: string): HookRecord[] {
  const d = join(dir, 'log', 'hooks');
  const out: HookRecord[] = [];
  for (const f of readdirSync(d)) {
    const file = join(d, f);
    out.push(parseRecord(readFileSync(file, 'utf8'), file));
  }
  return out.sort((a, b) => a.at - b.at);
}
