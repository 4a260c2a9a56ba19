"""A plain (non-editable) install carries the CJK font and the icon (``assets/``): the wheel holds
them where :func:`xadesk.paths.assets_dir` looks, and from an unpacked wheel the PDF font registers
and the icon is found. One wheel build (about 15 s), shared by the tests of this file."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(out)],
                   check=True, capture_output=True, timeout=600)
    (path,) = out.glob("xadesk-*.whl")
    return path


def test_the_wheel_holds_the_font_its_licence_and_the_icon(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("assets/fonts/wqy-microhei.ttc", "assets/fonts/LICENSE-wqy-microhei.txt",
                   "assets/icons/xadesk.svg", "xadesk/paths.py", "ui/style.qss"):
        assert needed in names
    assert not any(n.startswith("tests/") for n in names)


def test_an_unpacked_wheel_finds_the_font_and_draws_chinese(wheel, tmp_path):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    probe = (
        "import xadesk.paths as p, sys\n"
        "from xadesk.reports.fonts import register_fonts\n"
        "from reportlab.pdfbase.pdfmetrics import stringWidth\n"
        "assert p.__file__.startswith(sys.argv[1]), p.__file__\n"
        "assert p.font_path().is_file() and (p.assets_dir() / 'icons' / 'xadesk.svg').is_file()\n"
        "print(stringWidth('学生心理健康', register_fonts(), 10))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(site))
    done = subprocess.run([sys.executable, "-c", probe, str(site)], env=env, cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert float(done.stdout) == pytest.approx(60.0)    # six full-width glyphs of the CJK font at 10 pt
