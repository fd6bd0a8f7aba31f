// SPDX-License-Identifier: GPL-2.0-or-later
//
// A damaged state directory, at the server: a torn last write is cut off and reported in
// /dev/kmesg; a bad checksum before the tail stops the start with the file and offset
// named (exit 1); --recover starts from the longest valid prefix and says what it dropped.
// (lib/wal's own tests cut and flip every byte; here it is the server's behaviour.)

import t from 'tap';
import { readFileSync, truncateSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { dial, readUntil, serve, tempDir } from './helpers.js';

const H = 'eve';

/** The start offsets of the batches of a journal segment (lib/wal's format). */
function batches(buf: Buffer): number[] {
  const out: number[] = [];
  for (let pos = 24; pos + 17 <= buf.length;) {
    const bytes = buf.readUInt32LE(pos + 9);
    if (bytes === 0) break;   // the zeros the server writes ahead (preallocBytes)
    out.push(pos);
    pos += bytes;
  }
  return out;
}

/** Serves, makes `n` acknowledged writes (one batch each), and is killed with SIGKILL. */
async function history(dir: string, n: number): Promise<number> {
  const s = serve(['--state', dir, '--hostowner', H, '--paused']);
  await s.ready;
  const c = await dial(s.address, H);
  const pid = await c.clone();
  for (let i = 1; i <= n; i++) await c.write(`mcp/${pid}/ctl`, `name w${i}`);
  s.p.kill('SIGKILL');
  await s.done;
  c.close();
  return pid;
}

t.test('torn tail, damage, --recover', async (t) => {
  t.setTimeout(200_000);
  const dir = tempDir(t);
  const pid = await history(dir, 6);
  const seg = readdirSync(dir).find((n) => n.startsWith('journal.'))!;
  const path = join(dir, seg);
  const buf = readFileSync(path);
  const bs = batches(buf);
  t.ok(bs.length >= 6, `the journal holds the writes (${bs.length} batches)`);

  // a torn last batch (the write of `name w6` half on disk): cut off, reported
  truncateSync(path, bs[bs.length - 1] + 20);
  const s1 = serve(['--state', dir]);
  await s1.ready;
  const h1 = await dial(s1.address, H);
  t.equal((await h1.keyed(`mcp/${pid}/status`)).get('name'), 'w5', 'the state up to the torn write');
  const log1 = await readUntil(h1, 'dev/kmesg', (s) => /bytes cut/.test(s));
  t.match(log1, /recovered: .*, 20 bytes cut\n/, 'kmesg reports the bytes cut');
  t.match(log1, new RegExp(`state cut ${seg.replace(/\./g, '\\.')} at offset \\d+: 20 bytes`), '... naming the segment and offset');
  h1.close();
  s1.p.kill('SIGKILL');
  await s1.done;

  // a flipped byte in an early batch, valid batches after it: refused, file and offset named
  const cur = readFileSync(path);
  // batches: the boot record, the recovery note, the clone, name w1, name w2...
  const at = batches(cur)[4] + 17 + 9 + 3;
  cur[at] ^= 0xff;
  writeFileSync(path, cur);
  const s2 = serve(['--state', dir]);
  await t.rejects(s2.ready, 'the start is refused');
  t.equal((await s2.done).code, 1, 'exit 1');
  t.match(s2.stderr(), new RegExp(`${seg.replace(/\./g, '\\.')} at offset \\d+: .*checksum`), 'the error names the file and offset');

  // --recover: the valid prefix, and what was dropped is said
  const s3 = serve(['--state', dir, '--recover']);
  await s3.ready;
  const h3 = await dial(s3.address, H);
  const name = (await h3.keyed(`mcp/${pid}/status`)).get('name');
  t.equal(name, 'w1', 'the state before the damaged batch');
  const log3 = await readUntil(h3, 'dev/kmesg', (s) => /dropped/.test(s));
  t.match(log3, /state .*dropped/, 'kmesg says what was dropped');
  t.match(s3.stderr(), /dropped/);
  t.ok(readdirSync(dir).some((n) => n.endsWith('.dropped')), 'the dropped bytes are kept for the operator');
  await h3.write(`mcp/${pid}/ctl`, 'name again');
  h3.close();
  s3.p.kill('SIGTERM');
  t.equal((await s3.done).code, 0);

  const s4 = serve(['--state', dir]);
  await s4.ready;
  const h4 = await dial(s4.address, H);
  t.equal((await h4.keyed(`mcp/${pid}/status`)).get('name'), 'again', 'after --recover the state goes on normally');
  h4.close();
  s4.p.kill('SIGTERM');
  t.equal((await s4.done).code, 0);
});
