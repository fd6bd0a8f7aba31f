#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Slurm TaskProlog (slurm.conf: TaskProlog=/etc/akaros/slurm/task-prolog.sh), run by
# slurmstepd as the job's user before each task: slurmstepd reads its stdout, and every
# `export NAME=value` line is set in the task's environment. The node prolog left
# AKAROS_MCP (the job's MCP on this node) and AKAROS_ADDRESS (this node's akaros server)
# in SPOOL/JOBID.NODE; SPOOL is the `spool` line of the hooks configuration.
conf=${AKAROS_SLURM_CONF:-/etc/akaros/slurm.conf}
spool=$(awk '$1 == "spool" { print $2 }' "$conf" 2>/dev/null)
view=${spool:-/run/akaros/slurm}/$SLURM_JOB_ID.$SLURMD_NODENAME
[ -r "$view" ] || exit 0
while IFS= read -r line; do
  case $line in
  AKAROS_*=*) echo "export $line" ;;
  esac
done <"$view"
