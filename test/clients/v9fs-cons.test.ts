// SPDX-License-Identifier: GPL-2.0-or-later
//
// The Linux kernel's v9fs client against our server, in one QEMU guest boot that mounts
// 9p2000.L, 9p2000.u and 9p2000 and runs the same busybox checks on each: listing,
// reading, writing a ctl-like file, /dev/null, a missing file, a blocking kmesg reader
// that must print a record as it arrives, and a permission refusal as another user.

import t from 'tap';
import { boot } from '../../cmd/boot.js';
import { needTools, runGuest, sections } from './realclients.js';

const DIALECTS = ['9p2000.L', '9p2000.u', '9p2000'];

const SCRIPT = `
for v in ${DIALECTS.join(' ')}; do
  case $v in 9p2000) me=uname=root;; *) me=;; esac
  mnt $v /m/$v $me || { echo "== $v mount"; echo MOUNT-FAILED; continue; }
  mnt $v /o/$v access=any,uname=glenda || echo OTHER-MOUNT-FAILED
  cd /m/$v
  echo "== $v ls"; ls -l . dev
  echo "== $v time"; cat dev/time
  echo "== $v sysname"; cat dev/sysname
  echo "== $v sysname-write"; echo "gnot-$v" > dev/sysname; echo "rc=$?"; cat dev/sysname
  echo "== $v null"; echo x > dev/null; echo "rc=$?"; cat dev/null; echo "null-read-done"
  echo "== $v missing"; cat dev/nope 2>&1; echo "rc=$?"
  echo "== $v kmesg"
  cat dev/kmesg > /tmp/km.$v &
  pid=$!
  sleep 1
  echo "hello-kmesg-$v" > dev/kmesg
  sleep 2
  grep -c "hello-kmesg-$v\$" /tmp/km.$v
  kill $pid; wait $pid 2>/dev/null
  echo "after-kill"; cat dev/sysname
  echo "== $v other"
  cat /o/$v/dev/user
  echo other > /o/$v/dev/sysname 2>&1 || true
  cd /
done
echo "== end"
`;

t.test('Linux v9fs in three dialects: #cons from a shell', async (t) => {
  if (!needTools(t, ['qemu-system-x86_64'])) return;
  const m = await boot({ listen: ['tcp!127.0.0.1!0'], paused: true, hostowner: 'root', sysname: 'nanwan' });
  t.teardown(() => m.close());
  const port = Number(m.addresses[0].split('!')[2]);
  const g = await runGuest(port, SCRIPT);
  t.equal(g.rc, 0, `guest exit status (stderr: ${g.err.slice(-2000)})`);
  const s = sections(g.out);
  t.ok(s.has('end'), 'the script ran to the end');
  for (const v of DIALECTS) {
    t.test(v, async (t) => {
      t.notOk(s.has(`${v} mount`), 'mounted');
      t.match(s.get(`${v} ls`), /dr-xr-xr-x\s.*\smcp\n/, 'ls -l of the root');
      t.match(s.get(`${v} ls`), /-r--r--r--\s.*\stime\n/, 'ls -l of /dev');
      t.match(s.get(`${v} time`), /^\d+ \d+ \d+ \d+\n$/, 'cat /dev/time');
      t.match(s.get(`${v} sysname-write`), new RegExp(`^rc=0\\ngnot-${v.replace('.', '\\.')}\\n$`), 'write and read back /dev/sysname');
      t.match(s.get(`${v} null`), /^rc=0\nnull-read-done\n$/, 'echo x > /dev/null');
      t.match(s.get(`${v} missing`), /No such file or directory\nrc=1\n/, 'a missing file');
      t.match(s.get(`${v} kmesg`), /^1\nafter-kill\ngnot-/, 'a blocked cat printed the record as it arrived, then died cleanly');
      t.match(s.get(`${v} other`), /^glenda/, 'the other mount speaks for glenda');
      t.match(s.get(`${v} other`), /Permission denied/, 'and may not write /dev/sysname');
    });
  }
  t.equal(m.server.stats().inflight, 0, 'nothing left in flight');
});
