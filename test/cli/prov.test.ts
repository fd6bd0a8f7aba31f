// SPDX-License-Identifier: GPL-2.0-or-later
//
// prov: Akaros's option combinations and messages, provisioning through /mcp/PID/ctl.

import t from 'tap';
import { json, jsonErr, runner, startMachine } from './harness.js';
import { parseCores } from '../../cmd/commands/prov.js';
import type { ProvResult } from '../../cmd/commands/prov.js';

t.test('parseCores: parlib_parse_cores messages', async (t) => {
  t.same(parseCores('1,3-5,9', 16), [1, 3, 4, 5, 9]);
  t.same(parseCores('5,1-2,2', 16), [1, 2, 5]);
  t.throws(() => parseCores('1,x', 16), { message: 'Invalid CPU range: x', exit: 2 });
  t.throws(() => parseCores('', 16), { message: 'Invalid CPU range: ' });
  t.throws(() => parseCores('16', 16), { message: 'CPU number out of bound: 16' });
  t.throws(() => parseCores('3-20', 16), { message: 'CPU number out of bound: 20' });
  t.throws(() => parseCores('5-3', 16), { message: 'CPU range is backwards: 5-3' });
});

t.test('prov', async (t) => {
  const m = await startMachine();
  t.teardown(() => m.close());
  const run = runner(m);
  const a = Number((await run('mcp', 'new')).stdout.trim());
  const b = Number((await run('mcp', 'new')).stdout.trim());

  t.test('usage messages (exit 2)', async (t) => {
    const cases: Array<[string[], string]> = [
      [['-p', `${a}`, '-v', '1'], 'No resource type selected.  Use -t'],
      [['-t', 'm', '-p', `${a}`, '-v', '1'], 'Provisioning memory is not supported yet'],
      [['-t', 'x', '-p', `${a}`, '-v', '1'], 'Unsupported resource type: x'],
      [['-t', 'c', '-p', `${a}`, '-s'], 'Too many modes given (-p, -s, CMD, etc)'],
      [['-t', 'c', '-p', `${a}`, 'spin'], 'Too many modes given (-p, -s, CMD, etc)'],
      [['-t', 'c', '-p', `${a}`, '-v', '1', '-m'], 'Provide only -v or -m, not both'],
      [['-t', 'c', '-v', '1'], 'No mode selected (-p, -s, etc).'],
      [['-t', 'c', '-p', `${a}`], 'No cores selected: give -v LIST, -m or --clear'],
      [['-t', 'c', '-p', `${a}`, '-v', '1,x'], 'Invalid CPU range: x'],
      [['-t', 'c', '-p', `${a}`, '-v', '16'], 'CPU number out of bound: 16'],
      [['-t', 'c', '-p', `${a}`, '-v', '5-3'], 'CPU range is backwards: 5-3'],
    ];
    for (const [args, msg] of cases) {
      const r = await run('prov', ...args);
      t.equal(r.exit, 2, `prov ${args.join(' ')}: exit 2`);
      t.equal(r.stderr, `akaros: ${msg}\n`, msg);
    }
    const j = await run('prov', '-t', 'm', '-p', `${a}`, '--json');
    t.same(jsonErr(j), { error: { message: 'Provisioning memory is not supported yet', exit: 2 } });
  });

  t.test('-v provisions each core, LL cores masked out', async (t) => {
    const r = await run('prov', '-tc', '-p', `${a}`, '-v', '0-2,5');
    t.equal(r.exit, 0);
    t.equal(r.stdout, `pid ${a} prov 1-2,5\n`);
    t.equal(r.stderr, '', 'LL cores in a longer list are masked out, as Akaros\'s prov does');
    const sk = json<ProvResult & { mode: 'pid' }>(await run('prov', '-tc', '-p', `${a}`, '-v', '0,1', '--json'));
    t.same(sk.skipped_ll, { ids: [0], text: '0' }, '--json names the LL cores it skipped');
    const j = json<ProvResult>(await run('prov', '-t', 'c', '-p', `${a}`, '-v', '7', '--json'));
    const list = (ids: number[], text: string) => ({ ids, text });
    t.same(j, {
      mode: 'pid', pid: a, requested: list([7], '7'), skipped_ll: list([], ''), done: list([7], '7'), cleared: false,
      provisioned_cores: list([1, 2, 5, 7], '1-2,5,7'),
    });
    t.equal((await run('cat', `/mcp/${a}/prov`)).stdout, '1-2,5,7\n');
  });

  t.test('an LL core alone is refused, not a silent success', async (t) => {
    const r = await run('prov', '-t', 'c', '-p', `${a}`, '-v', '0');
    t.equal(r.exit, 1);
    t.equal(r.stdout, '');
    t.equal(r.stderr, 'akaros: prov 0: Device or resource busy: core 0 is an LL core, never provisioned\n');
    t.match(jsonErr(await run('prov', '-t', 'c', '-p', `${a}`, '-v', '0', '--json')), { error: { errno: 'EBUSY', exit: 1 } });
  });

  t.test('a busy core stops the run where Akaros would', async (t) => {
    const r = await run('prov', '-t', 'c', '-p', `${b}`, '-v', '3-6', '--json');
    t.equal(r.exit, 1);
    t.match(jsonErr(r), { error: { message: `prov 5: Device or resource busy: core 5 is provisioned to ${a}`, errno: 'EBUSY' } });
    t.equal((await run('cat', `/mcp/${b}/prov`)).stdout, '3-4\n', 'cores before the failure stay provisioned');
  });

  t.test('--clear and -m', async (t) => {
    const c = json<ProvResult>(await run('prov', '-t', 'c', '-p', `${b}`, '--clear', '--json'));
    t.match(c, { cleared: true, done: { ids: [] }, provisioned_cores: { ids: [], text: '' } });
    t.equal((await run('prov', '-tc', '-p', `${b}`, '--clear')).stdout, `pid ${b} prov -\n`);
    const all = await run('prov', '-t', 'c', '-p', `${a}`, '--clear', '-m', '--json');
    t.match(json(all), { requested: { ids: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] }, provisioned_cores: { text: '1-15' } });
    const busy = await run('prov', '-t', 'c', '-p', `${b}`, '-m');
    t.equal(busy.exit, 1);
    t.equal(busy.stderr, `akaros: prov 1: Device or resource busy: core 1 is provisioned to ${a}\n`);
  });

  t.test('-s prints /core/map', async (t) => {
    const r = await run('prov', '-s');
    t.equal(r.stdout, (await run('cat', '/core/map')).stdout);
    t.match(r.stdout, /^core role state prov alloc vcore$/m);
    const j = json<ProvResult>(await run('prov', '-s', '--json'));
    t.equal(j.mode, 'show');
    t.equal(j.mode === 'show' && j.map.length, 16);
  });

  t.test('CMD: a new MCP, killed again when provisioning fails', async (t) => {
    await run('prov', '-t', 'c', '-p', `${a}`, '--clear');
    const r = json<ProvResult & { mode: 'cmd' }>(await run('prov', '-t', 'c', '-v', '2-3', 'worker', '--json'));
    t.equal(r.mode, 'cmd');
    t.equal(r.provisioned_cores.text, '2-3');
    t.match((await run('cat', `/mcp/${r.pid}/status`)).stdout, /^name worker$/m);
    const f = await run('prov', '-t', 'c', '-v', '0,3', 'loser');
    t.equal(f.exit, 1);
    t.match(f.stderr, new RegExp(`^akaros: Unable to provision to child: prov 3: Device or resource busy: core 3 is provisioned to ${r.pid}`));
  });
});
