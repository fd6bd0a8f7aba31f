// SPDX-License-Identifier: GPL-2.0-or-later
//
// End to end: the built `akaros` binary (node bin/run.js) as subprocesses — `akaros
// serve` on a free loopback port, and client commands against it, Ctrl-C included.

import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../cmd/lib/oclif.js';
import { freePort } from '../harness/port.js';

const BIN = join(PROJECT_ROOT, 'bin', 'run.js');

interface Done { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

function start(args: string[], env: NodeJS.ProcessEnv = {}): { p: ChildProcess; done: Promise<Done>; out: () => string } {
  // AKAROS_NO_BUILD: the suite runs on a tree `npm test` has just built.
  const p = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, ...env, NODE_ENV: 'production', AKAROS_NO_BUILD: '1' }, stdio: ['pipe', 'pipe', 'pipe'],
  });
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

  // Flags before the command words (issue 17, bug 1): they work, or the status is 2.
  const j = await run(['mcp', '--json', 'new']);
  t.equal(j.code, 0, 'mcp --json new');
  t.match(JSON.parse(j.stdout), { user: 'glenda', state: 'RUNNABLE_M' });
  const hp = await run(['mcp', '-a', `127.0.0.1:${port}`, 'new']);
  t.equal(hp.code, 0, 'mcp -a HOST:PORT new');
  t.match(hp.stdout, /^\d+\n$/);
  const st = await run(['sim', '-u', 'eve', 'step', '1ms']);
  t.equal(st.code, 0);
  t.match(st.stdout, /^now 1ms$/m, 'sim -u eve step 1ms stepped the clock');
  const topic = await run(['mcp', '--json']);
  t.equal(topic.code, 2, 'a topic with flags and no command: status 2');

  // A multi-line write blames the line the server refused (bug 5).
  const ml = await run(['write', `/mcp/${pid}/ctl`, '-'], 'want 2\nbanana\nwant 3\n');
  t.equal(ml.code, 1);
  t.equal(ml.stderr, 'akaros: banana: Invalid argument: unknown control message "banana"\n');

  // --json errors go to stderr (bug 3): `| jq -r .pid` sees nothing.
  const je = await run(['mcp', 'new', '--cores', '99', '--json']);
  t.equal(je.code, 1);
  t.equal(je.stdout, '');
  t.match(JSON.parse(je.stderr), { error: { errno: 'ERANGE', exit: 1 } });

  // cat streams (bug 4): the log appears before any end of file, and Ctrl-C ends it.
  const k = start(['cat', '/dev/kmesg'], env);
  k.p.stdin!.end();
  await until(() => k.out().includes(`create pid=${pid}`), 'cat /dev/kmesg to print the log');
  k.p.kill('SIGINT');
  const kd = await k.done;
  t.equal(kd.code, 0, 'cat of a blocking file ends with status 0 on SIGINT');
  t.equal(kd.stderr, '');
  // /dev/zero never ends: cat writes as it reads, and stops when its reader goes away.
  const z = start(['cat', '/dev/zero'], env);
  z.p.stdin!.end();
  let got = 0;
  await new Promise<void>((resolve) => {
    z.p.stdout!.on('data', (b: Buffer) => {
      got += b.length;
      if (got >= 8 << 20) { z.p.stdout!.destroy(); resolve(); }
    });
  });
  const zd = await z.done;
  t.ok(got >= 8 << 20, 'cat /dev/zero streamed 8 MiB');
  t.equal(zd.code, 0, 'and exited quietly when the pipe closed (head -c)');
  t.equal(zd.stderr, '');

  // Shell completion (oclif's autocomplete plugin), its cache in a scratch directory.
  const cache = mkdtempSync(join(tmpdir(), 'akaros-ac-'));
  t.teardown(() => rmSync(cache, { recursive: true, force: true }));
  const ac = start(['autocomplete', 'bash'], { XDG_CACHE_HOME: cache });
  ac.p.stdin!.end();
  const acd = await ac.done;
  t.equal(acd.code, 0, 'akaros autocomplete bash');
  t.match(acd.stdout, /akaros autocomplete script bash/, 'prints the set-up');
  const fn = readFileSync(join(cache, 'akaros', 'autocomplete', 'functions', 'bash', 'akaros.bash'), 'utf8');
  t.match(fn, /^mcp:new --json --address --user --dialect --auth --ca --cert --key --name --cores --run$/m, 'completes commands and their flags');

  const help = await run(['--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, /\$ akaros \[COMMAND\]/);

  server.p.kill('SIGTERM');
  const sd = await server.done;
  t.equal(sd.code, 0, 'serve stops cleanly on SIGTERM');
  t.match(sd.stdout, /akaros: stopped\n$/);
});
