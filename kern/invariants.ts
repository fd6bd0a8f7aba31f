// SPDX-License-Identifier: GPL-2.0-or-later
//
// The invariant checker the tests run after every operation (architecture.md): each pcore
// allocated to at most one process; vcoremap, pcoremap, the vcore lists and the counts
// agree; provisioning lists agree with the per-core owners; the idle list holds exactly the
// free online CG cores; pending warnings agree with the takers' counts; states agree with
// the core holdings; the per-user process counts agree with the listings. (Illegal state
// edges throw inside Proc.setState itself.)

import { KState } from './state.js';
import { L_ONLINE } from './vcore.js';
import { RUNNING_M, RUNNABLE_M, WAITING, RUNNING_S, DYING_ABORT, STATE_NAMES } from './types.js';
import { need } from './grant.js';
import { checkProgs } from './prog/check.js';

/** Checks a kernel's state (pass the Kernel or its state). */
export function checkInvariants(x: KState | { readonly state: KState }): void {
  const k = x instanceof KState ? x : x.state;
  const m = k.m;
  const bad = (msg: string): never => { throw new Error(`invariant: ${msg}`); };
  // idle list: links, membership, count
  const seen = new Uint8Array(m.n);
  let cnt = 0, prev = -1;
  for (let c = m.idleHead; c >= 0; c = m.iNext[c]) {
    if (seen[c]) bad(`idle list loops at ${c}`);
    seen[c] = 1; cnt++;
    if (m.iPrev[c] !== prev) bad(`idle list prev link of ${c}`);
    if (!m.inIdle[c]) bad(`core ${c} on idle list without inIdle`);
    prev = c;
  }
  if (prev !== m.idleTail) bad('idle tail');
  if (cnt !== m.idleCount) bad(`idle count ${m.idleCount} != ${cnt}`);
  let unprov = 0;
  const warnCount = new Map<number, number>();
  for (let c = 0; c < m.n; c++) {
    const free = !m.isLL[c] && !m.offline[c] && m.alloc[c] === 0;
    if (free !== !!seen[c]) bad(`core ${c}: free=${free} but onIdle=${!!seen[c]}`);
    if (!m.isLL[c] && !m.offline[c] && m.prov[c] === 0) unprov++;
    if (m.isLL[c] && m.prov[c]) bad(`LL core ${c} provisioned`);
    if (m.offline[c] && m.alloc[c]) bad(`offline core ${c} allocated`);
    const pid = m.alloc[c];
    if (pid) {
      const p = k.procs.get(pid);
      if (!p || p.dead) bad(`core ${c} allocated to dead/missing ${pid}`);
      if (m.isLL[c]) {
        if (p!.isMcp || p!.state !== RUNNING_S) bad(`LL core ${c} held by ${pid} in ${STATE_NAMES[p!.state]}`);
      } else {
        const v = p!.vc.vcs[m.vcore[c]];
        if (!v || v.pcore !== c || v.list !== L_ONLINE) bad(`pcoremap ${c} -> ${pid}/${m.vcore[c]} disagrees with vcoremap`);
      }
    } else if (m.vcore[c] !== -1) bad(`free core ${c} maps vcore ${m.vcore[c]}`);
    if (m.warnFor[c]) {
      const b = m.warnFor[c];
      warnCount.set(b, (warnCount.get(b) ?? 0) + 1);
      if (m.prov[c] !== b) bad(`core ${c} warned for ${b} but provisioned to ${m.prov[c]}`);
      const victim = k.procs.get(m.alloc[c]);
      if (!victim || victim.pid === b) bad(`warned core ${c} has no victim`);
      if (!victim!.vc.vcs[m.vcore[c]].warned) bad(`warned core ${c}: victim vcore has no preempt_pending`);
    }
  }
  if (unprov !== m.unprovFree) bad(`unprovFree ${m.unprovFree} != ${unprov}`);
  let scpRunning = 0;
  for (const p of k.procs.values()) {
    const vcs = p.vc.vcs;
    const lists = [p.vc.online, p.vc.bulk, p.vc.inactive];
    const onList = new Uint8Array(vcs.length);
    for (const l of lists) {
      let n = 0, pv = -1;
      for (let i = l.head; i >= 0; i = vcs[i].next) {
        if (onList[i]) bad(`pid ${p.pid}: vcore ${i} on two lists`);
        onList[i] = 1; n++;
        if (vcs[i].list !== l.tag) bad(`pid ${p.pid}: vcore ${i} list tag`);
        if (vcs[i].prev !== pv) bad(`pid ${p.pid}: vcore ${i} prev link`);
        pv = i;
      }
      if (pv !== l.tail || n !== l.len) bad(`pid ${p.pid}: list ${l.tag} tail/len`);
    }
    for (let i = 0; i < vcs.length; i++) {
      const v = vcs[i];
      if (!onList[i]) bad(`pid ${p.pid}: vcore ${i} on no list`);
      if ((v.list === L_ONLINE) !== (v.pcore >= 0)) bad(`pid ${p.pid}: vcore ${i} online/mapped mismatch`);
      if (v.pcore >= 0 && (m.alloc[v.pcore] !== p.pid || m.vcore[v.pcore] !== i)) bad(`pid ${p.pid}: vcore ${i} -> pcore ${v.pcore} not reciprocal`);
      if (v.warned && v.list !== L_ONLINE) bad(`pid ${p.pid}: offline vcore ${i} has a warning`);
    }
    if (p.vc.online.len !== p.numVcores) bad(`pid ${p.pid}: num_vcores ${p.numVcores} != online ${p.vc.online.len}`);
    const warned = vcs.filter((v) => v.warned).length;
    if (warned !== p.warnedVcores) bad(`pid ${p.pid}: warnedVcores ${p.warnedVcores} != ${warned}`);
    if (p.numVcores > k.maxVcores) bad(`pid ${p.pid}: more vcores than max`);
    if ((warnCount.get(p.pid) ?? 0) !== p.incoming) bad(`pid ${p.pid}: incoming ${p.incoming} != ${warnCount.get(p.pid) ?? 0}`);
    // provisioning lists
    let na = 0;
    for (let c = p.provAllocHead, pv = -1; c >= 0; pv = c, c = m.pNext[c]) {
      if (m.prov[c] !== p.pid || m.alloc[c] !== p.pid) bad(`pid ${p.pid}: prov_alloc_me core ${c} prov=${m.prov[c]} alloc=${m.alloc[c]}`);
      if (m.pPrev[c] !== pv) bad(`pid ${p.pid}: prov_alloc_me link at ${c}`);
      na++;
    }
    let nn = 0;
    for (let c = p.provNotHead, pv = -1; c >= 0; pv = c, c = m.pNext[c]) {
      if (m.prov[c] !== p.pid || m.alloc[c] === p.pid) bad(`pid ${p.pid}: prov_not_alloc_me core ${c} prov=${m.prov[c]} alloc=${m.alloc[c]}`);
      if (m.pPrev[c] !== pv) bad(`pid ${p.pid}: prov_not_alloc_me link at ${c}`);
      nn++;
    }
    if (na !== p.nProvAlloc || nn !== p.nProvNot) bad(`pid ${p.pid}: prov counts`);
    // states vs holdings
    if (p.dead) {
      if (p.state !== DYING_ABORT || p.numVcores || p.provisioned) bad(`dead pid ${p.pid} holds resources`);
    } else if (p.isMcp) {
      if (p.state === RUNNING_M && p.numVcores === 0) bad(`pid ${p.pid} RUNNING_M with 0 vcores`);
      if ((p.state === RUNNABLE_M || p.state === WAITING) && p.numVcores !== 0) bad(`pid ${p.pid} ${STATE_NAMES[p.state]} with vcores`);
      if (p.wanted < 0 || p.wanted > k.maxVcores) bad(`pid ${p.pid} wanted ${p.wanted}`);
      if (need(p) > 0 && !p.queued) bad(`pid ${p.pid} needy but not queued`);
    } else {
      if (p.state === RUNNING_S) { scpRunning++; if (m.alloc[m.ll[0]] !== p.pid) bad(`SCP ${p.pid} RUNNING_S off the LL core`); }
      if (p.numVcores) bad(`SCP ${p.pid} has num_vcores`);
    }
  }
  const provBy = new Map<number, number>();
  for (let c = 0; c < m.n; c++) if (m.prov[c]) provBy.set(m.prov[c], (provBy.get(m.prov[c]) ?? 0) + 1);
  for (const p of k.procs.values()) if ((provBy.get(p.pid) ?? 0) !== p.provisioned) bad(`pid ${p.pid}: ${provBy.get(p.pid) ?? 0} cores name it as prov owner, lists hold ${p.provisioned}`);
  for (let c = 0; c < m.n; c++) {
    const o = m.prov[c];
    if (o) {
      const p = k.procs.get(o);
      if (!p || p.dead) bad(`core ${c} provisioned to dead/missing ${o}`);
    }
  }
  if (scpRunning > 1) bad('two SCPs RUNNING_S');
  if (k.policy === 'packed') checkPacked(k, bad);
  if (m.alloc[m.ll[0]] === 0 && k.runnableScps.length > 0) bad('LL core idle with runnable SCPs');
  // the per-user process counts (the nproc limit) agree with the listed processes
  const users = new Map<string, number>();
  for (const p of k.procs.values()) users.set(p.user, (users.get(p.user) ?? 0) + 1);
  if (users.size !== k.userProcs.size || [...users].some(([u, n]) => k.userProcs.get(u) !== n)) bad('per-user process counts');
  checkProgs(k, bad);
}

/** PACKED's node loads and per-proc counts agree with the allocation map. */
function checkPacked(k: KState, bad: (msg: string) => never): void {
  const m = k.m;
  const cpu = new Int32Array(m.cpuLoad.length), socket = new Int32Array(m.socketLoad.length), numa = new Int32Array(m.numaLoad.length);
  const per = new Map<number, number>();
  for (let c = 0; c < m.n; c++) {
    const pid = m.alloc[c];
    if (!pid || m.isLL[c]) continue;
    cpu[m.cpu[c]]++; socket[m.socket[c]]++; numa[m.numa[c]]++;
    per.set(pid, (per.get(pid) ?? 0) + 1);
  }
  const same = (a: Int32Array, b: Int32Array) => a.every((x, i) => x === b[i]);
  if (!same(cpu, m.cpuLoad) || !same(socket, m.socketLoad) || !same(numa, m.numaLoad)) bad('PACKED node loads disagree with the allocation map');
  for (const p of k.procs.values()) {
    if ((p.topo?.n ?? 0) !== (per.get(p.pid) ?? 0)) bad(`pid ${p.pid}: PACKED counts ${p.topo?.n ?? 0} cores, holds ${per.get(p.pid) ?? 0}`);
  }
}
