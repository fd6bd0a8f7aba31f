// SPDX-License-Identifier: GPL-2.0-or-later
//
// `npm run bench -- --compare REF`: REF (any commit-ish) checked out in a temporary git
// worktree beside this one, node_modules linked, compiled with tsc; the benches that
// support it then run this tree ("new") against that build ("old") in alternating rounds.
// The worktree and its temporary directory are removed afterwards (`git worktree prune`
// cleans up after a crash).

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { TREE } from './servers.js';

export interface Built { ref: string; commit: string; root: string; remove(): void }

export function buildRef(ref: string): Built {
  const git = (...args: string[]): string => execFileSync('git', ['-C', TREE, ...args], { encoding: 'utf8' }).trim();
  const commit = git('rev-parse', '--verify', `${ref}^{commit}`);
  const root = join(mkdtempSync(join(tmpdir(), 'akaros-compare-')), 'tree');
  console.log(`compare: building ${ref} (${commit.slice(0, 12)}) in ${root}`);
  git('worktree', 'add', '--detach', root, commit);
  const remove = (): void => {
    try { git('worktree', 'remove', '--force', root); } catch (e) { console.error(`compare: ${(e as Error).message}`); }
    rmSync(dirname(root), { recursive: true, force: true });
  };
  try {
    const nm = join(TREE, 'node_modules');
    if (existsSync(nm)) symlinkSync(nm, join(root, 'node_modules'));
    execFileSync(process.execPath, [join(nm, 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.json')], { stdio: 'inherit' });
  } catch (e) {
    remove();
    throw e;
  }
  return { ref, commit, root, remove };
}
