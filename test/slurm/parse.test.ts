// SPDX-License-Identifier: GPL-2.0-or-later
//
// The Slurm harness's readers (hostlists, `scontrol show job -d`, sinfo lines, hook
// records) and its slurm.conf writer, on text as Slurm 22.05 prints it. Needs no Slurm.

import t from 'tap';
import { expandHostlist, parseJob, parseSinfo, MAX_HOSTS } from '../harness/slurm/parse.js';
import { parseRecord, shq, HOSTLIST_SH } from '../harness/slurm/hooks.js';
import { run } from '../harness/slurm/proc.js';
import { slurmConf } from '../harness/slurm/conf.js';

t.test('hostlists', async (t) => {
  t.same(expandHostlist('n1'), ['n1']);
  t.same(expandHostlist('n[1-3]'), ['n1', 'n2', 'n3']);
  t.same(expandHostlist('n[1,3-4],m5'), ['n1', 'n3', 'n4', 'm5']);
  t.same(expandHostlist('a[08-10]b'), ['a08b', 'a09b', 'a10b'], 'zero padding and a suffix');
  t.same(expandHostlist('(null)'), []);
  t.same(expandHostlist(''), []);
  t.throws(() => expandHostlist('n[3-1]'), /reversed/);
  t.throws(() => expandHostlist('n[1-2'), /bad hostlist/);
  t.throws(() => expandHostlist('n[a]'), /bad range/);
  t.throws(() => expandHostlist('n[[1]]'), /bad hostlist/);
  t.throws(() => expandHostlist(`n[1-${MAX_HOSTS + 1}]`), /more than/, 'a huge range is refused before it is expanded');
});

t.test('hostlist.sh agrees with the TypeScript reader', async (t) => {
  const lists = ['n1', 'n[1-3]', 'n[1,3-4],m5', 'a[08-10]b', 'a[8-10]b', 'n[0-2]', 'x,y[2],z'];
  const names = ['n0', 'n1', 'n01', 'n2', 'n3', 'n4', 'm5', 'a8b', 'a08b', 'a09b', 'a10b', 'a11b', 'x', 'y2', 'y', 'z', 'w'];
  // One bash for every case: `list name status` per line.
  let script = `. ${shq(HOSTLIST_SH)}\n`;
  for (const l of lists) for (const n of names) script += `hostlist_has ${shq(l)} ${n}; echo ${shq(l)} ${n} $?\n`;
  script += `for l in 'n[1-2' 'n[a]' ',n1' 'n]1'; do hostlist_has "$l" n1; echo "$l n1 $?"; done\n`;
  const r = await run('/bin/bash', ['-c', script], { PATH: '/usr/bin:/bin' });
  t.equal(r.rc, 0, r.err);
  const got = new Map(r.out.trim().split('\n').map((l) => {
    const [list, name, rc] = l.split(' ');
    return [`${list} ${name}`, Number(rc)];
  }));
  for (const l of lists) {
    const hosts = expandHostlist(l);
    for (const n of names) t.equal(got.get(`${l} ${n}`), hosts.includes(n) ? 0 : 1, `${n} in ${l}`);
  }
  for (const l of ['n[1-2', 'n[a]', ',n1', 'n]1']) t.equal(got.get(`${l} n1`), 2, `${l} is refused`);
});

const JOB = `JobId=7 JobName=wrap
   UserId=root(0) GroupId=root(0) MCS_label=N/A
   Priority=0 Nice=0 Account=(null) QOS=(null)
   JobState=PENDING Reason=launch_failed_requeued_held Dependency=(null)
   Requeue=1 Restarts=1 BatchFlag=1 Reboot=0 ExitCode=0:0
   NodeList=n[1-3]
   BatchHost=n1
     Nodes=n1 CPU_IDs=6-8 Mem=0 GRES=
     Nodes=n[2-3] CPU_IDs=0-2,5 Mem=0 GRES=
   Command=(null)
   WorkDir=/tmp
`;

t.test('scontrol show job -d', async (t) => {
  const j = parseJob(JOB);
  t.equal(j.jobId, 7);
  t.equal(j.state, 'PENDING');
  t.equal(j.reason, 'launch_failed_requeued_held');
  t.equal(j.name, 'wrap');
  t.equal(j.nodeList, 'n[1-3]');
  t.equal(j.restarts, 1);
  t.equal(j.priority, 0);
  t.equal(j.exitCode, '0:0');
  t.same(j.nodes, { n1: [6, 7, 8], n2: [0, 1, 2, 5], n3: [0, 1, 2, 5] });
  t.same(parseJob('JobId=8 JobName=x\n   JobState=PENDING Reason=Resources\n   NodeList=(null)\n').nodes, {}, 'no CPU ids before allocation');
  t.equal(parseJob(`${JOB}\nJobId=9 JobName=y\n   JobState=RUNNING\n`).jobId, 7, 'the first job of several');
  t.throws(() => parseJob('slurm_load_jobs error: Invalid job id specified\n'), /no JobId/);
  t.throws(() => parseJob('JobId=1\n     Nodes=n1 CPU_IDs=3-1 Mem=0\n'), /bad range/);
});

t.test('sinfo lines', async (t) => {
  const ns = parseSinfo('n1|idle|none\nn2|drained|Prolog error\nn3|idle*|Not responding\nn1|allocated|none\n');
  t.same(ns.n1, { state: 'idle', rawState: 'idle', reason: 'none' }, 'the first partition line wins');
  t.same(ns.n2, { state: 'drained', rawState: 'drained', reason: 'Prolog error' });
  t.equal(ns.n3.state, 'idle', 'flag suffixes are dropped');
  t.equal(ns.n3.rawState, 'idle*');
});

t.test('hook records', async (t) => {
  const text = 'kind=prolog\nnode=n2\njob=12\nat=1000\nSLURMD_NODENAME=n2\nSLURM_JOB_ID=12\n' +
    'SLURM_JOB_CPUS_PER_NODE=4(x3)\n--- job\nJobId=12 JobName=x\n     Nodes=n[1-3] CPU_IDs=0-3 Mem=0\n--- cpus 0-3\n--- end 1050 0\n';
  const r = parseRecord(text, '/x');
  t.equal(r.kind, 'prolog');
  t.equal(r.node, 'n2');
  t.equal(r.jobId, 12);
  t.equal(r.at, 1000);
  t.equal(r.end, 1050);
  t.equal(r.rc, 0);
  t.same(r.env, { SLURMD_NODENAME: 'n2', SLURM_JOB_ID: '12', SLURM_JOB_CPUS_PER_NODE: '4(x3)' });
  t.same(r.cpuIds, [0, 1, 2, 3]);
  t.same(parseJob(r.jobText!).nodes.n2, [0, 1, 2, 3]);
  const running = parseRecord('kind=epilog\nnode=n1\njob=3\nat=5\nSLURM_JOB_EXIT_CODE=0\n', '/y');
  t.equal(running.end, null, 'no end line: still running');
  t.equal(running.rc, null);
  t.equal(running.jobText, null);
  t.equal(running.cpuIds, null);
  t.same(parseRecord('kind=prolog\nnode=n1\njob=3\nat=5\n--- job\nx\n--- cpus \n', '/z').cpuIds, [], 'a prolog that found no ids for its node');
});

t.test('shell quoting', async (t) => {
  t.equal(shq('a b'), `'a b'`);
  t.equal(shq(`it's`), `'it'\\''s'`);
});

t.test('slurm.conf', async (t) => {
  const c = slurmConf({
    clusterName: 'h', host: 'box', dir: '/s', mungeSocket: '/s/munge/run/munge.sock', ctldPort: 7000,
    nodes: [{ name: 'n1', port: 7001 }, { name: 'n2', port: 7005 }], cpusPerNode: 8, realMemoryMb: 100,
    hooks: { prolog: '/s/hooks/prolog', taskprolog: '/s/hooks/taskprolog' }, prologEpilogTimeoutS: 30, extra: ['DebugFlags=Steps'],
  });
  const lines = c.split('\n');
  t.ok(lines.includes('SlurmctldHost=box(127.0.0.1)'));
  t.ok(lines.includes('SlurmctldPort=7000'));
  t.ok(lines.includes('AuthInfo=socket=/s/munge/run/munge.sock'), 'Slurm uses our munged');
  t.ok(lines.includes('Prolog=/s/hooks/prolog'));
  t.ok(lines.includes('TaskProlog=/s/hooks/taskprolog'));
  t.notOk(lines.some((l) => l.startsWith('Epilog=')), 'a hook not given is not configured');
  t.ok(lines.includes('DebugFlags=Steps'));
  t.match(c, /^NodeName=n2 NodeHostname=box NodeAddr=127\.0\.0\.1 Port=7005 CPUs=8 .*RealMemory=100$/m, 'one line per node, its own port');
  t.match(c, /^PartitionName=debug Nodes=n1,n2 /m);
  t.ok(lines.every((l) => l === '' || /^\w+=/.test(l)), 'every line is one setting');
});
