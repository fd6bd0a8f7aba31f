// SPDX-License-Identifier: GPL-2.0-or-later
//
// oclif's command_not_found hook: `akaros: no command "x"` and exit 2, in the same
// voice as every other akaros error.

import { Errors, type Hook } from '@oclif/core';

const hook: Hook<'command_not_found'> = async function (opts) {
  const words = opts.id.split(':').join(' ');
  process.stderr.write(`akaros: no command "${words}" (see ${opts.config.bin} --help)\n`);
  throw new Errors.ExitError(2);
};

export default hook;
