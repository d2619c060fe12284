#!/bin/busybox sh
# /init of the OP-TEE guest (scripts/optee/normal-world.sh puts it in the initramfs). It loads Debian's tee and optee
# modules, starts tee-supplicant, and runs rtinfer-agent with the rtinfer TA in the secure world. The agent serves a
# pty of its own; two cats join that pty to the virtio console /dev/hvc0 (raw), which QEMU gives the host as a pty. The
# console (ttyAMA0) then gets a root shell: the host powers the guest off with `poweroff -f` on it.
#
# The host passes the agent's options on the kernel command line (`rtinfer sim start --optee` does):
#   rtinfer.name=ID  rtinfer.max_frame=N  rtinfer.signer=HEX[,HEX...]  rtinfer.require_signed=1
# Lines for the host on the console: the agent's own startup line (RTINFER_AGENT ...), or RTINFER_GUEST_ERROR ...
/bin/busybox --install -s /bin
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run

guest_error() {
  echo "RTINFER_GUEST_ERROR $*"
}

# virtio_blk: a scratch disk the host may attach (/dev/vda), e.g. to take a memory dump out of the guest.
for module in tee optee virtio_mmio virtio_console virtio_blk; do
  insmod "/lib/modules/$module.ko" || guest_error "insmod $module failed"
done

# Options from the kernel command line.
name=optee-qemu
max_frame=16384
signers=""
require_signed=0
for word in $(cat /proc/cmdline); do
  case "$word" in
    rtinfer.name=*) name="${word#rtinfer.name=}" ;;
    rtinfer.max_frame=*) max_frame="${word#rtinfer.max_frame=}" ;;
    rtinfer.signer=*) signers="${word#rtinfer.signer=}" ;;
    rtinfer.require_signed=1) require_signed=1 ;;
  esac
done

# Waits up to $2 tenths of a second for path $1.
wait_for() {
  n=0
  while [ ! -e "$1" ] && [ "$n" -lt "$2" ]; do sleep 0.1; n=$((n + 1)); done
  [ -e "$1" ]
}

start_agent() {
  # The TA's secure storage (its key, the rollback counter) lives in /data/tee, in RAM: a new boot is a new device.
  tee-supplicant -d -f /data/tee || { guest_error "tee-supplicant did not start"; return 1; }
  wait_for /dev/tee0 50 || { guest_error "/dev/tee0 did not appear (is OP-TEE running?)"; return 1; }
  wait_for /dev/hvc0 50 || { guest_error "/dev/hvc0 did not appear (no virtconsole device?)"; return 1; }
  set -- --name "$name" --board optee_qemu_v8 --max-frame "$max_frame" --storage /tmp/rtinfer-slots.flash
  for signer in $(echo "$signers" | tr ',' ' '); do set -- "$@" --signer "$signer"; done
  [ "$require_signed" = 1 ] && set -- "$@" --require-signed
  # Its stderr goes to the console as it comes, and into /run/agent.err, so that a refusal at start (e.g. OP-TEE
  # refusing a TA signed with another key) reaches the host in the RTINFER_GUEST_ERROR line.
  : > /run/agent.err
  tail -f /run/agent.err > /dev/console &
  rtinfer-agent "$@" > /run/agent.out 2>> /run/agent.err &
  agent=$!
  # Opening the TA's session (tee-supplicant loads the TA) takes about half a second under TCG.
  n=0
  while ! grep -q '^RTINFER_AGENT ' /run/agent.out 2>/dev/null; do
    if ! kill -0 "$agent" 2>/dev/null; then
      wait "$agent"
      guest_error "rtinfer-agent exited (status $?) before it was ready: $(tail -n 1 /run/agent.err)"
      return 1
    fi
    [ "$n" -ge 600 ] && { guest_error "rtinfer-agent not ready after 60 s"; return 1; }
    sleep 0.1
    n=$((n + 1))
  done
  line="$(grep -m1 '^RTINFER_AGENT ' /run/agent.out)"
  pty="$(echo "$line" | sed -n 's/^RTINFER_AGENT pty=\([^ ]*\) .*/\1/p')"
  # The hvc driver resets a console's termios when its last user closes it: hold it open (fd 9) while raw.
  exec 9<>/dev/hvc0
  stty raw -echo <&9
  cat <&9 > "$pty" &
  cat "$pty" >&9 &
  echo "$agent" > /run/agent.pid
  echo "$line"
}

start_agent
# A shell on the console, for the host (and a person at -nographic's terminal).
while :; do setsid cttyhack sh 9>&-; done
