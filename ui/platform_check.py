"""Can Qt open a window here? Asked before Qt starts, because Qt's own answer is an abort (exit 134)
with a message that blames the wrong library (``xcb-cursor0`` when ``libxcb-icccm4`` is missing).

Imports no Qt: this runs when Qt may not be able to load at all.
"""

from __future__ import annotations

import ctypes
import os
import sys

from xadesk.i18n import msg

# The shared libraries Qt 6's xcb platform plugin loads, and the Debian/Ubuntu (UOS, Kylin) package of each.
XCB_LIBRARIES: tuple[tuple[str, str], ...] = (
    ("libxcb-cursor.so.0", "libxcb-cursor0"),
    ("libxcb-icccm.so.4", "libxcb-icccm4"),
    ("libxcb-keysyms.so.1", "libxcb-keysyms1"),
    ("libxcb-image.so.0", "libxcb-image0"),
    ("libxcb-render-util.so.0", "libxcb-render-util0"),
    ("libxcb-shape.so.0", "libxcb-shape0"),
    ("libxcb-randr.so.0", "libxcb-randr0"),
    ("libxcb-xkb.so.1", "libxcb-xkb1"),
    ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
)


def _loads(soname: str) -> bool:
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def missing_xcb_packages() -> list[str]:
    """Packages to install for Qt's xcb plugin (empty when every library loads)."""
    return [package for soname, package in XCB_LIBRARIES if not _loads(soname)]


def display_problem(environ: dict[str, str] | None = None, platform: str | None = None) -> str | None:
    """Why a window cannot open here, in words a teacher or an IT helper can act on; None when it can."""
    env = os.environ if environ is None else environ
    platform = platform or sys.platform
    if not platform.startswith("linux"):
        return None  # Windows and macOS always have a display for a logged-in user
    qpa = env.get("QT_QPA_PLATFORM", "")
    if qpa and not qpa.startswith(("xcb", "wayland")):
        return None  # offscreen, vnc …: chosen on purpose
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        return msg("无法打开图形界面：这台电脑当前没有图形显示（未设置 DISPLAY 或 WAYLAND_DISPLAY），"
                   "例如通过 SSH 登录时。请在电脑桌面上打开“学生心理健康工作台”，或使用命令行子命令"
                   "（xadesk --help 列出全部）。",
                   "Cannot open the desktop app: there is no graphical display here (DISPLAY and WAYLAND_DISPLAY "
                   "are not set), e.g. over SSH. Start it from the desktop, or use a command (xadesk --help).")
    if qpa.startswith("wayland") or (not qpa and env.get("WAYLAND_DISPLAY") and not env.get("DISPLAY")):
        return None
    missing = missing_xcb_packages()
    if missing:
        return msg(f"无法打开图形界面：缺少系统组件 {'、'.join(missing)}。请让管理员安装，例如："
                   f"sudo apt-get install {' '.join(missing)}",
                   f"Cannot open the desktop app: missing system packages {', '.join(missing)}. Install them, "
                   f"e.g. sudo apt-get install {' '.join(missing)}")
    return None
