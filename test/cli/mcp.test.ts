// SPDX-License-Identifier: GPL-2.0-or-later
//
// mcp new/cores/want/yield/events/wait/kill, ps, cores and sim against a paused machine.

import t from 'tap';
import { json, runner, startMachine, until } from './harness.js';
import { waiting } from '../../cmd/lib/signal.js';
import { Session } from '../../cmd/lib/connect.js';
import type { McpStatus, McpEvent } from '../../cmd/lib/mcp.js';
import type { ProcRow } from '../../cmd/lib/machine.js';
import type { CoresResult } from '../../cmd/commands/cores.js';

t.test('mcp, ps, cores, sim', async (t) => {
  const m = await startMachine();
  t.teardown(() => m.close());
  const run = runner(m);
  const eve = runner(m, 'eve');

  const a = json<McpStatus>(await run('mcp', 'new', '--name', 'spin', '--cores', '4', '--json'));
  t.match(a, { name: 'spin', user: 'glenda', state: 'RUNNING_M', wanted: 4, granted: 4, provisioned: 4, cores: '1-4', prov: '1-4' });
  const plain = await run('mcp', 'new');
  t.match(plain.stdout, /^\d+\n$/, 'mcp new prints the id when not on a terminal');
  const b = Number(plain.stdout.trim());

  t.test('mcp cores / want: output, json, errors', async (t) => {
    const w = await run('mcp', 'want', String(b), '15');
    t.equal(w.exit, 0);
    t.equal(w.stdout, `pid ${b}  RUNNING_M  wanted 15  granted 11  provisioned 0  cores 5-15  prov -\n`);
    const e = await run('mcp', 'cores', String(b), '14');
    t.equal(e.exit, 1);
    t.equal(e.stderr, 'akaros: cores 14: No space left on device: 11 cores free to provision\n');
    const r = await run('mcp', 'cores', String(b), '16', '--json');
    t.equal(r.exit, 1);
    t.match(json(r), { error: { message: /^cores 16: Numerical result out of range/, exit: 1, errno: 'ERANGE' } });
    const u = await run('mcp', 'cores', String(b), 'x');
    t.equal(u.exit, 2, 'a bad number is a usage error');
    const g = await run('mcp', 'cores', '999', '1');
    t.equal(g.exit, 1);
    t.match(g.stderr, /^akaros: \/mcp\/999\/ctl: No such file or directory/);
  });

  t.test('events, yield --nice', async (t) => {
    // a wants 2 more cores: b's cores 5-6 are taken back with a warning. b reads its
    // warnings, so it registers for them (the kernel drops a type nobody registered).
    t.equal((await run('write', `/mcp/${b}/ctl`, 'ev EV_PREEMPT_PENDING ucq')).exit, 0);
    const c = json<McpStatus>(await run('mcp', 'cores', String(a.pid), '6', '--json'));
    t.equal(c.provisioned, 6);
    const ev = json<{ events: McpEvent[]; ended: string }>(await run('mcp', 'events', String(b), '--json'));
    t.equal(ev.ended, 'once');
    t.ok(ev.events.length >= 1, 'b was warned');
    t.equal(ev.events[0].type, 'EV_PREEMPT_PENDING');
    const vc = ev.events[0].args.arg1;
    t.match(ev.events[0].args, { arg1: /^\d+$/, x_deadline: /^\d+$/ });
    const y = await run('mcp', 'yield', String(b), vc, '--nice');
    t.equal(y.exit, 0, 'yield nice answers the warning');
    const again = await run('mcp', 'yield', String(b), vc, '--nice');
    t.equal(again.exit, 1);
    t.match(again.stderr, new RegExp(`^akaros: yield ${vc} nice: Invalid argument: vcore ${vc} of \\d+ is not online\n$`),
      'the vcore is gone: the server says why, once');
  });

  t.test('ps', async (t) => {
    const p = await run('ps');
    const lines = p.stdout.trimEnd().split('\n');
    t.match(lines[0], /^pid\s+name\s+user\s+state\s+wanted\s+granted\s+provisioned\s+ppid$/);
    t.match(lines[1], new RegExp(`^\\s*${a.pid}\\s+spin\\s+glenda\\s+RUNNING_M\\s+6\\s+\\d+\\s+6\\s+0$`));
    const rows = json<ProcRow[]>(await run('ps', '--json'));
    t.same(rows.map((r) => r.pid), [a.pid, b]);
    t.match(rows[1], { pid: b, user: 'glenda', mcp: true, wanted: 15, provisioned: 0 });
  });

  t.test('cores', async (t) => {
    const c = await run('cores');
    const lines = c.stdout.trimEnd().split('\n');
    t.match(lines[0], /^ncores 16  ll 0  cg 15  idle \d+  policy fcfs  grace 10000000ns  tick 10000000ns$/);
    t.match(lines[1], /^core\s+role\s+state\s+prov\s+alloc\s+vcore\s+owner$/);
    t.match(lines[2], /^\s+0\s+ll\s+idle\s+-\s+-\s+-\s+-$/);
    t.match(lines[3], new RegExp(`^\\s+1\\s+cg\\s+busy\\s+${a.pid}\\s+${a.pid}\\s+0\\s+glenda$`));
    const j = json<CoresResult>(await run('cores', '--json'));
    t.equal(j.summary.ncores, 16);
    t.equal(j.cores.length, 16);
    t.match(j.cores[1], { core: 1, role: 'cg', prov: a.pid, alloc: a.pid, owner: 'glenda' });
  });

  t.test('sim', async (t) => {
    const s = await run('sim', 'status');
    t.match(s.stdout, /^mode paused$/m);
    const now = json<{ now: number }>(await run('sim', 'status', '--json')).now;
    const st = json<{ now: number; mode: string }>(await eve('sim', 'step', '10ms', '--json'));
    t.equal(st.now, now + 10_000_000, 'step 10ms');
    const denied = await run('sim', 'step', '1ms');
    t.equal(denied.exit, 1, 'only the host owner steps');
    t.match(denied.stderr, /^akaros: \/sim\/ctl: Operation not permitted/);
    const bad = await eve('sim', 'speed', '0');
    t.equal(bad.exit, 1);
    t.match(bad.stderr, /^akaros: speed 0: Numerical result out of range/);
    t.match(json(await eve('sim', 'speed', '2', '--json')), { speed: 2 });
    t.match(json(await eve('sim', 'resume', '--json')), { mode: 'running' });
    t.match(json(await eve('sim', 'pause', '--json')), { mode: 'paused' });
  });

  t.test('wait and kill', async (t) => {
    // No assertion while a command's output is being captured (tap would write into it),
    // and the kill goes through its own connection, not a second captured command.
    const p = run('mcp', 'wait', String(b), '--json');
    await until(() => waiting() > 0, 'mcp wait to block');
    const s = await Session.open({ address: m.address, user: 'glenda', dialect: '9P2000.L' });
    await s.write(`/mcp/${b}/ctl`, 'kill 7\n');
    s.close();
    const w = await p;
    t.equal(w.exit, 0);
    t.same(json(w), { pid: b, code: 7, reason: 'killed' });
    const ka = json(await run('mcp', 'kill', String(a.pid), '--json'));
    const gone = await run('mcp', 'kill', String(a.pid));
    t.equal(gone.exit, 1);
    t.match(gone.stderr, /^akaros: kill 1337: No such process/);
    t.same(ka, { pid: a.pid, code: 1337 });
  });
});
