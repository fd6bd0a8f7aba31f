// SPDX-License-Identifier: LGPL-2.1-or-later
//
// lib/ndblib: Plan 9's network database (ndb(6) files, the ndb(2) queries) and the
// connection server's translation. README.md in this folder describes it.

export * from './entry.js';
export * from './error.js';
export * from './parse.js';
export * from './print.js';
export * from './ipattr.js';
export * from './source.js';
export { chainOrder, maskBits, parseNetMask, type NdbFile, type NdbFound, type NdbIpnet, type NdbMatch, type NdbSnapshot } from './snapshot.js';
export * from './db.js';
export * from './cs.js';
