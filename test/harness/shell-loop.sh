#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The shell user's round trip, run inside the v9fs guest (busybox sh) by bench/v9fs-shell:
# `echo N > ctl; cat status` through two Linux v9fs mounts, one per server, in
# alternating rounds (round 0 is a warm-up). Prints one line per round and mount:
#   ROUND r NAME centiseconds iterations
# Time comes from /proc/uptime (read by the shell, no fork): 10 ms resolution, so a
# round must run well over a second for the ratio to mean anything.
#
# Set before this file (the bench prepends them):
#   ITER ROUNDS       iterations per round, measured rounds
#   A_NAME A_MOUNT    the first contender's name, and the commands that mount it and set
#                     A_CTL and A_STATUS to the two files (e.g. after `cat mcp/clone`)
#   B_NAME B_MOUNT    the same for the second

set -u
eval "$A_MOUNT" || { echo "MOUNT-FAILED $A_NAME"; exit 1; }
eval "$B_MOUNT" || { echo "MOUNT-FAILED $B_NAME"; exit 1; }

# Centiseconds since boot into T (no subshell: a fork costs milliseconds under TCG).
now() { read -r up _ < /proc/uptime; cs=${up#*.}; T=$(( ${up%.*} * 100 + ${cs#0} )); }

loop() {
  ctl=$1 st=$2 i=0
  while [ "$i" -lt "$ITER" ]; do
    echo $((i % 4 + 1)) > "$ctl" || { echo "WRITE-FAILED $ctl"; return 1; }
    cat "$st" > /dev/null || { echo "READ-FAILED $st"; return 1; }
    i=$((i + 1))
  done
}

one() {
  now; t0=$T
  loop "$2" "$3" || exit 1
  now
  echo "ROUND $r $1 $((T - t0)) $ITER"
}

r=0
while [ "$r" -le "$ROUNDS" ]; do
  if [ $((r % 2)) -eq 0 ]; then
    one "$A_NAME" "$A_CTL" "$A_STATUS"; one "$B_NAME" "$B_CTL" "$B_STATUS"
  else
    one "$B_NAME" "$B_CTL" "$B_STATUS"; one "$A_NAME" "$A_CTL" "$A_STATUS"
  fi
  r=$((r + 1))
done
echo "LOOP-DONE"
