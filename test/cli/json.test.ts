// SPDX-License-Identifier: GPL-2.0-or-later
//
// --json as scripts use it: every command's output checked against the schema it names
// (cmd/schemas/), on two machines whose data differ (one LL core or two, an offline
// core, processes that are and are not MCPs) so a field cannot change type with the
// data; --watch as one document per line; errors on stderr only.

import t, { type Test } from 'tap';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { boot } from '../../cmd/boot.js';
import { Session } from '../../cmd/lib/connect.js';
import { PROJECT_ROOT, loadConfig } from '../../cmd/lib/oclif.js';
import { json, jsonErr, runner, type Ran } from './harness.js';
import { SCHEMA_DIR, validate } from './schema.js';

const used = new Set<string>();

function conforms(t: Test, value: unknown, file: string, what: string): void {
  used.add(file);
  const errs = validate(value, file);
  t.same(errs, [], `${what} conforms to ${file}`);
}

async function machine(ll: string, offline?: number) {
  // grace 10ms (our opt-in extension): the events below are a warning, then the revocation
  const booted = await boot({ cores: 12, llCores: ll, listen: ['tcp!127.0.0.1!0'], paused: true, hostowner: 'eve', grace: '10ms' });
  if (offline !== undefined) {
    const s = await Session.open({ address: booted.addresses[0], user: 'eve', dialect: '9P2000.L' });
    await s.write(`/core/${offline}/ctl`, 'offline\n');
    s.close();
  }
  return booted;
}

for (const [label, ll, offline] of [['one LL core', '0', undefined], ['two LL cores, one core offline', '0,6', 11]] as const) {
  t.test(`every command's --json, ${label}`, async (t) => {
    const booted = await machine(ll, offline);
    t.teardown(() => booted.close());
    const m = { address: booted.addresses[0] };
    const run = runner({ ...m, booted, close: async () => undefined });
    const eve = runner({ ...m, booted, close: async () => undefined }, 'eve');
    const ok = (r: Ran, file: string, what: string): any => {
      t.equal(r.exit, 0, `${what}: status 0`);
      t.equal(r.stderr, '', `${what}: nothing on stderr`);
      const v = json(r);
      conforms(t, v, file, what);
      return v;
    };
    const lines = (r: Ran, file: string, what: string, n: number): void => {
      t.equal(r.exit, 0, `${what}: status 0`);
      const docs = r.stdout.split('\n').filter((l) => l !== '');
      t.equal(docs.length, n, `${what}: one document per line`);
      docs.forEach((d, i) => conforms(t, JSON.parse(d), file, `${what} line ${i + 1}`));
    };

    // Processes of every kind: two MCPs in contention, and an SCP (not an MCP).
    const a = ok(await run('mcp', 'new', '--name', 'spin', '--cores', '2', '--json'), 'mcp-status.json', 'mcp new');
    const b = ok(await run('mcp', 'new', '--json'), 'mcp-status.json', 'mcp new (no name)');
    ok(await run('mcp', 'want', `${b.pid}`, `${b.max_vcores}`, '--json'), 'mcp-status.json', 'mcp want');
    // b reads its warnings: it registers for them (the kernel drops a type nobody registered)
    t.equal((await run('write', `/mcp/${b.pid}/ctl`, 'ev EV_PREEMPT_PENDING ucq')).exit, 0);
    const c = ok(await run('mcp', 'cores', `${a.pid}`, '4', '--json'), 'mcp-status.json', 'mcp cores');
    t.same(c.provisioned_cores.ids.length, 4);
    const scp = await Session.open({ address: m.address, user: 'glenda', dialect: '9P2000.L' });
    await scp.read('/proc/clone');
    scp.close();

    const ev = ok(await run('mcp', 'events', `${b.pid}`, '--json', '--timeout', '2s'), 'mcp-events.json', 'mcp events');
    t.ok(ev.events.length > 0, 'b was warned');
    t.equal(typeof ev.events[0].args.arg1, 'number', 'event arguments are numbers');
    lines(await run('mcp', 'events', `${a.pid}`, '-f', '--timeout', '200ms', '--json'), 'mcp-event.json', 'mcp events -f (quiet)', 0);
    await eve('sim', 'step', '20ms');
    const y = await run('mcp', 'events', `${b.pid}`, '-f', '--timeout', '300ms', '--json');
    t.match(y.stdout, /"type":"EV_VCORE_PREEMPT"/, 'the preemption came, one event a line');
    lines(y, 'mcp-event.json', 'mcp events -f', y.stdout.split('\n').filter(Boolean).length);
    ok(await run('mcp', 'status', `${a.pid}`, '--json'), 'mcp-describe.json', 'mcp status');
    const r = ok(await run('mcp', 'new', '--run', 'server', 'rate=2000', 'dist=const', 'mean=20us', '--json'), 'mcp-status.json', 'mcp new --run');
    await eve('sim', 'step', '5ms');
    const res = ok(await run('mcp', 'results', `${r.pid}`, '--json'), 'mcp-results.json', 'mcp results');
    t.equal(res.values.workload, 'server');
    ok(await run('mcp', 'results', `${a.pid}`, '--json'), 'mcp-results.json', 'mcp results (no program)');
    ok(await run('mcp', 'status', `${b.pid}`, '--json'), 'mcp-describe.json', 'mcp status (preempted)');
    const yr = await run('mcp', 'yield', `${a.pid}`, '0', '--json');
    if (yr.exit === 0) conforms(t, json(yr), 'mcp-status.json', 'mcp yield');
    else conforms(t, jsonErr(yr), 'error.json', 'mcp yield refused');

    const ps = ok(await run('ps', '--json'), 'ps.json', 'ps');
    t.ok(ps.some((p: { mcp: boolean }) => !p.mcp), 'ps has a process that is not an MCP');
    lines(await run('ps', '--watch', '--interval', '50', '-n', '2', '--json'), 'ps.json', 'ps --watch', 2);
    const cores = ok(await run('cores', '--json'), 'cores.json', 'cores');
    t.same(cores.summary.ll.text, ll, 'LL cores as a cpulist, whatever their number');
    t.same(cores.summary.offline.ids, offline === undefined ? [] : [offline]);
    lines(await run('cores', '--watch', '--interval', '50', '-n', '3', '--json'), 'cores.json', 'cores --watch', 3);
    ok(await run('top', '--json'), 'top.json', 'top');
    ok(await run('prov', '-s', '--json'), 'prov.json', 'prov -s');
    ok(await run('prov', '-t', 'c', '-p', `${a.pid}`, '--clear', '-v', c.provisioned_cores.text, '--json'), 'prov.json', 'prov -p');

    ok(await run('ls', '/', '--json'), 'ls.json', 'ls');
    const l = ok(await run('ls', '-l', '/dev', '--json'), 'ls.json', 'ls -l');
    t.equal(l.find((e: { name: string }) => e.name === 'errstr')?.stat.uid, 'eve', 'ls -l over 9P2000.L has owner names');
    ok(await run('stat', '/mcp/clone', '--json'), 'stat.json', 'stat');
    ok(await run('cat', '/dev/sysname', '--json'), 'cat.json', 'cat');
    ok(await run('read', '/dev/user', '--json'), 'read.json', 'read');
    ok(await eve('write', '/dev/sysname', 'nanwan', '--json'), 'write.json', 'write');
    ok(await run('mount', '/mnt/akaros', '--dry-run', '--json'), 'mount.json', 'mount --dry-run');
    for (const cmd of [['status'], ['step', '1ms'], ['speed', '2'], ['resume'], ['pause']]) {
      ok(await eve('sim', ...cmd, '--json'), 'sim-status.json', `sim ${cmd.join(' ')}`);
    }
    ok(await run('mcp', 'kill', `${b.pid}`, '--json'), 'mcp-kill.json', 'mcp kill');
    ok(await run('mcp', 'wait', `${b.pid}`, '--json'), 'mcp-wait.json', 'mcp wait');

    // The trace commands: a recording's summary, a plot of it, an experiment's results.
    const dir = mkdtempSync(join(tmpdir(), 'akaros-json-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    ok(await run('trace', '--wall', '200ms', '--text', join(dir, 't.txt'), '-o', join(dir, 't.json'), '--json'), 'trace.json', 'trace');
    ok(await run('plot', join(dir, 't.txt'), '-o', join(dir, 't.svg'), '--json'), 'plot.json', 'plot');
    ok(await run('sim', 'run', join(PROJECT_ROOT, 'examples', 'immediate.json'), '-o', join(dir, 'run'), '--json'), 'sim-run.json', 'sim run');

    // Errors: one JSON object on stderr, nothing on stdout, the same status as without --json.
    for (const [args, exit] of [
      [['mcp', 'cores', `${a.pid}`, '99'], 1], [['cat', '/nope'], 1], [['prov', '-t', 'm', '-p', '1'], 2],
      [['ls', '--bogus'], 2], [['mcp', 'new', '--cores', '40'], 1], [['mcp', 'events', '1', '--timeout', 'soon'], 2],
    ] as const) {
      const r = await run(...args, '--json');
      t.equal(r.exit, exit, `${args.join(' ')}: status ${exit}`);
      t.equal(r.stdout, '', `${args.join(' ')}: stdout stays empty, so | jq -r .pid prints nothing`);
      conforms(t, jsonErr(r), 'error.json', `${args.join(' ')} error`);
    }
  });
}

t.test('the cluster commands\' --json, every node up and one down', async (t) => {
  const opts = { listen: ['tcp!127.0.0.1!0'], paused: true, hostowner: 'eve' };
  const n2 = await boot({ ...opts, sysname: 'node2' });
  const n3 = await boot({ ...opts, sysname: 'node3' });
  const dir = mkdtempSync(join(tmpdir(), 'akaros-json-'));
  const ndb = join(dir, 'ndb');
  writeFileSync(ndb, [n2, n3].map((n, i) => `sys=node${i + 2} cluster=c dial=${n.addresses[0]}\n`).join(''));
  const n1 = await boot({ ...opts, sysname: 'node1', ndb: [ndb], cluster: 'c' });
  t.teardown(async () => { await n1.close(); await n2.close(); rmSync(dir, { recursive: true, force: true }); });
  const run = runner({ address: n1.addresses[0], booted: n1, close: async () => undefined });
  for (const c of ['nodes', 'ps', 'cores', 'top']) {
    const r = await run('cluster', c, '--json');
    t.equal(r.exit, 0, `cluster ${c}: status 0`);
    t.same(json(r).nodes.map((n: { node: string }) => n.node), ['node1', 'node2', 'node3'], `cluster ${c}: every node`);
    conforms(t, json(r), `cluster-${c}.json`, `cluster ${c}`);
  }
  await n3.close();
  for (const c of ['nodes', 'ps', 'cores', 'top']) {
    const r = await run('cluster', c, '--json');
    t.equal(r.exit, 1, `cluster ${c}, node3 down: status 1`);
    const v = json(r);
    t.same(v.errors.map((e: { node: string; errno: string }) => [e.node, e.errno]), [['node3', 'EIO']], `cluster ${c}: node3's failure, EIO`);
    conforms(t, v, `cluster-${c}.json`, `cluster ${c} (partial)`);
  }
});

t.test('every command names a schema, and each was checked above', async (t) => {
  const config = await loadConfig();
  const named = new Set<string>();
  for (const c of config.commands) {
    if (c.pluginName !== config.name) continue; // oclif's plugins (autocomplete)
    const cls = await c.load() as { enableJsonFlag?: boolean; schema?: string };
    if (!cls.enableJsonFlag) continue;
    t.ok(cls.schema, `${c.id} names its schema`);
    t.ok(cls.schema && existsSync(join(SCHEMA_DIR, cls.schema)), `${c.id}: cmd/schemas/${cls.schema} exists`);
    if (cls.schema) named.add(cls.schema);
  }
  for (const s of named) t.ok(used.has(s), `${s} was checked against real output`);
});
