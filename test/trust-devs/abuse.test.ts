// SPDX-License-Identifier: GPL-2.0-or-later
//
// Issue 10 ("Trust"), the kernel-device rows, through the real stack: for each abuse, the
// bound holds, and a fresh client (carol) is answered while the abuse is still going on.
// Loops are bounded; nothing here measures time (bench/abuse-devs.ts does).

import t, { type Test } from 'tap';
import { EACCES, EAGAIN, EINVAL, ENXIO, EPERM, ERANGE } from '../../lib/9p/errno.js';
import { DETAIL_MAX, EVQ_MAX, NPROC_MAX, RECORD_MAX } from '../../kern/index.js';
import { MAX_CTL_LINE, MAX_CTL_LINES, MAX_CTL_WRITE } from '../../devs/lib/cmd.js';
import { MAX_STEP_EVENTS } from '../../devs/sim/sim.js';
import { type Conn, HOST, makeStack, type StackOptions } from '../devs/kernel/stack.js';

/** msize for writes of a whole 1 MiB in one Twrite (the server's maximum). */
const BIG = (1 << 20) + 24;

async function setup(t: { teardown(fn: () => unknown): void }, cfg: StackOptions = {}) {
  const s = await makeStack(cfg);
  t.teardown(() => s.close());
  return {
    s, alice: await s.connect('alice', '9P2000.L', '', BIG), bob: await s.connect('bob'), eve: await s.connect(HOST),
    carol: await s.connect('carol'),
  };
}

/** Runs `abuse` and, meanwhile, one request of a fresh client: it must be answered
 *  correctly before the abuse is over. Returns what the abuse returned. */
async function servedDuring<T>(t: Tap, fresh: Conn, abuse: () => Promise<T>): Promise<T> {
  let over = false;
  const run = abuse().finally(() => { over = true; });
  t.equal(await fresh.read('dev/sysname'), 'nanwan\n', 'a fresh client is served');
  t.notOk(over, '...while the abuse goes on');
  return run;
}
type Tap = Test;

const get = async (c: Conn, path: string, key: string) => (await c.keyed(path)).get(key);

t.test('row 2: another user cannot consume events or wait; the owner still gets them', async (t) => {
  const { s, alice, bob, eve, carol } = await setup(t);
  const a = await alice.clone();
  const p = await alice.clone('proc');
  // EV_PREEMPT_PENDING is not registered by default (parlib polls the vcoremap; issue 18),
  // and an unregistered event is dropped: register it so there is an event to steal.
  await alice.write(`mcp/${a}/ctl`, 'ev EV_PREEMPT_PENDING ucq');
  await alice.write(`mcp/${a}/ctl`, 'notify EV_PREEMPT_PENDING 3 0 0 210000000');
  await servedDuring(t, carol, async () => {
    for (let i = 0; i < 200; i++) {
      for (const f of [`mcp/${a}/events`, `mcp/${a}/wait`, `proc/${p}/wait`]) {
        if ((await bob.readErr(f)).errno !== EACCES) throw new Error(`bob opened ${f}`);
      }
    }
  });
  t.equal(s.kernel.mailbox(a).size, 1, 'bob took nothing');
  const f = await alice.openRead(`mcp/${a}/events`);
  // the four numbers written print as Akaros's arg1..arg4 (issue 18's event line format)
  t.match((await f.read(0n, 8192)).toString(), /EV_PREEMPT_PENDING arg1=3 arg2=0 arg3=0 arg4=210000000\n$/, 'the owner gets it');
  await f.clunk();
  await alice.write(`mcp/${a}/ctl`, 'notify EV_USER_IPI 9');
  const g = await eve.openRead(`mcp/${a}/events`);
  t.match((await g.read(0n, 8192)).toString(), / arg1=9 /, 'so does the host owner');
  await g.clunk();
  const st = await s.connect('bob', '9P2000');
  t.equal(((await st.c.stat(`mcp/${a}/events`)).mode & 0o777), 0o400, 'mode says so');
});

t.test('row 3: flooding one\'s own event queue: bounded, the loss reported in order', async (t) => {
  const { s, alice, carol } = await setup(t);
  const a = await alice.clone();
  const batch = 'notify EV_USER_IPI 1\n'.repeat(MAX_CTL_LINES);
  const writes = 20;
  await servedDuring(t, carol, async () => {
    for (let i = 0; i < writes; i++) await alice.write(`mcp/${a}/ctl`, batch);
  });
  const mb = s.kernel.mailbox(a);
  t.equal(mb.size, EVQ_MAX + 1, 'the queue holds EVQ_MAX messages and one overflow record');
  t.equal(mb.lostTotal, writes * MAX_CTL_LINES - EVQ_MAX);
  // One 1 MiB write of notify lines, or one line too many: refused whole, nothing applied.
  const huge = 'notify EV_USER_IPI 2\n'.repeat(Math.ceil((1 << 20) / 21));
  t.equal((await alice.writeErr(`mcp/${a}/ctl`, huge)).errno, EINVAL);
  t.match(await get(alice, `mcp/${a}/status`, 'lasterr'), `bytes: at most ${MAX_CTL_WRITE}`);
  t.equal((await alice.writeErr(`mcp/${a}/ctl`, `${batch}notify 5\n`)).errno, EINVAL);
  t.match(await get(alice, `mcp/${a}/status`, 'lasterr'), `lines: at most ${MAX_CTL_LINES}`);
  t.equal(mb.lostTotal, writes * MAX_CTL_LINES - EVQ_MAX, 'not one line of either applied');
  // The reader: EVQ_MAX events, then the record of the gap.
  const f = await alice.openRead(`mcp/${a}/events`);
  let lines: string[] = [];
  while (lines.length < EVQ_MAX + 1) {
    const b = (await f.read(0n, 65536)).toString();
    lines = lines.concat(b.split('\n').filter(Boolean));
  }
  await f.clunk();
  t.equal(lines.length, EVQ_MAX + 1);
  // EV_USER_IPI is registered (ucq) for a clone MCP by default, as pthread's pth_sched_init does
  t.ok(lines.slice(0, EVQ_MAX).every((l) => / EV_USER_IPI arg1=1 /.test(l)));
  t.match(lines[EVQ_MAX], new RegExp(`^${EVQ_MAX + 1} 0 EV_OVERFLOW lost=${writes * MAX_CTL_LINES - EVQ_MAX}$`));
  t.equal(await get(alice, `mcp/${a}/stat`, 'events_lost'), String(writes * MAX_CTL_LINES - EVQ_MAX));
  // The host owner may change the bound.
  const eve = await s.connect(HOST);
  await eve.write('core/ctl', 'limit evq 8');
  await alice.write(`mcp/${a}/ctl`, batch.slice(0, 21 * 10));
  t.equal(mb.size, 9);
  t.equal((await alice.writeErr('core/ctl', 'limit evq 100000')).errno, EPERM);
});

t.test('row 6: a huge core range is refused before it is expanded', async (t) => {
  const { s, alice, carol } = await setup(t);
  const a = await alice.clone();
  await servedDuring(t, carol, async () => {
    for (let i = 0; i < 100; i++) {
      for (const v of ['prov 1-9007199254740991', 'unprov 0-9007199254740991', 'prov 1,3,9007199254740991']) {
        if ((await alice.writeErr(`mcp/${a}/ctl`, v)).errno !== ENXIO) throw new Error(v);
      }
    }
  });
  t.match(await get(alice, `mcp/${a}/status`, 'lasterr'), /no such core \(ncores 16\)/);
  t.equal(s.kernel.provList(a).length, 0, 'nothing provisioned');
  t.equal((await alice.writeErr(`mcp/${a}/ctl`, 'prov 99999999999999999999999')).errno, ENXIO, 'past 2^53 too');
  await alice.write(`mcp/${a}/ctl`, 'prov 1-15');
  t.equal(await alice.read(`mcp/${a}/prov`), '1-15\n', 'a whole machine still fits');
});

t.test('row 7: sim step and speed never freeze the server', async (t) => {
  const { s, eve, carol } = await setup(t);
  for (const [v, errno] of [['step 9007199254740991', ERANGE], ['step 7200s', ERANGE], ['step 3600000000001ns', ERANGE],
    ['speed 1000000000', ERANGE], ['speed 1000.5', ERANGE]] as const) {
    t.equal((await eve.writeErr('sim/ctl', v)).errno, errno, v);
  }
  t.equal(s.kernel.now(), 0, 'nothing moved');
  await eve.write('sim/ctl', 'speed 1000');
  // 100 ms at a 1 µs tick: 100000 kernel events, run in slices; carol is answered between.
  await eve.write('core/ctl', 'tick 1us');
  const before = s.kernel.clock.eventsRun;
  await servedDuring(t, carol, () => eve.write('sim/ctl', 'step 100ms'));
  t.equal(s.kernel.now(), 100_000_000);
  t.ok(s.kernel.clock.eventsRun - before >= 100_000, 'every event on the way ran');
  // Steps are applied in order, one after the other.
  const both = Promise.all([eve.write('sim/ctl', 'step 1ms'), eve.write('sim/ctl', 'step 2ms')]);
  await both;
  t.equal(s.kernel.now(), 103_000_000, 'two concurrent steps add up');
  // A step that would run more than MAX_STEP_EVENTS stops there, ERANGE.
  const e = await servedDuring(t, carol, () => eve.writeErr('sim/ctl', 'step 3600s'));
  t.equal(e.errno, ERANGE);
  t.match(await eve.read('dev/errstr'), `after ${MAX_STEP_EVENTS} events`);
  t.ok(s.kernel.now() > 103_000_000 && s.kernel.now() < 103_000_000 + 3600e9, 'it got part of the way');
});

t.test('row 9: a failed ctl write with a 1 MiB line keeps at most a bounded detail', async (t) => {
  const logMaxBytes = 64 << 10;
  const { s, alice, carol } = await setup(t, { logMaxBytes });
  const a = await alice.clone();
  // A 1 MiB line is refused by its size; the longest line a write may carry is clipped.
  t.equal((await alice.writeErr(`mcp/${a}/ctl`, `banana ${'x'.repeat(1 << 20)}`)).errno, EINVAL);
  t.match(await get(alice, `mcp/${a}/status`, 'lasterr'), /^ctl write of \d+ bytes: at most/);
  t.equal((await alice.writeErr(`mcp/${a}/ctl`, `banana ${'x'.repeat(MAX_CTL_LINE)}`)).errno, EINVAL);
  t.match(await get(alice, `mcp/${a}/status`, 'lasterr'), /^ctl line "banana x+…" of 4103 bytes: at most 4096$/);
  const line = `banana ${'x'.repeat(MAX_CTL_LINE - 7)}`;
  await servedDuring(t, carol, async () => {
    for (let i = 0; i < 40; i++) await alice.writeErr(`mcp/${a}/ctl`, line);
  });
  const le = await get(alice, `mcp/${a}/status`, 'lasterr');
  t.ok(Buffer.byteLength(le!) <= DETAIL_MAX, `lasterr is ${Buffer.byteLength(le!)} bytes`);
  t.match(le, /^unknown control message "banana x+…$/);
  const recs = s.kernel.log.since(0);
  t.ok(recs.every((r) => Buffer.byteLength(r.text) <= RECORD_MAX), 'every log record bounded');
  t.ok(s.kernel.log.held <= logMaxBytes, `the ring holds ${s.kernel.log.held} characters`);
  // The kernel log as a reader sees it: bounded too, and one line per record.
  const f = await alice.openRead('dev/kmesg');
  const text = (await f.read(0n, 1 << 20)).toString();
  await f.clunk();
  t.ok(text.length <= logMaxBytes);
  // /dev/errstr as written by the session itself.
  await alice.write('dev/errstr', 'y'.repeat(1 << 20));
  t.ok(Buffer.byteLength(await alice.read('dev/errstr')) <= DETAIL_MAX + 1);
  // A long name: the kernel's own refusal is clipped the same way.
  await alice.writeErr(`mcp/${a}/ctl`, `name ${'n'.repeat(MAX_CTL_LINE - 5)}`);
  t.match(await get(alice, `mcp/${a}/status`, 'lasterr'), /^name n+…$/);
  t.ok(Buffer.byteLength((await get(alice, `mcp/${a}/status`, 'lasterr'))!) <= DETAIL_MAX);
});

t.test('row 10: processes per user: a clone loop stops at the limit; others, and the host owner, go on', async (t) => {
  const { s, alice, bob, eve, carol } = await setup(t);
  let made = 0;
  const e = await servedDuring(t, carol, async () => {
    for (let i = 0; i <= NPROC_MAX; i++) {
      try {
        await alice.clone();
        made++;
      } catch (err) {
        return err as { errno: number; detail?: string };
      }
    }
    throw new Error('no limit');
  });
  t.equal(made, NPROC_MAX);
  t.equal(e.errno, EAGAIN);
  t.match(await alice.read('dev/errstr'), `alice has ${NPROC_MAX} processes (limit ${NPROC_MAX}`);
  t.equal((await alice.readErr('proc/clone')).errno, EAGAIN, 'SCPs count too');
  t.ok(await bob.clone() > 0, 'another user is not affected');
  t.ok(await eve.clone() > 0, 'nor the host owner');
  // A zombie counts until it is reaped; reaping gives the slot back.
  const victim = s.kernel.pids().find((p) => s.kernel.proc(p)!.user === 'alice')!;
  await alice.write(`mcp/${victim}/ctl`, 'kill');
  t.equal((await alice.readErr('mcp/clone')).errno, EAGAIN);
  t.equal(await alice.read(`mcp/${victim}/wait`), `${victim} 1337 killed\n`);
  t.ok(await alice.clone() > 0, 'reaped: room for one more');
});

t.test('row 12: names with control characters are EINVAL; nothing forged', async (t) => {
  const { s, alice, carol } = await setup(t);
  const a = await alice.clone();
  await servedDuring(t, carol, async () => {
    for (let i = 0; i < 100; i++) {
      for (const n of ["'x\rstate RUNNING_M'", "'a\x00b'", "'\x1b[2Jz'", "'q\x85'"]) {
        if ((await alice.writeErr(`mcp/${a}/ctl`, `name ${n}`)).errno !== EINVAL) throw new Error(n);
      }
    }
  });
  const status = await alice.read(`mcp/${a}/status`);
  t.equal(status.split('\n').filter((l) => l.startsWith('state ')).length, 1, 'one state line');
  t.notMatch(status, /[\x00-\x08\x0b-\x1f\x7f]/, 'no control characters in status');
  t.match(await get(alice, `mcp/${a}/status`, 'lasterr'), /control character/);
  t.notMatch(await alice.read(`proc/${a}/status`), /[\r\x00]/);
  const f = await alice.openRead('dev/kmesg');
  const log = (await f.read(0n, 1 << 20)).toString();
  await f.clunk();
  t.notMatch(log, /[\x00-\x08\x0b-\x1f\x7f]/, 'kmesg is one record per line');
  t.equal(s.kernel.status(a).name, '');
});

t.test('row 13: want -0 is EINVAL with a true detail', async (t) => {
  const { alice, carol } = await setup(t);
  const a = await alice.clone();
  await servedDuring(t, carol, async () => {
    for (let i = 0; i < 100; i++) {
      for (const v of ['want -0', 'cores -0', '-0', 'want -000']) {
        if ((await alice.writeErr(`mcp/${a}/ctl`, v)).errno !== EINVAL) throw new Error(v);
      }
    }
  });
  t.equal(await get(alice, `mcp/${a}/status`, 'lasterr'), 'bad core count "-000"');
  t.equal((await alice.writeErr(`mcp/${a}/ctl`, 'want -1')).errno, ERANGE, 'a negative count stays ERANGE');
  t.equal(await get(alice, `mcp/${a}/status`, 'lasterr'), 'core count -1 < 0');
});
