// SPDX-License-Identifier: GPL-2.0-or-later
//
// top: frames rendered into a fixed-size fake terminal (renderTop is pure), keys driven
// through TopApp with a fake terminal against a machine (render, key, render), and the
// --once/--json paths.

import t from 'tap';
import { json, runner, startMachine } from './harness.js';
import { Session } from '../../cmd/lib/connect.js';
import { defaultView, renderTop, type TopCore, type TopData, type TopProc } from '../../cmd/lib/top.js';
import { parseKeys, TopApp, type Terminal } from '../../cmd/lib/top-app.js';
import { Rates } from '../../cmd/lib/usage.js';

const core = (n: number, alloc: number | null, prov: number | null = null, vcore: number | null = null, util: number | null = null): TopCore =>
  ({ core: n, role: n === 0 ? 'll' : 'cg', state: alloc === null ? 'idle' : 'busy', prov, alloc, vcore, util });
const proc = (o: Partial<TopProc> & Pick<TopProc, 'pid' | 'name' | 'user' | 'state'>): TopProc => ({
  wanted: 0, granted: 0, provisioned: 0, ppid: 0, mcp: true, preempt_pending: 0, cpu: null, run_ns: null, preempted: false, ...o,
});

const DATA: TopData = {
  sysname: 'nanwan',
  clock: { mode: 'paused', now: 20_000_000, speed: 1 },
  policy: 'fcfs', grace: 10_000_000, tick: 10_000_000,
  cores: [core(0, null, null, null, 0), core(1, 7, 7, 0, 1), core(2, 7, 7, 1, 0.5), core(3, 9, 7, 0, 0.25), core(4, 9, null, 1, 1),
    core(5, null, null, null, 0), core(6, null, 9, null, 0), core(7, null)],
  procs: [
    proc({ pid: 7, name: 'spin', user: 'glenda', state: 'RUNNING_M', wanted: 3, granted: 2, provisioned: 3, cpu: 1.5, run_ns: 30_000_000 }),
    proc({ pid: 9, name: 'hog', user: 'bob', state: 'RUNNING_M', wanted: 7, granted: 2, provisioned: 1, preempt_pending: 1, cpu: 2 }),
    proc({ pid: 11, name: '', user: 'glenda', state: 'CREATED', wanted: null, granted: null, provisioned: null, ppid: 7, mcp: false, preempt_pending: null }),
    proc({ pid: 12, name: 'gone', user: 'bob', state: 'DYING_ABORT', cpu: 0 }),
  ],
  events: Array.from({ length: 30 }, (_x, i) => ({ time: i * 1_000_000, kind: 'grant', text: `pid=9 vcore=${i} pcore=3 and a long tail past the edge` })),
};

t.test('renderTop: one 60x22 frame', async (t) => {
  const frame = renderTop(DATA, { cols: 60, rows: 22 });
  t.equal(frame.length, 22, 'exactly rows lines');
  for (const l of frame) t.ok(l.length <= 60, `fits: ${JSON.stringify(l)}`);
  t.equal(frame[0], 'akaros top  nanwan  virtual 0:00.020 paused speed 1  fcfs gr', 'the clock line: virtual time, mode, speed');
  t.equal(frame[1], '8 cores: 1 ll, 7 cg (4 busy, 3 idle, 46% busy)   4 processes', 'counts over the CG cores');
  t.equal(frame[2], 'cores: PID on it, * provisioned to it, /pN provisioned to N,');
  // 60 columns hold 4 cells of 15 (14 + a space): two rows of cores, each with its % busy.
  t.equal(frame[3], ' 0 LL       0%  1 7*     100%  2 7*      50%  3 9/p7    25%');
  t.equal(frame[4], ' 4 9      100%  5 .        0%  6 ./p9     0%  7 .         -');
  t.equal(frame[5], '');
  t.equal(frame[6], '  PID^ NAME       USER     STATE       WANT GRANT PROV  CPU%', 'sorted by PID, ascending');
  t.equal(frame[7], '     7 spin       glenda   RUNNING_M      3     2    3  150%');
  t.equal(frame[8], '     9 hog        bob      RUNNING_M      7     2    1  200%');
  t.equal(frame[9], '    11 -          glenda   CREATED        -     -    -     -');
  t.equal(frame[10], '    12 gone       bob      DYING_ABORT    0     0    0    0%', 'DYING_ABORT keeps the columns in line');
  t.equal(frame[11], 'kernel log (/dev/kmesg), newest last; now 0:00.020');
  t.equal(frame[12], ' 0:00.020 grant pid=9 vcore=20 pcore=3 and a long tail past', 'as many records as fit');
  t.equal(frame[21], ' 0:00.029 grant pid=9 vcore=29 pcore=3 and a long tail past', 'newest last, cut at the edge');
});

t.test('renderTop: the columns of a wide frame line up with the header', async (t) => {
  const frame = renderTop(DATA, { cols: 100, rows: 24 });
  const head = frame.find((l) => l.includes('STATE'))!;
  for (const col of ['WANT', 'GRANT', 'PROV', 'CPU%']) {
    const end = head.indexOf(col) + col.length;
    for (const pid of [7, 11, 12]) {
      const row = frame.find((l) => new RegExp(`^\\s+${pid} `).test(l))!;
      t.match(row[end - 1], /\S/, `${col} of pid ${pid} ends under its header`);
      t.equal(row[end], ' ');
    }
  }
  t.match(frame.find((l) => /^\s+7 /.test(l)), /  1-2$/, 'each process\'s cores from the map');
});

t.test('renderTop: colour', async (t) => {
  const frame = renderTop(DATA, { cols: 120, rows: 14 }, true);
  t.equal(frame.length, 14);
  t.match(frame[3], /\x1b\[2m 0 LL/, 'LL cores dim');
  const colourOf = (pid: number, d = DATA): string | undefined =>
    new RegExp(`\\x1b\\[(30;\\d+)m\\s*\\d+ ${pid}`).exec(renderTop(d, { cols: 120, rows: 14 }, true)[3])?.[1];
  t.ok(colourOf(7) && colourOf(9) && colourOf(7) !== colourOf(9), 'two owners, two colours');
  // pids 1 and 7 are 6 apart: a palette indexed by pid mod 6 gave them the same colour.
  const six = { ...DATA, cores: [core(0, null), core(1, 1, null, 0, 1), core(2, 7, null, 0, 1)] };
  t.not(colourOf(1, six), colourOf(7, six), 'pids 1 and 7 do not share a colour');
  const warned = frame.find((l) => l.includes(' hog '));
  t.match(warned, /^\x1b\[33;1m/, 'a process warned of a preemption is yellow');
  const pre = renderTop({ ...DATA, procs: [{ ...DATA.procs[0], preempted: true }] }, { cols: 120, rows: 14 }, true);
  t.match(pre.find((l) => l.includes(' spin ')), /^\x1b\[31;1m/, 'a process that just lost a core is red');
  t.notMatch(renderTop(DATA, { cols: 120, rows: 14 }).join('\n'), /\x1b/, 'no escapes without colour');
});

t.test('renderTop: too many processes for the screen', async (t) => {
  const many = { ...DATA, procs: Array.from({ length: 40 }, (_x, i) => ({ ...DATA.procs[0], pid: i + 1 })) };
  const frame = renderTop(many, { cols: 80, rows: 24 });
  t.equal(frame.length, 24);
  t.ok(frame.some((l) => /^  \.\.\. \d+ more$/.test(l)), 'says how many are not shown');
  t.ok(frame.some((l) => l.startsWith('kernel log')), 'the log keeps its place');
  const sel = renderTop(many, { cols: 80, rows: 24 }, false, { ...defaultView(true), selected: 40 });
  t.ok(sel.some((l) => /^>\s+40 /.test(l)), 'the selected process is kept on screen');
  t.ok(sel.some((l) => /above\)$/.test(l)));
});

t.test('parseKeys', async (t) => {
  t.same(parseKeys('\x1b[A\x1b[Bk/x\r\x1b\x7f\x03'), ['up', 'down', { ch: 'k' }, { ch: '/' }, { ch: 'x' }, 'enter', 'escape', 'backspace', 'ctrl-c']);
  t.same(parseKeys('\x1b[5~\x1b[6~\x1b[H\x1b[F\x1b[99;5Zq'), ['pgup', 'pgdn', 'home', 'end', { ch: 'q' }], 'unknown sequences are skipped whole');
});

t.test('top keys through a fake terminal: render, key, render', async (t) => {
  const m = await startMachine(8);
  t.teardown(() => m.close());
  const run = runner(m);
  const spin = Number((await run('mcp', 'new', '--name', 'spin', '--cores', '2')).stdout.trim());
  const hog = Number((await runner(m, 'bob')('mcp', 'new', '--name', 'hog')).stdout.trim());
  await runner(m, 'bob')('mcp', 'want', `${hog}`, '3');
  const s = await Session.open({ address: m.address, user: 'glenda', dialect: '9P2000.L' });
  t.teardown(() => s.close());
  const frames: string[][] = [];
  const term: Terminal = { size: () => ({ cols: 80, rows: 24 }), color: false, draw: (f) => { frames.push(f); } };
  const app = new TopApp(s, term);
  const screen = (): string => frames[frames.length - 1].join('\n');
  const row = (pid: number): string | undefined => frames[frames.length - 1].find((l) => new RegExp(`^[ >]\\s*${pid} `).test(l));
  const press = async (keys: string): Promise<'quit' | undefined> => {
    let r: 'quit' | undefined;
    for (const k of parseKeys(keys)) r = await app.key(k);
    return r;
  };

  await app.refresh();
  t.match(row(spin), /^>/, 'the first process is selected');
  t.match(screen(), /^q quit {2}\? help {2}k kill/m, 'the key line');
  await press('\x1b[B');
  t.match(row(hog), /^>/, 'Down selects the next');
  await press('?');
  t.match(screen(), /akaros top keys/, '? shows the help');
  t.notMatch(screen(), /STATE/);
  await press(' ');
  t.match(screen(), /STATE/, 'any key leaves it');
  await press('P');
  t.match(screen(), /CPU%v/, 'P sorts by CPU%, busiest first');
  await press('>');
  t.match(screen(), /PIDv/, '> moves the sort to the next column (wrapping), same direction');
  const order = (): number => frames[frames.length - 1].findIndex((l) => l.includes(' hog ')) - frames[frames.length - 1].findIndex((l) => l.includes(' spin '));
  t.ok(order() < 0, 'hog (the higher pid) first');
  await press('I');
  t.match(screen(), /PID\^/, 'I inverts');
  t.ok(order() > 0, 'spin first');
  await press('N');
  await press('/sp');
  t.match(screen(), /^filter: sp_/m, 'typing a filter');
  t.ok(row(spin) && !row(hog), 'applied as it is typed');
  await press('\r');
  t.match(screen(), /\[filter "sp"\]/, 'Enter keeps it');
  await press('/\x1b');
  t.ok(row(spin) && row(hog), 'Esc clears it');
  await press('u');
  t.ok(row(hog) && !row(spin), 'u: the first user (bob)');
  await press('u');
  t.ok(row(spin) && !row(hog), 'u again: the next (glenda)');
  await press('u');
  t.ok(row(spin) && row(hog), 'then everyone');

  // k on bob's process as glenda: refused, and the reason is shown.
  await press('\x1b[Hk');
  t.match(screen(), new RegExp(`^kill ${spin} \\(spin\\)\\? y/n$`, 'm'), 'k asks first');
  await press('n');
  t.match(screen(), new RegExp(`^kill ${spin}: cancelled$`, 'm'));
  t.ok(row(spin), 'n leaves it alive');
  await press('\x1b[Bky');
  t.match(screen(), new RegExp(`^kill ${hog}: /mcp/${hog}/ctl: Operation not permitted`, 'm'), 'another user\'s process: the error');
  await press('\x1b[Hky');
  t.match(screen(), new RegExp(`^killed ${spin}$`, 'm'), 'y writes kill to its ctl');
  t.notOk(row(spin) && /RUNNING/.test(row(spin)!), 'and it is no longer running');
  t.match((await run('cat', `/mcp/${spin}/wait`)).stdout, `${spin} 1337 killed`);
  t.equal(await press('q'), 'quit', 'q quits');
});

t.test('top --once against a machine', async (t) => {
  const m = await startMachine(8);
  t.teardown(() => m.close());
  const run = runner(m);
  await run('mcp', 'new', '--name', 'spin', '--cores', '2');
  const r = await run('top', '--once', '--cols', '80', '--rows', '16');
  t.equal(r.exit, 0);
  const lines = r.stdout.replace(/\n$/, '').split('\n');
  t.ok(lines.length <= 16, 'at most 16 rows (blank rows at the bottom dropped)');
  t.match(lines[0], /^akaros top {2}nanwan {2}virtual 0:00\.000 paused speed 1 {2}fcfs grace 10ms tick 10ms$/);
  t.equal(lines[3], ' 0 LL        -  1 1*        -  2 1*        -  3 .         -  4 .         -', 'no time has passed: no % yet');
  t.match(r.stdout, /^\s+1 spin\s+glenda\s+RUNNING_M\s+2\s+2\s+2\s+-\s+-\s+-\s+1-2$/m);
  t.match(r.stdout, /^ 0:00\.000 grant pid=1 vcore=1 pcore=2$/m);
  await runner(m, 'eve')('sim', 'step', '10ms');
  const busy = await run('top', '--once', '--cols', '80', '--rows', '16');
  t.match(busy.stdout, /^ 0 LL {7}0% {2}1 1\* {5}100% {2}2 1\* {5}100% {2}3 \. {8}0%/m, '% busy from /core/sysstat');
  t.match(busy.stdout, /^\s+1 spin\s+glenda\s+RUNNING_M\s+2\s+2\s+2\s+200%\s+-\s+-\s+1-2$/m, 'CPU% from /mcp/1/stat: two cores');
  const j = json<TopData>(await run('top', '--json'));
  t.equal(j.cores.length, 8);
  t.equal(j.procs[0].name, 'spin');
  t.equal(j.procs[0].cpu, 2);
  t.ok(j.events.some((e) => e.kind === 'create' && e.text.startsWith('pid=1 ')));
});

t.test('top --once shows the newest log records, not the oldest', async (t) => {
  const m = await startMachine(8);
  t.teardown(() => m.close());
  // Far more log than one read holds (a read is at most msize bytes).
  const s = await Session.open({ address: m.address, user: 'eve', dialect: '9P2000.L' });
  for (let i = 0; i < 12; i++) {
    await s.write('/dev/kmesg', Array.from({ length: 100 }, (_x, j) => `note ${i * 100 + j} ${'x'.repeat(60)}`).join('\n') + '\n');
  }
  s.close();
  const j = json<TopData>(await runner(m)('top', '--json'));
  t.match(j.events[j.events.length - 1].text, /^note 1199 /, '--json ends with the newest record');
  const r = await runner(m)('top', '--once', '--rows', '20');
  t.match(r.stdout.trimEnd().split('\n').pop(), /note 1199 /, 'so does the frame');
});

t.test('Rates: utilisation from successive samples', async (t) => {
  const r = new Rates();
  t.same([...r.coreRates([{ core: 1, idle_ns: 0, user_ns: 0 }, { core: 2, idle_ns: 30, user_ns: 10 }])], [[1, null], [2, 0.25]], 'first: since boot');
  t.same([...r.coreRates([{ core: 1, idle_ns: 10, user_ns: 30 }, { core: 2, idle_ns: 30, user_ns: 50 }])], [[1, 0.75], [2, 1]], 'then: the interval');
  t.same([...r.coreRates([{ core: 1, idle_ns: 10, user_ns: 30 }, { core: 2, idle_ns: 30, user_ns: 50 }])], [[1, 0.75], [2, 1]], 'a paused clock keeps the last value');
  t.equal(r.procRate(5, 0, 100, 100), null, 'no time since creation');
  t.equal(r.procRate(5, 200, 200, 100), 2, 'two cores for 100ns');
  t.equal(r.procRate(5, 250, 300, 100), 0.5);
  t.equal(r.procRate(5, 250, 300, 100), 0.5, 'no time passed: the last value');
});

t.test('top shows each MCP\'s program and its useful share', async (t) => {
  const m = await startMachine(8);
  t.teardown(() => m.close());
  const run = runner(m);
  // idle first, so that sorting by USE% has to put spin (the higher pid) above it.
  const idle = Number((await run('mcp', 'new', '--name', 'idle', '--cores', '1')).stdout.trim());
  const spin = Number((await run('mcp', 'new', '--cores', '2', '--run', 'spin', 'threads=2')).stdout.trim());
  const s = await Session.open({ address: m.address, user: 'glenda', dialect: '9P2000.L' });
  t.teardown(() => s.close());
  const frames: string[][] = [];
  const term: Terminal = { size: () => ({ cols: 100, rows: 24 }), color: false, draw: (f) => { frames.push(f); } };
  const app = new TopApp(s, term);
  const row = (pid: number): string | undefined => frames[frames.length - 1].find((l) => new RegExp(`^[ >]\\s*${pid} `).test(l));
  await app.refresh();
  t.match(frames[0].find((l) => l.includes('STATE')), /CPU% PROG {4}USE% {2}CORES$/, 'the program columns');
  t.match(row(spin), /\s-\s+spin\s+-\s+2-3$/, 'spin, before any time: no CPU% or util yet');
  t.match(row(idle), /\s-\s+-\s+-\s+1$/, 'no program: -');
  await runner(m, 'eve')('sim', 'step', '10ms');
  await app.refresh();
  const util = /\s200%\s+spin\s+(\d+)%\s+2-3$/.exec(row(spin) ?? '');
  t.ok(util && Number(util[1]) > 0, `spin after a virtual step: two cores, non-zero util (${row(spin)})`);
  t.match(frames[frames.length - 1][1], /, \d+% busy, [1-9]\d*% useful\)/, 'the cores\' useful share from /core/util');
  const d = app.data!;
  const p = d.procs.find((x) => x.pid === spin)!;
  t.equal(p.program, 'spin');
  t.equal(p.program_state, 'running');
  t.ok((p.useful_ns ?? 0) > 0 && (p.prog_util ?? 0) > 0 && (p.prog_util ?? 2) <= 1, 'useful ns and a share in (0, 1]');
  t.equal(d.procs.find((x) => x.pid === idle)!.program, null);
  t.ok(d.cores.filter((c) => c.alloc === spin).every((c) => (c.useful ?? 0) > 0), 'spin\'s cores did useful work');
  t.equal(d.cores[0].useful, null, 'the LL core has no /core/util line');
  await app.key({ ch: 'U' });
  t.match(frames[frames.length - 1].find((l) => l.includes('STATE')), /USE%v/, 'U sorts by USE%, highest first');
  const at = (pid: number): number => frames[frames.length - 1].indexOf(row(pid)!);
  t.ok(at(spin) < at(idle), 'spin before idle');
});
