// SPDX-License-Identifier: GPL-2.0-or-later
//
// A cluster from the network database: every entry with `cluster=NAME` is a node, named
// by its `sys=`, reached at its `dial=` if it has one, else at `tcp!SYS!akaros` (the
// service `akaros` translated by a `tcp=akaros port=N` entry). The boot option
// (serve --cluster NAME) mounts every node but this one at /n/SYS:
//
//   sys=node1 ip=10.0.0.1 cluster=lab
//   sys=node2 ip=10.0.0.2 cluster=lab
//   sys=node3 ip=10.0.0.3 cluster=lab
//   tcp=akaros port=5640
//
// On one host, nodes differ by port: `dial=tcp!node2!akaros2` with `tcp=akaros2 port=5642`.

import { EINVAL } from '../lib/9p/errno.js';
import { perr } from '../lib/9p/error.js';
import { quote } from '../lib/iplib/tokenize.js';
import type { Ndb } from '../lib/ndblib/index.js';
import { checkDial } from './remotens.js';

export interface ClusterNode {
  sys: string;
  dial: string;
}

const SYS = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The nodes of cluster `name`, in database order. EINVAL when there are none, or for a
 *  node whose sys= cannot name a directory or whose dial= is not a dial string. */
export function clusterNodes(ndb: Ndb, name: string): ClusterNode[] {
  const out: ClusterNode[] = [];
  const seen = new Set<string>();
  for (const m of ndb.search('cluster', name)) {
    const sys = m.entry.get('sys');
    if (sys === undefined) continue;
    if (!SYS.test(sys)) throw perr(EINVAL, `cluster ${name}: sys=${sys} cannot name /n/${sys}`);
    if (seen.has(sys)) continue;
    seen.add(sys);
    const dial = m.entry.get('dial') ?? `tcp!${sys}!akaros`;
    checkDial(dial);
    out.push({ sys, dial });
  }
  if (out.length === 0) throw perr(EINVAL, `cluster ${name}: no entry with sys= and cluster=${name} in the network database`);
  return out;
}

/** namespace(6) lines mounting every node of `name` but `self` at /n/SYS. */
export function clusterMounts(ndb: Ndb, name: string, self?: string): string {
  return clusterNodes(ndb, name)
    .filter((n) => n.sys !== self)
    .map((n) => `mount ${quote(n.dial)} ${quote(`/n/${n.sys}`)}\n`)
    .join('');
}
