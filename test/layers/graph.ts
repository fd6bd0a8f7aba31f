// SPDX-License-Identifier: GPL-2.0-or-later
//
// The project's import graph, read from the sources with TypeScript's own pre-processor
// (so `import type`, `export ... from` and `import()` all count), and the two checks that
// keep the layers of CONTRIBUTING.md: no cycle anywhere, and no import against the
// direction of the layers.

import { readdirSync, readFileSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import ts from 'typescript';

/** file (posix path relative to the root, `.ts`) -> the project files it imports. */
export type Graph = Map<string, string[]>;

const SKIP = new Set(['node_modules', 'dist', '.git', '.tap']);

/** Every `.ts` file under the given top-level folders of `root`, as path -> source. */
export function readTree(root: string, folders: string[]): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (SKIP.has(e.name)) continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.set(relative(root, p).split(sep).join('/'), readFileSync(p, 'utf8'));
    }
  };
  for (const f of folders) walk(join(root, f));
  return out;
}

/** Relative specifiers resolved to project files (`./x.js` -> `dir/x.ts`); packages are
 *  not project files and are left out. A specifier that names no file in the tree is
 *  kept as written, so a check can report it. */
export function importGraph(files: Map<string, string>): Graph {
  const g: Graph = new Map();
  for (const [file, src] of files) {
    const deps: string[] = [];
    for (const ref of ts.preProcessFile(src, true, true).importedFiles) {
      const spec = ref.fileName;
      if (!spec.startsWith('.')) continue;
      const target = posix.normalize(posix.join(posix.dirname(file), spec)).replace(/\.js$/, '.ts');
      deps.push(files.has(target) ? target : posix.normalize(posix.join(posix.dirname(file), spec)));
    }
    g.set(file, deps);
  }
  return g;
}

/** Every strongly connected component of more than one file, and every file that imports
 *  itself (Tarjan's algorithm, iterative so a deep tree cannot overflow the stack). */
export function findCycles(g: Graph): string[][] {
  let next = 0;
  const index = new Map<string, number>(), low = new Map<string, number>();
  const stack: string[] = [], onStack = new Set<string>(), out: string[][] = [];
  for (const start of g.keys()) {
    if (index.has(start)) continue;
    const work: { v: string; i: number }[] = [{ v: start, i: 0 }];
    index.set(start, next); low.set(start, next); next++; stack.push(start); onStack.add(start);
    while (work.length) {
      const top = work[work.length - 1];
      const deps = (g.get(top.v) ?? []).filter((d) => g.has(d));
      if (top.i < deps.length) {
        const w = deps[top.i++];
        if (!index.has(w)) {
          index.set(w, next); low.set(w, next); next++; stack.push(w); onStack.add(w);
          work.push({ v: w, i: 0 });
        } else if (onStack.has(w)) low.set(top.v, Math.min(low.get(top.v)!, index.get(w)!));
        continue;
      }
      work.pop();
      if (work.length) { const up = work[work.length - 1].v; low.set(up, Math.min(low.get(up)!, low.get(top.v)!)); }
      if (low.get(top.v) === index.get(top.v)) {
        const scc: string[] = [];
        let w: string;
        do { w = stack.pop()!; onStack.delete(w); scc.push(w); } while (w !== top.v);
        if (scc.length > 1 || (g.get(top.v) ?? []).includes(top.v)) out.push(scc.sort());
      }
    }
  }
  return out;
}

/** What each layer may import besides itself (CONTRIBUTING.md, "Layers"). */
export const MAY_IMPORT: Record<string, readonly string[]> = {
  lib: [],
  kern: ['lib'],
  devs: ['lib', 'kern'],
  ns: ['lib', 'devs'],
  srv: ['lib', 'ns', 'devs'],
  cmd: ['lib'],
  test: ['lib', 'kern', 'devs', 'ns', 'srv', 'cmd', 'bench'],
  bench: ['lib', 'kern', 'devs', 'ns', 'srv', 'cmd', 'test'],
};

/** The files of cmd/ that build a machine in-process and so may reach every layer; the
 *  rest of cmd/ is a 9P client like any other. */
export const IN_PROCESS = new Set([
  'cmd/boot.ts',
  // `akaros sim run`: the same stack as boot.ts, driven over in-memory 9P in fast virtual time
  'cmd/experiment.ts',
]);

/** Imports that break the layer rules, as "from -> to: why". */
export function layerViolations(g: Graph): string[] {
  const out: string[] = [];
  for (const [file, deps] of g) {
    const from = file.split('/')[0];
    const allowed = MAY_IMPORT[from];
    for (const d of deps) {
      const to = d.split('/')[0];
      if (!g.has(d)) { out.push(`${file} -> ${d}: not a file of the tree`); continue; }
      if (to === from || IN_PROCESS.has(file)) continue;
      if (!allowed) out.push(`${file} -> ${d}: ${from}/ is not a layer`);
      else if (!allowed.includes(to)) out.push(`${file} -> ${d}: ${from}/ may import only ${[from, ...allowed].join(', ')}`);
    }
  }
  return out;
}
