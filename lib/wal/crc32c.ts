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
    const hi = buf[i + 4] | (buf[i + 5] << 8) | (buf[i + 6] << 16) | (buf[i + 7] << 24);
    crc = T[1792 + (lo & 0xff)] ^ T[1536 + ((lo >>> 8) & 0xff)] ^ T[1280 + ((lo >>> 16) & 0xff)] ^ T[1024 + (lo >>> 24)]
      ^ T[768 + (hi & 0xff)] ^ T[512 + ((hi >>> 8) & 0xff)] ^ T[256 + ((hi >>> 16) & 0xff)] ^ T[hi >>> 24];
    i += 8;
  }
  while (i < end) crc = T[(crc ^ buf[i++]) & 0xff] ^ (crc >>> 8);
  return ~crc >>> 0;
}
