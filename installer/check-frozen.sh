#!/usr/bin/env bash
# Check a frozen XA Desk folder the way an IT teacher would, without Python and without network:
# `xadesk --version`, then `xadesk selftest`. Exit 0 only when both succeed.
#
#   installer/check-frozen.sh DIR           DIR holds xadesk and xadesk-gui (e.g. /opt/xadesk)
#   installer/check-frozen.sh --deb FILE    unpack FILE with dpkg-deb -x into a temp folder first
set -euo pipefail
if [ "${1:-}" = "--deb" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  dpkg-deb -x "$2" "$tmp/root"
  APP="$tmp/root/opt/xadesk"
  # What the package installs besides the app: the command, the menu entry and the icon.
  test "$(readlink "$tmp/root/usr/bin/xadesk")" = /opt/xadesk/xadesk
  grep -q '^Name=学生心理健康工作台$' "$tmp/root/usr/share/applications/xadesk.desktop"
  test -s "$tmp/root/usr/share/icons/hicolor/scalable/apps/xadesk.svg"
else
  APP=$(cd "$1" && pwd)
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
fi
test -x "$APP/xadesk" && test -x "$APP/xadesk-gui"

# A clean environment: no PATH to a Python, no venv, a private home and data folder.
run() {
  env -i HOME="$tmp/home" XDG_DATA_HOME="$tmp/home/data" PATH=/usr/bin:/bin LANG=C.UTF-8 XADESK_LANG=zh "$@"
}
# No network: a private network namespace when allowed (root in CI), else as is.
if unshare -n true 2>/dev/null; then NONET="unshare -n"; else NONET=""; echo "(unshare -n not allowed: network left on)"; fi

run $NONET "$APP/xadesk" --version
start=$(date +%s%N)
run $NONET "$APP/xadesk" selftest
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "frozen selftest passed in $((ms / 1000)).$(printf '%03d' $((ms % 1000))) s (wall clock, including start-up)"
