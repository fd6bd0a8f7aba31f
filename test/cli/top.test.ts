// SPDX-License-Identifier: GPL-2.0-or-later
//
// top: one frame rendered into a fixed-size fake terminal (renderTop is pure), and the
// --once/--json paths against a machine.

import t from 'tap';
import { json, runner, startMachine } from './harness.js';
import { renderTop, type TopData } from '../../cmd/lib/top.js';
import type { CoreRow } from '../../cmd/lib/machine.js';

const core = (n: number, alloc: number | null, prov: number | null = null, vcore: number | null = null): CoreRow =>
  ({ core: n, role: n === 0 ? 'll' : 'cg', state: alloc === null ? 'idle' : 'busy', prov, alloc, vcore });

const DATA: TopData = {
  sysname: 'nanwan',
  clock: { mode: 'paused', now: 20_000_000, speed: 1 },
  policy: 'fcfs', grace: 10_000_000,
  cores: [core(0, null), core(1, 7, 7, 0), core(2, 7, 7, 1), core(3, 9, 7, 0), core(4, 9, null, 1), core(5, null), core(6, null, 9), core(7, null)],
  procs: [
    { pid: 7, name: 'spin', user: 'glenda', state: 'RUNNING_M', wanted: 3, granted: 2, provisioned: 3, ppid: 0, mcp: true },
    { pid: 9, name: 'hog', user: 'bob', state: 'RUNNING_M', wanted: 7, granted: 2, provisioned: 1, ppid: 0, mcp: true },
    { pid: 11, name: '', user: 'glenda', state: 'CREATED', wanted: null, granted: null, provisioned: null, ppid: 7, mcp: false },
  ],
  events: Array.from({ length: 30 }, (_x, i) => `${i * 1000} grant pid=9 vcore=${i} pcore=3 and a long tail that goes past the edge of the terminal`),
};

t.test('renderTop: one 60x20 frame', async (t) => {
  const frame = renderTop(DATA, { cols: 60, rows: 20 });
  t.equal(frame.length, 20, 'exactly rows lines');
  for (const l of frame) t.ok(l.length <= 60, `fits: ${JSON.stringify(l)}`);
  t.equal(frame[0], 'akaros top  nanwan  20.000ms paused  8 cores 1 ll 4 busy  fc');
  t.equal(frame[1], 'cores: PID running on it, * provisioned to it, /pN provision');
  // 60 columns hold 6 cells of 10 (9 + a space): two rows of cores.
  t.equal(frame[2], ' 0 LL      1 7*      2 7*      3 9/p7    4 9       5 .');
  t.equal(frame[3], ' 6 ./p9    7 .');
  t.equal(frame[4], '');
  t.equal(frame[5], '   PID NAME       USER     STATE      WANT GRANT PROV  CORES');
  t.equal(frame[6], '     7 spin       glenda   RUNNING_M     3     2    3  1-2', 'cores of each process from the map');
  t.equal(frame[7], '     9 hog        bob      RUNNING_M     7     2    1  3-4');
  t.equal(frame[8], '    11 -          glenda   CREATED       -     -    -  -');
  t.equal(frame[9], 'recent events (/dev/kmesg)');
  t.equal(frame[19], `29000 grant pid=9 vcore=29 pcore=3 and a long tail that goes`, 'newest event last, cut at the edge');
  t.equal(frame[10], `20000 grant pid=9 vcore=20 pcore=3 and a long tail that goes`, 'as many events as fit');
});

t.test('renderTop: colour and a wide terminal', async (t) => {
  const frame = renderTop(DATA, { cols: 120, rows: 12 }, true);
  t.equal(frame.length, 12);
  t.match(frame[2], /\x1b\[30;4\dm 1 7\*/, 'owner colours in colour mode');
  t.match(frame[2], /\x1b\[2m 0 LL/, 'LL cores dim');
  t.match(frame[4], /CORES/, 'the cores column');
  const plain = renderTop(DATA, { cols: 120, rows: 12 });
  t.match(plain[5], /^\s+7 spin .*  1-2$/, 'each process\'s cores from the map');
  t.notMatch(plain.join('\n'), /\x1b/, 'no escapes without colour');
});

t.test('renderTop: too many processes for the screen', async (t) => {
  const many = { ...DATA, procs: Array.from({ length: 40 }, (_x, i) => ({ ...DATA.procs[0], pid: i + 1 })) };
  const frame = renderTop(many, { cols: 80, rows: 24 });
  t.equal(frame.length, 24);
  t.ok(frame.some((l) => /^  \.\.\. \d+ more$/.test(l)), 'says how many are not shown');
  t.ok(frame.includes('recent events (/dev/kmesg)'), 'events keep their place');
});

t.test('top --once against a machine', async (t) => {
  const m = await startMachine(8);
  t.teardown(() => m.close());
  const run = runner(m);
  await run('mcp', 'new', '--name', 'spin', '--cores', '2');
  const r = await run('top', '--once', '--cols', '80', '--rows', '16');
  t.equal(r.exit, 0);
  const lines = r.stdout.split('\n');
  t.ok(lines.length <= 16, 'at most 16 rows (blank rows at the bottom dropped)');
  t.match(lines[0], /^akaros top  nanwan  0ns paused  8 cores 1 ll 2 busy  fcfs grace 10\.000ms$/);
  t.equal(lines[2], ' 0 LL      1 1*      2 1*      3 .       4 .       5 .       6 .       7 .');
  t.match(r.stdout, /^\s+1 spin\s+glenda\s+RUNNING_M\s+2\s+2\s+2\s+1-2$/m);
  t.match(r.stdout, /^0 grant pid=1 vcore=1 pcore=2$/m);
  const j = json<TopData>(await run('top', '--json'));
  t.equal(j.cores.length, 8);
  t.equal(j.procs[0].name, 'spin');
  t.ok(j.events.some((e) => e.includes('create pid=1')));
});
