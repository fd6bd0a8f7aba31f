// SPDX-License-Identifier: GPL-2.0-or-later
//
// The layers hold: no import cycle anywhere in the tree (type-only imports included), and
// every import points down (CONTRIBUTING.md). The fixtures show the checks can fail.

import t from 'tap';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { findCycles, importGraph, layerViolations, readTree } from './graph.js';

// dist/test/layers -> the project root, where the .ts sources are.
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const FOLDERS = ['lib', 'kern', 'devs', 'ns', 'srv', 'cmd', 'test', 'bench'];

t.test('the tree has no import cycle', async (t) => {
  const files = readTree(root, FOLDERS);
  t.ok(files.size > 100, `read ${files.size} source files`);
  const g = importGraph(files);
  t.ok((g.get('kern/kernel.ts') ?? []).length > 0, 'imports were found');
  t.same(findCycles(g).map((c) => c.join(' -> ')), [], 'cycles');
});

t.test('every import keeps the layer rules', async (t) => {
  const g = importGraph(readTree(root, FOLDERS));
  t.same(layerViolations(g), [], 'violations');
});

t.test('fixture: a cycle is found, type-only and re-export edges included', async (t) => {
  const files = new Map([
    ['kern/a.ts', `import type { B } from './b.js';\nexport interface A { b: B }`],
    ['kern/b.ts', `export { c } from './c.js';\nexport interface B { n: number }`],
    ['kern/c.ts', `import type { A } from './a.js';\nexport const c = (a: A) => a;`],
    ['kern/d.ts', `import { c } from './c.js';\nexport const d = c;`],
    ['kern/e.ts', `export const e = () => import('./e.js');`],
  ]);
  const cycles = findCycles(importGraph(files));
  t.same(cycles, [['kern/a.ts', 'kern/b.ts', 'kern/c.ts'], ['kern/e.ts']]);
  files.set('kern/c.ts', 'export const c = 1;');
  files.delete('kern/e.ts');
  t.same(findCycles(importGraph(files)), [], 'broken at one edge, no cycle is left');
});

t.test('fixture: imports against the layers are named', async (t) => {
  const files = new Map([
    ['lib/x.ts', `import { k } from '../kern/k.js';`],
    ['kern/k.ts', `import type { Dev } from '../devs/d.js';\nexport const k = 1;`],
    ['devs/d.ts', `import { S } from '../srv/s.js';\nimport { k } from '../kern/k.js';\nexport type Dev = 1;`],
    ['ns/n.ts', `import { k } from '../kern/k.js';`],
    ['srv/s.ts', `import { k } from '../kern/k.js';\nimport type { Dev } from '../devs/d.js';\nexport const S = 1;`],
    ['cmd/boot.ts', `import { k } from '../kern/k.js';\nimport { S } from '../srv/s.js';`],
    ['cmd/commands/ps.ts', `import { k } from '../../kern/k.js';\nimport { nope } from './missing.js';`],
  ]);
  const v = layerViolations(importGraph(files));
  t.same(v, [
    'lib/x.ts -> kern/k.ts: lib/ may import only lib',
    'kern/k.ts -> devs/d.ts: kern/ may import only kern, lib',
    'devs/d.ts -> srv/s.ts: devs/ may import only devs, lib, kern',
    'ns/n.ts -> kern/k.ts: ns/ may import only ns, lib, devs',
    'srv/s.ts -> kern/k.ts: srv/ may import only srv, lib, ns, devs',
    'cmd/commands/ps.ts -> kern/k.ts: cmd/ may import only cmd, lib',
    'cmd/commands/ps.ts -> cmd/commands/missing.js: not a file of the tree',
  ]);
});
