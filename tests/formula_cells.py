"""Workbooks with formula cells, as the two kinds of program write them.

openpyxl (like any script, or WPS in some modes) saves a formula without its result (``<v />``); Excel
saves the result beside it. :func:`save_results` rewrites a saved workbook so the named formula cells
carry a result, the way Excel would have left them.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path


def save_results(path: Path, results: dict[str, str | int | float], sheet_part: str = "xl/worksheets/sheet1.xml") -> Path:
    """Give each formula cell named in ``results`` (``{"B2": "张三"}``) that saved result."""
    src = zipfile.ZipFile(path)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == sheet_part:
                for ref, value in results.items():
                    kind = "" if isinstance(value, int | float) else ' t="str"'
                    text = str(value).replace("&", "&amp;").replace("<", "&lt;").encode()
                    pattern = re.compile(rb'<c r="' + ref.encode() + rb'"( [^>]*)?><f>(.*?)</f><v ?/>')
                    start = b'<c r="' + ref.encode() + b'"' + kind.encode() + b"><f>"
                    data, n = pattern.subn(lambda m, start=start, text=text: start + m.group(2) + b"</f><v>" + text
                                           + b"</v>", data)
                    assert n == 1, ref
            out.writestr(info, data)
    src.close()
    path.write_bytes(buf.getvalue())
    return path
