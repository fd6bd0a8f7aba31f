// SPDX-License-Identifier: GPL-2.0-or-later
//
// How oclif finds the `akaros` commands: the "oclif" section of package.json, read from
// the project root, so bin/run.js and the tests load the CLI identically.

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Config, settings } from '@oclif/core';

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
