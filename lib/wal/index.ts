// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The durable journal and snapshots (README.md).

export { Store, type Appended, type StoreOptions, type Recovered, type SnapshotInfo, type StoreStats } from './store.js';
export { type RecoveryReport, type Dropped } from './recover.js';
export { WalError } from './errors.js';
export { nodeFs, type FsLayer, type OpenFlags } from './fs.js';
export { FaultFs, type FaultOp, type Fault } from './faultfs.js';
export { MemFs, type CrashMode } from './memfs.js';
export { crc32c } from './crc32c.js';
