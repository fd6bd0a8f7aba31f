// SPDX-License-Identifier: GPL-2.0-or-later
//
// Waiting between refreshes: `ms`, or less if `signal` aborts. The abort listener is
// removed when the time is up, so a loop of waits on one long-lived signal does not pile
// listeners onto it.

/** Resolves true if `signal` aborted (now or during the wait), false when `ms` passed. */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onAbort = (): void => { clearTimeout(t); resolve(true); };
    const t = setTimeout(() => { signal.removeEventListener('abort', onAbort); resolve(false); }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
