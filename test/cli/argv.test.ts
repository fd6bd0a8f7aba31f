// SPDX-License-Identifier: GPL-2.0-or-later
//
// Flags anywhere on the line: before the topic word, between topic and command, or
// first as plan9port's 9p puts them; and status 2, never a silent 0, when they cannot be
// placed. Also did-you-mean for a mistyped command.

import t from 'tap';
import { normalizeArgv } from '../../cmd/lib/argv.js';
import { loadConfig } from '../../cmd/lib/oclif.js';
import { distance, suggest } from '../../cmd/hooks/not-found.js';
import { akaros, json, startMachine } from './harness.js';
import type { McpStatus } from '../../cmd/lib/mcp.js';

t.test('normalizeArgv', async (t) => {
  const config = await loadConfig();
  const n = (...a: string[]): string[] => normalizeArgv(a, config);
  t.same(n('mcp', '--json', 'new'), ['mcp', 'new', '--json']);
  t.same(n('mcp', '-a', 'tcp!h!1', 'new', '--name', 'x'), ['mcp', 'new', '-a', 'tcp!h!1', '--name', 'x']);
  t.same(n('-a', 'tcp!h!1', 'ls', '/'), ['ls', '-a', 'tcp!h!1', '/'], 'plan9port order');
  t.same(n('--address=tcp!h!1', '-uglenda', 'ps'), ['ps', '--address=tcp!h!1', '-uglenda'], 'inline values');
  t.same(n('sim', '-u', 'eve', 'step', '1ms'), ['sim', 'step', '-u', 'eve', '1ms']);
  t.same(n('mcp', '--name', 'spin', 'new'), ['mcp', 'new', '--name', 'spin'], 'a flag only "mcp new" has');
  t.same(n('ls', '-l', '/'), ['ls', '-l', '/'], 'after the command: untouched');
  t.same(n('write', '/mcp/1/ctl', '--', '-x'), ['write', '/mcp/1/ctl', '--', '-x']);
  t.same(n('mcp', '--help', 'new'), ['mcp', 'new', '--help']);
  t.same(n('--version'), ['--version']);
  t.same(n('mcp', '--json', 'nwe'), ['mcp', 'nwe', '--json'], 'a mistyped command stays whole for the not-found hook');
  t.throws(() => n('mcp', '--json'), { message: /^"mcp" needs a command: cores, events, kill, new, results, run, status, stop, wait, want, yield/, exit: 2 });
  t.throws(() => n('mcp', '--bogus', 'new'), { message: 'unknown flag --bogus for "mcp" (see akaros help mcp)', exit: 2 });
  t.throws(() => n('-x', 'ps'), { message: /^unknown flag -x before the command/, exit: 2 });
  t.throws(() => n('-a'), { message: '-a needs a value', exit: 2 });
  t.throws(() => n('-a', 'tcp!h!1'), { message: /^no command given/, exit: 2 });
  t.throws(() => n('-n', 'x', 'mcp', 'new'), { message: '-n: put this flag after the command', exit: 2 }, '-n is --name for mcp new, --dry-run for mount');
});

t.test('the commands of the issue, run', async (t) => {
  const m = await startMachine();
  t.teardown(() => m.close());
  const a = m.address;
  const r = await akaros(['mcp', '--json', 'new', '-a', a, '-u', 'glenda']);
  t.equal(r.exit, 0);
  t.match(json<McpStatus>(r), { pid: 1, user: 'glenda', state: 'RUNNABLE_M' }, 'mcp --json new creates an MCP');
  const r2 = await akaros(['mcp', '-a', a, '-u', 'glenda', 'new']);
  t.equal(r2.stdout, '2\n', 'mcp -a ADDR new');
  const r3 = await akaros(['sim', '-u', 'eve', '-a', a, 'step', '1ms', '--json']);
  t.equal(r3.exit, 0);
  t.equal(json<{ now: number }>(r3).now, 1_000_000, 'sim -u eve step 1ms steps');
  const r4 = await akaros(['-a', a, '-u', 'glenda', 'ls', '/mcp']);
  t.equal(r4.stdout, '1/\n2/\nclone\n', 'flags first, as 9p -a ADDR ls');
  const r5 = await akaros(['mcp', '--json', '-a', a]);
  t.equal(r5.exit, 2, 'a topic with flags and no command is a usage error');
  t.match(r5.stderr, /^akaros: "mcp" needs a command/);
  t.equal(r5.stdout, '');
});

t.test('did you mean', async (t) => {
  t.equal(distance('mcp:nwe', 'mcp:new'), 2);
  t.equal(distance('', 'abc'), 3);
  const config = await loadConfig();
  const ids = config.commands.map((c) => c.id);
  t.equal(suggest('mcp:nwe', ids), 'mcp:new');
  t.equal(suggest('prv', ids), 'prov');
  t.equal(suggest('frobnicate', ids), undefined, 'nothing close: no guess');
  const r = await akaros(['mcp', 'nwe']);
  t.equal(r.exit, 2);
  t.equal(r.stderr, 'akaros: no command "mcp nwe"; did you mean "mcp new"? (see akaros --help)\n');
  const p = await akaros(['cors']);
  t.match(p.stderr, /did you mean "cores"\?/);
});
