#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Slurm Prolog (slurm.conf: Prolog=/etc/akaros/slurm/prolog.sh), run by slurmd as root on
# each node of a job at allocation (PrologFlags=Alloc): the job's cores on this node become
# the MCP slurm-$SLURM_JOB_ID on the node's akaros server. A non-zero exit drains the node
# and requeues the job. AKAROS_SLURM names the hook command (akaros-slurm, installed with
# akaros; it runs what `akaros slurm prolog` runs, without the CLI); AKAROS_SLURM_CONF the
# hooks configuration (default /etc/akaros/slurm.conf).
PATH=${AKAROS_PATH:-/usr/local/bin:/usr/bin:/bin}:$PATH
export PATH
exec ${AKAROS_SLURM:-akaros-slurm} prolog
