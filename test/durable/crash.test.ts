// SPDX-License-Identifier: GPL-2.0-or-later
//
// kill -9 loses no acknowledged write. An `akaros serve --state DIR` child (real-time
// clock, a snapshot every few hundred records so that crashes also land in snapshots and
// segment removal) takes a stream of ctl writes from several connections; at a seeded
// random moment it is killed with SIGKILL and started again on the same directory
// (20 rounds, each restart the next round's victim). After each restart:
//  - every write whose Rwrite arrived is in effect: each writer's process carries a
//    sequence number at least its last acknowledged one (and at most its last sent one);
//  - no write is half-applied: each write sets two things (`name wI-N` and `want N%5`),
//    and they always agree;
//  - the state checks out: recovery checks the kernel's invariants before serving, and
//    the core map agrees with what the processes say they hold.

import t from 'tap';
import { dial, readUntil, rng, serve, sleep, tempDir, type Conn, type Served } from './helpers.js';

const WRITERS = 4;
const ROUNDS = 20;
const H = 'eve';

interface Writer { pid: number; sent: number; acked: number }

function parseName(name: string): number {
  if (name === '') return 0;   // no write of this writer got in yet
  const m = /^w\d+-(\d+)$/.exec(name);
  if (!m) throw new Error(`bad name ${JSON.stringify(name)}`);
  return Number(m[1]);
}

/** Writes until the connection dies; acked follows each Rwrite. */
async function writeLoop(c: Conn, i: number, w: Writer): Promise<void> {
  for (;;) {
    const n = w.sent + 1;
    w.sent = n;
    try {
      await c.write(`mcp/${w.pid}/ctl`, `name w${i}-${n}\nwant ${n % 5}\n`);
    } catch {
      return;   // the server is gone
    }
    w.acked = n;
  }
}

t.test('kill -9 at random moments: every acknowledged write survives, none half-applied', async (t) => {
  t.setTimeout(280_000);   // 21 process starts: a loaded machine is slow
  const dir = tempDir(t);
  const args = ['--state', dir, '--hostowner', H, '--cores', '16', '--snapshot-records', '300'];
  const random = rng(0x5eed);
  let srv: Served = serve(args);
  t.teardown(() => { if (srv.p.exitCode === null) srv.p.kill('SIGKILL'); });
  await srv.ready;
  const writers: Writer[] = [];
  {
    const c = await dial(srv.address, 'glenda');
    for (let i = 0; i < WRITERS; i++) writers.push({ pid: await c.clone(), sent: 0, acked: 0 });
    c.close();
  }
  for (let round = 0; round < ROUNDS; round++) {
    const conns = await Promise.all(writers.map(() => dial(srv.address, 'glenda')));
    const loops = conns.map((c, i) => writeLoop(c, i, writers[i]));
    await sleep(10 + Math.floor(random() * 120));
    srv.p.kill('SIGKILL');
    await srv.done;
    await Promise.all(loops);
    for (const c of conns) c.close();

    srv = serve(args);
    await srv.ready;
    const c = await dial(srv.address, H);
    let granted = 0;
    for (const [i, w] of writers.entries()) {
      const st = await c.keyed(`mcp/${w.pid}/status`);
      const n = parseName(st.get('name')!);
      t.ok(n >= w.acked && n <= w.sent, `round ${round} writer ${i}: seq ${n} in [${w.acked}, ${w.sent}]`);
      t.equal(Number(st.get('wanted')), n % 5, `round ${round} writer ${i}: want and name of write ${n} both applied`);
      granted += Number(st.get('granted'));
      w.sent = Math.max(w.sent, n);
    }
    const map = (await c.read('core/map')).trim().split('\n').slice(1);
    const busy = map.map((l) => l.trim().split(/\s+/)).filter((f) => f[1] === 'cg' && f[2] === 'busy').length;
    t.equal(busy, granted, `round ${round}: the core map agrees with the processes' grants`);
    const report = /state \S+: recovered: snapshot \S+ \(covers \d+ records\), \d+ records replayed, \d+ bytes cut\n/g;
    const kmesg = await readUntil(c, 'dev/kmesg', (s) => (s.match(report) ?? []).length > round);
    t.equal((kmesg.match(report) ?? []).length, round + 1, `round ${round}: each recovery is reported in /dev/kmesg`);
    c.close();
  }
  srv.p.kill('SIGTERM');
  t.equal((await srv.done).code, 0, 'the last server stops cleanly');
  t.ok(writers.every((w) => w.acked > 0), 'every writer had writes acknowledged');
});
