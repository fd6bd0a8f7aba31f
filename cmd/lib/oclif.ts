// SPDX-License-Identifier: GPL-2.0-or-later
//
// How oclif finds the `akaros` commands: the "oclif" section of package.json, read from
// the project root, so bin/run.js and the tests load the CLI identically. main() is the
// whole binary: load the configuration once, put the flags after the command words
// (argv.ts), run.

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Config, execute, settings } from '@oclif/core';
import { normalizeArgv } from './argv.js';
import { CliError } from './connect.js';

/** The project root: dist/cmd/lib/oclif.js -> ../../.. */
export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

// Our commands are compiled ESM under dist/: never let oclif look for ts-node.
settings.enableAutoTranspile = false;

/** oclif load options for the akaros CLI. */
export function loadOptions(): { root: string } {
  return { root: PROJECT_ROOT };
}

/** A loaded oclif Config for the akaros CLI (bin/run.js, tests). */
export async function loadConfig(): Promise<Config> {
  return Config.load(loadOptions());
}

/** The command line as oclif should see it, or the usage error to print (status 2). */
export async function prepareArgv(args: string[]): Promise<{ config: Config; argv?: string[]; error?: CliError }> {
  const config = await loadConfig();
  try {
    return { config, argv: normalizeArgv(args, config) };
  } catch (e) {
    if (e instanceof CliError) return { config, error: e };
    throw e;
  }
}

/** `akaros ARGS...` as a process: bin/run.js calls this. */
export async function main(args: string[]): Promise<unknown> {
  const { config, argv, error } = await prepareArgv(args);
  if (error) {
    process.stderr.write(`akaros: ${error.message}\n`);
    process.exitCode = error.exit;
    return undefined;
  }
  return execute({ args: argv, loadOptions: config });
}
