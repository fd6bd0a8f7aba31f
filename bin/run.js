#!/usr/bin/env node
// SPDX-License-Identifier: GPL-2.0-or-later
//
// The `akaros` command. Commands are compiled into dist/cmd/commands (npx tsc -p .);
// oclif's configuration is the "oclif" section of package.json.

import { execute } from '@oclif/core';
import { loadOptions } from '../dist/cmd/lib/oclif.js';

await execute({ loadOptions: loadOptions() });
