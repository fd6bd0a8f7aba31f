// SPDX-License-Identifier: GPL-2.0-or-later
//
// Shared by the lib/wal tests: temporary state directories, and reading a journal's
// batch boundaries back from the files.

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { WalError } from '../../lib/wal/index.js';

/** A fresh directory, removed when the test ends. */
export function tmpDir(t: Test): string {
  const d = mkdtempSync(join(tmpdir(), 'wal-test-'));
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

export function segmentsIn(dir: string): string[] {
  return readdirSync(dir).filter((n) => /^journal\.\d{16}\.wal$/.test(n)).sort();
}

export function snapshotsIn(dir: string): string[] {
  return readdirSync(dir).filter((n) => /^snapshot\.\d{16}\.snap$/.test(n)).sort();
}

/** The rejection of p (fails the test if p resolves). */
export async function rejection(p: Promise<unknown>): Promise<WalError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof WalError) return e;
    throw e;
  }
  throw new Error('expected a rejection');
}
