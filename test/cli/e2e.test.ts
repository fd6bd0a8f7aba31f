// SPDX-License-Identifier: GPL-2.0-or-later
//
// End to end: the built `akaros` binary (node bin/run.js) as subprocesses — `akaros
// serve` on a free loopback port, and client commands against it, Ctrl-C included.

import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../cmd/lib/oclif.js';

const BIN = join(PROJECT_ROOT, 'bin', 'run.js');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

interface Done { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

function start(args: string[], env: NodeJS.ProcessEnv = {}): { p: ChildProcess; done: Promise<Done>; out: () => string } {
  const p = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env, NODE_ENV: 'production' }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  p.stdout!.on('data', (b: Buffer) => { stdout += b.toString(); });
  p.stderr!.on('data', (b: Buffer) => { stderr += b.toString(); });
  const done = new Promise<Done>((resolve) => p.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { p, done, out: () => stdout };
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 3000; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

t.test('akaros serve + client commands as processes', async (t) => {
  const port = await freePort();
  const addr = `tcp!127.0.0.1!${port}`;
  const server = start(['serve', '--ephemeral', '--listen', addr, '--paused', '--hostowner', 'eve', '--cores', '8']);
  t.teardown(() => { if (server.p.exitCode === null) server.p.kill('SIGKILL'); });
  await until(() => server.out().includes('mount it with:'), 'the server to listen');
  t.match(server.out(), `akaros: serving 9P on ${addr}\n`);
  t.match(server.out(), `mount -t 9p -o trans=tcp,port=${port},version=9p2000.L,cache=none 127.0.0.1 /mnt/akaros`);

  const env = { AKAROS_ADDRESS: addr, USER: 'glenda' };
  const run = async (args: string[], input?: string): Promise<Done> => {
    const c = start(args, env);
    if (input !== undefined) c.p.stdin!.end(input);
    else c.p.stdin!.end();
    return c.done;
  };

  const n = await run(['mcp', 'new', '--name', 'spin']);
  t.equal(n.code, 0);
  const pid = n.stdout.trim();
  t.match(pid, /^\d+$/);

  const w = await run(['write', `/mcp/${pid}/ctl`, '-'], 'cores 2\nwant 3\n');
  t.equal(w.code, 0, 'write from standard input');
  const ps = await run(['ps', '--json']);
  t.equal(ps.code, 0);
  t.match(JSON.parse(ps.stdout), [{ pid: Number(pid), name: 'spin', user: 'glenda', wanted: 3, granted: 3, provisioned: 2 }]);

  const bad = await run(['mcp', 'cores', pid, '9']);
  t.equal(bad.code, 1);
  t.equal(bad.stderr, 'akaros: cores 9: Numerical result out of range: want 0..7 (max_vcores)\n');
  const usage = await run(['prov', '-t', 'm', '-p', pid]);
  t.equal(usage.code, 2);
  t.equal(usage.stderr, 'akaros: Provisioning memory is not supported yet\n');

  // read -f until Ctrl-C: the read is flushed and the command exits 0.
  const f = start(['read', '-f', '/dev/kmesg'], env);
  f.p.stdin!.end();
  await until(() => f.out().includes(`create pid=${pid}`), 'the log to arrive');
  f.p.kill('SIGINT');
  const fd = await f.done;
  t.equal(fd.code, 0, 'read -f exits 0 on SIGINT');
  t.equal(fd.stderr, '');

  const help = await run(['--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, /\$ akaros \[COMMAND\]/);

  server.p.kill('SIGTERM');
  const sd = await server.done;
  t.equal(sd.code, 0, 'serve stops cleanly on SIGTERM');
  t.match(sd.stdout, /akaros: stopped\n$/);
});
