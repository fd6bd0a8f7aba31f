// SPDX-License-Identifier: GPL-2.0-or-later
//
// akaros cluster nodes|ps|cores|top: the single-node views over the server and every
// /n/NODE it mounts, with a node column; a node that is down is named on stderr with EIO
// while the others are still shown (status 1); --node mounts one more for the command.

import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { boot } from '../../cmd/boot.js';
import { Session } from '../../cmd/lib/connect.js';
import { runner } from './harness.js';

t.test('cluster views', async (t) => {
  const opts = { listen: ['tcp!127.0.0.1!0'], paused: true, hostowner: 'eve', cores: 8 };
  const n2 = await boot({ ...opts, sysname: 'node2' });
  const n3 = await boot({ ...opts, sysname: 'node3' });
  const n4 = await boot({ ...opts, sysname: 'node4' });
  const dir = mkdtempSync(join(tmpdir(), 'akaros-cluster-cli-'));
  const ndb = join(dir, 'ndb');
  writeFileSync(ndb, [n2, n3].map((n, i) => `sys=node${i + 2} cluster=c dial=${n.addresses[0]}\n`).join(''));
  const n1 = await boot({ ...opts, sysname: 'node1', ndb: [ndb], cluster: 'c' });
  t.teardown(async () => {
    for (const n of [n1, n2, n4]) await n.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const run = runner({ address: n1.addresses[0], booted: n1, close: async () => undefined });
  for (const [n, want] of [[n1, 2], [n2, 3]] as const) {
    const s = await Session.open({ address: n.addresses[0], user: 'glenda', dialect: '9P2000.L' });
    const pid = (await s.read('/mcp/clone')).trim();
    await s.write(`/mcp/${pid}/ctl`, `${want}\n`);
    s.close();
  }

  const nodes = await run('cluster', 'nodes');
  t.equal(nodes.exit, 0, 'nodes: status 0');
  t.match(nodes.stdout, /^node\s+state\s+sysname\s+ncores\s+idle\s+procs\s+mcps\s+address\n/, 'a header');
  t.match(nodes.stdout, /\nnode1\s+up\s+node1\s+8\s+5\s+1\s+1\s+\(this server\)\n/, 'this server first');
  t.match(nodes.stdout, new RegExp(`\\nnode2\\s+up\\s+node2\\s+8\\s+4\\s+1\\s+1\\s+${n2.addresses[0]}\\n`), 'node2, mounted from its address');
  t.match(nodes.stdout, /\nnode3\s+up\s+node3\s+8\s+7\s+0\s+0\s/, 'node3');

  const ps = await run('cluster', 'ps');
  t.equal(ps.exit, 0);
  t.match(ps.stdout, /^node\s+pid\s+name\s+user\s+state\s+wanted\s+granted\s+provisioned\s+ppid\n/, 'ps with a node column');
  t.match(ps.stdout, /\nnode1\s+1\s+-\s+glenda\s+RUNNING_M\s+2\s+2\s+2\s+0\n/, 'node1’s MCP');
  t.match(ps.stdout, /\nnode2\s+1\s+-\s+glenda\s+RUNNING_M\s+3\s+3\s+3\s+0\n/, 'node2’s MCP, same pid, its own node');

  const cores = await run('cluster', 'cores');
  t.match(cores.stdout, /\nnode2\s+8\s+0\s+7\s+4\s+-\s+fcfs\s/, 'a summary line per node');
  t.equal(cores.stdout.split('\n').filter((l) => /^node2\s+\d+\s+cg\s+busy\s+1\s+1\s/.test(l)).length, 3, 'node2’s three busy cores');

  const top = await run('cluster', 'top', '--once');
  t.equal(top.exit, 0);
  t.match(top.stdout, /^node\s+clock\s+busy\s+util\s+procs\s+policy\n/, 'a line per node');
  t.match(top.stdout, /\nnode2\s+paused \d+:\d\d\.\d{3}\s+3\/7\s/, 'node2: paused, three of seven CG cores busy');

  const more = await run('cluster', 'nodes', '--node', `node4=${n4.addresses[0]}`);
  t.match(more.stdout, /\nnode4\s+up\s+node4\s/, '--node mounts one more for the command');
  t.equal((await run('cluster', 'nodes', '--node', 'bogus')).exit, 2, '--node without NAME=: usage');

  await n3.close();
  const down = await run('cluster', 'ps');
  t.equal(down.exit, 1, 'a node down: status 1');
  t.match(down.stdout, /\nnode2\s+1\s/, 'the others are still listed');
  t.notMatch(down.stdout, /\nnode3\s/, 'nothing from node3');
  t.match(down.stderr, /^akaros: node3: \/n\/node3: Input\/output error \(tcp!127\.0\.0\.1!\d+ does not answer\)\n$/, 'a clear per-node error');
  const dn = await run('cluster', 'nodes');
  t.match(dn.stdout, /\nnode3\s+down\s+-\s+-\s+-\s+-\s+-\s+tcp!/, 'nodes: node3 down');
});
