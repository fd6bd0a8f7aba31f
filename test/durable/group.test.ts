// SPDX-License-Identifier: GPL-2.0-or-later
//
// Group commit and acknowledgement order: the changes of one event-loop turn share one
// write and one fdatasync; changes made while that fdatasync runs share the next one;
// the barrier an operation waits on resolves only once its records are on disk.

import t, { type Test } from 'tap';
import { FaultFs, MemFs } from '../../lib/wal/index.js';
import { openMachine } from '../../devs/persist/open.js';

const H = 'eve';
const SETTINGS = { sysname: 'nanwan', mode: 'paused' as const, speed: 1, seed: 1 };
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

/** A disk whose fdatasync takes 30 ms, so that a group is seen in flight. */
class SlowFs extends FaultFs {
  override async fdatasync(fd: number): Promise<void> {
    await new Promise((r) => setTimeout(r, 30));
    return super.fdatasync(fd);
  }
}

t.test('one turn, one fdatasync; the next group waits for the first', async (t) => {
  const fs = new SlowFs(new MemFs());
  const dm = await openMachine('/s', { config: { ncores: 32, hostowner: H }, settings: SETTINGS, fs });
  const k = dm.kernel, j = dm.journal;
  const pids = Array.from({ length: 16 }, () => k.createMcp('u'));
  await j.barrier();
  const f0 = fs.counts.fdatasync;
  for (const pid of pids) k.want('u', pid, 1);
  const first = j.barrier();
  await first;
  t.equal(fs.counts.fdatasync - f0, 1, '16 changes in one turn: one fdatasync');

  const f1 = fs.counts.fdatasync;
  let durable = 0;
  k.want('u', pids[0], 2);
  const a = j.barrier().then(() => { durable++; });
  await turn();                      // the first group is on its way to the disk
  k.want('u', pids[1], 2);
  const b = j.barrier();
  await turn();
  k.want('u', pids[2], 2);
  const c = j.barrier();
  t.equal(durable, 0, 'nothing is acknowledged before its fdatasync');
  await Promise.all([a, b, c]);
  t.equal(fs.counts.fdatasync - f1, 2, 'changes made during an fdatasync share the next one');
  t.equal(j.stats.rollbacks, 0);
  await dm.close();
});

/** Two writers answered by one group; then `first` writes at once and the other `lateMs`
 *  later. Returns how many fdatasyncs their second writes took. */
async function cohorts(t: Test, holdUs: number, lateMs: number | null): Promise<number> {
  const fs = new SlowFs(new MemFs());
  const dm = await openMachine('/s', { config: { ncores: 32, hostowner: H }, settings: SETTINGS, fs, journal: { holdUs } });
  const k = dm.kernel, j = dm.journal;
  const [p, q] = [k.createMcp('u'), k.createMcp('u')];
  await j.barrier();
  k.want('u', p, 1);
  const a = j.barrier();
  k.want('u', q, 1);
  const b = j.barrier();
  await Promise.all([a, b]);          // one group answered two writers
  const f0 = fs.counts.fdatasync;
  k.want('u', p, 2);
  const again = [j.barrier()];
  if (lateMs !== null) {
    await new Promise((r) => setTimeout(r, lateMs));
    k.want('u', q, 2);
    again.push(j.barrier());
  }
  await Promise.all(again);
  t.equal(k.status(p).wanted, 2);
  if (lateMs !== null) t.equal(k.status(q).wanted, 2);
  const n = fs.counts.fdatasync - f0;
  await dm.close();
  return n;
}

t.test('after a group answered two writers, the next waits for them to come back', async (t) => {
  t.equal(await cohorts(t, 100_000, 5), 1, 'the writer 5 ms late joins the first one: one fdatasync');
  t.equal(await cohorts(t, 0, 5), 2, 'with the hold off, each goes alone');
  // Only one comes back: the hold ends after at most one sync's time and it is written.
  t.equal(await cohorts(t, 100_000, null), 1, 'a writer that does not come back holds nobody for long');
});
