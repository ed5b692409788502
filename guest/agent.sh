#!/bin/sh
# hynet control agent, run by the guest's init on the virtio-serial port.
# Hand-written because the guest is a busybox initramfs: the QEMU guest
# agent (qemu-ga, glib) does not fit in it, and this needs only sh + base64.
#
# Protocol (one line per message, fields separated by one space):
#   host -> guest  RUN <id> <timeout_ms> <base64 sh script> <base64 stdin | ->
#   guest -> host  HELLO hynet-agent 1            (each time a host connects)
#                  RES <id> <exit code> <timed out 0|1> <base64 stdout> <base64 stderr>
# Requests run concurrently, each in its own session so that a timeout can
# kill the whole process group. Replies are written under a lock so that
# lines never interleave.
A=/run/hynet-agent
mkdir -p "$A"
exec 3<>"$1"

locked() {
  until mkdir "$A/lock" 2>/dev/null; do usleep 1000; done
  "$@"
  rmdir "$A/lock"
}

hello() { echo "HELLO hynet-agent 1" >&3; }
send() { cat "$1" >&3; }

run() {
  d=$A/r$1
  mkdir -p "$d"
  echo "$3" | base64 -d > "$d/cmd"
  if [ "$4" = - ]; then : > "$d/in"; else echo "$4" | base64 -d > "$d/in"; fi
  setsid sh "$d/cmd" < "$d/in" > "$d/out" 2> "$d/err" &
  pid=$!
  w=
  if [ "$2" -gt 0 ]; then
    t=$(($2 / 1000)).$(printf %03d $(($2 % 1000)))
    # The watcher ends its sleep when it is ended itself, so no sleep outlives a finished command.
    (sleep "$t" & s=$!; trap 'kill $s 2>/dev/null; exit 0' TERM; wait $s; [ -e "/proc/$pid" ] && : > "$d/timedout" && kill -9 -"$pid" 2>/dev/null) &
    w=$!
  fi
  wait "$pid"
  rc=$?
  [ -n "$w" ] && kill "$w" 2>/dev/null
  to=0
  [ -e "$d/timedout" ] && to=1
  { printf 'RES %s %s %s ' "$1" "$rc" "$to"; base64 -w 0 "$d/out"; printf ' '; base64 -w 0 "$d/err"; echo; } > "$d/res"
  locked send "$d/res"
  rm -rf "$d"
}

while :; do
  # A write blocks while no host is connected, so this waits for the next host.
  locked hello
  # read returns EOF when the host disconnects.
  while read -r op id a b c <&3; do
    case $op in
      RUN) run "$id" "$a" "$b" "$c" & ;;
    esac
  done
done
