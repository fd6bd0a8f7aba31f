// SPDX-License-Identifier: GPL-2.0-or-later
//
// mcp run / mcp stop: a program started and ended on an existing MCP from the CLI, their
// output, --json against mcp-results.json, and the ctl's refusals as exit statuses.

import t from 'tap';
import { json, jsonErr, runner, startMachine } from './harness.js';
import { validate } from './schema.js';
import type { McpResults } from '../../cmd/lib/mcpresults.js';

t.test('mcp run, mcp stop', async (t) => {
  const m = await startMachine();
  t.teardown(() => m.close());
  const run = runner(m);
  const eve = runner(m, 'eve');
  const pid = Number((await run('mcp', 'new', '--cores', '2')).stdout.trim());

  const r = await run('mcp', 'run', `${pid}`, 'spin', 'threads=2', 'seed=7');
  t.equal(r.exit, 0, r.stderr);
  t.equal(r.stdout, `${pid}: running spin threads=2 seed=7 (seed 7)\n`, 'state, workload, args, seed');

  const busy = await run('mcp', 'run', `${pid}`, 'ftq', '--json');
  t.equal(busy.exit, 1);
  t.match(jsonErr(busy), { error: { errno: 'EBUSY', message: /already runs spin \(stop it first\)/ } });

  await eve('sim', 'step', '10ms');
  const s = await run('mcp', 'stop', `${pid}`, '--json');
  t.equal(s.exit, 0, s.stderr);
  const res = json<McpResults>(s);
  t.same(validate(res, 'mcp-results.json'), [], 'mcp stop --json conforms to mcp-results.json');
  t.match(res, { pid, ran: true, values: { workload: 'spin', state: 'stopped', seed: 7, elapsed_ns: 10_000_000 } });
  // two threads on two granted cores for 10 ms, no noise (the akaros model): all useful
  t.equal(res.values.useful_ns, 20_000_000, 'two cores x 10 ms of useful work');

  const again = await run('mcp', 'stop', `${pid}`);
  t.equal(again.exit, 1);
  t.equal(again.stderr, `akaros: stop: Invalid argument: ${pid} runs no program\n`, 'nothing left to stop');

  const text = await run('mcp', 'stop', `${pid}`, '--json');
  t.match(jsonErr(text), { error: { errno: 'EINVAL' } });

  const j = await run('mcp', 'run', `${pid}`, 'server', 'rate=1000', 'dist=const', 'mean=20us', 'dur=5ms', '--json');
  t.equal(j.exit, 0, j.stderr);
  const jr = json<McpResults>(j);
  t.same(validate(jr, 'mcp-results.json'), [], 'mcp run --json conforms to mcp-results.json');
  t.match(jr.values, { workload: 'server', args: 'rate=1000 dist=const mean=20us dur=5ms', state: 'running', elapsed_ns: 0 });
  await eve('sim', 'step', '10ms');
  const done = json<McpResults>(await run('mcp', 'results', `${pid}`, '--json'));
  t.equal(done.values.state, 'done', 'dur=5ms ended it');
  t.equal((await run('mcp', 'stop', `${pid}`)).exit, 1, 'a finished program cannot be stopped');

  const bad = await run('mcp', 'run', `${pid}`, 'nosuch');
  t.equal(bad.exit, 1);
  t.match(bad.stderr, /no such workload \(spin, phases, server, ftq\)/);
  const badKey = await run('mcp', 'run', `${pid}`, 'spin', 'threads=0');
  t.equal(badKey.exit, 1);
  t.match(badKey.stderr, /Numerical result out of range/);
  const usage = await run('mcp', 'run', `${pid}`);
  t.equal(usage.exit, 2, 'a missing workload is a usage error');
});
