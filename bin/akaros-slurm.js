#!/usr/bin/env node
// SPDX-License-Identifier: GPL-2.0-or-later
//
// `akaros-slurm prolog|epilog`: what contrib/slurm's hook scripts run (dist/cmd/slurm-hook.js).
// Unlike bin/run.js it never rebuilds dist/ (a hook runs on every job; build with `npm run
// build` or any `akaros` command after changing the sources).

await import('../dist/cmd/slurm-hook.js');
