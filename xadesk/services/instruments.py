"""The school's instrument library: the built-in definitions plus the school's own, versioned.

Built-ins ship as files and cannot be replaced. A school's definition (e.g. a licensed MHT or SDQ
key the school holds) is stored one row per version: adding a changed definition adds a version
and retires the previous one; a version is never deleted, because stored scores name the version
they were computed with.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..errors import NotFound, UserError
from ..instruments.definition import Definition
from ..instruments.loader import (
    builtin_ids,
    definition_from_text,
    load_builtin,
    load_definition_file,
    refuse_builtin_id,
)
from ..instruments.schema import definition_from_dict
from ..storage.models import InstrumentDefinitionRow
from . import audit
from .context import AppContext
from .login import now_utc


@dataclass(frozen=True)
class InstrumentInfo:
    id: str
    version: int
    name: str
    source: str  # "builtin" / "school"
    status: str  # "active" / "retired"
    n_items: int
    scales: tuple[str, ...]
    item_text_allowed: bool


def _info(d: Definition, source: str, status: str) -> InstrumentInfo:
    return InstrumentInfo(d.id, d.version, d.name_zh, source, status, d.n_items, tuple(d.scale_ids),
                          d.item_text_allowed)


def _from_row(row: InstrumentDefinitionRow) -> Definition:
    return definition_from_dict(json.loads(row.definition_json), f"{row.instrument_id} v{row.version}")


def available(ctx: AppContext, *, include_retired: bool = False) -> list[InstrumentInfo]:
    """Every instrument a campaign can use: built-ins first, then the school's latest versions."""
    out = [_info(d, "builtin", "active") for d in (load_builtin(i) for i in builtin_ids())]
    with ctx.db.read() as s:
        rows = s.scalars(select(InstrumentDefinitionRow).order_by(InstrumentDefinitionRow.instrument_id,
                                                                  InstrumentDefinitionRow.version)).all()
    for row in rows:
        if include_retired or row.status == "active":
            out.append(_info(_from_row(row), "school", row.status))
    return out


def definition(session: Session, instrument_id: str, version: int | None = None) -> Definition:
    """The definition a score refers to: a built-in, or a stored school version (latest active by default)."""
    if instrument_id in builtin_ids():
        # Built-ins change only with the app: a score computed with an older built-in keeps the version
        # number it was computed with, and the release notes say what changed.
        return load_builtin(instrument_id)
    q = select(InstrumentDefinitionRow).where(InstrumentDefinitionRow.instrument_id == instrument_id)
    if version is None:
        q = q.where(InstrumentDefinitionRow.status == "active").order_by(InstrumentDefinitionRow.version.desc())
    else:
        q = q.where(InstrumentDefinitionRow.version == version)
    row = session.scalars(q).first()
    if row is None:
        raise NotFound(f"找不到量表 {instrument_id}" + (f" 的第 {version} 版。" if version else "。"),
                       f"No instrument {instrument_id}" + (f" version {version}." if version else "."))
    return _from_row(row)


def get_definition(ctx: AppContext, instrument_id: str, version: int | None = None) -> Definition:
    with ctx.db.read() as s:
        return definition(s, instrument_id, version)


def add_definition(ctx: AppContext, source: Path | dict[str, Any], *, new_version: bool = False) -> InstrumentInfo:
    """Store a school definition from a file (or edited data). ``new_version`` numbers it after the
    latest stored version (what an edit in the UI does); otherwise the file's own version is kept and
    must be higher than any stored one."""
    ctx.require("instruments.manage")
    if isinstance(source, dict):
        defn = definition_from_dict(source, "编辑的量表")
    else:
        defn = load_definition_file(source)
    refuse_builtin_id(defn)
    data = defn.to_dict()
    with ctx.db.write() as s:
        latest = s.scalar(select(func.max(InstrumentDefinitionRow.version))
                          .where(InstrumentDefinitionRow.instrument_id == defn.id))
        if new_version:
            data["version"] = (latest or 0) + 1
            defn = definition_from_dict(data, "编辑的量表")
        same = s.scalar(select(InstrumentDefinitionRow).where(InstrumentDefinitionRow.instrument_id == defn.id,
                                                              InstrumentDefinitionRow.version == defn.version))
        if same is not None:
            if same.digest == defn.digest:
                return _info(defn, "school", same.status)  # the same file again: nothing to do
            raise UserError(f"量表 {defn.id} 的第 {defn.version} 版已存在且内容不同。修改后的定义请把 version 改为 "
                            f"{(latest or 0) + 1}。",
                            f"{defn.id} version {defn.version} exists with other content; use version {(latest or 0) + 1}.",
                            field="version")
        if latest is not None and defn.version < latest:
            raise UserError(f"版本号必须大于已有的第 {latest} 版。", f"The version must be above {latest}.",
                            field="version")
        for old in s.scalars(select(InstrumentDefinitionRow).where(
                InstrumentDefinitionRow.instrument_id == defn.id, InstrumentDefinitionRow.status == "active")):
            old.status = "retired"
        s.add(InstrumentDefinitionRow(instrument_id=defn.id, version=defn.version, digest=defn.digest,
                                      definition_json=json.dumps(defn.to_dict(), ensure_ascii=False),
                                      status="active", created_at=now_utc(), created_by=ctx.actor.user_id))
        audit.record_for(ctx, s, "instrument.add", target=f"{defn.id} v{defn.version}")
    return _info(defn, "school", "active")


def retire(ctx: AppContext, instrument_id: str) -> None:
    """Take a school instrument out of use; its versions stay for the scores that refer to them."""
    ctx.require("instruments.manage")
    with ctx.db.write() as s:
        rows = s.scalars(select(InstrumentDefinitionRow).where(
            InstrumentDefinitionRow.instrument_id == instrument_id, InstrumentDefinitionRow.status == "active")).all()
        if not rows:
            raise NotFound(f"没有使用中的学校量表 {instrument_id}。", f"No active school instrument {instrument_id}.")
        for row in rows:
            row.status = "retired"
        audit.record_for(ctx, s, "instrument.retire", target=instrument_id)


__all__ = ["InstrumentInfo", "add_definition", "available", "definition", "definition_from_text", "get_definition",
           "retire"]
