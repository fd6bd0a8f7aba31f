// SPDX-License-Identifier: GPL-2.0-or-later
import { spawn } from 'node:child_process';
import { Args, Flags } from '@oclif/core';
import { AkarosCommand } from '../lib/base.js';
import { CliError, parseAddress } from '../lib/connect.js';

export interface MountResult {
  /** argv of the mount command. */
  argv: string[];
  /** The same as one shell line. */
  command: string;
  ran: boolean;
  status?: number;
}

const VERSION: Record<string, string> = { '9P2000': '9p2000', '9P2000.u': '9p2000.u', '9P2000.L': '9p2000.L' };
const quote = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** The mount command for a server address: Linux v9fs (default) or plan9port's 9pfuse. */
export function mountArgv(address: string, mountpoint: string, o: { fuse?: boolean; dialect?: string; user?: string }): string[] {
  const d = parseAddress(address);
  const host = d.host === '*' ? '127.0.0.1' : d.host;
  if (o.fuse) return ['9pfuse', d.net === 'unix' ? `unix!${d.host}` : `tcp!${host}!${d.port}`, mountpoint];
  const opts = d.net === 'unix' ? ['trans=unix'] : ['trans=tcp', `port=${d.port}`];
  opts.push(`version=${VERSION[o.dialect ?? '9P2000.L'] ?? '9p2000.L'}`, 'cache=none');
  if (o.user) opts.push(`uname=${o.user}`);
  return ['mount', '-t', '9p', '-o', opts.join(','), d.net === 'unix' ? d.host : host, mountpoint];
}

export default class Mount extends AkarosCommand {
  static override summary = 'Mount the server\'s tree with Linux v9fs or 9pfuse (prints the command, then runs it).';
  static override description = `Builds the mount command for --address: "mount -t 9p -o trans=tcp,port=P, version=9p2000.L,cache=none[,uname=U] HOST MOUNTPOINT" (trans=unix for a unix!/path address) or, with --9pfuse, "9pfuse 'tcp!HOST!PORT' MOUNTPOINT". cache=none because every file is synthetic. Prints it, and unless --dry-run runs it (v9fs needs root).`;
  static override schema = 'mount.json';
  static override examples = [
    { description: 'Linux v9fs', command: '<%= config.bin %> <%= command.id %> /mnt/akaros' },
    { description: 'Only print the 9pfuse command', command: '<%= config.bin %> <%= command.id %> /mnt/akaros --9pfuse --dry-run' },
  ];
  static override args = { mountpoint: Args.string({ description: 'directory to mount on', required: true }) };
  static override flags = {
    v9fs: Flags.boolean({ summary: 'Use Linux v9fs (mount -t 9p; the default).', exclusive: ['9pfuse'] }),
    '9pfuse': Flags.boolean({ summary: 'Use plan9port\'s 9pfuse.', exclusive: ['v9fs'] }),
    'dry-run': Flags.boolean({ char: 'n', summary: 'Print the command, do not run it.' }),
  };

  async run(): Promise<MountResult> {
    const { args, flags } = await this.parse(Mount);
    const argv = mountArgv(flags.address, args.mountpoint, { fuse: flags['9pfuse'], dialect: flags.dialect, user: flags.user });
    const command = argv.map(quote).join(' ');
    this.out(command);
    if (flags['dry-run']) return { argv, command, ran: false };
    const status = await new Promise<number>((resolve, reject) => {
      const p = spawn(argv[0], argv.slice(1), { stdio: 'inherit' });
      p.on('error', (e) => reject(new CliError(`${argv[0]}: ${e.message}`, 1)));
      p.on('exit', (code) => resolve(code ?? 1));
    });
    if (status !== 0) throw new CliError(`${argv[0]} exited with status ${status}`, 1);
    return { argv, command, ran: true, status };
  }
}
