#!/usr/bin/env bash
# testbench/tests/interactive/shell_tmux.sh APSIM WORKDIR — `apsim shell` in a real terminal:
# tmux runs it, send-keys types, capture-pane reads the screen.  Every wait polls the screen
# for the expected text with a timeout (no fixed sleeps decide anything), so a slow machine
# makes the test slower, not flaky.  Checks: the prompt, line editing (cursor keys), history
# (Up), Ctrl-C stopping a running `sleep 100` (status 130), `ssh NAME` into a guest's shell,
# Ctrl-C there, Ctrl-D back, `exit`, and that the --record file replays with `apsim run
# --echo`.  Then, in a second session: Ctrl-C of a write blocked in the kernel (6.1's mdev
# remove while a guest holds it) logs vfio's warning and leaves the task waiting, until the
# hung-task timeout (set to 3 s) ends the command.
set -u
apsim=$1
work=$2
if ! command -v tmux >/dev/null; then
  echo "FAIL: tmux is not installed (tools/bootstrap.sh installs it: apt-get install tmux)"
  exit 1
fi
mkdir -p "$work"
rec=$work/session.sh
status=$work/status
rm -f "$rec" "$status"
sock=apsim-test-$$
sock1=$sock
t() { tmux -L "$sock" "$@"; }
cleanup() { t kill-server 2>/dev/null; tmux -L "$sock1" kill-server 2>/dev/null; }
trap cleanup EXIT
t -f /dev/null new-session -d -s s -x 160 -y 50 \
  "'$apsim' shell --record '$rec'; echo \$? > '$status'; sleep 30"
started=$(date +%s.%N)

screen() { t capture-pane -p -t s -S -200; }
# wait_for TEXT [SECONDS]: poll the screen until it holds TEXT (fixed string).
wait_for() {
  local deadline=$(( $(date +%s) + ${2:-60} ))
  while (( $(date +%s) <= deadline )); do
    screen | grep -qF -- "$1" && return 0
    sleep 0.1
  done
  echo "FAIL: timed out waiting for: $1"
  echo "---- screen ----"; screen; echo "----------------"
  exit 1
}
# count TEXT: lines of the screen that are exactly TEXT.
count() { screen | grep -cxF -- "$1"; }
send() { t send-keys -t s "$@"; }

wait_for '[root@host ~]#'
# Line editing: type "echo wrld", move left three times, insert "o".
send -l 'echo wrld'; send Left Left Left; send -l 'o'; send Enter
wait_for 'world'
# History: Up brings the line back.
send Up Enter
for i in $(seq 100); do [ "$(count world)" = 2 ] && break; sleep 0.1; done
[ "$(count world)" = 2 ] || { echo "FAIL: history (Up) did not repeat 'echo world'"; screen; exit 1; }
# Ctrl-C at the prompt discards the line: "^C", a new prompt, $? = 130.
send -l 'echo never-run'; send C-c
send -l 'echo "prompt-status=$?"'; send Enter
wait_for 'prompt-status=130' 20
[ "$(count never-run)" = 0 ] || { echo "FAIL: Ctrl-C at the prompt ran the line"; screen; exit 1; }
# Ctrl-C stops a running command: status 130, as bash.
send -l 'sleep 100'; send Enter
wait_for '[root@host ~]# sleep 100'
sleep 0.5  # let the command start: a Ctrl-C before it would only clear the prompt
send C-c
wait_for '^C'
send -l 'echo "status=$?"'; send Enter
wait_for 'status=130' 20
# A guest, then its shell: `ssh guest1`, a command there, Ctrl-D back to the host.
send -l 'modprobe vfio_ap; echo -4 > /sys/bus/ap/aqmask; U=$(uuidgen); echo $U > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create; echo 6 > /sys/devices/vfio_ap/matrix/$U/assign_adapter; echo 4 > /sys/devices/vfio_ap/matrix/$U/assign_domain'
send Enter
send -l 'qemu-system-s390x -name guest1 -cpu host -m 2G -device vfio-ap,sysfsdev=/sys/devices/vfio_ap/matrix/$U'; send Enter
send -l 'ssh guest1'; send Enter
wait_for '[root@guest1 ~]#'
send -l 'lszcrypt'; send Enter
wait_for '06.0004  CEX5A Accelerator online'
# Ctrl-C reaches a command in the guest's shell too.
send -l 'sleep 50'; send Enter
wait_for '[root@guest1 ~]# sleep 50'
sleep 0.5
send C-c
send -l 'echo "guest-status=$?"'; send Enter
wait_for 'guest-status=130' 20
send C-d
wait_for 'Connection to guest1 closed.'
send -l 'hostname'; send Enter
for i in $(seq 100); do [ "$(count host)" = 1 ] && break; sleep 0.1; done
[ "$(count host)" = 1 ] || { echo "FAIL: not back on the host after Ctrl-D in the guest"; screen; exit 1; }
send -l 'exit 7'; send Enter
for i in $(seq 300); do [ -s "$status" ] && break; sleep 0.1; done
[ "$(cat "$status" 2>/dev/null)" = 7 ] || { echo "FAIL: apsim shell did not exit with 7"; screen; exit 1; }
elapsed=$(echo "$(date +%s.%N) - $started" | bc)

# The record replays: the interrupted sleep is a comment, Ctrl-D in the guest is `exit`.
grep -qxF '# interrupted by Ctrl-C, not replayed: sleep 100' "$rec" || { echo "FAIL: record:"; cat "$rec"; exit 1; }
replay=$("$apsim" run "$rec" --echo 2>&1)
rc=$?
expected='[root@host ~]# echo world
world
[root@host ~]# echo world
world
[root@host ~]# echo "prompt-status=$?"
prompt-status=0
[root@host ~]# echo "status=$?"
status=0'   # the interrupted sleep is not replayed, so $? is echo's
case "$replay" in
  "$expected"*) ;;
  *) echo "FAIL: the replay does not start with the session's transcript:"; echo "$replay"; exit 1 ;;
esac
grep -qxF '# interrupted by Ctrl-C, not replayed: sleep 50' "$rec" || { echo "FAIL: record lacks the guest's sleep"; cat "$rec"; exit 1; }
for want in '[root@guest1 ~]# lszcrypt' '[root@guest1 ~]# exit' 'Connection to guest1 closed.' '[root@host ~]# hostname'; do
  printf '%s\n' "$replay" | grep -qF -- "$want" || { echo "FAIL: replay lacks: $want"; echo "$replay"; exit 1; }
done
[ "$rc" = 7 ] || { echo "FAIL: replay exit status $rc, not 7"; exit 1; }
# ---- second session: a write blocked in the kernel, and Ctrl-C --------------------------
# A server of its own: a new session on the old socket could race the old server's exit.
t kill-server 2>/dev/null
sock=apsim-test-blocked-$$
t -f /dev/null new-session -d -s s -x 160 -y 50 "'$apsim' shell; sleep 30"
wait_for '[root@host ~]#'
send -l 'modprobe vfio_ap; echo -4 > /sys/bus/ap/aqmask; U=$(uuidgen); echo $U > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create; echo 6 > /sys/devices/vfio_ap/matrix/$U/assign_adapter; echo 4 > /sys/devices/vfio_ap/matrix/$U/assign_domain'
send Enter
send -l 'qemu-system-s390x -name guest1 -device vfio-ap,sysfsdev=/sys/devices/vfio_ap/matrix/$U; echo 3 > /proc/sys/kernel/hung_task_timeout_secs'; send Enter
# Linux 6.1's mdev remove waits for QEMU to release the device; a signal makes
# vfio_unregister_group_dev warn and wait on uninterruptibly: Ctrl-C does not end it.
send -l 'echo 1 > /sys/devices/vfio_ap/matrix/$U/remove'; send Enter
wait_for 'matrix/$U/remove'
sleep 0.5
send C-c
wait_for 'is blocked in the kernel for more than 3 s' 30
send -l 'echo "remove-status=$?"'; send Enter
wait_for 'remove-status=124' 20
send -l 'dmesg | grep -c "Device is currently in use, task \"bash\" (4242) blocked until device is released"'; send Enter
for i in $(seq 100); do [ "$(count 1)" = 1 ] && break; sleep 0.1; done
[ "$(count 1)" = 1 ] || { echo "FAIL: no single vfio warning after Ctrl-C"; screen; exit 1; }
echo "apsim shell in tmux: passed in ${elapsed} s"
