// SPDX-License-Identifier: GPL-2.0-or-later
//
// The device plumbing in one import: a device folder does
//   import { defineDevice, type DirSpec, keyed, cpulistFmt, ... } from '../dev.js';
// and declares its tables (see devs/README.md). Nothing device-specific lives here, and
// no protocol constants: those come from lib/9p/const.ts.

export { QidSpace, qidSpace, qidDevice, KIND_BITS, SERIAL_BITS, DEVICE_SHIFT } from './lib/qid.js';
export * from './lib/perm.js';
export * from './lib/cmd.js';
export * from './lib/text.js';
export * from './lib/blocking.js';
export * from './lib/stream.js';
export * from './lib/tree.js';
export type { Caller, Device, DirInfo, Node, OpenFile, OpenMode, ReadRequest, Session } from './types.js';
