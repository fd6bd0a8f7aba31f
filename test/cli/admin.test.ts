// SPDX-License-Identifier: GPL-2.0-or-later
//
// The README's operator script ("A script", between the admin-script markers), run as
// the README says: `akaros serve --cores 8 --paused --hostowner eve --grace 10ms`, the script and its
// transcript's commands in sh/bash as eve, with bin/ on the PATH. Each command's output
// must be exactly what the README shows, so the README cannot drift from the tool.
// The script uses jq, as operators do: CI installs it (.ci/run); elsewhere the test is
// skipped without it, but not under CI.

import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../cmd/lib/oclif.js';

interface Step { command: string; expected: string }

/** The script and the transcript (`$ command` lines, each followed by its output). */
export function readmeScript(readme: string): { script: string; steps: Step[] } {
  const m = /<!-- admin-script -->\n```sh\n([\s\S]*?)```\n\n```\n([\s\S]*?)```\n<!-- \/admin-script -->/.exec(readme);
  if (!m) throw new Error('README.md: no admin-script block');
  const steps: Step[] = [];
  for (const line of m[2].split('\n')) {
    if (line.startsWith('$ ')) steps.push({ command: line.slice(2), expected: '' });
    else if (steps.length > 0 && line !== '') steps[steps.length - 1].expected += `${line}\n`;
  }
  return { script: m[1], steps };
}

const hasJq = spawnSync('sh', ['-c', 'command -v jq'], { stdio: 'ignore' }).status === 0;

t.test('the README operator script, run', { skip: !hasJq && !process.env.CI ? 'jq is not installed' : false }, async (t) => {
  const { script, steps } = readmeScript(readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8'));
  t.ok(steps.length >= 3, 'the transcript has its commands');
  const dir = mkdtempSync(join(tmpdir(), 'akaros-admin-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'batch.sh'), script);

  const env = { ...process.env, AKAROS_NO_BUILD: '1', PATH: `${join(PROJECT_ROOT, 'bin')}:${process.env.PATH}`, NODE_ENV: 'production' };
  // --grace 10ms: the script is about a grace period, our opt-in extension (Akaros, and
  // `serve` by default, revoke at once)
  const srv = spawn(process.execPath, [join(PROJECT_ROOT, 'bin', 'run.js'), 'serve', '--ephemeral', '--cores', '8', '--paused', '--hostowner', 'eve',
    '--grace', '10ms', '--listen', 'tcp!127.0.0.1!0'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => { if (srv.exitCode === null) srv.kill('SIGKILL'); });
  const address = await new Promise<string>((resolve, reject) => {
    let out = '';
    srv.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /serving 9P on (tcp!\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    srv.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
  });

  for (const step of steps) {
    const r = await new Promise<{ out: string; code: number | null }>((resolve) => {
      const p = spawn('bash', ['-c', `${step.command} 2>&1`], {
        cwd: dir, env: { ...env, AKAROS_ADDRESS: address, AKAROS_USER: 'eve' }, stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      p.stdout.on('data', (b: Buffer) => { out += b.toString(); });
      p.stderr.on('data', (b: Buffer) => { out += b.toString(); });
      p.on('close', (code) => resolve({ out, code }));
    });
    t.equal(r.out, step.expected, `$ ${step.command}`);
  }
  srv.kill('SIGTERM');
});
