"""Read instrument definitions from files: the built-in library and a school's own definitions."""

from __future__ import annotations

import json
import math
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import NotFound, UserError, ValidationFailed
from .definition import Definition
from .schema import definition_from_dict

_LIBRARY = "xadesk.instruments.library"


def load_definition_file(path: str | Path) -> Definition:
    """Read and validate a definition file (JSON, UTF-8). Refuses it with every problem listed."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise NotFound(f"无法读取文件 {path.name}：{exc.strerror or exc}",
                       f"Cannot read {path.name}: {exc.strerror or exc}") from None
    return definition_from_text(raw, path.name)


# A definition is a few dozen KB (SCL-90 is 25 KB); these limits keep a hostile file from exhausting
# memory or the parser's recursion, and numbers from overflowing SQLite's 64-bit integers.
MAX_DEFINITION_BYTES = 1024 * 1024
MAX_NESTING = 32
MAX_ABS_NUMBER = 10 ** 15


class _OutOfRange(str):
    """A number from the file too large to keep; replaced by a path-named problem after parsing."""


def _parse_int(text: str) -> int | _OutOfRange:
    # Check the length before int(): a 5,000-digit number would raise from int() itself.
    digits = text.lstrip("-")
    if len(digits) > 16 or abs(int(text)) > MAX_ABS_NUMBER:
        return _OutOfRange(text)
    return int(text)


def _parse_float(text: str) -> float | _OutOfRange:
    value = float(text)
    if not math.isfinite(value) or abs(value) > MAX_ABS_NUMBER:
        return _OutOfRange(text)
    return value


def _nesting_problem(text: str) -> tuple[int, int] | None:
    """(line, column) where brackets nest deeper than :data:`MAX_NESTING`, strings skipped."""
    depth, in_string, escaped, line, col = 0, False, False, 1, 0
    for ch in text:
        col += 1
        if ch == "\n":
            line, col = line + 1, 0
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > MAX_NESTING:
                return line, col
        elif ch in "]}":
            depth -= 1
    return None


def _out_of_range(data: Any, path: str = "") -> list[str]:
    found: list[str] = []
    if isinstance(data, _OutOfRange):
        shown = data if len(data) <= 24 else f"{data[:12]}…（{len(data)} 位）"
        found.append(f"{path or '（根）'}: 数值 {shown} 超出范围（绝对值不得超过 10^15） / "
                     f"number {shown[:24]} out of range (absolute value at most 10^15)")
    elif isinstance(data, dict):
        for k, v in data.items():
            found += _out_of_range(v, f"{path}.{k}" if path else str(k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            found += _out_of_range(v, f"{path}[{i}]")
    return found


def definition_from_text(raw: bytes | str, source_name: str) -> Definition:
    size = len(raw.encode("utf-8") if isinstance(raw, str) else raw)
    if size > MAX_DEFINITION_BYTES:
        raise ValidationFailed(f"{source_name}：文件过大（{size // 1024} KB，上限 {MAX_DEFINITION_BYTES // 1024} KB），"
                               "不像量表定义，未导入。",
                               f"{source_name}: the file is too large ({size // 1024} KB, limit "
                               f"{MAX_DEFINITION_BYTES // 1024} KB); nothing was imported.")
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationFailed(f"{source_name}：文件不是 UTF-8 编码的文本。",
                                   f"{source_name}: the file is not UTF-8 text.") from None
    deep = _nesting_problem(raw)
    if deep is not None:
        raise ValidationFailed(f"{source_name}：第{deep[0]}行第{deep[1]}列嵌套超过 {MAX_NESTING} 层，不像量表定义，未导入。",
                               f"{source_name}: nesting deeper than {MAX_NESTING} levels at line {deep[0]}, "
                               f"column {deep[1]}; nothing was imported.", row=deep[0])
    try:
        data = json.loads(raw, parse_int=_parse_int, parse_float=_parse_float)
    except json.JSONDecodeError as exc:
        raise ValidationFailed(f"{source_name}：不是有效的 JSON（第{exc.lineno}行第{exc.colno}列：{exc.msg}）。",
                               f"{source_name}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}).",
                               row=exc.lineno) from None
    problems = _out_of_range(data)
    if problems:
        raise ValidationFailed(f"{source_name}：量表定义有 {len(problems)} 处错误，未导入。",
                               f"{source_name}: the definition has {len(problems)} problem(s); nothing was imported.",
                               details=problems)
    return definition_from_dict(data, source_name)


@cache
def builtin_ids() -> tuple[str, ...]:
    """Ids of the definitions shipped with XA Desk, in file-name order."""
    files = resources.files(_LIBRARY)
    return tuple(sorted(f.name[:-5] for f in files.iterdir() if f.name.endswith(".json")))


@cache
def load_builtin(instrument_id: str) -> Definition:
    """A built-in definition by id (``phq9``, ``scl90`` …). Raises ``NotFound`` for an unknown id."""
    if instrument_id not in builtin_ids():
        raise NotFound(f"没有编号为 {instrument_id!r} 的内置量表（可用：{'、'.join(builtin_ids())}）。",
                       f"No built-in instrument {instrument_id!r} (available: {', '.join(builtin_ids())}).")
    text = resources.files(_LIBRARY).joinpath(f"{instrument_id}.json").read_text(encoding="utf-8")
    return definition_from_text(text, f"{instrument_id}.json")


def all_builtins() -> list[Definition]:
    return [load_builtin(i) for i in builtin_ids()]


def refuse_builtin_id(defn: Definition, *, allow_identical: bool = False) -> None:
    """A school's definition may not reuse a built-in's id: an edited copy could drop the built-in's
    safety rules while results still read as the built-in's. ``allow_identical`` lets an unchanged copy
    through (scoring with it is scoring with the built-in)."""
    if defn.id not in builtin_ids():
        return
    if allow_identical and defn.digest == load_builtin(defn.id).digest:
        return
    raise UserError(f"“{defn.id}”是内置量表的编号，不能被替换。请直接使用内置量表（--instrument {defn.id}），"
                    "或给学校自己的量表另起一个编号。",
                    f"'{defn.id}' is a built-in instrument and cannot be replaced; use the built-in "
                    f"(--instrument {defn.id}) or give your own definition another id.", field="id")
