// SPDX-License-Identifier: GPL-2.0-or-later
//
// The base of every akaros command: --json, the connection flags, one session opened on
// demand and closed at the end, and the error convention — `akaros: MESSAGE` on stderr
// (with --json, {"error": ...} on stderr: stdout carries only results), exit 1 for a
// server error, 2 for a usage error. Commands return their typed result; oclif prints it
// for --json, in the shape of the JSON schema the command names (cmd/schemas/).

import { Command, Errors, Flags, type Interfaces } from '@oclif/core';
import type { Dialect } from '../../lib/9p/fcall.js';
import { CliError, DEFAULT_ADDRESS, DIALECTS, Session, defaultUser, usage } from './connect.js';

export type ConnFlags = { address: string; user: string; dialect: string; auth: string; ca?: string; cert?: string; key?: string };

export abstract class AkarosCommand extends Command {
  static override enableJsonFlag = true;
  /** The file in cmd/schemas/ that describes this command's --json output. */
  static schema: string;

  static override baseFlags = {
    address: Flags.string({
      char: 'a', env: 'AKAROS_ADDRESS', default: DEFAULT_ADDRESS, helpGroup: 'CONNECTION',
      summary: 'The server: tcp!HOST!PORT, HOST:PORT or unix!/PATH.',
    }),
    user: Flags.string({
      char: 'u', env: 'AKAROS_USER', helpGroup: 'CONNECTION', summary: 'User name to attach as (default: $USER).',
    }),
    dialect: Flags.string({
      options: [...DIALECTS], default: '9P2000.L', helpGroup: 'CONNECTION', summary: '9P dialect to speak.',
    }),
    auth: Flags.string({
      options: ['none', 'munge'], env: 'AKAROS_AUTH', default: 'none', helpGroup: 'CONNECTION',
      summary: 'Prove who you are: munge sends a MUNGE credential from munged (servers run with --auth munge).',
    }),
    ca: Flags.string({
      env: 'AKAROS_CA', helpGroup: 'CONNECTION', summary: 'PEM CA the server certificate of a tls!HOST!PORT address must chain to.',
    }),
    cert: Flags.string({ env: 'AKAROS_CERT', helpGroup: 'CONNECTION', summary: 'PEM client certificate for a tls! address (with --key).' }),
    key: Flags.string({ env: 'AKAROS_KEY', helpGroup: 'CONNECTION', summary: 'PEM private key of --cert.' }),
  };

  private session?: Session;

  /** The session for these flags, opened on first use. */
  protected async connect(flags: Interfaces.InferredFlags<typeof AkarosCommand.baseFlags>): Promise<Session> {
    this.session ??= await Session.open({
      address: flags.address, user: flags.user ?? defaultUser(), dialect: flags.dialect as Dialect,
      auth: flags.auth as 'none' | 'munge', ca: flags.ca, cert: flags.cert, key: flags.key,
    });
    return this.session;
  }

  /** Human output only (nothing with --json). */
  protected out(text: string): void {
    if (!this.jsonEnabled()) process.stdout.write(text.endsWith('\n') || text === '' ? text : `${text}\n`);
  }

  /** True when colour and screen control are wanted. */
  protected get tty(): boolean {
    return Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
  }

  protected override async catch(err: Error & { exitCode?: number }): Promise<unknown> {
    if (err instanceof Errors.ExitError) throw err;
    let exit = 1;
    let message = err.message;
    let errno: string | undefined;
    if (err instanceof CliError) {
      exit = err.exit;
      errno = err.ename;
    } else if (err instanceof Errors.CLIError) {
      // oclif's own errors (parsing, missing arguments, this.error): usage unless told.
      exit = err.oclif?.exit ?? 2;
      message = message.replace(/^Error: /, '');
    } else if (!this.parsed) {
      exit = 2; // the command line did not parse (a bad number for an integer argument...)
    }
    message = message.replace(/\s+$/, '');
    if (this.jsonEnabled()) {
      process.stderr.write(`${JSON.stringify({ error: { message, exit, ...(errno ? { errno } : {}) } })}\n`);
    } else {
      process.stderr.write(`akaros: ${message}\n`);
    }
    throw new Errors.ExitError(exit);
  }

  protected override async finally(err: Error | undefined): Promise<unknown> {
    this.session?.close();
    this.session = undefined;
    return super.finally(err);
  }
}
