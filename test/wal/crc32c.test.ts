// SPDX-License-Identifier: GPL-2.0-or-later
//
// CRC-32C against published check values (RFC 3720 appendix B.4, and the "123456789"
// check value of the Castagnoli polynomial) and against a bit-at-a-time definition.

import t from 'tap';
import fc from 'fast-check';
import { crc32c } from '../../lib/wal/crc32c.js';

function slow(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return ~c >>> 0;
}

t.test('known vectors', async (t) => {
  t.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  t.equal(crc32c(Buffer.alloc(32, 0)), 0x8a9136aa);
  t.equal(crc32c(Buffer.alloc(32, 0xff)), 0x62a8ab43);
  t.equal(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => i))), 0x46dd794e);
  t.equal(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i))), 0x113fdb5c);
  t.equal(crc32c(Buffer.alloc(0)), 0);
});

t.test('matches the bitwise definition at every length and offset, and continues', async (t) => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(), fc.nat(), (bytes, a, b) => {
    const buf = Buffer.from(bytes);
    const s = bytes.length ? a % (bytes.length + 1) : 0;
    const e = s + (bytes.length - s ? b % (bytes.length - s + 1) : 0);
    if (crc32c(buf, s, e) !== slow(buf.subarray(s, e))) return false;
    return crc32c(buf, s, bytes.length, crc32c(buf, 0, s)) === slow(buf);
  }), { numRuns: 500 });
  t.pass('checked');
});
