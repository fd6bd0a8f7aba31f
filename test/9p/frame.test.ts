// SPDX-License-Identifier: GPL-2.0-or-later

import t from 'tap';
import fc from 'fast-check';
import { FrameReader, FrameError } from '../../lib/9p/frame.js';

const frame = (body: Uint8Array): Buffer => {
  const b = Buffer.alloc(7 + body.length);
  b.writeUInt32LE(b.length, 0);
  b.set(body, 7);
  return b;
};

t.test('any chunking yields the same frames', async (t) => {
  fc.assert(fc.property(
    fc.array(fc.uint8Array({ maxLength: 100 }), { minLength: 1, maxLength: 10 }),
    fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 20 }),
    (bodies, cuts) => {
      const frames = bodies.map(frame);
      const all = Buffer.concat(frames);
      const fr = new FrameReader(200);
      const got: Buffer[] = [];
      let pos = 0, i = 0;
      while (pos < all.length) {
        const n = cuts[i++ % cuts.length];
        fr.push(all.subarray(pos, pos + n));
        pos += n;
        for (let f; (f = fr.next());) got.push(Buffer.from(f));
      }
      if (got.length !== frames.length) throw new Error(`got ${got.length} frames, want ${frames.length}`);
      frames.forEach((f, k) => { if (!f.equals(got[k])) throw new Error(`frame ${k} differs`); });
      if (fr.buffered() !== 0) throw new Error('leftover bytes');
    }), { numRuns: 500 });
  t.pass('ok');
});

t.test('one byte at a time, and many frames in one chunk', async (t) => {
  const frames = [frame(Buffer.from('abc')), frame(Buffer.alloc(0)), frame(Buffer.from('xyz!'))];
  const all = Buffer.concat(frames);
  const fr = new FrameReader(64);
  const got: Buffer[] = [];
  for (const byte of all) {
    fr.push(Buffer.from([byte]));
    for (let f; (f = fr.next());) got.push(f);
  }
  t.same(got, frames);
  const fr2 = new FrameReader(64);
  fr2.push(all);
  t.same([fr2.next(), fr2.next(), fr2.next(), fr2.next()], [...frames, null]);
  t.equal(fr2.next(), null);
});

t.test('a frame inside one chunk is a view, not a copy', async (t) => {
  const all = Buffer.concat([frame(Buffer.from('abc')), frame(Buffer.from('d'))]);
  const fr = new FrameReader(64);
  fr.push(all);
  t.equal(fr.next()!.buffer, all.buffer);
});

t.test('size < 7 and size > max are refused from the header alone', async (t) => {
  for (const size of [0, 6, 65, 0xffffffff]) {
    const fr = new FrameReader(64);
    const hdr = Buffer.alloc(4);
    hdr.writeUInt32LE(size, 0);
    fr.push(hdr.subarray(0, 2));
    t.equal(fr.next(), null, 'needs all 4 size bytes');
    fr.push(hdr.subarray(2));
    t.throws(() => fr.next(), FrameError, `size ${size}`);
    fr.push(Buffer.alloc(1000));
    t.ok(fr.buffered() <= 4, `buffer does not grow after a bad size ${size} (${fr.buffered()})`);
    t.throws(() => fr.next(), FrameError, 'stays failed');
  }
  const fr = new FrameReader(64);
  fr.push(frame(Buffer.alloc(57))); // exactly 64
  t.equal(fr.next()!.length, 64, 'size == max is fine');
  fr.maxSize = 16;
  fr.push(frame(Buffer.alloc(10)));
  t.throws(() => fr.next(), /17 > maximum 16/, 'maxSize is settable');
});
