#!/usr/bin/env -S node --min-semi-space-size=16
// SPDX-License-Identifier: GPL-2.0-or-later
//
// The `akaros` command. Commands are compiled into dist/cmd/commands; oclif's
// configuration is the "oclif" section of package.json. In a source tree, a dist/ that is
// missing or older than the sources is rebuilt first (tsc, output on stderr), so `npm
// start` and an `npm link`ed akaros always run the code on disk; AKAROS_NO_BUILD=1 skips
// the check. The first line fixes V8's young generation at 16 MiB, for the server
// (bench/lib/servers.ts SERVE_NODE_FLAGS says why); `npm start` passes the same flag.

import { ensureBuilt } from './build.js';

await ensureBuilt();
const { main } = await import('../dist/cmd/lib/oclif.js');
await main(process.argv.slice(2));
