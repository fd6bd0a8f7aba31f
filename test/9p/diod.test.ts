// SPDX-License-Identifier: GPL-2.0-or-later
//
// Our client against the real diod (9P2000.L), checking every effect on disk. Without
// diod installed this skips, except in CI where it must be there (.ci/run installs it).

import t from 'tap';
import { mkdtempSync, writeFileSync, mkdirSync, readFileSync, existsSync, statSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '../../lib/9p/client.js';
import { P9Error } from '../../lib/9p/error.js';
import { ENOENT } from '../../lib/9p/errno.js';
import { OREAD, ORDWR, P9_SETATTR_SIZE, P9_GETATTR_BASIC, S_IFMT, S_IFREG, DMDIR, AT_REMOVEDIR } from '../../lib/9p/const.js';
import { findDiod, startDiod } from './diod.js';

const bin = findDiod();
if (!bin) {
  if (process.env.CI) {
    t.fail('diod is not installed: run `apt-get install -y diod` (CI must provide it)');
  } else {
    t.comment('NOTICE: diod is not installed; skipping the real-server test (apt-get install -y diod)');
    t.pass('skipped: no diod');
  }
} else {
  const dir = mkdtempSync(join(tmpdir(), 'p9diod-'));
  writeFileSync(join(dir, 'hello.txt'), 'hello from diod export\n');
  mkdirSync(join(dir, 'sub'));
  const big = Buffer.alloc(300_000);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
  writeFileSync(join(dir, 'sub', 'big.bin'), big);

  const diod = await startDiod(bin, dir);
  t.teardown(async () => {
    await diod.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const c = await Client.connect(await diod.connect(), { msize: 65536 });
  t.teardown(() => c.close());
  const root = await c.attach({ aname: dir });

  t.test('version and attach', async (t) => {
    t.equal(c.dialect, '9P2000.L');
    t.equal(c.msize, 65536);
    t.ok(root.qid.type & 0x80, 'root is a directory');
  });

  t.test('list', async (t) => {
    const ents = await c.ls('');
    t.same(ents.map((e) => e.name).sort(), ['hello.txt', 'sub']);
    t.equal(ents.find((e) => e.name === 'sub')!.type, 4, 'DT_DIR');
    const raw = await root.readdir();
    t.ok(raw.some((e) => e.name === '.') && raw.some((e) => e.name === '..'), 'readdir keeps . and ..');
  });

  t.test('read', async (t) => {
    t.equal((await c.readFile('hello.txt')).toString(), 'hello from diod export\n');
    const b = await c.readFile('sub/big.bin');
    t.ok(b.equals(big), 'a file larger than msize reads whole');
    const f = await root.walk('sub/big.bin');
    await f.open(OREAD);
    const part = await f.read(299_990n, 100);
    t.ok(part.equals(big.subarray(299_990)), 'read near the end is short');
    t.equal((await f.read(300_000n, 100)).length, 0, 'read at EOF is empty');
    await f.clunk();
  });

  t.test('create and write', async (t) => {
    const data = Buffer.alloc(150_000, 'x');
    t.equal(await c.writeFile('new.txt', data), data.length);
    t.ok(readFileSync(join(dir, 'new.txt')).equals(data), 'on disk');
    t.equal(await c.writeFile('new.txt', Buffer.from('short')), 5);
    t.equal(readFileSync(join(dir, 'new.txt'), 'utf8'), 'short', 'truncated on rewrite');
    const d = await root.walk('');
    await d.create('made', 0o640, ORDWR);
    await d.write(0n, Buffer.from('abc'));
    await d.clunk();
    t.equal(readFileSync(join(dir, 'made'), 'utf8'), 'abc');
    t.equal(statSync(join(dir, 'made')).mode & 0o777 & ~0o640, 0, 'no permission beyond 0640');
    const dd = await root.walk('');
    await dd.create('newdir', (DMDIR | 0o755) >>> 0, OREAD);
    await dd.clunk();
    t.ok(statSync(join(dir, 'newdir')).isDirectory(), 'mkdir via create(DMDIR)');
  });

  t.test('getattr / setattr / stat', async (t) => {
    const f = await root.walk('new.txt');
    const a = await f.getattr(P9_GETATTR_BASIC);
    t.equal(a.mode & S_IFMT, S_IFREG);
    t.equal(a.size, 5n);
    await f.setattr({ valid: P9_SETATTR_SIZE, size: 2n });
    t.equal(readFileSync(join(dir, 'new.txt'), 'utf8'), 'sh', 'truncated on disk');
    t.equal((await f.getattr()).size, 2n);
    await f.wstat({ length: 0n, mode: 0o600 });
    t.equal(statSync(join(dir, 'new.txt')).size, 0);
    t.equal(statSync(join(dir, 'new.txt')).mode & 0o777, 0o600);
    const s = await f.stat();
    t.equal(s.name, 'new.txt');
    t.equal(s.length, 0n);
    await f.clunk();
    const sd = await c.stat('sub');
    t.ok(sd.mode & DMDIR, 'directory mode has DMDIR');
  });

  t.test('remove, unlinkat, walk errors', async (t) => {
    const f = await root.walk('new.txt');
    await f.remove();
    t.notOk(existsSync(join(dir, 'new.txt')), 'removed on disk');
    // diod 1.0.24 answers Tunlinkat with EOPNOTSUPP (Linux then falls back to Tremove).
    const r = await root.walk('');
    const ue = await r.unlinkat('newdir', AT_REMOVEDIR).catch((x) => x);
    await r.clunk();
    if (ue instanceof P9Error) {
      t.equal(ue.ename, 'EOPNOTSUPP', 'unlinkat unsupported');
      await (await root.walk('newdir')).remove();
    }
    t.notOk(existsSync(join(dir, 'newdir')), 'directory removed');
    const e = await root.walk('sub/nothere/x').catch((x) => x);
    t.ok(e instanceof P9Error && e.errno === ENOENT, 'partial walk is ENOENT');
    const e2 = await c.readFile('nothere').catch((x) => x);
    t.ok(e2 instanceof P9Error && e2.errno === ENOENT, 'first element missing is ENOENT');
  });

  t.test('many outstanding requests against diod', async (t) => {
    const fs = await Promise.all(Array.from({ length: 32 }, () => root.walk('hello.txt')));
    const as = await Promise.all(fs.map((f) => f.getattr()));
    t.ok(as.every((a) => a.size === 23n));
    await Promise.all(fs.map((f) => f.clunk()));
  });
}
