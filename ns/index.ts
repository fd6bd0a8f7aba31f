// SPDX-License-Identifier: GPL-2.0-or-later
//
// ns/: what srv/ imports.

export type { Chan, NamespaceServer, SessionNamespace } from './types.js';
export { createNamespaceServer, bootCaller, type NamespaceServerOptions, type NsServer } from './server.js';
export { DEFAULT_BOOT_NS, DEFAULT_BINDS, defaultBootNs } from './boot.js';
export { parseNsLine, parseNsFile, formatNsOp, MAX_NS_LINE, MREPL, MBEFORE, MAFTER, MCREATE, MCACHE, type NsOp } from './parse.js';
export { DEFAULT_MOUNT_LIMITS, type MountLimits } from './mount.js';
export { DEFAULT_WALK_BUDGET } from './budget.js';
