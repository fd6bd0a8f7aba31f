// SPDX-License-Identifier: LGPL-2.1-or-later
//
// lib/iplib: Plan 9's IP library (addresses, masks, dial strings, tokenisers).

export * from './ip.js';
export * from './dial.js';
export * from './tokenize.js';
