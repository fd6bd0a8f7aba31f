// SPDX-License-Identifier: GPL-2.0-or-later
//
// The permission matrix of the kernel devices (#cons, #core, #mcp, #proc, #sim, #alarm),
// through the real stack in 9P2000.L: every file and directory × {alice: the owner of the
// processes $A (an MCP) and $P (an SCP) and of $A's alarm a$K, bob: another user, eve:
// the host owner} ×
// {walk, open for reading, open for writing, read, write, create, remove, chmod
// (setattr mode), truncate (setattr size 0)}. The table below is the specification
// (devs/README.md carries the same matrix); each cell is `ok` or the errno expected.
//
//   read   after a successful open for reading: a read (a directory read for directories)
//   write  after a successful open for writing: the payload in PAYLOAD below
//   -      not tried: the open it needs is refused
//   create a new file in the directory (directory rows); the file's own name again in
//          its directory (file rows: the name exists, EPERM  before anything else)
//
// Every cell starts from fresh processes $A and $P of alice's and a fresh alarm a$K of
// $A; a read of `events` first posts an event, a read of `wait` first kills the process,
// a read of `count` first fires the alarm (so none blocks).

import t from 'tap';
import { OREAD, OWRITE, P9_SETATTR_MODE, P9_SETATTR_SIZE } from '../../lib/9p/const.js';
import { P9Error } from '../../lib/9p/error.js';
import type { Fid } from '../../lib/9p/fid.js';
import { HOST, makeStack, type Conn } from '../devs/kernel/stack.js';

const MATRIX = `
# path               who    walk openr  openw  read   write  create remove chmod  trunc
/dev                 alice  ok   ok     EISDIR ok     -      EPERM  EBUSY  EPERM  ok
/dev                 bob    ok   ok     EISDIR ok     -      EPERM  EBUSY  EPERM  ok
/dev                 eve    ok   ok     EISDIR ok     -      EPERM  EBUSY  EPERM  ok
/dev/time            alice  ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/dev/time            bob    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/dev/time            eve    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/dev/sysname         alice  ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/dev/sysname         bob    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/dev/sysname         eve    ok   ok     ok     ok     ok     EPERM  EPERM  EPERM  ok
/dev/hostowner       alice  ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/dev/hostowner       bob    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/dev/hostowner       eve    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/dev/user            alice  ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/dev/user            bob    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/dev/user            eve    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/dev/drivers         alice  ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/dev/drivers         bob    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/dev/drivers         eve    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/dev/osversion       alice  ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/dev/osversion       bob    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/dev/osversion       eve    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/dev/null            alice  ok   ok     ok     ok     ok     EPERM  EPERM  EPERM  ok
/dev/null            bob    ok   ok     ok     ok     ok     EPERM  EPERM  EPERM  ok
/dev/null            eve    ok   ok     ok     ok     ok     EPERM  EPERM  EPERM  ok
/dev/zero            alice  ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/dev/zero            bob    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/dev/zero            eve    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/dev/random          alice  ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/dev/random          bob    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/dev/random          eve    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/dev/kmesg           alice  ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/dev/kmesg           bob    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/dev/kmesg           eve    ok   ok     ok     ok     ok     EPERM  EPERM  EPERM  ok
/dev/errstr          alice  ok   ok     ok     ok     ok     EPERM  EPERM  EPERM  ok
/dev/errstr          bob    ok   ok     ok     ok     ok     EPERM  EPERM  EPERM  ok
/dev/errstr          eve    ok   ok     ok     ok     ok     EPERM  EPERM  EPERM  ok
/dev/ns              alice  ok   ok     ok     ok     ok     EPERM  EPERM  EPERM  ok
/dev/ns              bob    ok   ok     ok     ok     ok     EPERM  EPERM  EPERM  ok
/dev/ns              eve    ok   ok     ok     ok     ok     EPERM  EPERM  EPERM  ok
/core                alice  ok   ok     EISDIR ok     -      EPERM  EBUSY  EPERM  ok
/core                bob    ok   ok     EISDIR ok     -      EPERM  EBUSY  EPERM  ok
/core                eve    ok   ok     EISDIR ok     -      EPERM  EBUSY  EPERM  ok
/core/ctl            alice  ok   ok     EPERM  ok     -      EPERM  EPERM  EPERM  EPERM
/core/ctl            bob    ok   ok     EPERM  ok     -      EPERM  EPERM  EPERM  EPERM
/core/ctl            eve    ok   ok     ok     ok     ok     EPERM  EPERM  EPERM  ok
/core/map            alice  ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/core/map            bob    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/core/map            eve    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/core/idle           alice  ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/core/idle           bob    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/core/idle           eve    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/core/sysstat        alice  ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/core/sysstat        bob    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/core/sysstat        eve    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/core/util           alice  ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/core/util           bob    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/core/util           eve    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/core/noise          alice  ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/core/noise          bob    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/core/noise          eve    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/core/1              alice  ok   ok     EISDIR ok     -      EPERM  EPERM  EPERM  ok
/core/1              bob    ok   ok     EISDIR ok     -      EPERM  EPERM  EPERM  ok
/core/1              eve    ok   ok     EISDIR ok     -      EPERM  EPERM  EPERM  ok
/core/1/status       alice  ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/core/1/status       bob    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/core/1/status       eve    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/core/1/ctl          alice  ok   ok     EPERM  ok     -      EPERM  EPERM  EPERM  EPERM
/core/1/ctl          bob    ok   ok     EPERM  ok     -      EPERM  EPERM  EPERM  EPERM
/core/1/ctl          eve    ok   ok     ok     ok     ok     EPERM  EPERM  EPERM  ok
/mcp                 alice  ok   ok     EISDIR ok     -      EPERM  EBUSY  EPERM  ok
/mcp                 bob    ok   ok     EISDIR ok     -      EPERM  EBUSY  EPERM  ok
/mcp                 eve    ok   ok     EISDIR ok     -      EPERM  EBUSY  EPERM  ok
/mcp/clone           alice  ok   ok     ok     ok     ok     EPERM  EPERM  EPERM  ok
/mcp/clone           bob    ok   ok     ok     ok     ok     EPERM  EPERM  EPERM  ok
/mcp/clone           eve    ok   ok     ok     ok     ok     EPERM  EPERM  EPERM  ok
/mcp/$A              alice  ok   ok     EISDIR ok     -      EPERM  EPERM  EPERM  ok
/mcp/$A              bob    ok   ok     EISDIR ok     -      EPERM  EPERM  EPERM  ok
/mcp/$A              eve    ok   ok     EISDIR ok     -      EPERM  EPERM  EPERM  ok
/mcp/$A/ctl          alice  ok   ok     ok     ok     ok     EPERM  EPERM  EPERM  ok
/mcp/$A/ctl          bob    ok   ok     EPERM  ok     -      EPERM  EPERM  EPERM  EPERM
/mcp/$A/ctl          eve    ok   ok     ok     ok     ok     EPERM  EPERM  EPERM  ok
/mcp/$A/status       alice  ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/mcp/$A/status       bob    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/mcp/$A/status       eve    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/mcp/$A/cores        alice  ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/mcp/$A/cores        bob    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/mcp/$A/cores        eve    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/mcp/$A/prov         alice  ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/mcp/$A/prov         bob    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/mcp/$A/prov         eve    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/mcp/$A/vcores       alice  ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/mcp/$A/vcores       bob    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/mcp/$A/vcores       eve    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/mcp/$A/events       alice  ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/mcp/$A/events       bob    ok   EACCES EACCES -      -      EPERM  EPERM  EPERM  EACCES
/mcp/$A/events       eve    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/mcp/$A/wait         alice  ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/mcp/$A/wait         bob    ok   EACCES EACCES -      -      EPERM  EPERM  EPERM  EACCES
/mcp/$A/wait         eve    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/mcp/$A/stat         alice  ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/mcp/$A/stat         bob    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/mcp/$A/stat         eve    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/mcp/$A/evq          alice  ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/mcp/$A/evq          bob    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/mcp/$A/evq          eve    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/mcp/$A/results      alice  ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/mcp/$A/results      bob    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/mcp/$A/results      eve    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/proc                alice  ok   ok     EISDIR ok     -      EPERM  EBUSY  EPERM  ok
/proc                bob    ok   ok     EISDIR ok     -      EPERM  EBUSY  EPERM  ok
/proc                eve    ok   ok     EISDIR ok     -      EPERM  EBUSY  EPERM  ok
/proc/clone          alice  ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/proc/clone          bob    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/proc/clone          eve    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/proc/$P             alice  ok   ok     EISDIR ok     -      EPERM  EPERM  EPERM  ok
/proc/$P             bob    ok   ok     EISDIR ok     -      EPERM  EPERM  EPERM  ok
/proc/$P             eve    ok   ok     EISDIR ok     -      EPERM  EPERM  EPERM  ok
/proc/$P/status      alice  ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/proc/$P/status      bob    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/proc/$P/status      eve    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/proc/$P/ctl         alice  ok   ok     ok     ok     ok     EPERM  EPERM  EPERM  ok
/proc/$P/ctl         bob    ok   ok     EPERM  ok     -      EPERM  EPERM  EPERM  EPERM
/proc/$P/ctl         eve    ok   ok     ok     ok     ok     EPERM  EPERM  EPERM  ok
/proc/$P/user        alice  ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/proc/$P/user        bob    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/proc/$P/user        eve    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/proc/$P/wait        alice  ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/proc/$P/wait        bob    ok   EACCES EACCES -      -      EPERM  EPERM  EPERM  EACCES
/proc/$P/wait        eve    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/sim                 alice  ok   ok     EISDIR ok     -      EPERM  EBUSY  EPERM  ok
/sim                 bob    ok   ok     EISDIR ok     -      EPERM  EBUSY  EPERM  ok
/sim                 eve    ok   ok     EISDIR ok     -      EPERM  EBUSY  EPERM  ok
/sim/ctl             alice  ok   ok     EPERM  ok     -      EPERM  EPERM  EPERM  EPERM
/sim/ctl             bob    ok   ok     EPERM  ok     -      EPERM  EPERM  EPERM  EPERM
/sim/ctl             eve    ok   ok     ok     ok     ok     EPERM  EPERM  EPERM  ok
/sim/status          alice  ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/sim/status          bob    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/sim/status          eve    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/sim/trace           alice  ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/sim/trace           bob    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/sim/trace           eve    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/alarm               alice  ok   ok     EISDIR ok     -      EPERM  EBUSY  EPERM  ok
/alarm               bob    ok   ok     EISDIR ok     -      EPERM  EBUSY  EPERM  ok
/alarm               eve    ok   ok     EISDIR ok     -      EPERM  EBUSY  EPERM  ok
/alarm/$A            alice  ok   ok     EISDIR ok     -      EPERM  EPERM  EPERM  ok
/alarm/$A            bob    ok   ok     EISDIR ok     -      EPERM  EPERM  EPERM  ok
/alarm/$A            eve    ok   ok     EISDIR ok     -      EPERM  EPERM  EPERM  ok
/alarm/$A/clone      alice  ok   ok     ok     ok     EPERM  EPERM  EPERM  EPERM  ok
/alarm/$A/clone      bob    ok   EPERM  EPERM  -      -      EPERM  EPERM  EPERM  EPERM
/alarm/$A/clone      eve    ok   ok     ok     ok     EPERM  EPERM  EPERM  EPERM  ok
/alarm/$A/a$K        alice  ok   ok     EISDIR ok     -      EPERM  ok     EPERM  ok
/alarm/$A/a$K        bob    ok   ok     EISDIR ok     -      EPERM  EPERM  EPERM  ok
/alarm/$A/a$K        eve    ok   ok     EISDIR ok     -      EPERM  ok     EPERM  ok
/alarm/$A/a$K/ctl    alice  ok   ok     EPERM  ok     -      EPERM  EPERM  EPERM  EPERM
/alarm/$A/a$K/ctl    bob    ok   ok     EPERM  ok     -      EPERM  EPERM  EPERM  EPERM
/alarm/$A/a$K/ctl    eve    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
/alarm/$A/a$K/timer  alice  ok   ok     ok     ok     ok     EPERM  EPERM  EPERM  ok
/alarm/$A/a$K/timer  bob    ok   ok     EPERM  ok     -      EPERM  EPERM  EPERM  EPERM
/alarm/$A/a$K/timer  eve    ok   ok     ok     ok     ok     EPERM  EPERM  EPERM  ok
/alarm/$A/a$K/period alice  ok   ok     ok     ok     ok     EPERM  EPERM  EPERM  ok
/alarm/$A/a$K/period bob    ok   ok     EPERM  ok     -      EPERM  EPERM  EPERM  EPERM
/alarm/$A/a$K/period eve    ok   ok     ok     ok     ok     EPERM  EPERM  EPERM  ok
/alarm/$A/a$K/count  alice  ok   ok     EPERM  ok     -      EPERM  EPERM  EPERM  EPERM
/alarm/$A/a$K/count  bob    ok   EPERM  EPERM  -      -      EPERM  EPERM  EPERM  EPERM
/alarm/$A/a$K/count  eve    ok   ok     EACCES ok     -      EPERM  EPERM  EPERM  EACCES
`;

/** What a successful open for writing writes (a harmless command for ctl files). */
const PAYLOAD: Record<string, string> = {
  '/dev/sysname': 'nanwan\n', '/dev/kmesg': 'matrix note\n', '/dev/null': 'x', '/dev/errstr': 'x\n',
  '/dev/ns': '# nothing\n', '/core/ctl': 'poke\n', '/core/1/ctl': 'unprov\n', '/mcp/clone': 'want 0\n',
  '/mcp/$A/ctl': 'want 0\n', '/proc/$P/ctl': 'name x\n', '/sim/ctl': 'seed 1\n',
  '/alarm/$A/clone': 'x\n', '/alarm/$A/a$K/timer': '0\n', '/alarm/$A/a$K/period': '0\n',
};

const OPS = ['walk', 'openr', 'openw', 'read', 'write', 'create', 'remove', 'chmod', 'trunc'] as const;
type Op = typeof OPS[number];
interface Row { path: string; who: string; want: Record<Op, string> }

function parseMatrix(text: string): Row[] {
  const rows: Row[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const [path, who, ...cells] = line.trim().split(/\s+/);
    if (cells.length !== OPS.length) throw new Error(`matrix row "${line}": ${cells.length} cells`);
    rows.push({ path, who, want: Object.fromEntries(OPS.map((o, i) => [o, cells[i]])) as Record<Op, string> });
  }
  return rows;
}

/** `ok` or the errno name a call ends with. */
async function outcome(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
    return 'ok';
  } catch (e) {
    if (e instanceof P9Error) return e.ename;
    throw e;
  }
}

async function withFid<T>(c: Conn, path: string, fn: (f: Fid) => Promise<T>): Promise<T> {
  const f = await c.c.root!.walk(path);
  try {
    return await fn(f);
  } finally {
    await f.clunk().catch(() => undefined);   // a failed Tremove has clunked it already
  }
}

t.test('permission matrix: every kernel-device file × owner, other, host owner × every operation', async (t) => {
  const s = await makeStack({ ncores: 4 });
  t.teardown(() => s.close());
  const k = s.kernel;
  const conns: Record<string, Conn> = {
    alice: await s.connect('alice'), bob: await s.connect('bob'), [HOST]: await s.connect(HOST),
  };
  const rows = parseMatrix(MATRIX);
  t.equal(rows.length % 3, 0, 'three users per file');

  for (const row of rows) {
    const got: Record<string, string> = {};
    for (const op of OPS) {
      // Fresh processes for every cell: a cell may kill, reap or rename them.
      const A = k.createMcp('alice'), P = k.createScp('alice'), K = k.alarmCreate('alice', A);
      const path = row.path.replace('$A', String(A)).replace('$P', String(P)).replace('$K', String(K));
      const c = conns[row.who];
      const isDir = /^\/[a-z]+$/.test(row.path) || /\/(\$A|\$P|a\$K|\d+)$/.test(row.path);
      const prepareRead = () => {
        if (path.endsWith('/events')) k.notify('alice', A, 'EV_USER_IPI');
        if (path.endsWith('/count')) { k.alarmTimer('alice', A, K, k.now() + 1); k.step(HOST, 1); }
        if (path.endsWith('/wait')) k.kill('alice', path.startsWith('/mcp') ? A : P);
      };
      if (row.want[op] === '-') { got[op] = '-'; continue; }
      switch (op) {
        case 'walk': got[op] = await outcome(() => withFid(c, path, async () => undefined)); break;
        case 'openr': got[op] = await outcome(() => withFid(c, path, (f) => f.open(OREAD))); break;
        case 'openw': got[op] = await outcome(() => withFid(c, path, (f) => f.open(OWRITE))); break;
        case 'read':
          prepareRead();
          got[op] = await outcome(() => withFid(c, path, async (f) => {
            await f.open(OREAD);
            if (isDir) await f.readdir(); else await f.read(0n, 8192);
          }));
          break;
        case 'write':
          got[op] = await outcome(() => withFid(c, path, async (f) => {
            await f.open(OWRITE);
            const p = PAYLOAD[row.path];
            if (p === undefined) throw new Error(`no payload for ${row.path}`);
            await f.write(0n, Buffer.from(p));
          }));
          break;
        case 'create': {
          const parent = isDir ? path : path.slice(0, path.lastIndexOf('/'));
          got[op] = await outcome(() => withFid(c, parent, (f) => f.create('newfile', 0o644, OWRITE)));
          break;
        }
        case 'remove': got[op] = await outcome(async () => (await c.c.root!.walk(path)).remove()); break;
        case 'chmod': got[op] = await outcome(() => withFid(c, path, (f) => f.setattr({ valid: P9_SETATTR_MODE, mode: 0o777 }))); break;
        case 'trunc': got[op] = await outcome(() => withFid(c, path, (f) => f.setattr({ valid: P9_SETATTR_SIZE, size: 0n }))); break;
      }
      for (const pid of k.pids()) {
        if (!k.proc(pid)!.dead) k.kill(HOST, pid);
        k.reap(HOST, pid);
      }
    }
    const want = OPS.map((o) => row.want[o]).join(' ');
    const have = OPS.map((o) => got[o]).join(' ');
    t.equal(have, want, `${row.path} ${row.who}: ${OPS.join(' ')}`);
  }
});
