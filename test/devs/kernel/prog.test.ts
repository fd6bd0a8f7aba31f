// SPDX-License-Identifier: GPL-2.0-or-later
//
// Programs through the real stack: `run` / `stop` on /mcp/N/ctl, /mcp/N/results and the
// program keys of /mcp/N/stat, `noise` on /core/ctl with /core/noise, /core/util; the
// errors a bad run gets, and who may do what.

import t from 'tap';
import { EBUSY, EINVAL, EPERM, ERANGE } from '../../../lib/9p/errno.js';
import { makeStack } from './stack.js';

async function setup(t: { teardown(fn: () => unknown): void }) {
  const s = await makeStack({});
  t.teardown(() => s.close());
  return { s, g: await s.connect('glenda'), eve: await s.connect('eve'), alice: await s.connect('alice') };
}

t.test('run spin, read results while it runs and after it ends', async (t) => {
  const { g, eve } = await setup(t);
  const a = await g.clone();
  t.equal(await g.read(`mcp/${a}/results`), '', 'no program: empty');
  await g.write(`mcp/${a}/ctl`, 'cores 2\nrun spin threads=2 dur=100ms');
  await eve.write('sim/ctl', 'step 50ms');
  let r = await g.keyed(`mcp/${a}/results`);
  t.equal(r.get('workload'), 'spin');
  t.equal(r.get('state'), 'running');
  t.equal(r.get('useful_ns'), String(100e6));
  await eve.write('sim/ctl', 'step 100ms');
  r = await g.keyed(`mcp/${a}/results`);
  t.equal(r.get('state'), 'done');
  t.equal(r.get('useful_ns'), String(200e6));
  t.match(r.get('vcore.0') ?? '', /^\d+ 100000000 0 0 0$/);
  const st = await g.keyed(`mcp/${a}/stat`);
  t.equal(st.get('prog_useful_ns'), String(200e6));
  const util = (await g.read('core/util')).split('\n');
  t.equal(util[0], 'core useful_ns spin_ns overhead_ns noise_ns util');
  t.match(util[1], /^ {3}1 {4}100000000 /);
});

t.test('run errors and stop', async (t) => {
  const { g, alice } = await setup(t);
  const a = await g.clone();
  t.equal((await g.writeErr(`mcp/${a}/ctl`, 'run nosuch')).errno, EINVAL);
  t.equal((await g.writeErr(`mcp/${a}/ctl`, 'run spin threads=5000')).errno, ERANGE);
  t.equal((await g.writeErr(`mcp/${a}/ctl`, 'run spin threads')).errno, EINVAL);
  t.match((await g.keyed(`mcp/${a}/status`)).get('lasterr') ?? '', /threads/);
  t.equal((await g.writeErr(`mcp/${a}/ctl`, 'stop')).errno, EINVAL);
  t.equal((await alice.writeErr(`mcp/${a}/ctl`, 'run spin')).errno, EPERM);
  await g.write(`mcp/${a}/ctl`, 'run server rate=1000 dist=const mean=10us');
  t.equal((await g.writeErr(`mcp/${a}/ctl`, 'run spin')).errno, EBUSY);
  await g.write(`mcp/${a}/ctl`, 'stop');
  t.equal((await g.keyed(`mcp/${a}/results`)).get('state'), 'stopped');
});

t.test('noise on /core/ctl: host owner only; /core/noise reads it back', async (t) => {
  const { g, eve } = await setup(t);
  t.equal((await g.keyed('core/noise')).get('model'), 'akaros');
  t.equal((await g.writeErr('core/ctl', 'noise linux')).errno, EPERM);
  t.equal((await eve.writeErr('core/ctl', 'noise bsd')).errno, EINVAL);
  await eve.write('core/ctl', 'noise linux hz=1000 tick=3us drate=0 irate=0');
  const n = await g.keyed('core/noise');
  t.equal(n.get('model'), 'linux');
  t.equal(n.get('hz'), '1000');
  t.equal(n.get('tick'), '3000');
  const a = await g.clone();
  await g.write(`mcp/${a}/ctl`, 'cores 1\nrun ftq quantum=1ms dur=10ms');
  await eve.write('sim/ctl', 'step 20ms');
  const r = await g.keyed(`mcp/${a}/results`);
  t.equal(r.get('samples'), '10');
  t.ok(Number(r.get('lost_ns')) >= 8 * 3000, `lost ${r.get('lost_ns')}`);
});
