// SPDX-License-Identifier: GPL-2.0-or-later
//
// The cluster namespace from a real Linux v9fs mount (one guest boot): three `akaros
// serve` processes on loopback, one ndb file, each mounting the others (--cluster). The
// guest mounts node1 and, with plain busybox tools, lists /n/node2/mcp, gives an MCP on
// node3 four cores through /n/node3 (node3's /core/map shows them), and blocks in `cat
// /n/node2/mcp/$B/events` until an event raised on node2 itself (through a second,
// direct mount of node2) arrives; killing that cat flushes the read on both servers.

import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needTools, runGuest, sections } from './realclients.js';
import { attach, freePort, spawnServe, trioNdb, type Proc } from '../cluster/nodes.js';

const SCRIPT = (port2: number) => `
mnt 9p2000.L /m || { echo "== mount"; exit 1; }
mkdir -p /d2
mount -t 9p -o trans=tcp,port=${port2},cache=none,version=9p2000.L "$V9FS_HOST" /d2 || { echo "== mount2"; exit 1; }
cd /m
echo "== ls"
ls n
ls n/node2/mcp
echo "== ctl"
A=$(cat n/node3/mcp/clone)
echo "A=$A"
echo 4 > n/node3/mcp/$A/ctl
echo "rc=$?"
cat n/node3/core/map
echo "== events"
B=$(cat n/node2/mcp/clone)
echo "B=$B"
cat n/node2/mcp/$B/events > /tmp/ev &
CATP=$!
sleep 1
echo "before: $(wc -l < /tmp/ev) lines"
echo notify EV_USER_IPI 42 > /d2/mcp/$B/ctl
sleep 1
cat /tmp/ev
echo "== flush"
kill $CATP
wait $CATP
echo "cat ended: $?"
echo notify EV_USER_IPI 43 > /d2/mcp/$B/ctl
head -n 1 /d2/mcp/$B/events
ls n/node2/mcp
echo "== end"
`;

t.test('three nodes from a Linux v9fs mount of node1', async (t) => {
  if (!needTools(t, ['qemu-system-x86_64'])) return;
  const dir = mkdtempSync(join(tmpdir(), 'akaros-v9fs-trio-'));
  const ports = [await freePort(), await freePort(), await freePort()];
  const ndb = trioNdb(dir, ports);
  const procs: Proc[] = [];
  t.teardown(async () => {
    for (const p of procs) await p.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  for (let k = 1; k <= 3; k++) {
    procs.push(await spawnServe(ports[k - 1], ['--ndb', ndb, '--sysname', `node${k}`, '--cluster', 'trio', '--hostowner', 'eve', '--paused']));
  }

  const g = await runGuest(ports[0], SCRIPT(ports[1]));
  t.equal(g.rc, 0, `guest exit status (stderr tail: ${g.err.slice(-1500)})`);
  const s = sections(g.out);
  t.ok(s.has('end'), `the script ran to the end:\n${g.out}`);

  const ls = (s.get('ls') ?? '').split(/\s+/).filter(Boolean);
  t.same(ls.slice(0, 2), ['node2', 'node3'], 'ls /n: the other two nodes');
  t.ok(ls.includes('clone'), 'ls /n/node2/mcp lists node2’s MCPs');

  const ctl = s.get('ctl') ?? '';
  const A = /A=(\d+)/.exec(ctl)?.[1];
  t.ok(A, 'an MCP made on node3 through /n/node3/mcp/clone');
  t.match(ctl, /\nrc=0\n/, 'echo 4 > /n/node3/mcp/$A/ctl succeeds');
  const busy = (text: string) => text.split('\n').filter((l) => new RegExp(`^\\s*\\d+\\s+cg\\s+busy\\s+${A}\\s+${A}\\s`).test(l)).length;
  t.equal(busy(ctl), 4, 'the guest sees four cores of A in /n/node3/core/map');
  const c3 = await attach(ports[2], 'eve');
  t.equal(busy(await c3.read('core/map')), 4, 'node3’s own /core/map shows them');
  c3.close();

  const ev = s.get('events') ?? '';
  t.match(ev, /before: 0 lines\n/, 'the cat blocks with nothing to show');
  t.match(ev, /^\d+ \d+ EV_USER_IPI .*42/m, 'the event raised on node2 arrives through /n/node2');

  const fl = s.get('flush') ?? '';
  t.match(fl, /cat ended: \d+\n/, 'killing the cat ends its blocked read');
  t.match(fl, /^\d+ \d+ EV_USER_IPI .*43/m, 'the flushed read took nothing on node2: the next event is there');
  t.match(fl, /clone/, 'the mount still works after the flush');
});
