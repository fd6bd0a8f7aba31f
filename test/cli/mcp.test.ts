// SPDX-License-Identifier: GPL-2.0-or-later
//
// mcp new/cores/want/yield/events/wait/kill, ps, cores and sim against a paused machine.

import t from 'tap';
import { json, jsonErr, runner, startMachine, until } from './harness.js';
import { waiting } from '../../cmd/lib/signal.js';
import { Session } from '../../cmd/lib/connect.js';
import type { McpStatus, McpEvent } from '../../cmd/lib/mcp.js';
import type { ProcRow } from '../../cmd/lib/machine.js';
import { formatCores, type CoresResult } from '../../cmd/commands/cores.js';
import { formatPs } from '../../cmd/commands/ps.js';
import { colorWanted } from '../../cmd/lib/color.js';

t.test('mcp, ps, cores, sim', async (t) => {
  const m = await startMachine();
  t.teardown(() => m.close());
  const run = runner(m);
  const eve = runner(m, 'eve');

  const a = json<McpStatus>(await run('mcp', 'new', '--name', 'spin', '--cores', '4', '--json'));
  t.match(a, {
    name: 'spin', user: 'glenda', state: 'RUNNING_M', wanted: 4, granted: 4, provisioned: 4,
    granted_cores: { ids: [1, 2, 3, 4], text: '1-4' }, provisioned_cores: { ids: [1, 2, 3, 4], text: '1-4' },
  });
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
    t.match(jsonErr(r), { error: { message: /^cores 16: Numerical result out of range/, exit: 1, errno: 'ERANGE' } });
    const u = await run('mcp', 'cores', String(b), 'x');
    t.equal(u.exit, 2, 'a bad number is a usage error');
    const g = await run('mcp', 'cores', '999', '1');
    t.equal(g.exit, 1);
    t.match(g.stderr, /^akaros: \/mcp\/999\/ctl: No such file or directory/);
  });

  t.test('a failed mcp new leaves nothing behind, not even in ps', async (t) => {
    const before = json<ProcRow[]>(await run('ps', '--json')).map((p) => p.pid);
    const f = await run('mcp', 'new', '--name', 'big', '--cores', '14');
    t.equal(f.exit, 1);
    t.match(f.stderr, /^akaros: cores 14: No space left on device: \d+ cores free to provision\n$/);
    t.equal(f.stdout, '', 'no id printed');
    const after = json<ProcRow[]>(await run('ps', '--json'));
    t.same(after.map((p) => p.pid), before, 'no DYING_ABORT process left while the clock is paused');
    t.notOk(after.some((p) => p.name === 'big'));
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
    // Akaros's EV_PREEMPT_PENDING names the vcore in arg1; the deadline is our extension
    const vc = String(ev.events[0].args.arg1);
    t.match(ev.events[0].args, { arg1: Number, x_deadline: Number });
    const y = await run('mcp', 'yield', String(b), vc, '--nice');
    t.equal(y.exit, 0, 'yield nice answers the warning');
    const again = await run('mcp', 'yield', String(b), vc, '--nice');
    t.equal(again.exit, 1);
    t.match(again.stderr, new RegExp(`^akaros: yield ${vc} nice: Invalid argument: vcore ${vc} of \\d+ is not online\n$`),
      'the vcore is gone: the server says why, once');
  });

  t.test('mcp status: the whole picture', async (t) => {
    const r = await run('mcp', 'status', String(b));
    t.equal(r.exit, 0);
    const lines = r.stdout.split('\n');
    t.match(lines[0], new RegExp(`^pid ${b} {2}name - {2}user glenda {2}state RUNNING_M$`));
    t.match(lines[1], /^cores {5}wanted 15 {2}granted \d+ \([-,\d]+\) {2}provisioned 0 \(-\) {2}max 15$/);
    t.match(lines[2], /^preempt {3}pending \d+ {2}warned \d+/);
    t.match(r.stdout, /^vcore {2}pcore {2}state +deadline {2}sent {2}done {2}run$/m, 'the vcores table');
    t.match(r.stdout, /^lasterr {3}\S/m, 'its last error');
    const j = json<{ status: McpStatus; vcores: unknown[]; stat: Record<string, number> }>(await run('mcp', 'status', String(b), '--json'));
    t.equal(j.status.pid, b);
    t.ok(j.vcores.length >= 1);
    t.equal(typeof j.stat.run_ns, 'number');
    const none = await run('mcp', 'status', '999');
    t.equal(none.exit, 1);
    t.match(none.stderr, /^akaros: \/mcp\/999\/status: No such file or directory/);
  });

  t.test('mcp events --timeout', async (t) => {
    const quiet = json<{ events: unknown[]; ended: string }>(await run('mcp', 'events', String(a.pid), '--timeout', '100ms', '--json'));
    t.same(quiet, { pid: a.pid, events: [], ended: 'timeout' }, 'nothing within the timeout: status 0, ended "timeout"');
    const f = await run('mcp', 'events', String(a.pid), '-f', '--timeout', '100ms');
    t.equal(f.exit, 0);
    t.equal(f.stdout, '');
    const bad = await run('mcp', 'events', String(a.pid), '--timeout', 'soon');
    t.equal(bad.exit, 2);
    t.equal(bad.stderr, 'akaros: --timeout: bad duration "soon"\n');
  });

  t.test('ps and cores in colour', async (t) => {
    const rows = json<ProcRow[]>(await run('ps', '--json'));
    const plain = formatPs(rows);
    t.notMatch(plain, /\x1b/);
    const colour = formatPs(rows, true);
    t.match(colour, /\x1b\[32mRUNNING_M/, 'running states green');
    t.equal(colour.replace(/\x1b\[[0-9;]*m/g, ''), plain, 'the same table under the colour');
    const cores = json<CoresResult>(await run('cores', '--json'));
    t.equal(formatCores(cores, true).replace(/\x1b\[[0-9;]*m/g, ''), formatCores(cores), 'cores too');
    t.match(formatCores(cores, true), /\x1b\[30;\d+m/, 'the running pid in its owner\'s colour');
    const saved = process.env.NO_COLOR;
    t.teardown(() => { if (saved === undefined) delete process.env.NO_COLOR; else process.env.NO_COLOR = saved; });
    delete process.env.NO_COLOR;
    t.equal(colorWanted({ isTTY: true }), true, 'a terminal gets colour');
    t.equal(colorWanted({ isTTY: false }), false, 'a pipe does not');
    process.env.NO_COLOR = '1';
    t.equal(colorWanted({ isTTY: true }), false, 'NO_COLOR turns it off');
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
    t.match(lines[0], /^ncores 16  ll 0  cg 15  idle \d+  policy fcfs  grace 10ms  tick 10ms$/);
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
