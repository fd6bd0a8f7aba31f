// SPDX-License-Identifier: GPL-2.0-or-later
//
// Kernel images (kern/image.ts): capture -> restore -> capture is the same image; a
// restored kernel and the original, driven on by the same random continuation, stay
// identical (this is what catches a field an image misses); restoring in place keeps the
// objects devices hold; an event the image cannot rebuild makes capture fail.

import t from 'tap';
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { Kernel } from '../../kern/kernel.js';
import { checkInvariants } from '../../kern/invariants.js';
import { P9Error } from '../../lib/9p/error.js';
import type { KImage } from '../../kern/image.js';
import { action, machineArb, stepArb, takeEvents, H, type Step } from './random.js';

const packr = new Packr({ useRecords: false });
const bytes = (img: KImage): Buffer => packr.pack(img);

function drive(k: Kernel, steps: Step[]): void {
  for (const s of steps) {
    const a = action(k, s);
    if (!a) continue;
    if ('take' in a) { takeEvents(k, a.take, 1 + (s.c % 3)); continue; }
    try { k.apply(a.cmd); } catch (e) { if (!(e instanceof P9Error)) throw e; }
  }
}

/** Through msgpack and back, as a snapshot file does. */
function roundTrip(img: KImage): KImage {
  return packr.unpack(packr.pack(img)) as KImage;
}

t.test('capture -> restore -> capture gives the same image', (t) => {
  fc.assert(fc.property(machineArb, fc.array(stepArb, { minLength: 20, maxLength: 250 }), (cfg, steps) => {
    const k = new Kernel(cfg);
    drive(k, steps);
    const img = k.image();
    const r = Kernel.fromImage(k.config, roundTrip(img));
    checkInvariants(r);
    if (Buffer.compare(bytes(r.image()), bytes(img)) !== 0) throw new Error('images differ');
  }), { numRuns: 100, seed: 11, endOnFailure: true });
  t.pass('100 runs');
  t.end();
});

t.test('a restored kernel and the original stay identical under the same continuation', (t) => {
  fc.assert(fc.property(machineArb, fc.array(stepArb, { minLength: 10, maxLength: 150 }),
    fc.array(stepArb, { minLength: 10, maxLength: 150 }), (cfg, before, after) => {
      const k = new Kernel(cfg);
      drive(k, before);
      const r = Kernel.fromImage(k.config, roundTrip(k.image()));
      drive(k, after);
      drive(r, after);
      // every field, and what a reader sees, and the PRNG's next draw
      if (Buffer.compare(bytes(r.image()), bytes(k.image())) !== 0) throw new Error('states diverged');
      if (r.log.lines().join('\n') !== k.log.lines().join('\n')) throw new Error('logs diverged');
      if (r.rand() !== k.rand()) throw new Error('PRNGs diverged');
    }), { numRuns: 100, seed: 12, endOnFailure: true });
  t.pass('100 runs');
  t.end();
});

t.test('restoring in place keeps the objects others hold', (t) => {
  const k = new Kernel({ ncores: 8, hostowner: H, graceNs: 5_000_000 });
  const a = k.createMcp('u', 'a');
  const b = k.createMcp('u', 'b');
  k.cores('u', a, 3);
  k.want('u', b, 7);
  k.pokeKsched(H);
  const pa = k.proc(a)!, mbA = k.mailbox(a), clock = k.clock, log = k.log;
  let woke = 0;
  mbA.subscribe(() => { woke++; });
  const img = k.image();
  // move on: a new process, a death, time
  const c = k.createMcp('u', 'c');
  const pc = k.proc(c)!;
  k.kill('u', b);
  k.step(H, 50_000_000);
  k.restore(roundTrip(img));
  checkInvariants(k);
  t.equal(k.proc(a), pa, 'a process in both keeps its object');
  t.equal(k.mailbox(a), mbA, '... and its mailbox, with its subscribers');
  t.equal(k.clock, clock, 'the clock object stays (the driver holds it)');
  t.equal(k.log, log, 'the log object stays (kmesg readers subscribe to it)');
  t.equal(k.proc(c), undefined, 'a process made after the image is gone');
  t.equal(Buffer.compare(bytes(k.image()), bytes(img)), 0, 'the state is the image');
  t.equal(k.status(b).state, 'RUNNING_M', 'b is alive again');
  t.equal(pc.dead, false, 'the dropped process object was left alone');
  k.notify('u', a, 'EV_USER_IPI');
  t.equal(woke, 1, 'a subscriber of the kept mailbox still hears posts');
  // pending events were rebuilt: the tick still ticks, the warning deadline still fires
  const ticks = k.state.ticks;
  k.step(H, 30_000_000);
  t.ok(k.state.ticks > ticks, 'the tick was rebuilt');
  t.end();
});

t.test('a process is kept by pid and creation time', (t) => {
  const k = new Kernel({ ncores: 4, hostowner: H, zombieNs: 0 });
  const a = k.createMcp('u');
  const img = k.image();
  const pa = k.proc(a)!;
  const r = Kernel.fromImage(k.config, roundTrip(img));
  t.not(r.proc(a), pa, 'another kernel has its own objects');
  k.kill('u', a);
  k.restore(roundTrip(img));
  t.equal(k.proc(a), pa, 'killed, then restored to before: the same object, alive');
  t.equal(pa.dead, false);
  // the pid handed out again, later: another process, another object
  k.kill('u', a);
  k.reap('u', a);
  k.step(H, 1000);
  for (let i = 0; i < 32767; i++) { const p = k.createMcp('u'); if (p === a) break; k.kill('u', p); k.reap('u', p); }
  const again = k.proc(a)!;
  t.not(again, pa, 'the pid names a new process');
  const img2 = k.image();
  k.restore(roundTrip(img));
  t.equal(k.state.procs.get(a)!.createdT, 0, 'restored: the first process');
  t.not(k.proc(a), again, '... not the object of the process that reused its pid');
  k.restore(roundTrip(img2));
  t.equal(k.state.procs.get(a)!.createdT, 1000);
  t.end();
});

t.test('an event no reviver knows makes capture fail', (t) => {
  const k = new Kernel({ ncores: 4, hostowner: H });
  k.clock.schedule(5, () => {}, 'mystery 1');
  t.throws(() => k.image(), /mystery 1.*no reviver/);
  const k2 = new Kernel({ ncores: 4, hostowner: H });
  k2.clock.schedule(5, () => {});
  t.throws(() => k2.image(), /has no tag/);
  t.end();
});

t.test('a state field the image cannot hold makes capture fail', (t) => {
  const k = new Kernel({ ncores: 4, hostowner: H });
  (k.state as unknown as Record<string, unknown>).extra = () => 1;
  t.throws(() => k.image(), /state\.extra: is a function/);
  (k.state as unknown as Record<string, unknown>).extra = new (class Foo {})();
  t.throws(() => k.image(), /unregistered class Foo/);
  t.end();
});

t.test('10,000 MCPs restore', (t) => {
  const k = new Kernel({ ncores: 64, hostowner: H, nprocMax: 10_000 });
  for (let i = 0; i < 10_000; i++) {
    const pid = k.createMcp('u', `p${i}`);
    if (i < 60) k.want('u', pid, 1);
    k.ev('u', pid, 'EV_ALARM', 'ucq');
  }
  k.pokeKsched(H);
  const img = roundTrip(k.image());
  const r = Kernel.fromImage(k.config, img);
  checkInvariants(r);
  t.equal(r.mcpPids().length, 10_000);
  t.equal(Buffer.compare(bytes(r.image()), bytes(img)), 0);
  t.end();
});
