// SPDX-License-Identifier: GPL-2.0-or-later
//
// akaros-slurm prolog|epilog: the Slurm node hooks without the CLI. slurmd runs a hook on
// every node of every job, and the time it takes is added to each job's start (prolog) and
// to when its nodes are free again (epilog); loading oclif and every command for that cost
// several times the hook's own work (contrib/slurm/README.md, "Hook cost"). This file
// loads only cmd/lib/slurm.ts and what it needs (the 9P client, the hooks configuration);
// `akaros slurm prolog|epilog` runs the same code with the same options.

import { parseArgs } from 'node:util';
import { CliError } from './lib/connect.js';
import { CPUS_OPTION, HOOK_OPTIONS, runEpilog, runProlog, type HookFlags, type HookOption } from './lib/slurm.js';

const KINDS = ['prolog', 'epilog'] as const;

function help(): string {
  const opts = (extra: Record<string, HookOption>) => Object.entries({ ...HOOK_OPTIONS, ...extra }).map(([k, o]) =>
    `  --${k.padEnd(13)} ${o.summary}${o.default !== undefined ? ` [default: ${o.default}]` : ''}${o.env ? ` [env: ${o.env}]` : ''}`).join('\n');
  return 'usage: akaros-slurm prolog|epilog [options]\n\n' +
    'The Slurm node prolog and epilog (contrib/slurm), as `akaros slurm prolog|epilog`\n' +
    'without the rest of the CLI. Slurm\'s environment names the job.\n\n' +
    `options (--cpus: prolog only):\n${opts({ cpus: CPUS_OPTION })}\n  --help          This text.\n`;
}

function parse(argv: string[]): { kind: (typeof KINDS)[number]; flags: HookFlags } {
  const options = Object.fromEntries([...Object.keys(HOOK_OPTIONS), 'cpus'].map((k) => [k, { type: 'string' as const }]));
  let v: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    v = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean' } }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new CliError(`${(e as Error).message}\n${help()}`, 2);
  }
  if (v.values.help) {
    process.stdout.write(help());
    process.exit(0);
  }
  const kind = v.positionals[0] as (typeof KINDS)[number];
  if (v.positionals.length !== 1 || !KINDS.includes(kind)) throw new CliError(`want prolog or epilog\n${help()}`, 2);
  const val = v.values as Record<string, string | undefined>;
  if (kind === 'epilog' && val.cpus !== undefined) throw new CliError('--cpus: prolog only', 2);
  const t = val['hook-timeout'] ?? String(HOOK_OPTIONS['hook-timeout'].default);
  if (!/^\d+$/.test(t) || Number(t) < 1) throw new CliError(`--hook-timeout "${t}": want a whole number of seconds, at least 1`, 2);
  return {
    kind,
    flags: {
      conf: val.conf ?? process.env.AKAROS_SLURM_CONF ?? String(HOOK_OPTIONS.conf.default),
      job: val.job, 'job-user': val['job-user'], node: val.node, server: val.server, cpus: val.cpus,
      'hook-timeout': Number(t),
    },
  };
}

try {
  const { kind, flags } = parse(process.argv.slice(2));
  const { line } = kind === 'prolog' ? await runProlog(flags, process.env) : await runEpilog(flags, process.env);
  process.stdout.write(`${line}\n`);
  process.exitCode = 0;
} catch (e) {
  process.stderr.write(`akaros-slurm: ${(e as Error).message.replace(/\s+$/, '')}\n`);
  process.exitCode = e instanceof CliError ? e.exit : 1;
}
// Exit now: a prolog that failed to dial must not wait for its scontrol to finish
// (stdout and stderr are files or pipes, written synchronously on Linux).
process.exit();
