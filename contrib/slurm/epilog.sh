#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Slurm Epilog (slurm.conf: Epilog=/etc/akaros/slurm/epilog.sh), run by slurmd as root on
# each node of a job when it ends: the MCP slurm-$SLURM_JOB_ID is killed and reaped, and
# its cores must be free again. No such MCP is success; a non-zero exit drains the node.
# AKAROS_SLURM names the hook command (akaros-slurm, installed with akaros; it runs what
# `akaros slurm epilog` runs, without the CLI); AKAROS_SLURM_CONF the hooks
# configuration (default /etc/akaros/slurm.conf).
PATH=${AKAROS_PATH:-/usr/local/bin:/usr/bin:/bin}:$PATH
export PATH
exec ${AKAROS_SLURM:-akaros-slurm} epilog
