// SPDX-License-Identifier: GPL-2.0-or-later
//
// The cluster as the CLI sees it from one server: that server itself, and every 9P
// server its namespace mounts at /n/NODE (`mount tcp!node2!akaros /n/node2`, as
// /dev/ns lists them; serve --cluster makes them). The single-node readers run on each
// node through Session.under('/n/NODE'), all nodes at once; a node that fails is an
// error row, never the end of the command.

import { Flags, type Command } from '@oclif/core';
import { quote, tokenize } from '../../lib/iplib/tokenize.js';
import { CliError, usage, type Session } from './connect.js';

export interface ClusterNode {
  /** /dev/sysname for the server connected to; NODE of /n/NODE for the others. */
  node: string;
  /** Where its files are: '/' for the server connected to, else /n/NODE. */
  path: string;
  /** The dial string it is mounted from (null for the server connected to). */
  address: string | null;
}

export interface NodeError {
  node: string;
  message: string;
  /** EIO for a node that cannot be reached; null when the failure had no errno. */
  errno: string | null;
}

/** The server itself, then each /n/NODE mounted from a dial string, by name. */
export async function clusterNodes(s: Session): Promise<ClusterNode[]> {
  const [sysname, ns] = await Promise.all([s.read('/dev/sysname'), s.read('/dev/ns')]);
  const out: ClusterNode[] = [];
  const seen = new Set<string>();
  for (const line of ns.split('\n')) {
    const f = line.trim() === '' ? [] : tokenize(line);
    if (f[0] !== 'mount') continue;
    const args = f.slice(1).filter((a) => !/^-[abcC]+$/.test(a));
    const [src, old] = args;
    const m = /^\/n\/([^/]+)$/.exec(old ?? '');
    if (!m || !src || src.startsWith('#') || src.startsWith('/') || !src.includes('!') || seen.has(m[1])) continue;
    seen.add(m[1]);
    out.push({ node: m[1], path: `/n/${m[1]}`, address: src });
  }
  out.sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
  return [{ node: sysname.trim(), path: '/', address: null }, ...out];
}

export interface PerNode<T> {
  ok: Array<{ node: ClusterNode; value: T }>;
  errors: NodeError[];
}

/** `fn` on every node at once, each on the session seen from its path. */
export async function eachNode<T>(s: Session, nodes: ClusterNode[], fn: (v: Session, n: ClusterNode) => Promise<T>): Promise<PerNode<T>> {
  const got = await Promise.all(nodes.map(async (n) => {
    try {
      return { node: n, value: await fn(n.path === '/' ? s : s.under(n.path), n) };
    } catch (e) {
      return { node: n, error: nodeError(n, e) };
    }
  }));
  const out: PerNode<T> = { ok: [], errors: [] };
  for (const g of got) {
    if ('error' in g) out.errors.push(g.error!);
    else out.ok.push(g as { node: ClusterNode; value: T });
  }
  return out;
}

/** Why a node failed, said plainly: a node that does not answer is EIO, whatever path
 *  the reader was on. */
function nodeError(n: ClusterNode, e: unknown): NodeError {
  const errno = e instanceof CliError && e.ename ? e.ename : null;
  const message = errno === 'EIO' && n.address
    ? `${n.path}: Input/output error (${n.address} does not answer)`
    : e instanceof Error ? e.message : String(e);
  return { node: n.node, message, errno };
}

/** The per-node failures as the user reads them, one line each. */
export function errorLines(errors: NodeError[]): string {
  return errors.map((e) => `akaros: ${e.node}: ${e.message}\n`).join('');
}

/** What every cluster command returns: one entry per node that answered, and the
 *  failure of each that did not. */
export interface ClusterResult<T> {
  nodes: Array<{ node: string; address: string | null } & T>;
  errors: NodeError[];
}

/** --node NAME=DIALSTRING: more nodes, mounted at /n/NAME in this command's session. */
export const clusterFlags = {
  node: Flags.string({
    multiple: true, helpValue: 'NAME=DIALSTRING',
    summary: 'Also this node: mount DIALSTRING at /n/NAME for this command (repeatable).',
  }),
};

/** Mounts each --node in the session (its own namespace: nothing outlives the command).
 *  A node that cannot be mounted is an error, not the end of the command. */
export async function mountNodes(s: Session, specs: readonly string[] = []): Promise<NodeError[]> {
  const errors: NodeError[] = [];
  for (const spec of specs) {
    const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)=(\S+)$/.exec(spec);
    if (!m) throw usage(`--node ${spec}: expected NAME=DIALSTRING (node4=tcp!node4!akaros)`);
    try {
      await s.write('/dev/ns', `mount ${quote(m[2])} /n/${m[1]}\n`);
    } catch (e) {
      errors.push({ node: m[1], message: e instanceof Error ? e.message : String(e), errno: e instanceof CliError && e.ename ? e.ename : null });
    }
  }
  return errors;
}

/** `read` on every node: the nodes that answered with what they gave, the others as errors. */
export async function readCluster<T extends object>(s: Session, read: (v: Session, n: ClusterNode) => Promise<T>,
  mountErrors: NodeError[] = []): Promise<ClusterResult<T>> {
  const r = await eachNode(s, await clusterNodes(s), read);
  return {
    nodes: r.ok.map(({ node, value }) => ({ node: node.node, address: node.address, ...value })),
    errors: [...mountErrors, ...r.errors],
  };
}

/** The end of a cluster command: with every node read, the result; otherwise what was
 *  read is printed (--json: the whole result, failures in "errors"; else the failures
 *  on stderr, one line per node) and the status is 1. */
export function partial<T extends { errors: NodeError[] }>(cmd: Command, r: T): T {
  if (r.errors.length === 0) return r;
  if (cmd.jsonEnabled()) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  else process.stderr.write(errorLines(r.errors));
  return cmd.exit(1);
}
