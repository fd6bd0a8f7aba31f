// SPDX-License-Identifier: GPL-2.0-or-later
//
// Issue 5's acceptance, from a real Linux v9fs mount with plain busybox tools, once per
// dialect (a fresh server and a guest boot each): guarantee cores, lend and borrow
// provisioned cores, preemption with a warning answered in time and one ignored (a
// blocked `cat events` shows each event as it happens), errors as a shell sees them,
// and death.

import t from 'tap';
import { boot } from '../../cmd/boot.js';
import { needTools, runGuest, sections } from './realclients.js';

// $1: the dialect. The clock is paused (server started --paused), so every ksched pass
// and deadline happens exactly when the script steps it.
export const ACCEPTANCE = `
v=$1
case $v in 9p2000) me=uname=root;; *) me=;; esac
mnt $v /m $me || { echo "== mount"; exit 1; }
mnt $v /o access=any,uname=glenda || { echo "== other-mount"; exit 1; }
cd /m
echo pause > sim/ctl
echo "== 1"
A=$(cat mcp/clone); B=$(cat mcp/clone)
echo "A=$A B=$B"
echo 4 > mcp/$A/ctl
cat mcp/$A/status
cat core/map
echo "== 2"
echo want 15 > mcp/$B/ctl
grep granted mcp/$B/status
echo want 2 > mcp/$A/ctl
for vc in $(awk '$3 == "online" { print $1 }' mcp/$A/vcores | head -n 2); do
  echo yield $vc > mcp/$A/ctl && echo "yielded vcore $vc"
done
grep granted mcp/$A/status
echo step 10ms > sim/ctl
grep granted mcp/$B/status
cat core/map
echo "== 3a"
cat mcp/$B/events > /tmp/ev &
EVP=$!
echo grace 200ms > core/ctl
echo want 3 > mcp/$A/ctl
sleep 1
cat /tmp/ev
V=$(awk '$3 == "EV_PREEMPT_PENDING" { sub("vcore=", "", $4); print $4 }' /tmp/ev | tail -n 1)
echo yield $V nice > mcp/$B/ctl && echo "B yielded vcore $V nicely"
echo step 300ms > sim/ctl
sleep 1
grep -E 'granted|preempt_pending' mcp/$A/status
echo "-- events so far"
cat /tmp/ev
echo "== 3b"
echo want 4 > mcp/$A/ctl
sleep 1
cat /tmp/ev
echo step 100ms > sim/ctl
grep granted mcp/$A/status
echo step 150ms > sim/ctl
sleep 1
grep granted mcp/$A/status
echo "-- events so far"
cat /tmp/ev
echo "== 4"
echo 99 > mcp/$A/ctl
echo "rc=$?"
grep lasterr mcp/$A/status
echo 1 > /o/mcp/$A/ctl
echo "rc=$?"
head -n 1 /o/mcp/$A/status
echo banana > mcp/$A/ctl
echo "rc=$?"
cat dev/errstr
echo "== 5"
echo kill > mcp/$A/ctl
cat mcp/$A/wait
cat core/map
ls mcp
kill $EVP
echo "== end"
`;

const DIALECTS = ['9p2000.L', '9p2000.u', '9p2000'];

for (const v of DIALECTS) {
  t.test(`issue 5 acceptance over v9fs ${v}`, async (t) => {
    if (!needTools(t, ['qemu-system-x86_64'])) return;
    const m = await boot({ listen: ['tcp!127.0.0.1!0'], paused: true, hostowner: 'root', grace: '0' });
    t.teardown(() => m.close());
    const port = Number(m.addresses[0].split('!')[2]);
    const g = await runGuest(port, `set -- ${v}\n${ACCEPTANCE}`);
    t.equal(g.rc, 0, `guest exit status (stderr tail: ${g.err.slice(-1500)})`);
    const s = sections(g.out);
    t.ok(s.has('end'), `the script ran to the end:\n${g.out}`);
    const [, A, B] = /A=(\d+) B=(\d+)/.exec(s.get('1') ?? '') ?? [];
    t.ok(A && B, 'two MCPs from /mcp/clone');

    const s1 = s.get('1') ?? '';
    t.match(s1, /\ngranted 4\nprovisioned 4\n/, '1: status shows granted 4, provisioned 4');
    const ownedByA = s1.split('\n').filter((l) => new RegExp(`^\\s*\\d+ cg\\s+busy\\s+${A}\\s+${A}\\s`).test(l));
    t.equal(ownedByA.length, 4, '1: /core/map shows four cores with prov and alloc = A');

    const s2 = s.get('2') ?? '';
    t.match(s2, /^granted 11\n/, '2: B gets every CG core except A’s four');
    t.match(s2, /yielded vcore \d+\nyielded vcore \d+\ngranted 2\n/, '2: A lowers its want and yields two vcores');
    t.match(s2, /granted 2\ngranted 13\n/, '2: B borrows the two provisioned-but-idle cores at the next pass');
    const lent = s2.split('\n').filter((l) => new RegExp(`^\\s*\\d+ cg\\s+busy\\s+${A}\\s+${B}\\s`).test(l));
    t.equal(lent.length, 2, '2: /core/map shows two of A’s cores running B');

    const s3a = s.get('3a') ?? '';
    const warn = /^\d+ (\d+) EV_PREEMPT_PENDING vcore=(\d+) deadline=(\d+)/m.exec(s3a);
    t.ok(warn, '3a: B is warned, naming the vcore and the deadline (the background cat printed it)');
    t.match(s3a, /B yielded vcore \d+ nicely\ngranted 3\npreempt_pending 0\n/, '3a: a nice yield hands A the core');
    t.notMatch(s3a, /EV_VCORE_PREEMPT/, '3a: no EV_VCORE_PREEMPT');

    const s3b = s.get('3b') ?? '';
    // The reader's file is printed twice in this section: count distinct sequence numbers.
    const warn2 = /^(\d+) (\d+) EV_PREEMPT_PENDING vcore=(\d+) deadline=(\d+)/gm;
    const bySeq = new Map([...s3b.matchAll(warn2)].map((w) => [w[1], w]));
    const warnings = [...bySeq.values()];
    t.equal(warnings.length, 2, '3b: a second warning joins the first in the reader’s output');
    const last = warnings[warnings.length - 1];
    t.equal(Number(last[4]) - Number(last[2]), 200e6, '3b: deadline = now + grace 200ms');
    t.match(s3b, /granted 3\ngranted 4\n/, '3b: nothing revoked before the deadline; A has the core after it');
    const pre = new RegExp(`^\\d+ (\\d+) EV_VCORE_PREEMPT vcore=${last[3]} pcore=\\d+`, 'm').exec(s3b);
    t.ok(pre, '3b: EV_VCORE_PREEMPT for the warned vcore');
    t.equal(pre?.[1], last[4], '3b: revoked at exactly the deadline');

    const s4 = s.get('4') ?? '';
    t.match(s4, /Numerical result out of range\nrc=1\nlasterr .*99/, '4: echo 99 fails ERANGE and lasterr explains');
    t.match(s4, /Operation not permitted\nrc=1\npid /, '4: another user gets EPERM and can still read');
    t.match(s4, /Invalid argument\nrc=1\n.*banana/, '4: banana is EINVAL, detail in /dev/errstr');

    const s5 = s.get('5') ?? '';
    t.match(s5, new RegExp(`^${A} 1337 killed\\n`), '5: cat wait returns');
    t.notMatch(s5, new RegExp(`\\s(cg\\s+busy\\s+\\S+\\s+${A}|cg\\s+\\S+\\s+${A}\\s)`), '5: nothing held or provisioned by A');
    const listing = s5.trim().split('\n').pop()!.trim().split(/\s+/);
    t.same(listing, [B, 'clone'], '5: ls /mcp no longer lists A; B is still there');
  });
}
