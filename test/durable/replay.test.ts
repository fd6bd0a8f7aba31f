// SPDX-License-Identifier: GPL-2.0-or-later
//
// Replay equivalence: a random workload run on a durable machine (every kind of record:
// commands applied and refused, device errors, events taken, log lines, settings, the
// clock moving on its own between records), then a crash that keeps exactly what was
// acknowledged, then recovery (snapshots and journal rotation included): the recovered
// kernel is the live one, field for field.

import t from 'tap';
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { MemFs } from '../../lib/wal/index.js';
import { openMachine } from '../../devs/persist/open.js';
import { P9Error } from '../../lib/9p/error.js';
import type { Kernel, KImage } from '../../kern/index.js';
import { action, machineArb, stepArb } from '../kern/random.js';
import { canonical, firstDiff, plain } from '../kern/diff.js';

const packr = new Packr({ useRecords: false });
const SETTINGS = { sysname: 'nanwan', mode: 'paused' as const, speed: 1, seed: 1 };
const STORE = { snapshotRecords: 40, segmentRecords: 25, lock: false };

/** The image without the log (compared apart: recovery appends its own lines), with
 *  pristine mailboxes as none (diff.ts). */
function body(k: Kernel): Buffer {
  const state = canonical(plain(packr.unpack(packr.pack(k.image())) as KImage));
  delete state.log;
  return packr.pack(state);
}

const extraArb = fc.record({ flush: fc.nat(7), clock: fc.nat(9), misc: fc.nat(11) });

t.test('journaled, crashed and recovered = live', async (t) => {
  await fc.assert(fc.asyncProperty(machineArb, fc.array(fc.tuple(stepArb, extraArb), { minLength: 20, maxLength: 200 }),
    fc.nat(), async (cfg, steps, seed) => {
      const fs = new MemFs();
      const dm = await openMachine('/state', { config: cfg, settings: SETTINGS, fs, store: STORE });
      const k = dm.kernel, j = dm.journal;
      for (const [s, x] of steps) {
        const a = action(k, s);
        if (a && 'take' in a) {
          if (k.has(a.take) && k.mailbox(a.take).take(1).length) j.took(a.take);
        } else if (a) {
          try { k.apply(a.cmd); } catch (e) { if (!(e instanceof P9Error)) throw e; }
        }
        // the clock moves on its own (a running driver) now and then
        if (x.clock === 0) k.clock.runUntil(k.now() + s.c % 25_000_000);
        switch (x.misc) {
          case 0: k.setLasterr(k.pids()[0] ?? 1, `bad line ${s.b}`); break;
          case 1: k.log.add(k.now(), 'user', `hello ${s.b}`); j.note('user', `hello ${s.b}`); break;
          case 2: j.set('sysname', `n${s.b}`); break;
          case 3: j.set('seed', s.c); break;
          case 4: j.time(); break;
        }
        if (x.flush === 0) await j.barrier();
      }
      j.time();
      await j.barrier();
      const live = body(k), lines = k.log.lines(), settings = { ...dm.settings };
      const disk = fs.crash('lose', seed);
      const r = await openMachine('/state', { config: cfg, settings: SETTINGS, fs: disk, store: STORE });
      try {
        const rb = body(r.kernel);
        if (Buffer.compare(rb, live) !== 0) throw new Error(`recovered kernel differs from the live one: ${firstDiff(packr.unpack(live), packr.unpack(rb))}`);
        const rl = r.kernel.log.lines();
        const mine = rl.slice(0, rl.length - r.lines.length);
        if (mine.join('\n') !== lines.join('\n')) throw new Error('recovered log differs');
        if (JSON.stringify(r.settings) !== JSON.stringify(settings)) throw new Error('settings differ');
      } finally {
        await r.close();
      }
    }), { numRuns: 60, seed: 3, endOnFailure: true });
  t.pass('60 runs');
});
