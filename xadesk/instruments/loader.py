"""Read instrument definitions from files: the built-in library and a school's own definitions."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path

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


def definition_from_text(raw: bytes | str, source_name: str) -> Definition:
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationFailed(f"{source_name}：文件不是 UTF-8 编码的文本。",
                                   f"{source_name}: the file is not UTF-8 text.") from None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValidationFailed(f"{source_name}：不是有效的 JSON（第{exc.lineno}行第{exc.colno}列：{exc.msg}）。",
                               f"{source_name}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}).",
                               row=exc.lineno) from None
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
