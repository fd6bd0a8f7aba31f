#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# hook.sh KIND [ARGS...] -- every Slurm hook of a harness cluster runs this, through a
# wrapper in the cluster's directory that sets PATH, SLURM_CONF, SLURM_HARNESS_DIR and the
# test's own variables. It records what the hook saw in one file under
# $SLURM_HARNESS_DIR/log/hooks/, then runs the test's hook for KIND if one is installed
# ($SLURM_HARNESS_DIR/hooks/KIND.user) and exits with that hook's status.
#
# KIND is prolog, epilog, taskprolog, prologctld or epilogctld. In the node prolog it also
# asks `scontrol show job -d` for the job's CPU ids (unless SLURM_HARNESS_SCONTROL=0) and
# hands this node's to the test's hook as SLURM_HARNESS_CPU_IDS (Slurm's core indexes,
# e.g. 0-3,8). A TaskProlog's stdout is read by slurmstepd, so nothing here prints.

# shellcheck source=hostlist.sh
. "${BASH_SOURCE[0]%/*}/hostlist.sh"

kind=$1
shift
dir=${SLURM_HARNESS_DIR:?}
node=${SLURMD_NODENAME:-ctld}
job=${SLURM_JOB_ID:-0}
rec=$dir/log/hooks/$kind.$job.$node.$$
export SLURM_HARNESS_RECORD=$rec

# ms: milliseconds since the epoch, without forking (hooks run on every job).
now() {
  local us=${EPOCHREALTIME/[.,]/}
  ms=${us:0:${#us}-3}
}

{
  echo "kind=$kind"
  echo "node=$node"
  echo "job=$job"
  now
  echo "at=$ms"
  for v in "${!SLURM@}"; do
    [[ $v == SLURM_HARNESS_* ]] || printf '%s=%s\n' "$v" "${!v}"
  done
} >"$rec" 2>&1

if [ "$kind" = prolog ] && [ "${SLURM_HARNESS_SCONTROL:-1}" = 1 ]; then
  text=$(timeout 10 scontrol show job -d "$job" 2>&1)
  cpus=
  while read -r line; do
    [[ $line =~ Nodes=([^[:space:]]+)[[:space:]]+CPU_IDs=([^[:space:]]+) ]] || continue
    list=${BASH_REMATCH[1]}
    ids=${BASH_REMATCH[2]}
    if hostlist_has "$list" "$node"; then
      cpus=$ids
    fi
  done <<<"$text"
  export SLURM_HARNESS_CPU_IDS=$cpus
  {
    echo "--- job"
    echo "$text"
    echo "--- cpus $cpus"
  } >>"$rec" 2>&1
fi

rc=0
user=$dir/hooks/$kind.user
if [ -x "$user" ]; then
  "$user" "$@"
  rc=$?
fi
now
echo "--- end $ms $rc" >>"$rec" 2>&1
exit "$rc"
