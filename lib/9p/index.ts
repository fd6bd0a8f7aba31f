// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The public face of lib/9p: messages, codec, framing, client, errors, constants.

export * from './const.js';
export * from './fcall.js';
export * from './errno.js';
export { P9Error, perr } from './error.js';
export {
  encode, decode, DecodeError, typeName, typeInDialect, encodeStat, decodeStats, encodeDirent, decodeDirents,
  type Decoded,
} from './codec.js';
export { dontTouchStat } from './stat.js';
export { FrameReader, FrameError } from './frame.js';
export { duplexPair } from './duplex.js';
export { Client, type ConnectOptions, type AttachOptions } from './client.js';
export { dial, DEFAULT_9P_PORT, type DialOptions } from './dial.js';
export { Fid, type FidClient, type DirEntry, type SetAttrInput, lflags, dtFromMode, dmFromMode, modeFromDm, statFromAttr } from './fid.js';
