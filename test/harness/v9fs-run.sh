#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The project's own copy of the team's v9fs harness (see docs in ../shared/tools/v9fs-run.md):
# tests call it with V9FS_NOMOUNT=1 and mount each dialect themselves, so one guest boot
# checks 9p2000.L, 9p2000.u and 9p2000 together.
# v9fs-run.sh -- run a shell script inside a tiny QEMU guest whose Linux v9fs
# client has mounted a 9P server that listens on the HOST at 127.0.0.1:PORT.
#
# Usage: v9fs-run.sh PORT SCRIPT [EXTRA_MOUNT_OPTS]
#
#   PORT              TCP port of the 9P server on the host (127.0.0.1:PORT).
#                     Inside the guest the host is 10.0.2.2 (QEMU user net).
#   SCRIPT            a shell script (busybox sh) run inside the guest, with
#                     cwd=/mnt (the 9P mount).  Its stdout+stderr are printed
#                     here; its exit status becomes this script's exit status.
#   EXTRA_MOUNT_OPTS  appended to the default options (later options win):
#                       trans=tcp,port=PORT,version=9p2000.L,cache=none
#                     e.g. "aname=/tmp/x"  or  "version=9p2000.u,aname=/tmp/x"
#                     or "version=9p2000,msize=8192".
#
# Environment knobs:
#   V9FS_CACHE=/tmp/v9fs-cache  where kernel + initramfs are built/cached
#   V9FS_KPKG=linux-image-X     kernel package (default: what linux-image-amd64
#                               depends on in the configured Debian release)
#   V9FS_TIMEOUT=120            seconds before QEMU is killed (exit 124)
#   V9FS_ACCEL="kvm tcg"        accelerators to try, in order (default: kvm
#                               then tcg; tcg only on kvm_pvm hosts)
#   V9FS_KVM_PROBE=20           seconds a KVM guest gets to reach userspace
#   V9FS_KVM_CPU=host           -cpu for kvm (tcg always uses -cpu max)
#   V9FS_MEM=256M               guest memory
#   V9FS_APPEND="..."           extra guest kernel command line
#   V9FS_NOMOUNT=1              do not mount; the script mounts itself.  The
#                               guest env has V9FS_HOST (10.0.2.2), V9FS_OPTS
#                               (full -o string) and V9FS_MNT (/mnt).
#   V9FS_NOUMOUNT=1             skip "umount /mnt" after the script
#   V9FS_DMESG=1                print the guest's dmesg after the script
#   V9FS_VERBOSE=1              print the whole serial console log to stderr
#   V9FS_LOG=FILE               keep the whole serial console log in FILE
#
# Exit status: the guest script's status; 100 if the mount failed;
# 124 on timeout; 125 if the guest never reported a status (boot failure).
# Harness diagnostics go to stderr, prefixed "v9fs-run:".
#
# Everything comes from Debian packages (qemu-system-x86, busybox-static,
# kmod, cpio and a linux-image-*-amd64 .deb unpacked with dpkg -x, never
# installed); missing host packages are installed with apt-get.
set -euo pipefail

usage() { sed -n '2,40p' "$0" >&2; exit 2; }
[ $# -ge 2 ] || usage
PORT=$1 SCRIPT=$2 EXTRA=${3:-}
case $PORT in ''|*[!0-9]*) echo "v9fs-run: bad PORT '$PORT'" >&2; exit 2;; esac
[ -r "$SCRIPT" ] || { echo "v9fs-run: cannot read script '$SCRIPT'" >&2; exit 2; }

CACHE=${V9FS_CACHE:-/tmp/v9fs-cache}
TIMEOUT=${V9FS_TIMEOUT:-120}
ACCELS=${V9FS_ACCEL:-kvm tcg}
MEM=${V9FS_MEM:-256M}
T0=$(date +%s.%N)

log() { echo "v9fs-run: $*" >&2; }

# ---------------------------------------------------------------- host deps
need_pkgs=()
command -v qemu-system-x86_64 >/dev/null || need_pkgs+=(qemu-system-x86)
dpkg -s busybox-static >/dev/null 2>&1 || need_pkgs+=(busybox-static)
command -v depmod >/dev/null || [ -x /sbin/depmod ] || need_pkgs+=(kmod)
command -v cpio >/dev/null || need_pkgs+=(cpio)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  log "installing ${need_pkgs[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends "${need_pkgs[@]}" >&2 ||
    { apt-get update >&2 && apt-get install -y --no-install-recommends "${need_pkgs[@]}" >&2; }
fi
DEPMOD=$(command -v depmod || echo /sbin/depmod)

# ---------------------------------------------------------------- guest init
INIT=$(cat <<'EOF_INIT'
#!/bin/busybox sh
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/tmp TERM=dumb
/bin/busybox mkdir -p /proc /sys /dev /tmp /mnt /usr/bin /usr/sbin /sbin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /tmp
exec </dev/console >/dev/console 2>&1
echo 1 >/proc/sys/kernel/printk
fail() { echo "V9FS-ERROR $*"; echo "V9FS-EXIT ${2:-125}"; sync; poweroff -f; }
for m in $(cat /modules.list); do
  insmod /lib/modules/$m.ko || echo "V9FS-WARN insmod $m failed"
done
i=0; while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 100 ]; do usleep 50000; i=$((i+1)); done
ip link set lo up
ip link set eth0 up || fail "no eth0"
ip addr add 10.0.2.15/24 dev eth0
ip route add default via 10.0.2.2
F=/sys/firmware/qemu_fw_cfg/by_name/opt
[ -r $F/v9fs.script/raw ] || fail "no fw_cfg script (qemu_fw_cfg missing?)"
cat $F/v9fs.script/raw >/tmp/script.sh
V9FS_OPTS=$(cat $F/v9fs.opts/raw)
V9FS_FLAGS=$(cat $F/v9fs.flags/raw 2>/dev/null)
export V9FS_HOST=10.0.2.2 V9FS_OPTS V9FS_MNT=/mnt
echo "V9FS-UPTIME $(cut -d' ' -f1 /proc/uptime)"
echo "V9FS-MOUNT mount -t 9p -o $V9FS_OPTS $V9FS_HOST /mnt"
case " $V9FS_FLAGS " in *" nomount "*) ;; *)
  if ! mount -t 9p -o "$V9FS_OPTS" "$V9FS_HOST" /mnt >/tmp/mount.err 2>&1; then
    echo "V9FS-ERROR mount failed:"; sed 's/^/V9FS-ERROR   /' /tmp/mount.err
    dmesg | tail -n 15 | sed 's/^/V9FS-ERROR   dmesg: /'
    echo "V9FS-EXIT 100"; sync; poweroff -f
  fi ;;
esac
echo "V9FS-BEGIN"
( cd /mnt && exec sh /tmp/script.sh ) </dev/null 2>&1
rc=$?
echo "V9FS-END"
cd /
case " $V9FS_FLAGS " in *" nomount "*|*" noumount "*) ;; *)
  umount /mnt; echo "V9FS-UMOUNT $?" ;;
esac
case " $V9FS_FLAGS " in *" dmesg "*) echo "V9FS-DMESG"; dmesg ;; esac
echo "V9FS-EXIT $rc"
sync
poweroff -f
EOF_INIT
)
MODULES="virtio_pci virtio_net qemu_fw_cfg 9pnet 9pnet_fd 9p"

# ---------------------------------------------------------------- build/cache
mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9
if [ -z "${V9FS_KPKG:-}" ]; then
  if [ -s "$CACHE/kpkg" ]; then V9FS_KPKG=$(cat "$CACHE/kpkg"); else
    V9FS_KPKG=$(apt-cache depends linux-image-amd64 2>/dev/null |
                awk '/Depends: linux-image-[0-9]/{print $2; exit}')
    if [ -z "$V9FS_KPKG" ]; then
      apt-get update >&2
      V9FS_KPKG=$(apt-cache depends linux-image-amd64 |
                  awk '/Depends: linux-image-[0-9]/{print $2; exit}')
    fi
    [ -n "$V9FS_KPKG" ] || { log "cannot determine kernel package"; exit 2; }
    echo "$V9FS_KPKG" >"$CACHE/kpkg"
  fi
fi
KDIR=$CACHE/$V9FS_KPKG
if [ ! -s "$KDIR/vmlinuz" ]; then
  log "downloading $V9FS_KPKG (apt-get download) into $KDIR"
  rm -rf "$KDIR.tmp"; mkdir -p "$KDIR.tmp"
  ( cd "$KDIR.tmp" && apt-get download "$V9FS_KPKG" >&2 2>/dev/null ||
      { apt-get update >&2 && apt-get download "$V9FS_KPKG" >&2; } )
  dpkg -x "$KDIR.tmp"/*.deb "$KDIR.tmp/root" && rm -f "$KDIR.tmp"/*.deb
  KVER=$(ls "$KDIR.tmp/root/lib/modules" | head -n1)
  "$DEPMOD" -b "$KDIR.tmp/root" "$KVER"
  cp "$KDIR.tmp/root/boot/vmlinuz-$KVER" "$KDIR.tmp/vmlinuz"
  echo "$KVER" >"$KDIR.tmp/kver"
  rm -rf "$KDIR"; mv "$KDIR.tmp" "$KDIR"
fi
KVER=$(cat "$KDIR/kver")
KEY=$( { echo "$V9FS_KPKG $KVER $MODULES"; echo "$INIT"; sha256sum /bin/busybox; } |
       sha256sum | cut -c1-16)
INITRD=$CACHE/initramfs-$KEY.cpio.gz
if [ ! -s "$INITRD" ]; then
  log "building $INITRD"
  B=$CACHE/build.$$; rm -rf "$B"; mkdir -p "$B/bin" "$B/lib/modules" "$B/dev" "$B/proc" "$B/sys" "$B/tmp" "$B/mnt"
  cp /bin/busybox "$B/bin/busybox"
  printf '%s\n' "$INIT" >"$B/init"; chmod 755 "$B/init"
  MODDIR=$KDIR/root/lib/modules/$KVER
  order=()
  add() { local x; for x in "${order[@]:-}"; do [ "$x" = "$1" ] && return 0; done; order+=("$1"); }
  for m in $MODULES; do
    line=$(grep -E "(^|/)${m}\.ko(\.[a-z]+)?:" "$MODDIR/modules.dep" || true)
    if [ -z "$line" ]; then
      if grep -qE "(^|/)${m}\.ko\$" "$MODDIR/modules.builtin"; then continue; fi
      log "module $m neither in modules.dep nor builtin"; exit 2
    fi
    deps=(${line#*:})
    for ((i=${#deps[@]}-1; i>=0; i--)); do add "${deps[$i]}"; done
    add "${line%%:*}"
  done
  : >"$B/modules.list"
  for p in "${order[@]}"; do
    n=$(basename "$p"); n=${n%%.ko*}
    case $p in
      *.ko) cp "$MODDIR/$p" "$B/lib/modules/$n.ko";;
      *.ko.xz) xz -dc "$MODDIR/$p" >"$B/lib/modules/$n.ko";;
      *.ko.zst) zstd -qdc "$MODDIR/$p" >"$B/lib/modules/$n.ko";;
      *.ko.gz) gzip -dc "$MODDIR/$p" >"$B/lib/modules/$n.ko";;
    esac
    echo "$n" >>"$B/modules.list"
  done
  ( cd "$B" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 ) | gzip -9n >"$INITRD.tmp"
  mv "$INITRD.tmp" "$INITRD"; rm -rf "$B"
  find "$CACHE" -maxdepth 1 -name 'initramfs-*.cpio.gz' ! -name "initramfs-$KEY.cpio.gz" -delete
fi
flock -u 9

# ---------------------------------------------------------------- run
RUN=$(mktemp -d /tmp/v9fs-run.XXXXXX)
cleanup() {
  if [ -s "$RUN/tpid" ]; then kill "$(cat "$RUN/tpid")" 2>/dev/null || true; fi
  rm -rf "$RUN"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cp "$SCRIPT" "$RUN/script.sh"
printf '%s' "trans=tcp,port=$PORT,version=9p2000.L,cache=none${EXTRA:+,$EXTRA}" >"$RUN/opts"
flags=""
[ -n "${V9FS_NOMOUNT:-}" ] && flags+=" nomount"
[ -n "${V9FS_NOUMOUNT:-}" ] && flags+=" noumount"
[ -n "${V9FS_DMESG:-}" ] && flags+=" dmesg"
printf '%s' "$flags" >"$RUN/flags"
set +e
# KVM is only used if /dev/kvm is usable, the host is not a PVM host
# (kvm_pvm, e.g. Firecracker-style sandboxes: it can only run PVM-enabled guest
# kernels, a stock Debian kernel hangs right after decompression), and no
# earlier run recorded it as broken in $CACHE/kvm-broken.
if [ -z "${V9FS_ACCEL:-}" ]; then
  if [ ! -w /dev/kvm ]; then ACCELS=tcg
  elif [ -d /sys/module/kvm_pvm ]; then ACCELS=tcg; log "kvm is kvm_pvm (needs PVM guest kernel): using tcg"
  elif [ -s "$CACHE/kvm-broken" ]; then ACCELS=tcg; log "using tcg: $(cat "$CACHE/kvm-broken")"
  fi
fi
KVM_PROBE=${V9FS_KVM_PROBE:-20}
qrc=125 accel=none
for accel in $ACCELS; do
  case $accel in kvm) cpu=${V9FS_KVM_CPU:-host};; *) cpu=max;; esac
  : >"$RUN/console"; rm -f "$RUN/tpid"
  ( timeout -k 5 "$TIMEOUT" qemu-system-x86_64 \
    -accel "$accel" -M pc -cpu "$cpu" -m "$MEM" -smp 1 \
    -nodefaults -no-user-config -display none -monitor none -no-reboot \
    -serial "file:$RUN/console" \
    -kernel "$KDIR/vmlinuz" -initrd "$INITRD" \
    -append "console=ttyS0 loglevel=1 quiet panic=-1 rdinit=/init ${V9FS_APPEND:-}" \
    -netdev user,id=n0 -device virtio-net-pci,netdev=n0,romfile= \
    -fw_cfg "name=opt/v9fs.script,file=$RUN/script.sh" \
    -fw_cfg "name=opt/v9fs.opts,file=$RUN/opts" \
    -fw_cfg "name=opt/v9fs.flags,file=$RUN/flags" \
    </dev/null >"$RUN/qemu.log" 2>&1 & echo $! >"$RUN/tpid"; wait $!; exit $? ) 2>/dev/null &
  qpid=$!
  if [ "$accel" = kvm ]; then
    # watchdog: the guest must reach userspace within KVM_PROBE seconds
    n=0
    while kill -0 $qpid 2>/dev/null && ! grep -q '^V9FS-' "$RUN/console" &&
          [ $n -lt $((KVM_PROBE * 10)) ]; do sleep 0.1; n=$((n + 1)); done
    if kill -0 $qpid 2>/dev/null && ! grep -q '^V9FS-' "$RUN/console"; then
      kill "$(cat "$RUN/tpid")" 2>/dev/null; wait $qpid 2>/dev/null
      msg="kvm guest did not reach userspace within ${KVM_PROBE}s"
      log "$msg; falling back"; echo "$msg ($(date))" >"$CACHE/kvm-broken"
      continue
    fi
  fi
  wait $qpid 2>/dev/null; qrc=$?
  # fall back to the next accelerator only if QEMU died before the guest ran
  if [ $qrc -ne 0 ] && [ $qrc -ne 124 ] && [ $qrc -ne 137 ] && ! grep -q '^V9FS-' "$RUN/console"; then
    log "accel $accel failed (qemu rc=$qrc): $(head -c 300 "$RUN/qemu.log" | tr '\n' ' ')"
    [ "$accel" = kvm ] && echo "qemu -accel kvm failed: $(head -c 200 "$RUN/qemu.log" | tr '\n' ' ')" >"$CACHE/kvm-broken"
    continue
  fi
  break
done
set -e
T1=$(date +%s.%N)
tr -d '\r' <"$RUN/console" >"$RUN/console.txt" 2>/dev/null || : >"$RUN/console.txt"
[ -n "${V9FS_LOG:-}" ] && cp "$RUN/console.txt" "$V9FS_LOG"
if [ -n "${V9FS_VERBOSE:-}" ]; then
  echo "----- serial console -----" >&2; cat "$RUN/console.txt" >&2
  echo "----- qemu -----" >&2; cat "$RUN/qemu.log" >&2
fi
# script output: the lines between V9FS-BEGIN and V9FS-END
awk '/^V9FS-END$/{p=0} p{print} /^V9FS-BEGIN$/{p=1}' "$RUN/console.txt"
grep -E '^V9FS-(ERROR|WARN|UMOUNT|UPTIME)' "$RUN/console.txt" | sed 's/^/v9fs-run: /' >&2 || true
if [ -n "${V9FS_DMESG:-}" ]; then
  sed -n '/^V9FS-DMESG$/,/^V9FS-EXIT /p' "$RUN/console.txt" | sed '1d;$d' >&2
fi
rc=$(sed -n 's/^V9FS-EXIT \([0-9][0-9]*\)$/\1/p' "$RUN/console.txt" | tail -n1)
log "total $(awk "BEGIN{printf \"%.2f\", $T1-$T0}")s (accel $accel, qemu rc=$qrc, kernel $KVER)"
if [ -z "$rc" ]; then
  if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then log "TIMEOUT after ${TIMEOUT}s"; rc=124; else rc=125; fi
  log "guest did not report an exit status; console tail:"
  tail -n 40 "$RUN/console.txt" >&2; cat "$RUN/qemu.log" >&2
fi
exit "$rc"
