// SPDX-License-Identifier: GPL-2.0-or-later
//
// Fake sessions and callers for device and namespace tests.

import type { Caller, NamespaceView, ReadRequest, Session } from '../../devs/types.js';

let ids = 1;

export function fakeSession(user: string, ns?: NamespaceView): Session {
  const closers: (() => void)[] = [];
  return {
    id: ids++,
    connId: 1,
    user,
    errstr: '',
    onClose: (fn) => closers.push(fn),
    ns: ns ?? { text: () => '', apply: () => {} },
  };
}

export function fakeCaller(user: string, hostowner = false, ns?: NamespaceView): Caller {
  return { user, hostowner, session: fakeSession(user, ns) };
}

export function req(count = 8192, offset = 0n, extra: Partial<ReadRequest> = {}): ReadRequest {
  return { offset, count, signal: new AbortController().signal, noblock: false, ...extra };
}

/** Resolves to 'pending' if `p` has not settled after a few turns of the event loop. */
export async function settled<T>(p: Promise<T> | T): Promise<T | 'pending'> {
  let done = false;
  let v: T | undefined;
  Promise.resolve(p).then((x) => { done = true; v = x; }, () => { done = true; });
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  return done ? (v as T) : 'pending';
}

/** The ename a promise (or value, or function) rejects with, or 'resolved'. */
export async function rejection(p: unknown): Promise<string> {
  try {
    await (typeof p === 'function' ? (p as () => unknown)() : p);
    return 'resolved';
  } catch (e) {
    return (e as { ename?: string }).ename ?? String(e);
  }
}
