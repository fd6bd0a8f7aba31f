// SPDX-License-Identifier: GPL-2.0-or-later
//
// PACKED (kern/src/corealloc_packed.c at Akaros fe07b94) on 16 cores, LL core 0. Every
// expected core list below comes from a hand trace of the Akaros code, written in the
// comment above the assertion; cores are listed in grant order (vcore 0, 1, 2, ...).
// Boot state for every trace: core 0's cpu, socket, NUMA node and the machine have load
// ("refcount") 1, since corealloc_init increfs the nodes of every LL core; the idle list
// is 15,14,...,1 head to tail, since corealloc_init inserts each core at the head.

import t from 'tap';
import { checked, errno } from './helpers.js';
import type { Kernel } from '../../kern/kernel.js';
import type { Topology } from '../../kern/types.js';

const packed = (topology: Topology = {}, ncores = 16) => checked({ ncores, policy: 'packed', topology });

/** The pcores of p's online vcores, by vcore id (= grant order for a fresh process). */
function byVcore(k: Kernel, p: number): number[] {
  return k.vcoreRows(p).filter((r) => r.state === 'online').sort((a, b) => a.vcore - b.vcore).map((r) => r.pcore);
}

t.test('boot: the idle list is descending (every core inserted at the head)', (t) => {
  const k = packed();
  t.same(k.idleList(), [15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
  t.same(checked({ ncores: 4 }).idleList(), [1, 2, 3], 'FCFS stays ascending');
  t.end();
});

t.test('(a) flat machine, want 4 -> 1, 15, 14, 13', (t) => {
  // first core (find_first_core): numa0 (load 1) and socket0 (load 1) are the only nodes;
  //   at the cpu level cpu0 is full (its one core is the LL core), cpu1 is empty -> core 1.
  // next (find_closest_idle_core): every idle core is at the same distance from {1}; the
  //   strict '<' keeps the first minimum in idle-list order: the head, 15; then 14, 13.
  const k = packed();
  const A = k.createMcp('u');
  k.want('u', A, 4);
  t.same(byVcore(k, A), [1, 15, 14, 13]);
  t.same(k.idleList(), [12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2]);
  t.end();
});

t.test('(b) sockets=2, want 4 -> 8, 15, 14, 13 (the empty socket, not the LL core\'s)', (t) => {
  // socket0 = cores 0-7, socket1 = 8-15, one numa node.
  // first core: numa0 load 1 -> parent. socket level: socket0 load 1 (the LL core),
  //   socket1 load 0 -> empty -> its lowest core, 8.
  // next: from {8}, cores 9-15 are at distance 2 (same socket), 1-7 at 3 (same numa);
  //   first minimum in idle-list order: 15; then from {8,15}: 14 (sum 4); then 13 (sum 6).
  for (const topo of [{ sockets: 2 }, { sockets: 2, numa: 2 }]) {
    const k = packed(topo);
    const A = k.createMcp('u');
    k.want('u', A, 4);
    t.same(byVcore(k, A), [8, 15, 14, 13], JSON.stringify(topo));
  }
  t.end();
});

t.test('(c) two MCPs, frees and re-allocs (sockets=2)', (t) => {
  const k = packed({ sockets: 2 });
  const A = k.createMcp('u'), B = k.createMcp('u');
  // 1. A want 2: first core 8 (socket1 empty), then 15 (idle head among distance 2).
  k.want('u', A, 2);
  t.same(byVcore(k, A), [8, 15]);
  // 2. B want 2: numa0 load 3; sockets: socket0 load 1 < socket1 load 2 -> socket0;
  //    cpus from cpu0: cpu0 full (LL), cpu1 empty -> core 1. Then from {1}: idle list
  //    14,13,12,11,10,9 are at 3, 7 is the first at 2 -> 7.
  k.want('u', B, 2);
  t.same(byVcore(k, B), [1, 7]);
  // 3. A want 4: from {8,15}: 14 (sum 4, idle head); from {8,15,14}: 13.
  k.want('u', A, 4);
  t.same(byVcore(k, A), [8, 15, 14, 13]);
  // 4. A want 2; yield vcore 2 (core 14), then vcore 1 (core 15): each freed core goes to
  //    the idle head (__track_core_dealloc) -> 15,14,12,...; A's inactive head is vcore 1.
  k.want('u', A, 2);
  k.yield('u', A, 2);
  k.yield('u', A, 1);
  t.same(k.idleList(), [15, 14, 12, 11, 10, 9, 6, 5, 4, 3, 2]);
  // 5. B want 3: from {1,7}: 15,14,12..9 sum 6; 6 sum 4 -> 6 (the freed far cores lose).
  k.want('u', B, 3);
  t.same(byVcore(k, B), [1, 7, 6]);
  // 6. A want 3: from {8,13}: 15 sum 4 is the first minimum (9..12 tie but come later)
  //    -> 15, on vcore 1 (the most recently yielded vcore).
  k.want('u', A, 3);
  t.equal(k.vcoreRows(A)[1].pcore, 15);
  // 7. A want 4: from {8,13,15}: 14 sum 6, first -> 14 on vcore 2.
  k.want('u', A, 4);
  t.same(byVcore(k, A), [8, 15, 14, 13]);
  t.same(k.granted(B), [1, 6, 7]);
  t.end();
});

t.test('(c) flat variant: the most recently freed core is handed out first', (t) => {
  // A want 2 -> 1, 15; B want 2 -> 2 (cpu2 is the first empty cpu), 14 (idle head);
  // A want 3 -> 13; A want 2 and yield the vcore on 15: 15 goes to the idle head;
  // B want 3: all distances equal -> the idle head, 15.
  const k = packed();
  const A = k.createMcp('u'), B = k.createMcp('u');
  k.want('u', A, 2);
  t.same(byVcore(k, A), [1, 15]);
  k.want('u', B, 2);
  t.same(byVcore(k, B), [2, 14]);
  k.want('u', A, 3);
  t.same(byVcore(k, A), [1, 15, 13]);
  k.want('u', A, 2);
  k.yield('u', A, 1);
  k.want('u', B, 3);
  t.same(byVcore(k, B), [2, 14, 15]);
  t.end();
});

t.test('(d) ht: want 15 -> 2,3,15,14,...,4,1 (the LL core\'s sibling last)', (t) => {
  // cpus are pairs {0,1},{2,3},...,{14,15}.
  // first core: numa0, socket0 (load 1); cpus from cpu0: cpu0 load 1 of 2 (LL core 0) is
  //   remembered, cpu1 is empty -> its lowest core, 2.
  // next: 3 is at distance 1 from 2, everything else at 2 -> 3.
  // then all sums tie -> idle head 15; its sibling 14 is then 1 closer -> 14; and so on
  //   pair by pair. Core 1 (the LL core's sibling) ties with 5 and 4 at the end and loses
  //   on list order: it comes last only because boot put it at the idle tail.
  const k = packed({ ht: true });
  const A = k.createMcp('u');
  k.want('u', A, 15);
  t.same(byVcore(k, A), [2, 3, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 1]);
  // (d2) the sibling IS handed out first: A want 13; yield vcore 13 (core 4), vcore 14
  // (core 1): idle list 1,4. B want 1: numa0, socket0 load 14 -> parents; cpus from
  // cpu0: cpu0 load 1 (LL) -> best; cpu1 full; cpu2 {4,5} load 1, not smaller; cpus 3-7
  // full -> parent cpu0; cores from core0: core0 taken, core1 free -> 1.
  k.want('u', A, 13);
  k.yield('u', A, 13);
  k.yield('u', A, 14);
  t.same(k.idleList(), [1, 4]);
  const B = k.createMcp('u');
  k.want('u', B, 1);
  t.same(byVcore(k, B), [1]);
  t.end();
});

t.test('(e) provisioned cores: the first is the list head, later ones by distance', (t) => {
  // (e1) A: prov 3,9,12; want 2 -> 3, 9: A holds nothing, so the first core is the head
  //   of its provisioned list, 3 (find_first_provisioned_core: no distance); then 9 and
  //   12 are both at 3 from {3}: list order -> 9.
  let k = packed({ sockets: 2 });
  let A = k.createMcp('u');
  k.prov('u', A, [3, 9, 12]);
  k.want('u', A, 2);
  t.same(byVcore(k, A), [3, 9]);
  // (e2) A: want 1 -> 8 (socket1 empty). prov 3,9,12; want 3 -> 9, 12: provisioned before
  //   idle (find_closest_provisioned_core); from {8}: 3 is at 3, 9 and 12 at 2 -> 9;
  //   from {8,9}: 3 sum 6, 12 sum 4 -> 12. Core 3 stays provisioned and idle.
  k = packed({ sockets: 2 });
  A = k.createMcp('u');
  k.want('u', A, 1);
  k.prov('u', A, [3, 9, 12]);
  k.want('u', A, 3);
  t.same(byVcore(k, A), [8, 9, 12]);
  t.equal(k.coreStatus(3).state, 'idle');
  // (e3) A: prov 3,9,5; want 2 -> 3, 5: head 3, then 5 (distance 2) beats 9 (distance 3)
  //   although 9 comes first in the list.
  k = packed({ sockets: 2 });
  A = k.createMcp('u');
  k.prov('u', A, [3, 9, 5]);
  k.want('u', A, 2);
  t.same(byVcore(k, A), [3, 5]);
  t.end();
});

t.test('(f) cores N plans with the allocator: it provisions what want N grants', (t) => {
  // Our extension (Akaros's prov tool takes explicit lists). sockets=2, fresh A: cores 4
  // provisions the picks of (b), 8,15,14,13; the ksched then grants the head 8 first
  // (find_first_provisioned_core), then 15,14,13 (all at distance 2 from 8, list order).
  // Then B: cores 4 -> 1,7,6,5: numa0 parent, socket0 (load 1) < socket1 (load 4), cpu1
  // is the first empty cpu -> 1; from {1}: 7 is the first idle core at distance 2, ...
  const k = packed({ sockets: 2 });
  const A = k.createMcp('u'), B = k.createMcp('u');
  k.cores('u', A, 4);
  t.same(k.provList(A), [8, 13, 14, 15]);
  t.same(byVcore(k, A), [8, 15, 14, 13]);
  k.cores('u', B, 4);
  t.same(byVcore(k, B), [1, 7, 6, 5]);
  t.end();
});

t.test('(g) the first-core scan runs on past the chosen node to the end of its level', (t) => {
  // sockets=2, ht: socket0 = cpus 0-3 (cores 0-7), socket1 = cpus 4-7 (cores 8-15).
  // A: prov 3,5,7,8,9,10,11,12,13; want 9 -> A holds exactly those. Loads: cpu0 1 (LL),
  //   cpu1-3 1 each, cpu4-6 2 (full), cpu7 0; socket0 4, socket1 6.
  // B want 1: socket0 (4) is the least loaded socket; the cpu scan starts at cpu0 and runs
  //   on through cpu7: cpu0-3 half full, cpu4-6 full, cpu7 empty -> core 14, on socket1.
  //   (A scan of the chosen socket's children only would give core 1.)
  let k = packed({ sockets: 2, ht: true });
  let A = k.createMcp('u');
  k.prov('u', A, [3, 5, 7, 8, 9, 10, 11, 12, 13]);
  k.want('u', A, 9);
  t.same(k.granted(A), [3, 5, 7, 8, 9, 10, 11, 12, 13]);
  let B = k.createMcp('u');
  k.want('u', B, 1);
  t.same(byVcore(k, B), [14]);
  // (g2) the same at the NUMA level: sockets=4, numa=2: numa0 = sockets 0,1 (cores 0-7),
  // numa1 = sockets 2,3 (cores 8-15). A: prov 1,4,8,9,10,11; want 6. Loads: socket0 2
  // (LL + 1), socket1 1, socket2 4 (full), socket3 0; numa0 3, numa1 4.
  // B want 1: numa0 is the least loaded; the socket scan runs from socket0 to socket3:
  //   socket3 is empty -> core 12, in numa1 (children-only would give 5).
  k = packed({ sockets: 4, numa: 2 });
  A = k.createMcp('u');
  k.prov('u', A, [1, 4, 8, 9, 10, 11]);
  k.want('u', A, 6);
  B = k.createMcp('u');
  k.want('u', B, 1);
  t.same(byVcore(k, B), [12]);
  t.end();
});

t.test('topology: hyperthread pairs never straddle a socket', (t) => {
  // Akaros's tree (corealloc_packed.c get_level_id) nests every cpu inside one socket.
  // 14 cores, sockets=2, ht: 7 cores per socket; socket0's last cpu is core 6 alone and
  // cores 7,8 are a pair on socket1.
  const k = packed({ sockets: 2, ht: true }, 14);
  const cpu = (c: number) => k.coreStatus(c).cpu;
  t.equal(k.coreStatus(6).socket, 0);
  t.equal(k.coreStatus(7).socket, 1);
  t.not(cpu(6), cpu(7), 'cores 6 and 7 are not siblings');
  t.equal(cpu(7), cpu(8));
  t.equal(cpu(4), cpu(5));
  t.end();
});

t.test('offline cores count as load: an offline core is never handed out', (t) => {
  // Our extension (Akaros has no core offline): an offline core in an otherwise empty
  // socket keeps that socket from looking empty.
  const k = packed({ sockets: 2 });
  k.coreOffline('eve', 8);
  const A = k.createMcp('u');
  k.want('u', A, 1);
  // socket1 has load 1 (the offline core), socket0 load 1 (the LL core): a tie, so the
  // lowest index, socket0; its first empty cpu holds core 1. (With core 8 online: 8.)
  t.same(byVcore(k, A), [1]);
  t.equal(errno(() => k.want('u', A, 15)), 'ok');
  t.notOk(k.granted(A).includes(8));
  t.end();
});
