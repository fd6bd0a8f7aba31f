// SPDX-License-Identifier: GPL-2.0-or-later
//
// decode(encode(m)) deep-equals m for every message type in every dialect it exists in,
// and 64-bit fields stay exact above 2^53.

import t from 'tap';
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { decode, encode, encodeStat, decodeStats, encodeDirent, decodeDirents } from '../../lib/9p/codec.js';
import * as F from '../../lib/9p/fcall.js';
import { DIALECTS, messages, stat, dirent } from './arb.js';

// fc.record builds null-prototype objects: compare plain copies.
function plain(v: unknown): unknown {
  if (Buffer.isBuffer(v)) return Buffer.from(v);
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = plain(x);
    return o;
  }
  return v;
}
function eq(a: unknown, b: unknown): void {
  if (!isDeepStrictEqual(plain(a), plain(b))) throw new Error(`mismatch:\n${fmt(a)}\n${fmt(b)}`);
}
const fmt = (v: unknown): string => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x));

const counts: Record<string, number> = {};
for (const d of DIALECTS) {
  for (const [name, arb] of messages(d)) {
    t.test(`${name} round-trips in ${d}`, async (t) => {
      fc.assert(fc.property(arb, (m) => {
        const frame = encode(m, d);
        if (frame.readUInt32LE(0) !== frame.length) throw new Error('size field wrong');
        const r = decode(frame, d);
        if (!r.ok) throw r.error;
        eq(r.msg, m);
      }), { numRuns: 150 });
      counts[d] = (counts[d] ?? 0) + 1;
    });
  }
}

t.test('every type number of fcall.ts is covered', async (t) => {
  const all = new Set<string>();
  for (const d of DIALECTS) for (const [n] of messages(d)) all.add(n);
  const expected = Object.keys(F).filter((k) => /^[TR][a-z]+$/.test(k) && typeof (F as Record<string, unknown>)[k] === 'number')
    .filter((k) => k !== 'Terror' && k !== 'Tlerror');
  t.same([...expected].filter((k) => !all.has(k)), [], 'no message type without an arbitrary');
});

t.test('stats and dirents round-trip', async (t) => {
  for (const d of DIALECTS) {
    fc.assert(fc.property(fc.array(stat(d === '9P2000.L' ? '9P2000.u' : d), { maxLength: 5 }), (ss) => {
      const buf = Buffer.concat(ss.map((s) => encodeStat(s, d)));
      eq(decodeStats(buf, d), ss);
    }), { numRuns: 100 });
  }
  fc.assert(fc.property(fc.array(dirent, { maxLength: 8 }), (ds) => {
    eq(decodeDirents(Buffer.concat(ds.map(encodeDirent))), ds);
  }), { numRuns: 200 });
  t.pass('ok');
});

t.test('64-bit fields are exact above 2^53', async (t) => {
  const big = 2n ** 53n + 1n, max = 2n ** 64n - 1n;
  const m: F.Fcall = { type: F.Tread, tag: 1, fid: 2, offset: big, count: 3 };
  const r = decode(encode(m, '9P2000.L'), '9P2000.L');
  t.ok(r.ok && (r.msg as F.TreadMsg).offset === big);
  const q: F.Fcall = { type: F.Rattach, tag: 1, qid: { type: 0x80, version: 0, path: max } };
  const r2 = decode(encode(q, '9P2000'), '9P2000');
  t.ok(r2.ok && (r2.msg as F.RattachMsg).qid.path === max);
  const frame = encode(q, '9P2000');
  t.same([...frame.subarray(12, 20)], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  t.throws(() => encode({ ...m, offset: 2n ** 64n } as F.Fcall, '9P2000.L'), /out of range/);
  t.throws(() => encode({ ...m, offset: -1n } as F.Fcall, '9P2000.L'), /out of range/);
});

t.test('zero-copy data', async (t) => {
  const frame = encode({ type: F.Rread, tag: 1, data: Buffer.from('hello') }, '9P2000');
  const r = decode(frame, '9P2000');
  t.ok(r.ok);
  if (r.ok) t.equal((r.msg as F.RreadMsg).data.buffer, frame.buffer, 'Rread data is a view of the frame');
});
