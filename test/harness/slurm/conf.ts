// SPDX-License-Identifier: GPL-2.0-or-later
//
// slurm.conf for one controller and N slurmd in multiple-slurmd mode on loopback, every
// path inside the cluster's directory and every port chosen at run time.

export interface ConfParams {
  clusterName: string;
  /** The short hostname: slurmctld only runs where SlurmctldHost names this machine. */
  host: string;
  dir: string;
  mungeSocket: string;
  /** AuthInfo cred_expire, seconds (Slurm's default 120 when undefined): also how long a
   *  requeued job waits before it may start again. */
  credExpireS?: number;
  ctldPort: number;
  nodes: { name: string; port: number }[];
  cpusPerNode: number;
  realMemoryMb: number;
  /** Hook kind → wrapper path; a kind left out is not configured. */
  hooks: Partial<Record<'prolog' | 'epilog' | 'taskprolog' | 'prologctld' | 'epilogctld', string>>;
  prologEpilogTimeoutS: number;
  /** Appended verbatim, one setting per line (Slurm refuses several on one line). */
  extra: string[];
}

const HOOK_KEYS = {
  prolog: 'Prolog',
  epilog: 'Epilog',
  taskprolog: 'TaskProlog',
  prologctld: 'PrologSlurmctld',
  epilogctld: 'EpilogSlurmctld',
} as const;

export function slurmConf(p: ConfParams): string {
  const d = p.dir;
  const lines = [
    `ClusterName=${p.clusterName}`,
    `SlurmctldHost=${p.host}(127.0.0.1)`,
    `SlurmctldPort=${p.ctldPort}`,
    'SlurmUser=root',
    'AuthType=auth/munge',
    'CredType=cred/munge',
    `AuthInfo=socket=${p.mungeSocket}${p.credExpireS === undefined ? '' : `,cred_expire=${p.credExpireS}`}`,
    `StateSaveLocation=${d}/state/ctld`,
    `SlurmdSpoolDir=${d}/state/slurmd-%n`,
    `SlurmctldPidFile=${d}/run/slurmctld.pid`,
    `SlurmdPidFile=${d}/run/slurmd-%n.pid`,
    `SlurmctldLogFile=${d}/log/slurmctld.log`,
    `SlurmdLogFile=${d}/log/slurmd-%n.log`,
    'ProctrackType=proctrack/linuxproc',
    'TaskPlugin=task/none',
    'SelectType=select/cons_tres',
    'SelectTypeParameters=CR_Core',
    // Without this a batch job waits up to 3 s for the scheduler.
    'SchedulerParameters=batch_sched_delay=0',
    'MailProg=/bin/true',
    'ReturnToService=2',
    // Lets every fake node claim cpusPerNode CPUs whatever the machine has.
    'SlurmdParameters=config_overrides',
    // The prolog runs at allocation, not at the first step.
    'PrologFlags=Alloc',
    `PrologEpilogTimeout=${p.prologEpilogTimeoutS}`,
    'KillWait=5',
  ];
  for (const [k, key] of Object.entries(HOOK_KEYS)) {
    const path = p.hooks[k as keyof typeof HOOK_KEYS];
    if (path) lines.push(`${key}=${path}`);
  }
  lines.push(...p.extra);
  for (const n of p.nodes) {
    lines.push(`NodeName=${n.name} NodeHostname=${p.host} NodeAddr=127.0.0.1 Port=${n.port} CPUs=${p.cpusPerNode} ` +
      `Sockets=1 CoresPerSocket=${p.cpusPerNode} ThreadsPerCore=1 RealMemory=${p.realMemoryMb}`);
  }
  lines.push(`PartitionName=debug Nodes=${p.nodes.map((n) => n.name).join(',')} Default=YES MaxTime=INFINITE State=UP`);
  return lines.join('\n') + '\n';
}
