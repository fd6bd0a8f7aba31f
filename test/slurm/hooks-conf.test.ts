// SPDX-License-Identifier: GPL-2.0-or-later
//
// The pieces of `akaros slurm prolog|epilog` that need no Slurm: the hooks configuration,
// hostlists, scontrol's CPU_IDs, the Slurm CPU → core map; and both hooks against an
// in-process machine (--cpus instead of scontrol), including a refused prolog that leaves
// nothing behind.

import t from 'tap';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { boot } from '../../cmd/boot.js';
import { Session } from '../../cmd/lib/connect.js';
import { Munge } from '../../lib/munge/index.js';
import { startMunge } from '../harness/slurm/munge.js';
import { findTool } from '../harness/slurm/proc.js';
import { cpuIdsOf, epilog, expandHostlist, mapCpus, parseHooksConf, prolog, viewFile } from '../../cmd/lib/slurm.js';

t.test('the hooks configuration', async (t) => {
  const c = parseHooksConf('# x\nspool /s\nauth munge\nlog /l\nnode n1 tcp!h!1\nnode n2 unix!/a map=8-9,1\nnode * unix!/d\n', 'f');
  t.equal(c.spool, '/s');
  t.equal(c.auth, 'munge');
  t.equal(c.log, '/l');
  t.same(c.nodes.get('n2'), { address: 'unix!/a', map: [8, 9, 1] }, 'a map is kept in Slurm\'s order');
  t.same(c.nodes.get('*'), { address: 'unix!/d' });
  t.throws(() => parseHooksConf('node n1\n', 'f'), { message: 'f:1: node NAME ADDRESS [map=LIST]' });
  t.throws(() => parseHooksConf('\nnode n1 a map=1,1\n', 'f'), { message: /^f:2: map "1,1" names a core twice/ });
  t.throws(() => parseHooksConf('bogus 1\n', 'f'), { message: 'f:1: unknown setting "bogus"' });
  t.throws(() => parseHooksConf('auth maybe\n', 'f'), { message: 'f:1: auth none|munge' });
});

t.test('hostlists and CPU_IDs', async (t) => {
  t.same(expandHostlist('n[1-3,05]'), ['n1', 'n2', 'n3', 'n05']);
  t.same(expandHostlist('a1,b[2-3]'), ['a1', 'b2', 'b3']);
  t.same(expandHostlist('r[1-2]-n[01-02]'), ['r1-n01', 'r1-n02', 'r2-n01', 'r2-n02']);
  const text = '   Nodes=n[1-2] CPU_IDs=0-3 Mem=0 GRES=\n   Nodes=n3 CPU_IDs=4,6 Mem=0 GRES=\n';
  t.same(cpuIdsOf(text, 'n2'), [0, 1, 2, 3]);
  t.same(cpuIdsOf(text, 'n3'), [4, 6]);
  t.equal(cpuIdsOf(text, 'n4'), null, 'a node the job is not on');
});

t.test('Slurm CPU ids to cores', async (t) => {
  const shape = { ncores: 9, ll: [0], cg: [1, 2, 3, 4, 5, 6, 7, 8] };
  t.same(mapCpus([0, 1, 7], { address: '' }, shape), [1, 2, 8], 'the i-th CG core: LL cores skipped');
  t.same(mapCpus([0, 2], { address: '', map: [8, 7, 6] }, shape), [8, 6], 'through the node\'s map');
  t.throws(() => mapCpus([8], { address: '' }, shape), { message: /Slurm CPU 8: the machine has 8 CG cores/ });
  t.throws(() => mapCpus([0], { address: '', map: [0] }, shape), { message: 'Slurm CPU 0 maps to core 0, an LL core' });
});

t.test('prolog and epilog against a machine', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'akhooks-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const booted = await boot({ cores: 9, listen: ['tcp!127.0.0.1!0'], hostowner: 'eve' });
  t.teardown(() => booted.close());
  const conf = parseHooksConf(`spool ${dir}\nnode * ${booted.addresses[0]}\n`, 'f');
  const ctx = { jobId: '42', user: 'alice', node: 'n1' };
  const p = await prolog({ ctx, conf, cpus: [2, 3, 4], timeoutMs: 5000 });
  t.equal(p.cores, '3-5', 'Slurm CPUs 2-4 are cores 3-5');
  t.equal(readFileSync(viewFile(dir, '42', 'n1'), 'utf8'), `AKAROS_MCP=${p.pid}\nAKAROS_ADDRESS=${booted.addresses[0]}\n`, 'the job\'s view');
  const s = await Session.open({ address: booted.addresses[0], user: 'eve', dialect: '9P2000.L' });
  t.teardown(() => s.close());
  const st = await s.read(`/mcp/${p.pid}/status`);
  t.match(st, /^name slurm-42$/m);
  t.match(st, /^user alice$/m, 'owned by the job\'s user');
  t.match(st, /^granted 3$/m);
  t.equal(await s.read(`/mcp/${p.pid}/prov`), '3-5\n');

  // Another job's prolog asking for a held core is refused and leaves no process behind.
  const before = (await s.ls('/mcp')).length;
  await t.rejects(prolog({ ctx: { ...ctx, jobId: '43', user: 'bob' }, conf, cpus: [4, 5], timeoutMs: 5000 }), { message: /Device or resource busy/ });
  t.equal((await s.ls('/mcp')).length, before, 'the refused prolog\'s process was reaped');

  // A second prolog of the same job (its epilog never ran) replaces the first.
  const again = await prolog({ ctx, conf, cpus: [2, 3, 4], timeoutMs: 5000 });
  t.same(again.replaced, [p.pid]);

  const e = await epilog({ ctx, conf, timeoutMs: 5000 });
  t.same(e.killed.map((k) => [k.pid, k.cores]), [[again.pid, '3-5']]);
  t.notOk(existsSync(viewFile(dir, '42', 'n1')), 'the view is removed');
  t.notMatch(await s.read('/core/map'), /busy/, 'every core idle');
  t.same((await epilog({ ctx, conf, timeoutMs: 5000 })).killed, [], 'no MCP: success');
  await t.rejects(prolog({ ctx, conf: parseHooksConf(`spool ${dir}\nnode * unix!${dir}/none\n`, 'f'), cpus: [0], timeoutMs: 5000 }), { message: /no such socket/ }, 'no server: the prolog fails');
});

t.test('auth munge: the hooks, as root, act for the job\'s user', { skip: (process.getuid?.() !== 0 && 'needs root') || (findTool('munged') === null && 'munged not installed') }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'akhooks-m-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const munged = await startMunge();
  t.teardown(() => munged.stop());
  process.env.AKAROS_MUNGE_SOCKET = munged.socket;
  t.teardown(() => { delete process.env.AKAROS_MUNGE_SOCKET; });
  const booted = await boot({ cores: 9, listen: ['tcp!127.0.0.1!0'], auth: 'munge', munge: new Munge({ socket: munged.socket }), hostowner: 'root' });
  t.teardown(() => booted.close());
  const conf = parseHooksConf(`spool ${dir}\nauth munge\nnode * ${booted.addresses[0]}\n`, 'f');
  const ctx = { jobId: '7', user: 'alice', node: 'n1' };
  const p = await prolog({ ctx, conf, cpus: [0], timeoutMs: 5000 });
  const s = await Session.open({ address: booted.addresses[0], user: 'root', dialect: '9P2000.L', auth: 'munge' });
  t.teardown(() => s.close());
  t.match(await s.read(`/mcp/${p.pid}/status`), /^user alice$/m, 'the MCP is the job user\'s');
  t.same((await epilog({ ctx, conf, timeoutMs: 5000 })).killed.map((k) => k.pid), [p.pid]);
});
