#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# hostlist_has LIST NAME -- true if NAME is in the Slurm hostlist LIST (`n[1-3,7],m5`,
# `a[08-10]b`), without forking: a prolog would otherwise pay for a `scontrol show
# hostnames` per job. Sourced by hook.sh; the unit tests check it against the TypeScript
# reader. A range whose first number has a leading zero names zero-padded hosts only.
# Status 2 for a list it cannot read.

hostlist_has() {
  local list=$1 name=$2 pre ranges post r a b num
  while [ -n "$list" ]; do
    [[ $list =~ ^([^],[]*)(\[([^]]*)\])?([^],[]*)(,|$) ]] || return 2
    pre=${BASH_REMATCH[1]}
    ranges=${BASH_REMATCH[3]}
    post=${BASH_REMATCH[4]}
    local bracket=${BASH_REMATCH[2]}
    list=${list:${#BASH_REMATCH[0]}}
    [ -n "$pre$bracket$post" ] || return 2
    if [ -z "$bracket" ]; then
      [ "$pre" = "$name" ] && return 0
      continue
    fi
    [[ $name == "$pre"*"$post" ]] || continue
    num=${name#"$pre"}
    num=${num%"$post"}
    [[ $num =~ ^[0-9]+$ ]] || continue
    for r in ${ranges//,/ }; do
      [[ $r =~ ^([0-9]+)(-([0-9]+))?$ ]] || return 2
      a=${BASH_REMATCH[1]}
      b=${BASH_REMATCH[3]:-$a}
      if [[ $a == 0?* ]]; then
        [ ${#num} -eq ${#a} ] || continue
      else
        [[ $num == 0?* ]] && continue
      fi
      if ((10#$num >= 10#$a && 10#$num <= 10#$b)); then return 0; fi
    done
  done
  return 1
}
