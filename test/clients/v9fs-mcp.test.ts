// SPDX-License-Identifier: GPL-2.0-or-later
//
// Issue 5's acceptance, from a real Linux v9fs mount with plain busybox tools, once per
// dialect (a fresh server and a guest boot each): guarantee cores, lend and borrow
// provisioned cores, preemption with a warning answered in time and one ignored (a
// blocked `cat events` shows each event as it happens), errors as a shell sees them,
// death, and an alarm driven by echo (#alarm). The server starts with Akaros's
// immediate preemption; the script opts into a 200 ms grace period (our extension) and
// registers B for EV_PREEMPT_PENDING, which a parlib program never receives.

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
echo ev EV_PREEMPT_PENDING ucq > mcp/$B/ctl
cat mcp/$B/events > /tmp/ev &
EVP=$!
echo grace 200ms > core/ctl
echo want 3 > mcp/$A/ctl
sleep 1
cat /tmp/ev
V=$(awk '$3 == "EV_PREEMPT_PENDING" { sub("arg1=", "", $4); print $4 }' /tmp/ev | tail -n 1)
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
echo "== 6"
C=$(cat mcp/clone)
echo want 1 > mcp/$C/ctl
K=$(cat alarm/$C/clone)
ls alarm/$C
echo f4240 > alarm/$C/a$K/period
T=$(awk '$1 == "now" { printf "%x", $2 + 5000000 }' sim/status)
echo $T > alarm/$C/a$K/timer
cat alarm/$C/a$K/timer alarm/$C/a$K/period
echo step 8ms > sim/ctl
head -n 1 alarm/$C/a$K/count
cat mcp/$C/events > /tmp/ev2 &
EVP2=$!
sleep 1
kill $EVP2
cat /tmp/ev2
rmdir alarm/$C/a$K && ls alarm/$C
echo "== end"
`;

const DIALECTS = ['9p2000.L', '9p2000.u', '9p2000'];

for (const v of DIALECTS) {
  t.test(`issue 5 acceptance over v9fs ${v}`, async (t) => {
    if (!needTools(t, ['qemu-system-x86_64'])) return;
    const m = await boot({ listen: ['tcp!127.0.0.1!0'], paused: true, hostowner: 'root' });
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
    const warn = /^\d+ (\d+) EV_PREEMPT_PENDING arg1=(\d+) arg2=0 arg3=0 arg4=0 x_deadline=(\d+)/m.exec(s3a);
    t.ok(warn, '3a: B is warned, naming the vcore and the deadline (the background cat printed it)');
    t.match(s3a, /B yielded vcore \d+ nicely\ngranted 3\npreempt_pending 0\n/, '3a: a nice yield hands A the core');
    t.notMatch(s3a, /EV_VCORE_PREEMPT/, '3a: no EV_VCORE_PREEMPT');

    const s3b = s.get('3b') ?? '';
    // The reader's file is printed twice in this section: count distinct sequence numbers.
    const warn2 = /^(\d+) (\d+) EV_PREEMPT_PENDING arg1=(\d+) arg2=0 arg3=0 arg4=0 x_deadline=(\d+)/gm;
    const bySeq = new Map([...s3b.matchAll(warn2)].map((w) => [w[1], w]));
    const warnings = [...bySeq.values()];
    t.equal(warnings.length, 2, '3b: a second warning joins the first in the reader’s output');
    const last = warnings[warnings.length - 1];
    t.equal(Number(last[4]) - Number(last[2]), 200e6, '3b: deadline = now + grace 200ms');
    t.match(s3b, /granted 3\ngranted 4\n/, '3b: nothing revoked before the deadline; A has the core after it');
    const pre = new RegExp(`^\\d+ (\\d+) EV_VCORE_PREEMPT arg1=0 arg2=${last[3]} arg3=0 arg4=0 x_pcore=\\d+`, 'm').exec(s3b);
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

    const s6 = s.get('6') ?? '';
    const l6 = s6.trim().split('\n').map((l) => l.trim());
    t.match(s6, /^a0\s+clone$/m, '6: cat clone made alarm a0');
    const [at, period, count] = l6.filter((l) => /^\d+$/.test(l)).map(Number);
    t.ok(at > 0, '6: timer reads the absolute time written in hex, in decimal');
    t.equal(period, 1_000_000, '6: period 0xf4240 = 1 ms');
    t.equal(count, 4, '6: count: four firings in 8 ms (at +5, +6, +7, +8 ms)');
    const alarms = l6.filter((l) => / EV_ALARM /.test(l));
    t.equal(alarms.length, 4, '6: four EV_ALARM events in the process queue');
    t.match(alarms[0], new RegExp(`^\\d+ ${at} EV_ALARM arg1=0 arg2=4 arg3=0 arg4=0 x_count=1$`));
    t.match(alarms[3], new RegExp(`^\\d+ ${at + 3_000_000} EV_ALARM arg1=0 arg2=4 arg3=0 arg4=0 x_count=4$`));
    t.equal(l6[l6.length - 1], 'clone', '6: rmdir released the alarm');
  });
}
