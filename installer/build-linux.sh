#!/usr/bin/env bash
# Build the Linux x86-64 package of XA Desk: a one-folder PyInstaller build in a clean venv, then a
# .deb that installs it under /opt/xadesk with a menu entry, an icon and the `xadesk` command.
#
#   installer/build-linux.sh            → build/xadesk_<version>_amd64.deb
#   XADESK_BUILD_VENV=DIR installer/build-linux.sh   (reuse a build venv; default build/venv-pyi, made fresh)
#   XADESK_DEB_COMPRESS=gzip installer/build-linux.sh (faster, larger; default xz)
#
# Needs python3 (3.11+) with venv, dpkg-deb, and the Qt system libraries of the README (the icon is
# rendered with Qt offscreen). No AppImage: appimagetool is neither in Debian nor on PyPI and
# cannot be downloaded here; the .deb covers UOS, Kylin, Debian and Ubuntu.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV=${XADESK_BUILD_VENV:-build/venv-pyi}
VERSION=$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' xadesk/__init__.py)
STAGE=build/deb/xadesk_${VERSION}_amd64
DEB=build/xadesk_${VERSION}_amd64.deb

step() { printf '\n== %s (%s s)\n' "$1" "$SECONDS"; }

step "clean build venv $VENV"
if [ -z "${XADESK_BUILD_VENV:-}" ]; then rm -rf "$VENV"; fi
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
# Not editable: PyInstaller copies the installed metadata (entry points) into the bundle.
"$VENV/bin/pip" install -q --upgrade pip >/dev/null
"$VENV/bin/pip" install -q ".[build]"
if "$VENV/bin/python" -c "import PyQt5" 2>/dev/null || "$VENV/bin/python" -c "import PyQt6" 2>/dev/null; then
  echo "build venv has a second Qt binding; PyInstaller would abort" >&2; exit 1
fi

step "pyinstaller"
rm -rf build/dist/xadesk
"$VENV/bin/pyinstaller" --noconfirm --clean --log-level WARN \
  --distpath build/dist --workpath build/pyinstaller installer/xadesk.spec
APP=build/dist/xadesk

step "stage the .deb"
rm -rf "$STAGE"
mkdir -p "$STAGE/DEBIAN" "$STAGE/opt" "$STAGE/usr/bin" "$STAGE/usr/share/applications" \
         "$STAGE/usr/share/icons/hicolor/scalable/apps" "$STAGE/usr/share/icons/hicolor/256x256/apps" \
         "$STAGE/usr/share/doc/xadesk"
cp -a "$APP" "$STAGE/opt/xadesk"
ln -s /opt/xadesk/xadesk "$STAGE/usr/bin/xadesk"
cp assets/icons/xadesk.svg "$STAGE/usr/share/icons/hicolor/scalable/apps/xadesk.svg"
cp build/icons/xadesk.png "$STAGE/usr/share/icons/hicolor/256x256/apps/xadesk.png"
cp assets/fonts/LICENSE-wqy-microhei.txt "$STAGE/usr/share/doc/xadesk/"
cat > "$STAGE/usr/share/applications/xadesk.desktop" <<DESKTOP
[Desktop Entry]
Type=Application
Version=1.0
Name=学生心理健康工作台
Name[zh_CN]=学生心理健康工作台
Name[en]=XA Desk
GenericName=XA Desk 学生心理健康工作台
Comment=心理普查、预警网格、一生一档；离线运行，数据加密保存在本机
Comment[en]=Student mental-health workbench for schools (offline, encrypted)
Exec=/opt/xadesk/xadesk-gui
Icon=xadesk
Terminal=false
Categories=Education;Office;
StartupWMClass=xadesk-gui
Keywords=心理;普查;预警;档案;XA Desk;
DESKTOP
find "$STAGE" -type d -exec chmod 755 {} +
chmod -R u+rwX,go+rX,go-w "$STAGE/opt" "$STAGE/usr"

# Depends: the system libraries the bundled Qt loads (README's list, plus what Qt's own libraries
# link). Alternatives cover the t64 names of Debian 13 / Ubuntu 24.04 and the older names of UOS/Kylin.
DEPENDS="libegl1, libgl1, libopengl0, libxkbcommon0, libxkbcommon-x11-0, libfontconfig1, \
libfreetype6, libdbus-1-3, libglib2.0-0t64 | libglib2.0-0, libx11-6, libx11-xcb1, libxcb1, libxcb-cursor0, \
libxcb-icccm4, libxcb-image0, libxcb-keysyms1, libxcb-randr0, libxcb-render-util0, libxcb-render0, \
libxcb-shape0, libxcb-shm0, libxcb-sync1, libxcb-xfixes0, libxcb-xkb1, libxcb-glx0, libxcb-util1, libzstd1, libcups2t64 | libcups2"

step "check Depends against what the bundle links"
# Every library a bundled binary names (NEEDED) must be in the bundle or come from a package in
# Depends (or from one every Debian-family system has). A library nothing loads is not asked for.
BUNDLE="$STAGE/opt/xadesk"
ALWAYS_THERE="libc6 libgcc-s1 libstdc++6 zlib1g"
bundled=$(find "$BUNDLE" -name '*.so*' -printf '%f\n' | sort -u)
needed=$(find "$BUNDLE" -type f \( -name '*.so*' -o -name xadesk -o -name xadesk-gui \) -print0 \
  | xargs -0 readelf -d 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort -u)
missing=0
# Read the linker cache once, into a variable: a pipeline that stops reading early (awk's exit,
# head) kills its writer with SIGPIPE, and under pipefail that ends the whole build (exit 141).
LDCACHE=$(ldconfig -p)
for so in $needed; do
  grep -qxF "$so" <<<"$bundled" && continue
  path=$(awk -v s="$so" '$1 == s && /x86-64/ && !found {print $NF; found=1}' <<<"$LDCACHE")
  if [ -z "$path" ]; then echo "  $so: needed but not installed on this build machine" >&2; missing=1; continue; fi
  pkg=$( (dpkg -S "$(readlink -f "$path")" 2>/dev/null || true) | sed -n '1s/:.*//p')
  [ -n "$pkg" ] || pkg=$( (dpkg -S "$path" 2>/dev/null || true) | sed -n '1s/:.*//p')
  base=${pkg%t64}
  if grep -qw -- "$base" <<<"$ALWAYS_THERE"; then continue; fi
  if ! grep -Eq "(^|[ ,|])(${pkg}|${base})([ ,(|]|\$)" <<<"$DEPENDS"; then
    echo "  $so (package $pkg) is not in Depends" >&2; missing=1
  fi
done
[ "$missing" = 0 ] || { echo "Depends is incomplete" >&2; exit 1; }
# The newest glibc symbol any bundled binary uses: the build machine's libraries set the floor.
GLIBC_MIN=$(find "$BUNDLE" -type f \( -name '*.so*' -o -name xadesk -o -name xadesk-gui \) -print0 \
  | xargs -0 objdump -T 2>/dev/null | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1)
DEPENDS="libc6 (>= ${GLIBC_MIN}), ${DEPENDS}"
echo "  glibc >= ${GLIBC_MIN}"

INSTALLED_KB=$(du -sk "$STAGE/opt" "$STAGE/usr" | awk '{s+=$1} END {print s}')
cat > "$STAGE/DEBIAN/control" <<CONTROL
Package: xadesk
Version: ${VERSION}
Architecture: amd64
Maintainer: XA Desk <support@xadesk.invalid>
Installed-Size: ${INSTALLED_KB}
Depends: ${DEPENDS}
Section: education
Priority: optional
Homepage: https://xadesk.invalid
Description: XA Desk 学生心理健康工作台 (offline school mental-health workbench)
 Questionnaire screenings, the four-level warning grid, one growth archive per
 student and its transfer, for a school's mental-health office. All data stays
 in one encrypted database on the school's own PC; no network is used.
 .
 After installing, run "xadesk selftest" to check the installation.
CONTROL

step "dpkg-deb"
# xz makes the smallest download (what schools get); XADESK_DEB_COMPRESS=gzip builds 5× faster (CI).
dpkg-deb --root-owner-group -Z"${XADESK_DEB_COMPRESS:-xz}" --build "$STAGE" "$DEB" >/dev/null
ls -l "$DEB"
printf 'package: %s (%s KB), installed size %s KB, built in %s s\n' "$DEB" "$(du -k "$DEB" | cut -f1)" "$INSTALLED_KB" "$SECONDS"
