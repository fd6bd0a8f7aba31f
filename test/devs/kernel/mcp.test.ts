// SPDX-License-Identifier: GPL-2.0-or-later
//
// #mcp through the real stack: every ctl verb, every errno, permissions, clone, the
// file formats, events (blocking, flush, many readers, death, mailbox kinds) and wait.

import t from 'tap';
import {
  EACCES, EAGAIN, EBUSY, ECANCELED, EINVAL, ENOENT, ENOSPC, ENXIO, EPERM, ERANGE, ESRCH,
} from '../../../lib/9p/errno.js';
import { ORDWR } from '../../../lib/9p/const.js';
import { type Conn, makeStack, settle } from './stack.js';

async function setup(t: { teardown(fn: () => unknown): void }, cfg = {}) {
  const s = await makeStack(cfg);
  t.teardown(() => s.close());
  const g = await s.connect('glenda');
  const eve = await s.connect('eve');
  const alice = await s.connect('alice');
  return { s, g, eve, alice };
}

const get = async (c: Conn, path: string, key: string) => (await c.keyed(path)).get(key);

t.test('clone: one MCP per open, owned by the caller, RUNNABLE_M wanting 0', async (t) => {
  const { s, g } = await setup(t);
  const f = await g.openRead('mcp/clone');
  const r1 = (await f.read(0n, 100)).toString();
  t.match(r1, /^\d+\n$/);
  t.equal((await f.read(0n, 100)).toString(), r1, 'reads of one open return the same id');
  t.equal((await f.read(BigInt(r1.length), 100)).length, 0, 'then EOF');
  await f.clunk();
  const id = Number(r1);
  const st = await g.read(`mcp/${id}/status`);
  t.equal(st, `pid ${id}\nname\nuser glenda\nstate RUNNABLE_M\nwanted 0\ngranted 0\nprovisioned 0\nvcores 0\nmax_vcores 15\npreempt_pending 0\nlasterr\n`);
  t.ok(s.kernel.has(id), 'clunking the clone fid does not kill it');
  const id2 = await g.clone();
  t.not(id2, id, 'every open creates one');
  t.same((await g.ls('mcp')).sort(), [String(id), String(id2), 'clone'].sort());
  t.same(await g.ls(`mcp/${id}`), ['cores', 'ctl', 'events', 'evq', 'prov', 'results', 'stat', 'status', 'vcores', 'wait']);
  const dir = await (await s.connect('glenda', '9P2000')).c.stat(`mcp/${id}/ctl`);
  t.equal(dir.uid, 'glenda');
  t.equal(dir.mode & 0o777, 0o664);
  t.equal(await g.read(`mcp/${id}/ctl`), `${id}\n`, 'ctl reads the id');
  // Plan 9 clone-file convention: a write to the open clone is a ctl write to the new process
  const cf = await g.c.root!.walk('mcp/clone');
  await cf.open(ORDWR);
  const id3 = Number((await cf.read(0n, 32)).toString());
  await cf.write(0n, Buffer.from('name viaclone\nwant 1\n'));
  await cf.clunk();
  t.equal(await get(g, `mcp/${id3}/status`, 'name'), 'viaclone');
  t.equal(await get(g, `mcp/${id3}/status`, 'granted'), '1');
});

t.test('cores N / bare N: guarantee, all or nothing, ENOSPC, ERANGE', async (t) => {
  const { g } = await setup(t);
  const a = await g.clone(), b = await g.clone();
  await g.write(`mcp/${a}/ctl`, '4');
  t.equal(await g.read(`mcp/${a}/prov`), '1-4\n');
  t.equal(await g.read(`mcp/${a}/cores`), '1-4\n');
  await g.write(`mcp/${a}/ctl`, 'cores 2');
  t.equal(await get(g, `mcp/${a}/status`, 'provisioned'), '2');
  t.equal(await get(g, `mcp/${a}/status`, 'wanted'), '2');
  await g.write(`mcp/${b}/ctl`, 'cores 10');
  let e = await g.writeErr(`mcp/${a}/ctl`, 'cores 6');
  t.equal(e.errno, ENOSPC);
  t.equal(await get(g, `mcp/${a}/status`, 'lasterr'), 'cores 6: 5 cores free to provision');
  t.equal(await get(g, `mcp/${a}/status`, 'provisioned'), '2', 'nothing changed');
  await g.write(`mcp/${a}/ctl`, 'cores 5');
  t.equal(await get(g, `mcp/${a}/status`, 'provisioned'), '5');
  e = await g.writeErr(`mcp/${a}/ctl`, '16');
  t.equal(e.errno, ERANGE);
  t.match(await get(g, `mcp/${a}/status`, 'lasterr'), /16/);
  t.equal((await g.writeErr(`mcp/${a}/ctl`, 'cores -1')).errno, ERANGE);
  t.equal((await g.writeErr(`mcp/${a}/ctl`, 'cores many')).errno, EINVAL);
  t.equal((await g.writeErr(`mcp/${a}/ctl`, '99999999999999999999999')).errno, ERANGE);
  t.equal((await g.writeErr(`mcp/${a}/ctl`, 'cores')).errno, EINVAL);
  t.equal(await get(g, `mcp/${a}/status`, 'lasterr'), 'wrong number of args "cores"');
  await g.write(`mcp/${a}/ctl`, 'cores 0');
  t.equal(await g.read(`mcp/${a}/prov`), '\n', 'cores 0 drops every provision');
  t.equal(await get(g, `mcp/${a}/status`, 'wanted'), '0');
});

t.test('want N', async (t) => {
  const { g } = await setup(t);
  const a = await g.clone();
  await g.write(`mcp/${a}/ctl`, 'want 3');
  t.equal(await get(g, `mcp/${a}/status`, 'granted'), '3');
  t.equal(await get(g, `mcp/${a}/status`, 'provisioned'), '0', 'want provisions nothing');
  t.equal((await g.writeErr(`mcp/${a}/ctl`, 'want 16')).errno, ERANGE);
  t.equal((await g.writeErr(`mcp/${a}/ctl`, 'want -2')).errno, ERANGE);
  t.equal((await g.writeErr(`mcp/${a}/ctl`, 'want x')).errno, EINVAL);
  await g.write(`mcp/${a}/ctl`, 'want 0');
  t.equal(await get(g, `mcp/${a}/status`, 'wanted'), '0');
});

t.test('prov / prov -f / unprov', async (t) => {
  const { g, eve } = await setup(t);
  const a = await g.clone(), b = await g.clone();
  await g.write(`mcp/${a}/ctl`, 'prov 5,7-8');
  t.equal(await g.read(`mcp/${a}/prov`), '5,7-8\n');
  let e = await g.writeErr(`mcp/${a}/ctl`, 'prov 0');
  t.equal(e.errno, EBUSY, 'LL core');
  e = await g.writeErr(`mcp/${a}/ctl`, 'prov 16');
  t.equal(e.errno, ENXIO, 'no such core');
  t.match(await get(g, `mcp/${a}/status`, 'lasterr'), /16/);
  t.equal((await g.writeErr(`mcp/${a}/ctl`, 'prov 3-1')).errno, EINVAL);
  t.equal((await g.writeErr(`mcp/${a}/ctl`, 'prov x')).errno, EINVAL);
  t.equal((await g.writeErr(`mcp/${a}/ctl`, 'prov -g 3')).errno, EINVAL);
  e = await g.writeErr(`mcp/${b}/ctl`, 'prov 7');
  t.equal(e.errno, EBUSY, 'provisioned to another');
  e = await g.writeErr(`mcp/${b}/ctl`, 'prov -f 7');
  t.equal(e.errno, EPERM, 'only the host owner forces');
  await eve.write(`mcp/${b}/ctl`, 'prov -f 7');
  t.equal(await g.read(`mcp/${b}/prov`), '7\n', 'last writer wins');
  t.equal(await g.read(`mcp/${a}/prov`), '5,8\n');
  e = await g.writeErr(`mcp/${a}/ctl`, 'unprov 7');
  t.equal(e.errno, EINVAL, 'not provisioned to it');
  await g.write(`mcp/${a}/ctl`, 'unprov 5');
  t.equal(await g.read(`mcp/${a}/prov`), '8\n');
  await g.write(`mcp/${a}/ctl`, 'prov 1-3\nunprov all');
  t.equal(await g.read(`mcp/${a}/prov`), '\n');
});

t.test('yield VC and yield VC nice: Akaros rules, EAGAIN, EINVAL', async (t) => {
  const { s, g, eve } = await setup(t, { graceNs: 1_000_000 });
  const a = await g.clone();
  await g.write(`mcp/${a}/ctl`, 'want 3');
  let e = await g.writeErr(`mcp/${a}/ctl`, 'yield 0');
  t.equal(e.errno, EAGAIN, 'wanted >= granted');
  t.match(await get(g, `mcp/${a}/status`, 'lasterr'), /wanted 3 >= granted 3/);
  e = await g.writeErr(`mcp/${a}/ctl`, 'yield 0 nice');
  t.equal(e.errno, EAGAIN, 'nice with no preemption pending');
  t.equal((await g.writeErr(`mcp/${a}/ctl`, 'yield 9')).errno, EINVAL, 'vcore not online');
  t.equal((await g.writeErr(`mcp/${a}/ctl`, 'yield 0 rude')).errno, EINVAL);
  t.equal((await g.writeErr(`mcp/${a}/ctl`, 'yield')).errno, EINVAL);
  // a pending notification refuses a plain yield
  await g.write(`mcp/${a}/ctl`, 'ev EV_USER_IPI ucq ipi');
  await g.write(`mcp/${a}/ctl`, 'want 2\nnotify EV_USER_IPI');
  t.equal((await g.writeErr(`mcp/${a}/ctl`, 'yield 0')).errno, EAGAIN, 'notification pending');
  const evf = await g.openRead(`mcp/${a}/events`);
  t.match((await evf.read(0n, 8192)).toString(), /EV_USER_IPI/);
  await evf.clunk();
  // reading the events handled them: now the yield goes through
  const before = (await g.read(`mcp/${a}/vcores`)).split('\n')[1];
  t.match(before, /^\s+0\s+\d+ online/);
  await g.write(`mcp/${a}/ctl`, 'yield 0');
  t.equal(await get(g, `mcp/${a}/status`, 'granted'), '2');
  t.match((await g.read(`mcp/${a}/vcores`)).split('\n')[1], /^\s+0\s+- inactive/);
  void s; void eve;
});

t.test('notify and ev: ucq, bitmap, ceq, off, flags', async (t) => {
  const { g } = await setup(t);
  const a = await g.clone();
  const ev = await g.openRead(`mcp/${a}/events`);
  const rd = async () => (await ev.read(0n, 8192)).toString();
  // Akaros's event_msg fields by name; EV_USER_IPI is registered by default (pthread's
  // pth_sched_init), and ev_arg2 is 32 bits unsigned, so -1 reads 4294967295
  await g.write(`mcp/${a}/ctl`, 'notify EV_USER_IPI 1 2 3 4');
  t.match(await rd(), /^\d+ 0 EV_USER_IPI arg1=1 arg2=2 arg3=3 arg4=4\n$/);
  await g.write(`mcp/${a}/ctl`, 'notify USER_IPI 0x10 -1');
  t.match(await rd(), /EV_USER_IPI arg1=16 arg2=4294967295 arg3=0 arg4=0\n$/);
  t.equal((await g.writeErr(`mcp/${a}/ctl`, 'notify EV_BOGUS')).errno, EINVAL);
  t.equal((await g.writeErr(`mcp/${a}/ctl`, 'notify EV_USER_IPI 1 2 3 4 5')).errno, EINVAL);
  t.equal((await g.writeErr(`mcp/${a}/ctl`, 'notify EV_USER_IPI one')).errno, EINVAL);
  // bitmap: one line per pending type, payload dropped, lowest type first
  await g.write(`mcp/${a}/ctl`, 'ev EV_USER_IPI bitmap\nev EV_ALARM bitmap');
  await g.write(`mcp/${a}/ctl`, 'notify EV_ALARM\nnotify EV_USER_IPI 7\nnotify EV_USER_IPI 8');
  const lines = (await rd()).trim().split('\n');
  t.equal(lines.length, 2);
  t.match(lines[0], /^\d+ \d+ EV_USER_IPI$/);
  t.match(lines[1], /^\d+ \d+ EV_ALARM$/);
  // ceq: coalesced per type
  await g.write(`mcp/${a}/ctl`, 'ev EV_EVENT ceq');
  await g.write(`mcp/${a}/ctl`, 'notify EV_EVENT 0 1 5\nnotify EV_EVENT 0 2 6');
  t.match(await rd(), /^\d+ \d+ EV_EVENT arg1=0 arg2=3 arg3=6 arg4=0 x_n=2\n$/);
  // off: dropped; so is a type nobody registered (send_kernel_event), until `ev` registers it
  await g.write(`mcp/${a}/ctl`, 'ev EV_FREE_APPLE_PIE off\nnotify EV_FREE_APPLE_PIE\nnotify EV_SYSCALL 1\nev EV_SYSCALL ucq\nnotify EV_SYSCALL 2');
  t.match(await rd(), /^\d+ \d+ EV_SYSCALL arg1=2 arg2=0 arg3=0 arg4=0\n$/, 'the off and unregistered posts never show');
  t.match(await g.read(`mcp/${a}/evq`), /^EV_SYSCALL ucq - vcore=0$/m, 'evq lists the registration');
  t.match(await g.read(`mcp/${a}/evq`), /^EV_FREE_APPLE_PIE off - vcore=0$/m);
  await g.write(`mcp/${a}/ctl`, 'ev EV_SYSCALL ucq ipi vcore=2');
  t.match(await g.read(`mcp/${a}/evq`), /^EV_SYSCALL ucq ipi vcore=2$/m);
  t.equal((await g.writeErr(`mcp/${a}/ctl`, 'ev EV_SYSCALL ucq vcore=15')).errno, EINVAL, 'vcore beyond max_vcores');
  // flags
  await g.write(`mcp/${a}/ctl`, 'ev EV_CHECK_MSGS ucq ipi,wakeup');
  await g.write(`mcp/${a}/ctl`, 'ev EV_CHECK_MSGS ucq ipi wakeup');
  t.equal((await g.writeErr(`mcp/${a}/ctl`, 'ev EV_CHECK_MSGS ucq nonsense')).errno, EINVAL);
  t.equal((await g.writeErr(`mcp/${a}/ctl`, 'ev EV_CHECK_MSGS box')).errno, EINVAL);
  t.equal((await g.writeErr(`mcp/${a}/ctl`, 'ev EV_NOPE ucq')).errno, EINVAL);
  t.equal((await g.writeErr(`mcp/${a}/ctl`, 'ev EV_CHECK_MSGS off ipi')).errno, EINVAL);
  t.equal((await g.writeErr(`mcp/${a}/ctl`, 'ev EV_CHECK_MSGS')).errno, EINVAL);
  await ev.clunk();
});

t.test('name, kill CODE, ESRCH after death, reaping', async (t) => {
  const { s, g } = await setup(t);
  const a = await g.clone();
  await g.write(`mcp/${a}/ctl`, "name 'my spinner'");
  t.equal(await get(g, `mcp/${a}/status`, 'name'), 'my spinner');
  t.equal((await g.writeErr(`mcp/${a}/ctl`, 'name abcdefghijklmnopqrst')).errno, EINVAL, '> 19 bytes');
  t.equal((await g.writeErr(`mcp/${a}/ctl`, 'name')).errno, EINVAL);
  const ctl = await g.openWrite(`mcp/${a}/ctl`);
  const st = await g.openRead(`mcp/${a}/status`);
  t.equal((await g.writeErr(`mcp/${a}/ctl`, 'kill x')).errno, EINVAL);
  await g.write(`mcp/${a}/ctl`, 'want 2\nkill 7');
  t.equal(await get(g, `mcp/${a}/status`, 'state'), 'DYING_ABORT', 'dead, listed until reaped');
  t.equal(await get(g, `mcp/${a}/status`, 'granted'), '0');
  let e = await g.writeErr(`mcp/${a}/ctl`, 'want 1');
  t.equal(e.errno, ESRCH, 'a dead process');
  t.equal(await g.read(`mcp/${a}/wait`), `${a} 7 killed\n`);
  t.notOk(s.kernel.has(a), 'reading wait reaped it');
  t.equal((await g.c.root!.walk(`mcp/${a}`).catch((x) => x)).errno, ENOENT);
  try { await ctl.write(0n, Buffer.from('want 1')); t.fail('wrote'); } catch (x) { t.equal((x as { errno: number }).errno, ESRCH, 'an open ctl of a reaped process'); }
  try { await st.read(0n, 100); t.fail('read'); } catch (x) { t.equal((x as { errno: number }).errno, ESRCH, 'an open status of a reaped process'); }
  await ctl.clunk(); await st.clunk();
  // default exit code
  const b = await g.clone();
  await g.write(`mcp/${b}/ctl`, 'kill');
  t.equal(await g.read(`mcp/${b}/wait`), `${b} 1337 killed\n`);
});

t.test('several lines in one write: applied in order up to the first bad one', async (t) => {
  const { g } = await setup(t);
  const a = await g.clone();
  const e = await g.writeErr(`mcp/${a}/ctl`, 'want 2\nbanana split\nwant 3\n');
  t.equal(e.errno, EINVAL);
  t.equal(await get(g, `mcp/${a}/status`, 'wanted'), '2');
  t.equal(await get(g, `mcp/${a}/status`, 'lasterr'), 'unknown control message "banana split"');
  t.equal((await g.writeErr(`mcp/${a}/ctl`, '\n\n')).errno, EINVAL, 'nothing but blank lines');
});

t.test('permissions: owner and host owner write ctl, others EPERM and still read', async (t) => {
  const { g, eve, alice } = await setup(t);
  const a = await g.clone();
  for (const v of ['2', 'want 1', 'kill', 'name x', 'ephemeral']) {
    t.equal((await alice.writeErr(`mcp/${a}/ctl`, v)).errno, EPERM, `alice: ${v}`);
  }
  await eve.write(`mcp/${a}/ctl`, 'want 1');
  t.equal(await get(alice, `mcp/${a}/status`, 'wanted'), '1');
  t.equal(await alice.read(`mcp/${a}/cores`), '1\n');
  t.equal(await alice.read(`mcp/${a}/ctl`), `${a}\n`);
  t.match(await alice.read(`mcp/${a}/vcores`), /^vcore pcore/);
  // read-only files refuse writers, even the host owner
  t.equal((await eve.writeErr(`mcp/${a}/status`, 'x')).errno, EACCES);
  t.equal((await g.writeErr(`mcp/${a}/events`, 'x')).errno, EACCES);
  // alice's own process is hers
  const b = await alice.clone();
  t.equal((await g.writeErr(`mcp/${b}/ctl`, '1')).errno, EPERM);
  t.equal(await alice.read(`proc/${b}/user`), 'alice\n');
});

t.test('ephemeral: the process dies when the writing connection closes', async (t) => {
  const { s, g } = await setup(t);
  const other = await s.connect('glenda');
  const a = await g.clone();
  const b = await g.clone();
  await other.write(`mcp/${a}/ctl`, 'ephemeral');
  await other.write(`mcp/${a}/ctl`, 'ephemeral');
  await g.write(`mcp/${b}/ctl`, 'want 1');
  const w = g.read(`mcp/${a}/wait`);
  other.close();
  t.equal(await w, `${a} 1337 killed\n`);
  t.equal(s.kernel.has(b), true, 'others live on');
});

t.test('events: blocking, whole lines, short reads, many readers, flush, death', async (t) => {
  const { g, eve } = await setup(t);
  const a = await g.clone();
  const f = await g.openRead(`mcp/${a}/events`);
  // whole lines only: two lines, room for one and a half
  await g.write(`mcp/${a}/ctl`, 'notify EV_USER_IPI 1\nnotify EV_USER_IPI 2');
  const l1 = (await f.read(0n, 8192)).toString();
  t.equal(l1.split('\n').length, 3, 'both lines at once');
  await g.write(`mcp/${a}/ctl`, 'notify EV_USER_IPI 1\nnotify EV_USER_IPI 2');
  const one = (await f.read(0n, 60)).toString();
  t.match(one, /^\d+ 0 EV_USER_IPI arg1=1 arg2=0 arg3=0 arg4=0\n$/, 'one whole line fits');
  // a line longer than the read is split, nothing lost
  const p1 = (await f.read(0n, 10)).toString();
  const p2 = (await f.read(0n, 100)).toString();
  t.match(p1 + p2, /^\d+ 0 EV_USER_IPI arg1=2 arg2=0 arg3=0 arg4=0\n$/);
  t.equal(p1.length, 10);

  // flush of a blocked read: Tflush, EINTR on the server, the event goes to the next read
  const ac = new AbortController();
  const blocked = f.read(0n, 8192, ac.signal);
  await settle();
  ac.abort();
  const err = await blocked.catch((e) => e);
  t.equal(err.errno, ECANCELED, 'the client sees its read flushed');
  await g.write(`mcp/${a}/ctl`, 'notify EV_USER_IPI 42');
  t.match((await f.read(0n, 8192)).toString(), /arg1=42/, 'the event still reaches the next read');

  // many readers on several connections: each event to exactly one, none lost
  const readers = await Promise.all([g, eve, g, eve].map(async (c) => c.openRead(`mcp/${a}/events`)));
  const pending = readers.map((r) => r.read(0n, 8192).then((b) => b.toString()));
  await settle();
  await g.write(`mcp/${a}/ctl`, 'notify EV_USER_IPI 100');
  await g.write(`mcp/${a}/ctl`, 'notify EV_USER_IPI 101');
  await g.write(`mcp/${a}/ctl`, 'notify EV_USER_IPI 102');
  await g.write(`mcp/${a}/ctl`, 'notify EV_USER_IPI 103');
  const got = (await Promise.all(pending)).join('');
  t.same(got.trim().split('\n').map((l) => /arg1=(\d+)/.exec(l)![1]).sort(), ['100', '101', '102', '103']);

  // the process dies while a reader waits: end of file
  const last = f.read(0n, 8192);
  await settle();
  await g.write(`mcp/${a}/ctl`, 'kill');
  t.equal((await last).length, 0, 'EOF once dead and drained');
  t.equal((await f.read(0n, 8192)).length, 0);
  for (const r of readers) {
    t.equal((await r.read(0n, 8192)).length, 0);
    await r.clunk();
  }
  await f.clunk();
});

t.test('events: a dead process drains its mailbox before EOF', async (t) => {
  const { g } = await setup(t);
  const a = await g.clone();
  await g.write(`mcp/${a}/ctl`, 'notify EV_USER_IPI 5\nkill');
  t.match(await g.read(`mcp/${a}/events`), /^\d+ 0 EV_USER_IPI arg1=5 arg2=0 arg3=0 arg4=0\n$/, 'readAll: the event, then EOF');
});

t.test('wait: blocks until death; several waiters; only the owner reaps', async (t) => {
  const { s, g, alice, eve } = await setup(t);
  const a = await g.clone();
  const w1 = eve.read(`mcp/${a}/wait`);
  const w2 = g.read(`mcp/${a}/wait`);
  const f = await g.openRead(`mcp/${a}/wait`);
  const ac = new AbortController();
  const w3 = f.read(0n, 100, ac.signal);
  await settle();
  ac.abort();
  t.equal((await w3.catch((e) => e)).errno, ECANCELED, 'a blocked wait can be flushed');
  await eve.write(`mcp/${a}/ctl`, 'kill 3');
  t.equal(await w1, `${a} 3 killed\n`);
  t.equal(await w2, `${a} 3 killed\n`);
  t.equal((await f.read(0n, 100)).toString(), `${a} 3 killed\n`, 'the flushed fid reads it later');
  t.notOk(s.kernel.has(a));
  await f.clunk();
  // alice may not read the wait of glenda's dead process (mcp.md: owner and host owner only)
  const b = await g.clone();
  await g.write(`mcp/${b}/ctl`, 'kill');
  t.equal((await alice.readErr(`mcp/${b}/wait`)).errno, EACCES);
  t.ok(s.kernel.has(b), 'still listed');
  t.ok((await g.ls('mcp')).includes(String(b)));
});

t.test('formats: vcores, stat', async (t) => {
  const { g, eve } = await setup(t);
  const a = await g.clone();
  await g.write(`mcp/${a}/ctl`, 'want 2');
  await eve.write('sim/ctl', 'step 1250000ns');
  await g.write(`mcp/${a}/ctl`, 'want 1\nyield 1');
  await eve.write('sim/ctl', 'step 1ms');
  t.equal(await g.read(`mcp/${a}/vcores`),
    'vcore pcore state     preempt_deadline sent done flags ctx run_ns\n' +
    '    0     1 online                   0    0    0 RD    -   2250000\n' +
    '    1     - inactive                 0    0    0 R     -   1250000\n');
  const st = await g.keyed(`mcp/${a}/stat`);
  t.equal(st.get('yields'), '1');
  t.equal(st.get('grants'), '2');
  t.ok(st.has('running_m_ns'));
});

t.test('events under the Linux continuation rule: each burst ends for a v9fs reader', async (t) => {
  const { s, g } = await setup(t, { linuxContinuation: 'always' });
  const a = await g.clone();
  const f = await g.openRead(`mcp/${a}/events`);
  const first = f.read(0n, 8192);
  await settle();
  await g.write(`mcp/${a}/ctl`, 'notify EV_USER_IPI 1');
  const b = await first;
  t.match(b.toString(), /EV_USER_IPI arg1=1/);
  // v9fs asks for the rest of its buffer: the server answers at once with 0 bytes
  const cont = await f.read(BigInt(b.length), 8192 - b.length);
  t.equal(cont.length, 0, 'the continuation read does not block');
  // the next read(2) blocks again and gets the next event as it happens
  const next = f.read(BigInt(b.length), 8192);
  await settle();
  let done = false;
  void next.then(() => { done = true; });
  await settle();
  t.notOk(done, 'a fresh read blocks');
  await g.write(`mcp/${a}/ctl`, 'notify EV_USER_IPI 2');
  t.match((await next).toString(), /EV_USER_IPI arg1=2/);
  await f.clunk();
  void s;
});

for (const dialect of ['9P2000', '9P2000.u'] as const) {
  t.test(`every errno class reaches a ${dialect} client with its text`, async (t) => {
    const s = await makeStack();
    t.teardown(() => s.close());
    const g = await s.connect('glenda', dialect);
    const alice = await s.connect('alice', dialect);
    const a = await g.clone(), b = await g.clone();
    await g.write(`mcp/${b}/ctl`, 'cores 12');
    const cases: [Conn, string, number, string][] = [
      [g, 'banana', EINVAL, 'Invalid argument'],
      [g, '99', ERANGE, 'Numerical result out of range'],
      [g, 'cores 4', ENOSPC, 'No space left on device'],
      [g, 'prov 0', EBUSY, 'Device or resource busy'],
      [g, 'prov 40', ENXIO, 'No such device or address'],
      [alice, 'kill', EPERM, 'Operation not permitted'],
      [g, 'yield 0 nice', EINVAL, 'Invalid argument'],
    ];
    for (const [c, cmd, errno, text] of cases) {
      const e = await c.writeErr(`mcp/${a}/ctl`, cmd);
      t.equal(e.errno, errno, cmd);
      t.equal(e.text, text, cmd);
    }
    await g.write(`mcp/${a}/ctl`, 'want 1');
    const e = await g.writeErr(`mcp/${a}/ctl`, 'yield 0');
    t.equal(e.errno, EAGAIN);
    t.equal(e.text, 'Resource temporarily unavailable');
    const ctl = await g.openWrite(`mcp/${a}/ctl`);
    await g.write(`mcp/${a}/ctl`, 'kill');
    const e2 = await ctl.write(0n, Buffer.from('want 2')).catch((x) => x);
    t.equal(e2.errno, ESRCH);
    t.equal(e2.text, 'No such process');
    await ctl.clunk();
  });
}

t.test('preempt, change, notif, request, vcyield', async (t) => {
  const { g, alice } = await setup(t, { ncores: 8 });
  const a = await g.clone();
  const ev = await g.openRead(`mcp/${a}/events`);
  const rd = async () => (await ev.read(0n, 8192)).toString().replace(/^\d+ \d+ /gm, '');
  const vc = async (n: number) => (await g.read(`mcp/${a}/vcores`)).split('\n')[n + 1].trim().split(/\s+/);
  await g.write(`mcp/${a}/ctl`, 'want 3');             // v0 1, v1 2, v2 3
  t.same((await vc(0)).slice(6, 8), ['RD', '-'], 'a started vcore: can receive, notifications off');
  await g.write(`mcp/${a}/ctl`, 'preempt 2');
  t.equal(await rd(), 'EV_VCORE_PREEMPT arg1=0 arg2=2 arg3=0 arg4=0 x_pcore=3\n');
  t.same((await vc(2)).slice(1, 3).concat((await vc(2)).slice(7, 8)), ['-', 'preempted', 'vc'], 'its vcore context saved');
  await g.write(`mcp/${a}/ctl`, 'change 0 2');
  t.equal(await rd(), 'EV_VCORE_PREEMPT arg1=0 arg2=0 arg3=0 arg4=0\n');
  t.equal((await vc(2))[1], '1', 'vcore 2 runs on pcore 1');
  await g.write(`mcp/${a}/ctl`, 'change 1 0 notif');
  t.equal(await rd(), 'EV_CHECK_MSGS arg1=0 arg2=1 arg3=0 arg4=0\n');
  t.equal((await g.writeErr(`mcp/${a}/ctl`, 'change 0 2')).errno, EBUSY);
  t.equal((await g.writeErr(`mcp/${a}/ctl`, 'change 0 99')).errno, EINVAL);
  t.equal((await g.writeErr(`mcp/${a}/ctl`, 'change 0 3 rude')).errno, EINVAL);
  await g.write(`mcp/${a}/ctl`, 'notif 2 on');
  t.equal((await vc(2))[6], 'R', 'notifications on');
  t.equal((await g.writeErr(`mcp/${a}/ctl`, 'change 2 4')).errno, EINVAL, 'not from uthread context');
  t.equal((await g.writeErr(`mcp/${a}/ctl`, 'notif 2 maybe')).errno, EINVAL);
  t.equal((await g.writeErr(`mcp/${a}/ctl`, 'notif 5 off')).errno, EINVAL, 'vcore 5 is not online');
  await g.write(`mcp/${a}/ctl`, 'request 99');
  t.equal(await get(g, `mcp/${a}/status`, 'wanted'), '7', 'clamped, not ERANGE');
  t.equal(await get(g, `mcp/${a}/status`, 'granted'), '7');
  await g.write(`mcp/${a}/ctl`, 'want 4\nrequest 2');
  t.equal(await get(g, `mcp/${a}/status`, 'wanted'), '4', 'request never lowers');
  t.equal((await g.writeErr(`mcp/${a}/ctl`, 'request +x')).errno, EINVAL);
  await g.write(`mcp/${a}/ctl`, 'vcyield 0');
  t.equal(await get(g, `mcp/${a}/status`, 'wanted'), '3', 'vcore_yield decrements amt_wanted');
  t.equal(await get(g, `mcp/${a}/status`, 'granted'), '6');
  await g.write(`mcp/${a}/ctl`, 'vcyield 3 nice');
  t.match(await get(g, `mcp/${a}/status`, 'lasterr'), /no preemption pending/, 'the kernel refused; the call returned');
  await g.write(`mcp/${a}/ctl`, 'preempt');
  t.equal(await get(g, `mcp/${a}/status`, 'state'), 'RUNNABLE_M');
  t.equal((await g.writeErr(`mcp/${a}/ctl`, 'preempt')).errno, EINVAL, 'not RUNNING_M');
  t.equal((await alice.writeErr(`mcp/${a}/ctl`, 'preempt')).errno, EPERM);
  await ev.clunk();
});
