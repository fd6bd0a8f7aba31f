// SPDX-License-Identifier: GPL-2.0-or-later
//
// The decoder never throws: random bytes, random frames with a correct size field, and
// mutated, truncated or extended valid frames all give {ok:true} or {ok:false}.

import t from 'tap';
import fc from 'fast-check';
import { decode, decodeStats, decodeDirents, DecodeError, encode } from '../../lib/9p/codec.js';
import * as F from '../../lib/9p/fcall.js';
import type { Dialect } from '../../lib/9p/fcall.js';
import { DIALECTS, messages } from './arb.js';

function total(frame: Buffer, d: Dialect): void {
  let r;
  try {
    r = decode(frame, d);
  } catch (e) {
    throw new Error(`decode threw on ${frame.toString('hex')}: ${e}`);
  }
  if (r.ok !== true && r.ok !== false) throw new Error('neither ok nor error');
  if (!r.ok && !(r.error instanceof DecodeError)) throw new Error('error is not a DecodeError');
}

const withSize = (a: Uint8Array): Buffer => {
  const b = Buffer.from(a);
  if (b.length >= 4) b.writeUInt32LE(b.length, 0);
  return b;
};

t.test('random bytes', async (t) => {
  for (const d of DIALECTS) {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 120 }), (a) => total(Buffer.from(a), d)), { numRuns: 2000 });
    // correct size field and a real type byte, so the body parsers are exercised
    const typed = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ minLength: 7, maxLength: 200 }))
      .map(([ty, a]) => { const b = withSize(a); b[4] = ty; return b; });
    fc.assert(fc.property(typed, (b) => total(b, d)), { numRuns: 5000 });
  }
  t.pass('no throw');
});

t.test('mutated valid frames', async (t) => {
  for (const d of DIALECTS) {
    const frames = fc.oneof(...messages(d).map(([, a]) => a)).map((m) => encode(m, d));
    const mutated = fc.tuple(frames, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), fc.boolean())
      .map(([f, muts, fix]) => {
        const b = Buffer.from(f);
        for (const [i, v] of muts) b[i % b.length] = v;
        if (fix) b.writeUInt32LE(b.length, 0);
        return b;
      });
    fc.assert(fc.property(mutated, (b) => total(b, d)), { numRuns: 3000 });
    const truncated = fc.tuple(frames, fc.nat()).map(([f, n]) => withSize(f.subarray(0, n % f.length)));
    fc.assert(fc.property(truncated, (b) => total(b, d)), { numRuns: 2000 });
    // Trailing garbage is an error (except the 4 optional bytes of a short Tfsync).
    const extended = fc.tuple(frames, fc.uint8Array({ minLength: 1, maxLength: 9 }))
      .map(([f, g]) => withSize(Buffer.concat([f, g])));
    fc.assert(fc.property(extended, (b) => {
      const r = decode(b, d);
      if (r.ok && r.msg.type !== F.Tfsync) throw new Error(`accepted trailing garbage: ${b.toString('hex')}`);
    }), { numRuns: 2000 });
  }
  t.pass('no throw');
});

t.test('decodeStats / decodeDirents throw only DecodeError', async (t) => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (a) => {
    for (const fn of [(b: Buffer) => decodeStats(b, '9P2000'), (b: Buffer) => decodeStats(b, '9P2000.u'), decodeDirents]) {
      try { fn(Buffer.from(a)); } catch (e) { if (!(e instanceof DecodeError)) throw e; }
    }
  }), { numRuns: 3000 });
  t.pass('ok');
});
