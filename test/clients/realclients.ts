// SPDX-License-Identifier: GPL-2.0-or-later
//
// Running real clients from tap: the Linux kernel's v9fs client in a QEMU guest (our
// harness test/harness/v9fs-run.sh, one boot per call, every dialect mounted in it) and
// diod's tools. Under CI these suites must run: a missing tool fails the test instead of
// skipping it, so a broken .ci/run cannot hide.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Test } from 'tap';

const here = dirname(fileURLToPath(import.meta.url));
/** The harness lives in the source tree (test/harness), beside the compiled test's source. */
export const HARNESS = join(here, '..', '..', '..', 'test', 'harness', 'v9fs-run.sh');

export function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** True when the suite may run; otherwise fails (CI) or skips (elsewhere) the test. */
export function needTools(t: Test, tools: string[]): boolean {
  const missing = tools.filter((c) => !have(c));
  if (missing.length === 0) return true;
  const msg = `missing ${missing.join(', ')} (bash .ci/run installs them)`;
  if (process.env.CI) t.fail(msg);
  else t.test(msg, { skip: msg }, () => {});
  return false;
}

export interface GuestResult {
  rc: number;
  out: string;
  err: string;
}

/**
 * Boot a guest once and run `script` (busybox sh) in it. The script mounts for itself:
 * the guest sees the host as $V9FS_HOST, and `mnt VERSION DIR [OPTS]` is predefined to
 * mount our server (tcp, cache=none) with that protocol version.
 */
export function runGuest(port: number, script: string, timeoutS = 240): Promise<GuestResult> {
  const dir = mkdtempSync(join(tmpdir(), 'v9fs-'));
  const file = join(dir, 'script.sh');
  const prelude = `mnt() { mkdir -p "$2"; mount -t 9p -o "trans=tcp,port=${port},cache=none,version=$1\${3:+,$3}" "$V9FS_HOST" "$2"; }\n`;
  writeFileSync(file, prelude + script);
  return new Promise((resolve) => {
    const p = spawn('bash', [HARNESS, String(port), file], {
      env: { ...process.env, V9FS_NOMOUNT: '1', V9FS_TIMEOUT: String(timeoutS) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (b) => { out += b; });
    p.stderr.on('data', (b) => { err += b; });
    p.on('close', (code) => {
      rmSync(dir, { recursive: true, force: true });
      resolve({ rc: code ?? -1, out, err });
    });
  });
}

/** Split guest output into sections printed as `== NAME` header lines. */
export function sections(out: string): Map<string, string> {
  const m = new Map<string, string>();
  let name = '';
  for (const line of out.split('\n')) {
    const h = /^== (.*)$/.exec(line);
    if (h) {
      name = h[1];
      m.set(name, '');
    } else if (name) {
      m.set(name, m.get(name) + line + '\n');
    }
  }
  return m;
}
