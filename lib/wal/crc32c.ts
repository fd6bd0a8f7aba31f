// SPDX-License-Identifier: LGPL-2.1-or-later
//
// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), slicing-by-8: eight 256-entry
// tables let the loop fold eight input bytes per step, which is what makes checking every
// record of a large journal on recovery cheap in plain JavaScript.

const POLY = 0x82f63b78;
const T = new Int32Array(8 * 256);

for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
  T[n] = c;
}
for (let n = 0; n < 256; n++) {
  let c = T[n];
  for (let k = 1; k < 8; k++) {
    c = T[c & 0xff] ^ (c >>> 8);
    T[k * 256 + n] = c;
  }
}

const [T0, T1, T2, T3, T4, T5, T6, T7] = Array.from({ length: 8 }, (_, k) => T.subarray(k * 256, (k + 1) * 256));

/**
 * CRC-32C of buf[start, end). `prev` continues a checksum: crc32c(b, 0, n, crc32c(a))
 * equals the checksum of a followed by b. Returns an unsigned 32-bit number.
 */
export function crc32c(buf: Uint8Array, start = 0, end = buf.length, prev = 0): number {
  let crc = ~prev;
  let i = start;
  const fast = end - ((end - i) & 7);
  while (i < fast) {
    const lo = crc ^ (buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24));
    crc = T7[lo & 0xff] ^ T6[(lo >>> 8) & 0xff] ^ T5[(lo >>> 16) & 0xff] ^ T4[lo >>> 24]
      ^ T3[buf[i + 4]] ^ T2[buf[i + 5]] ^ T1[buf[i + 6]] ^ T0[buf[i + 7]];
    i += 8;
  }
  while (i < end) crc = T0[(crc ^ buf[i++]) & 0xff] ^ (crc >>> 8);
  return ~crc >>> 0;
}
