// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The on-disk format (README.md has the byte tables). Segments: a 24-byte header, then
// batches; a batch is one batch frame followed by its record frames, written with one
// write and made durable by one fdatasync. Every frame is
//   u32 length | u32 CRC-32C | u8 kind | payload      (length counts kind + payload)
// with the CRC over kind + payload, seeded with the segment's random salt so that bytes
// of another segment (or a payload that happens to contain a frame) never pass for a
// frame of this one. Snapshots: a 32-byte header, then the msgpack body. All integers
// are little-endian.

import { crc32c } from './crc32c.js';

export const SEG_MAGIC = 0x4a574b41;        // "AKWJ"
export const SNAP_MAGIC = 0x4e534b41;       // "AKSN"
export const FORMAT = 1;
export const SEG_HEADER = 24;
export const SNAP_HEADER = 32;
export const FRAME_HEAD = 9;                // length, CRC, kind
export const KIND_RECORD = 0x01;            // a record, format 1
export const KIND_BATCH = 0x81;             // a batch header, format 1
export const BATCH_FRAME = FRAME_HEAD + 8;  // payload: u32 batch bytes, u32 record count

/** Largest seq the names and headers carry exactly (JavaScript's safe integers). */
const NAME_DIGITS = 16;

export const segName = (first: number): string => `journal.${String(first).padStart(NAME_DIGITS, '0')}.wal`;
export const snapName = (covers: number): string => `snapshot.${String(covers).padStart(NAME_DIGITS, '0')}.snap`;
export const SEG_RE = /^journal\.(\d{16})\.wal$/;
export const SNAP_RE = /^snapshot\.(\d{16})\.snap$/;
export const TMP_SUFFIX = '.tmp';
export const DROPPED_SUFFIX = '.dropped';

export interface SegHeader { first: number; salt: number }

export function encodeSegHeader(h: SegHeader): Buffer {
  const b = Buffer.alloc(SEG_HEADER);
  b.writeUInt32LE(SEG_MAGIC, 0);
  b[4] = FORMAT;
  b.writeBigUInt64LE(BigInt(h.first), 8);
  b.writeUInt32LE(h.salt, 16);
  b.writeUInt32LE(crc32c(b, 0, 20), 20);
  return b;
}

/** The header, or why it is not one. */
export function decodeSegHeader(b: Buffer): SegHeader | { bad: string; version?: boolean } {
  if (b.length < SEG_HEADER) return { bad: `short header (${b.length} of ${SEG_HEADER} bytes)` };
  if (b.readUInt32LE(0) !== SEG_MAGIC) return { bad: 'not a journal segment (bad magic)' };
  if (crc32c(b, 0, 20) !== b.readUInt32LE(20)) return { bad: 'segment header checksum mismatch' };
  if (b[4] !== FORMAT) return { bad: `unknown segment format version ${b[4]}`, version: true };
  const first = b.readBigUInt64LE(8);
  if (first > BigInt(Number.MAX_SAFE_INTEGER)) return { bad: `first record number ${first} out of range` };
  return { first: Number(first), salt: b.readUInt32LE(16) };
}

/** The CRC state after the salt: every frame's CRC continues from it. */
export function saltSeed(salt: number): number {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(salt, 0);
  return crc32c(b);
}

/** Writes a frame header for kind + payload already in place at b[at + FRAME_HEAD - 1 ...]. */
export function sealFrame(b: Buffer, at: number, payloadLen: number, seed: number): void {
  const len = payloadLen + 1;
  b.writeUInt32LE(len, at);
  b.writeUInt32LE(crc32c(b, at + 8, at + 8 + len, seed), at + 4);
}

export interface SnapHeader { covers: number; bodyLen: number; bodyCrc: number }

export function encodeSnapHeader(h: SnapHeader): Buffer {
  const b = Buffer.alloc(SNAP_HEADER);
  b.writeUInt32LE(SNAP_MAGIC, 0);
  b[4] = FORMAT;
  b.writeBigUInt64LE(BigInt(h.covers), 8);
  b.writeBigUInt64LE(BigInt(h.bodyLen), 16);
  b.writeUInt32LE(h.bodyCrc, 24);
  b.writeUInt32LE(crc32c(b, 0, 28), 28);
  return b;
}

export function decodeSnapHeader(b: Buffer): SnapHeader | { bad: string; offset: number } {
  if (b.length < SNAP_HEADER) return { bad: `short snapshot (${b.length} bytes, header is ${SNAP_HEADER})`, offset: b.length };
  if (b.readUInt32LE(0) !== SNAP_MAGIC) return { bad: 'not a snapshot (bad magic)', offset: 0 };
  if (crc32c(b, 0, 28) !== b.readUInt32LE(28)) return { bad: 'snapshot header checksum mismatch', offset: 0 };
  if (b[4] !== FORMAT) return { bad: `unknown snapshot format version ${b[4]}`, offset: 4 };
  const covers = b.readBigUInt64LE(8), bodyLen = b.readBigUInt64LE(16);
  if (covers > BigInt(Number.MAX_SAFE_INTEGER)) return { bad: `record number ${covers} out of range`, offset: 8 };
  if (bodyLen !== BigInt(b.length - SNAP_HEADER)) {
    return { bad: `body is ${b.length - SNAP_HEADER} bytes, header says ${bodyLen}`, offset: Math.min(b.length, SNAP_HEADER + Number(bodyLen)) };
  }
  return { covers: Number(covers), bodyLen: Number(bodyLen), bodyCrc: b.readUInt32LE(24) };
}
