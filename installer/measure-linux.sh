#!/usr/bin/env bash
# Measure a frozen build under Xvfb (figures for installer/README.md) and take its screenshots:
# time from start to the login window (cold, then warm), the login window and 帮助 → 关于.
#
#   installer/measure-linux.sh [APPDIR] [SHOTS_DIR]     (default build/dist/xadesk, build/shots)
#
# Needs xvfb (Xvfb), xdotool and imagemagick (import). Uses a throwaway school in a temp folder.
set -euo pipefail
APP=$(cd "${1:-build/dist/xadesk}" && pwd)
SHOTS=$(mkdir -p "${2:-build/shots}" && cd "${2:-build/shots}" && pwd)
tmp=$(mktemp -d)
DISPLAY_NO=:87
Xvfb $DISPLAY_NO -screen 0 1366x768x24 -nolisten tcp >/dev/null 2>&1 &
XVFB=$!
trap 'kill $XVFB 2>/dev/null || true; rm -rf "$tmp"' EXIT
sleep 1
export DISPLAY=$DISPLAY_NO HOME="$tmp/home" XDG_DATA_HOME="$tmp/home/data" LANG=C.UTF-8 XADESK_LANG=zh
export XADESK_DB="$tmp/school.xadesk"
XADESK_PASSWORD=measure-pass-1 "$APP/xadesk" init --school 西安市测量学校 --admin admin >/dev/null

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
wait_window() {  # NAME TIMEOUT_S → window id
  local deadline=$(( $(now_ms) + $2 * 1000 ))
  while [ "$(now_ms)" -lt "$deadline" ]; do
    id=$(xdotool search --onlyvisible --name "$1" 2>/dev/null | head -1 || true)
    [ -n "$id" ] && { echo "$id"; return 0; }
    sleep 0.02
  done
  return 1
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
for run in cold warm1 warm2 warm3; do
  if [ "$run" = cold ]; then sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || echo "(cannot drop caches: 'cold' is warm)"; fi
  start=$(now_ms)
  "$APP/xadesk-gui" >/dev/null 2>&1 &
  pid=$!
  login_id=$(wait_window "登录 XA Desk" 30)
  wall=$(( $(now_ms) - start ))
  # CPU time the app used to get there (user + system, all threads): on a shared, loaded machine the
  # wall clock mostly measures the queue; on an idle PC start-up is close to this figure.
  ticks=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  echo "start to login window ($run): ${wall} ms wall, $(( ticks * 1000 / $(getconf CLK_TCK) )) ms CPU"
  if [ "$run" != warm3 ]; then kill "$pid"; wait "$pid" 2>/dev/null || true; fi
done

sleep 0.5
import -window root "$SHOTS/frozen-login.png"
xdotool windowfocus --sync "$login_id" 2>/dev/null || true
xdotool type --delay 30 "admin"
xdotool key Tab
xdotool type --delay 30 "measure-pass-1"
xdotool key Return
main_id=$(wait_window "XA Desk · 学生心理健康工作台" 30) || { import -window root "$SHOTS/frozen-failed.png"; exit 1; }
sleep 1
xdotool windowfocus --sync "$main_id" 2>/dev/null || true
xdotool key alt+h
sleep 0.5
xdotool key a
wait_window "关于 XA Desk" 10 >/dev/null || { import -window root "$SHOTS/frozen-failed.png"; exit 1; }
sleep 0.5
import -window root "$SHOTS/frozen-about.png"
kill "$pid" 2>/dev/null || true
echo "screenshots: $SHOTS/frozen-login.png $SHOTS/frozen-about.png"
