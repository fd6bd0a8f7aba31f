// SPDX-License-Identifier: GPL-2.0-or-later
//
// Issue row 11 with the real client: a Linux v9fs mount with more blocked `cat`s than the
// server's in-flight cap (64) must stay interruptible. Each cat's read parks in the
// server; killing them makes v9fs send a Tflush per read and wait for its Rflush, which the
// server can only give if it kept reading the connection. One guest boot.

import t from 'tap';
import { boot } from '../../cmd/boot.js';
import { needTools, runGuest, sections } from '../clients/realclients.js';

const CATS = 80;

const SCRIPT = `
mnt 9p2000.L /m || { echo "== mount"; echo MOUNT-FAILED; exit 0; }
cd /m
# Live (not yet dead) processes among $pids: a zombie (state Z) has exited.
alive() { n=0; for p in $pids; do [ -r /proc/$p/stat ] && [ "$(cut -d' ' -f3 /proc/$p/stat)" != Z ] && n=$((n+1)); done; echo $n; }
pids=""
i=0
while [ $i -lt ${CATS} ]; do cat dev/kmesg > /dev/null & pids="$pids $!"; i=$((i+1)); done
sleep 3
echo "== blocked"
alive
kill $pids
sleep 3
echo "== after-kill"
echo "alive=$(alive)"
echo "== still-served"
cat dev/sysname
cd /
echo "== end"
`;

t.test(`Linux v9fs: ${CATS} blocked cats on one mount are interrupted, and the mount goes on`, async (t) => {
  if (!needTools(t, ['qemu-system-x86_64'])) return;
  const m = await boot({ listen: ['tcp!127.0.0.1!0'], paused: true, hostowner: 'root', sysname: 'nanwan' });
  t.teardown(() => m.close());
  const port = Number(m.addresses[0].split('!')[2]);
  const g = await runGuest(port, SCRIPT, 150);
  t.equal(g.rc, 0, `guest exit status (stderr: ${g.err.slice(-2000)})`);
  const s = sections(g.out);
  t.notOk(s.has('mount'), 'mounted');
  t.ok(s.has('end'), `the script ran to the end (output: ${g.out.slice(-1500)})`);
  t.equal(s.get('blocked'), `${CATS}\n`, 'every cat was blocked in a read');
  t.equal(s.get('after-kill'), 'alive=0\n', 'every cat died of its SIGTERM (background jobs ignore SIGINT)');
  t.equal(s.get('still-served'), 'nanwan\n', 'the mount still answers');
  t.equal(m.server.stats().inflight, 0, 'nothing left in flight');
});
