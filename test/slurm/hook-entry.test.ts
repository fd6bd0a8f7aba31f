// SPDX-License-Identifier: GPL-2.0-or-later
//
// akaros-slurm, the hooks' own entry point (cmd/slurm-hook.ts): it must reach no module
// that loads oclif (that is why it exists), and run as a process it does what `akaros
// slurm prolog|epilog` does: the job's MCP made and released, a log line each, the exit
// status Slurm acts on.

import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { boot } from '../../cmd/boot.js';
import { Session } from '../../cmd/lib/connect.js';
import { PROJECT_ROOT } from '../../cmd/lib/oclif.js';
import { importGraph, readTree } from '../layers/graph.js';

const ENTRY = join(PROJECT_ROOT, 'bin', 'akaros-slurm.js');

function hook(args: string[], env: NodeJS.ProcessEnv): Promise<{ rc: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [ENTRY, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    p.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    p.stderr.on('data', (b: Buffer) => { err += b.toString(); });
    p.once('close', (rc) => resolve({ rc, out, err }));
  });
}

t.test('the entry reaches no module that imports a package other than Node\'s', async (t) => {
  const files = readTree(PROJECT_ROOT, ['cmd', 'lib']);
  const g = importGraph(files);
  const seen = new Set<string>();
  const todo = ['cmd/slurm-hook.ts'];
  while (todo.length) {
    const f = todo.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    todo.push(...(g.get(f) ?? []));
  }
  t.ok(seen.has('cmd/lib/slurm.ts'), 'it runs cmd/lib/slurm.ts');
  const packages = [...seen].flatMap((f) => [...(files.get(f) ?? '').matchAll(/from '([^.'][^']*)'/g)]
    .map((m) => m[1]).filter((p) => !p.startsWith('node:')).map((p) => `${f}: ${p}`));
  t.same(packages, [], 'no @oclif/core or other package');
});

t.test('prolog and epilog as processes', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'akhookentry-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const booted = await boot({ cores: 9, listen: ['tcp!127.0.0.1!0'], hostowner: 'eve' });
  t.teardown(() => booted.close());
  const conf = join(dir, 'hooks.conf');
  writeFileSync(conf, `spool ${dir}\nlog ${join(dir, 'log')}\nnode * ${booted.addresses[0]}\n`);
  const env = { ...process.env, AKAROS_SLURM_CONF: conf, SLURM_JOB_ID: '7', SLURM_JOB_USER: 'alice', SLURMD_NODENAME: 'n1' };

  const p = await hook(['prolog', '--cpus', '0-1'], env);
  t.equal(p.rc, 0, `prolog: ${p.err}`);
  const pid = /pid (\d+) slurm cpus 0-1 cores 1-2/.exec(p.out)?.[1];
  t.ok(pid, `the prolog says what it did: ${p.out}`);
  const s = await Session.open({ address: booted.addresses[0], user: 'eve', dialect: '9P2000.L' });
  t.teardown(() => s.close());
  t.match(await s.read(`/mcp/${pid}/status`), /^name slurm-7$/m);
  t.equal(await s.read(`/mcp/${pid}/prov`), '1-2\n');

  const e = await hook(['epilog'], env);
  t.equal(e.rc, 0, `epilog: ${e.err}`);
  t.match(e.out, new RegExp(`^epilog job 7 node n1: pid ${pid} cores 1-2 released`));
  t.equal(await s.readMaybe(`/mcp/${pid}/status`), undefined, 'the MCP is gone');
  t.match(readFileSync(join(dir, 'log'), 'utf8'), /prolog job 7 node n1 user alice: pid \d+[^\n]*\n.*epilog job 7 node n1: pid/, 'one log line each');

  const bad = await hook(['prolog', '--cpus', '0-1'], { ...env, SLURM_JOB_ID: '8', AKAROS_SLURM_CONF: join(dir, 'missing') });
  t.equal(bad.rc, 2, 'a missing configuration: exit 2');
  t.match(bad.err, /^akaros-slurm: .*missing/);
  const down = await hook(['prolog', '--cpus', '0-1', '--server', `unix!${join(dir, 'none.sock')}`], { ...env, SLURM_JOB_ID: '9' });
  t.not(down.rc, 0, 'no server: the prolog fails');
  t.equal((await hook(['reboot'], env)).rc, 2, 'not a hook: usage');
  t.equal((await hook(['epilog', '--cpus', '1'], env)).rc, 2, '--cpus is the prolog\'s');
});
