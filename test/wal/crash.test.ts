// SPDX-License-Identifier: GPL-2.0-or-later
//
// lib/wal against machine crashes, simulated by MemFs: whatever was not made durable is
// lost, torn, or comes back out of order. After any crash a plain (strict) open must
// succeed and recover a prefix of what was issued that holds every acknowledged record;
// when unsynced data is simply lost, exactly the acknowledged records.

import t from 'tap';
import fc from 'fast-check';
import { MemFs, Store, type CrashMode, type StoreOptions } from '../../lib/wal/index.js';

type Step = { t: 'append'; n: number; pad: number } | { t: 'snap' } | { t: 'appendSnap'; n: number };

interface Outcome { issued: number; acked: Set<number> }

/** Runs the steps on a store over mem until the machine crashes or the steps end. */
async function drive(mem: MemFs, steps: Step[], opts: StoreOptions): Promise<Outcome> {
  const out: Outcome = { issued: 0, acked: new Set() };
  let st: Store;
  try {
    st = await Store.open('/state', { ...opts, fs: mem, lock: false });
  } catch {
    return out;   // crashed while opening
  }
  const append = (pad: number): Promise<unknown> => {
    const i = out.issued++;
    return st.append({ i, pad: 'p'.repeat(pad) }).then(() => { out.acked.add(i); });
  };
  const snap = (): Promise<unknown> => st.snapshot(Array.from({ length: out.issued }, (_, i) => i));
  for (const s of steps) {
    if (mem.image) break;
    const ps: Promise<unknown>[] = [];
    if (s.t === 'append') for (let k = 0; k < s.n; k++) ps.push(append(s.pad));
    else if (s.t === 'snap') ps.push(snap());
    else {
      for (let k = 0; k < s.n; k++) ps.push(append(3));
      ps.push(snap());
      for (let k = 0; k < s.n; k++) ps.push(append(5));
    }
    await Promise.allSettled(ps);
  }
  await st.close().catch(() => undefined);   // after a crash every call fails; nothing to learn
  return out;
}

/** Opens the crash image strictly; returns the recovered state as record numbers. */
async function recovered(img: MemFs, opts: StoreOptions): Promise<number[]> {
  const st = await Store.open('/state', { ...opts, fs: img, lock: false });
  const snap = (st.recovered.snapshot as number[] | undefined) ?? [];
  const state = [...snap, ...(st.recovered.records as { i: number }[]).map((r) => r.i)];
  // the recovered store works: one more append survives a clean reopen
  await st.append({ i: state.length, pad: '' });
  await st.close();
  const again = await Store.open('/state', { ...opts, fs: img, lock: false });
  const n = ((again.recovered.snapshot as number[] | undefined) ?? []).length + again.recovered.records.length;
  await again.close();
  if (n !== state.length + 1) throw new Error(`after recovery and one append, a reopen found ${n} records, want ${state.length + 1}`);
  return state;
}

function check(state: number[], o: Outcome, mode: CrashMode): string | undefined {
  for (let k = 0; k < state.length; k++) if (state[k] !== k) return `not a prefix of what was issued: ${JSON.stringify(state)}`;
  if (state.length > o.issued) return `recovered ${state.length} of ${o.issued} issued`;
  for (const a of o.acked) if (a >= state.length) return `acknowledged record ${a} lost (recovered ${state.length})`;
  if (mode === 'lose' && state.length !== o.acked.size) return `recovered ${state.length}, acknowledged ${o.acked.size}`;
  return undefined;
}

const script: Step[] = [
  { t: 'append', n: 1, pad: 0 }, { t: 'append', n: 3, pad: 10 }, { t: 'append', n: 1, pad: 60 },
  { t: 'snap' }, { t: 'append', n: 2, pad: 0 }, { t: 'appendSnap', n: 2 }, { t: 'append', n: 4, pad: 1 },
  { t: 'snap' }, { t: 'append', n: 1, pad: 0 }, { t: 'snap' }, { t: 'append', n: 2, pad: 30 },
];

t.test('a crash before every mutating operation of a scripted run recovers correctly', async (t) => {
  for (const opts of [{ segmentRecords: 3, keepSnapshots: 1 }, { segmentRecords: 2, segmentBytes: 4096, keepSnapshots: 2 }] as StoreOptions[]) {
    const dry = new MemFs();
    await drive(dry, script, opts);
    const total = dry.mutations;
    t.ok(total > 50, `${total} mutating operations in the script`);
    let runs = 0;
    for (let n = 0; n <= total; n++) {
      for (const [mode, seed] of [['lose', 0], ['torn', n], ['torn', n + 7777], ['scramble', n]] as [CrashMode, number][]) {
        const mem = new MemFs();
        mem.crashAfter(n, mode, seed);
        const o = await drive(mem, script, opts);
        const img = mem.image ?? mem.crash(mode, seed);
        let why: string | undefined;
        try {
          why = check(await recovered(img, opts), o, mode);
        } catch (e) {
          why = `open failed: ${e instanceof Error ? e.message : String(e)}`;
        }
        if (why) t.fail(`crash before operation ${n} (${mode}, seed ${seed}): ${why}`);
        runs++;
      }
    }
    t.equal(runs, (total + 1) * 4, `${runs} crash points checked`);
  }
});

t.test('property: random appends, snapshots and crash points recover the acknowledged prefix', async (t) => {
  const step: fc.Arbitrary<Step> = fc.oneof(
    fc.record({ t: fc.constant('append' as const), n: fc.integer({ min: 1, max: 5 }), pad: fc.integer({ min: 0, max: 80 }) }),
    fc.record({ t: fc.constant('snap' as const) }),
    fc.record({ t: fc.constant('appendSnap' as const), n: fc.integer({ min: 0, max: 3 }) }),
  );
  await fc.assert(fc.asyncProperty(
    fc.array(step, { minLength: 1, maxLength: 14 }),
    fc.nat({ max: 160 }),
    fc.constantFrom<CrashMode>('lose', 'torn', 'scramble'),
    fc.integer(),
    fc.record({ segmentRecords: fc.integer({ min: 1, max: 6 }), keepSnapshots: fc.integer({ min: 1, max: 3 }), segmentBytes: fc.constantFrom(4096, 1 << 20) }),
    async (steps, crashAt, mode, seed, opts) => {
      const mem = new MemFs();
      mem.crashAfter(crashAt, mode, seed);
      const o = await drive(mem, steps, opts);
      const img = mem.image ?? mem.crash(mode, seed);
      const why = check(await recovered(img, opts), o, mode);
      if (why) throw new Error(why);
    },
  ), { numRuns: 400 });
  t.pass('400 random runs');
});
