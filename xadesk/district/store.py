"""District mode: one encrypted database at the district (县为基地) holding the schools' aggregate
files, never anything per student.

API::

    init_district(path, name, admin_login, password, *, period=None) -> CreatedSchool
        an ordinary XA Desk database (SQLCipher, key slots, recovery key, its own accounts) marked
        ``mode = district``, collecting files for ``period`` (a school year; default the current one).
    set_period(ctx, period)                               # start collecting another school year
    expect_school(ctx, name, code=None)                   # a school that should send a file
    preview(ctx, paths, passphrase) -> list[Incoming]     # verify every file; what importing would do
    import_files(ctx, paths, passphrase) -> list[Incoming]
    schools(ctx, period, full=False) -> (period, list[SchoolEntry])   # every known school, its file if any

Import is all or nothing: every file is opened (authenticated decryption), checked for kind,
format, period and content, and only if all pass are they merged in one transaction. A file from a
school and period already held replaces the held one when it was written later; the same file
again changes nothing; an older one is refused. A tampered, foreign (another kind, another
district's passphrase) or wrong-period file is refused with its own message and nothing changes.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import uuid as uuidlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select

from ..domain.schoolyear import school_year_of
from ..errors import PermissionDenied, UserError
from ..exchange import ExchangeError, ExchangeKey, open_container
from ..reports.aggregate import DISTRICT_MODE, ENTRY, FORMAT, KIND, MODE_KEY, VERSION
from ..services import audit
from ..services.context import AppContext
from ..services.login import CreatedSchool, create_school, login, now_utc
from ..storage.models import Meta
from ..storage.models_reports import DistrictSchool, DistrictSubmission

PERIOD_KEY = "district_period"
SUMMARY_KEYS = ("school", "period", "students", "screened", "levels", "level_names", "indicators")
EXPECTED_PREFIX = "expected:"
SAME_NAME_NOTE = "注意：另有一所同名学校也上报了文件，两校分别统计；请用学校代码核对是否为冒名或改名。"


class NotDistrict(UserError):
    def __init__(self) -> None:
        super().__init__("这不是区县数据库。请先用 xadesk district init 新建区县数据库，并用 --db 指向它。",
                         "This is not a district database. Create one with `xadesk district init` and point --db at it.")


@dataclass(frozen=True)
class Incoming:
    path: Path
    school_uuid: str
    school_name: str
    period: str
    exported_at: datetime
    action: str            # new / replace / same
    students: int
    payload: dict
    sha256: str
    note: str = ""         # a warning for the person importing (another school of the same name)

    @property
    def action_label(self) -> str:
        return {"new": "新增", "replace": "替换旧文件", "same": "已导入过，不变"}[self.action]


@dataclass(frozen=True)
class SchoolEntry:
    name: str
    code: str | None
    uuid: str
    submitted: bool
    exported_at: datetime | None
    payload: dict | None


def init_district(path: Path, name: str, admin_login: str, password: str, *, period: str | None = None,
                  admin_name: str | None = None) -> CreatedSchool:
    created = create_school(Path(path), name, admin_login, password, admin_name)
    ctx = login(Path(path), admin_login, password)
    try:
        with ctx.db.write() as s:
            s.add(Meta(key=MODE_KEY, value=DISTRICT_MODE))
            s.add(Meta(key=PERIOD_KEY, value=_period(period)))
            audit.record_for(ctx, s, "district.init", target=name.strip())
    finally:
        ctx.close()
    return created


def _period(text: str | None) -> str:
    if text is None:
        return school_year_of(date.today()).label
    parts = text.strip().split("-")
    if len(parts) != 2 or not all(p.isdigit() and len(p) == 4 for p in parts) or int(parts[1]) != int(parts[0]) + 1:
        raise UserError(f"学年“{text}”无效，应写成如 2026-2027。", f"Bad school year {text!r}; use 2026-2027.",
                        field="year")
    return text.strip()


def require_district(ctx: AppContext) -> str:
    """The period being collected; refuses a school database."""
    with ctx.db.read() as s:
        meta = dict(s.execute(select(Meta.key, Meta.value).where(Meta.key.in_((MODE_KEY, PERIOD_KEY)))).all())
    if meta.get(MODE_KEY) != DISTRICT_MODE:
        raise NotDistrict()
    return meta.get(PERIOD_KEY) or school_year_of(date.today()).label


def _can_read(ctx: AppContext) -> None:
    if not (ctx.actor.can("district.manage") or ctx.actor.can("reports.read")):
        raise PermissionDenied()


def set_period(ctx: AppContext, period: str) -> None:
    ctx.require("district.manage")
    require_district(ctx)
    value = _period(period)
    with ctx.db.write() as s:
        s.merge(Meta(key=PERIOD_KEY, value=value))
        audit.record_for(ctx, s, "district.period", target=value)


def expect_school(ctx: AppContext, name: str, code: str | None = None) -> None:
    ctx.require("district.manage")
    require_district(ctx)
    clean = (name or "").strip()
    if not clean:
        raise UserError("请填写学校名称。", "A school name is required.", field="name")
    with ctx.db.write() as s:
        if s.scalar(select(DistrictSchool).where(DistrictSchool.name == clean)) is None:
            s.add(DistrictSchool(uuid=f"{EXPECTED_PREFIX}{uuidlib.uuid4()}", name=clean, code=code, expected=True,
                                 created_at=now_utc()))
        audit.record_for(ctx, s, "district.expect", target=clean)


def _bad(path: Path, why_zh: str, why_en: str) -> UserError:
    return UserError(f"“{path.name}”：{why_zh}未导入任何文件。", f"{path.name}: {why_en} Nothing was imported.")


def _check_payload(path: Path, p: object, manifest_school: str) -> dict:
    """Refuse anything that is not exactly an aggregate file of ours (a forged or damaged inner file)."""
    if not isinstance(p, dict) or p.get("format") != FORMAT:
        raise _bad(path, "内容不是学校上报汇总文件。", "the content is not a school aggregate.")
    if not isinstance(p.get("version"), int) or p["version"] > VERSION:
        raise _bad(path, "文件由更新版本的 XA Desk 生成，请先升级本软件。", "written by a newer XA Desk; please upgrade.")
    school = p.get("school")
    ok = (isinstance(school, dict) and isinstance(school.get("uuid"), str) and isinstance(school.get("name"), str)
          and school["uuid"] == manifest_school and isinstance(p.get("period"), str)
          and isinstance(p.get("students"), int) and isinstance(p.get("levels"), dict)
          and isinstance(p.get("indicators"), dict) and isinstance(p.get("tables"), list)
          and all(isinstance(v, int | str) for v in p["levels"].values()))
    if not ok:
        raise _bad(path, "文件内容不完整或被改动过。", "the content is incomplete or altered.")
    _period(p["period"])
    return p


def _open(path: Path, key: ExchangeKey) -> tuple[dict, datetime, str]:
    try:
        c = open_container(path, key, expected_kind=KIND)
    except ExchangeError as exc:
        raise UserError(f"“{path.name}”：{exc.zh}", f"{path.name}: {exc.en}") from None
    raw = c.entry(ENTRY)
    try:
        payload = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _bad(path, "文件内容无法读取。", "the content cannot be read.") from None
    payload = _check_payload(path, payload, c.manifest.school_id)
    try:
        written = datetime.fromisoformat(str(payload.get("generated_at")).replace("Z", "+00:00"))
    except ValueError:
        written = c.manifest.exported_at
    if written.tzinfo is None:
        written = written.replace(tzinfo=UTC)
    return payload, written.astimezone(UTC), hashlib.sha256(raw).hexdigest()


def preview(ctx: AppContext, paths: Sequence[Path], passphrase: str | ExchangeKey) -> list[Incoming]:
    ctx.require("district.manage")
    period = require_district(ctx)
    key = passphrase if isinstance(passphrase, ExchangeKey) else ExchangeKey(passphrase)
    out: list[Incoming] = []
    problems: list[str] = []
    seen: dict[str, Path] = {}
    with ctx.db.read() as s:
        # only the columns the decision needs: a city holds thousands of files
        # Schools that have sent a file, by name: a second school of the same name is told apart.
        names_held: dict[str, set[str]] = {}
        for uid, name in s.execute(select(DistrictSchool.uuid, DistrictSchool.name)):
            if not uid.startswith(EXPECTED_PREFIX):
                names_held.setdefault(name, set()).add(uid)
        held = {(uid, per): (sha, gen) for uid, per, sha, gen in s.execute(
            select(DistrictSchool.uuid, DistrictSubmission.period, DistrictSubmission.content_sha256,
                   DistrictSubmission.generated_at)
            .join(DistrictSchool, DistrictSchool.id == DistrictSubmission.school_id))}
    for path in paths:
        path = Path(path)
        try:
            payload, exported_at, sha = _open(path, key)
            if payload["period"] != period:
                raise _bad(path, f"这是 {payload['period']} 学年的文件，本区县正在汇总 {period} 学年。",
                           f"this file is for {payload['period']}; the district is collecting {period}.")
            uid = payload["school"]["uuid"]
            if uid in seen:
                raise _bad(path, f"与“{seen[uid].name}”来自同一所学校，请只选其中较新的一个。",
                           f"same school as {seen[uid].name}; pick the newer one only.")
            seen[uid] = path
            old = held.get((uid, period))
            if old is None:
                action = "new"
            elif old[0] == sha:
                action = "same"
            elif exported_at.replace(tzinfo=None) > old[1]:
                action = "replace"
            else:
                raise _bad(path, "比已导入的同校同学年文件更旧。", "older than the file already imported.")
            out.append(Incoming(path, uid, payload["school"]["name"], period, exported_at, action,
                                payload["students"], payload, sha))
        except UserError as exc:
            problems.append(exc.zh)
    if problems:
        raise UserError("以下文件未通过检查，未导入任何文件：", "Some files failed the checks; nothing was imported:",
                        details=problems)
    for inc in out:
        names_held.setdefault(inc.school_name, set()).add(inc.school_uuid)
    return [replace(inc, note=SAME_NAME_NOTE) if len(names_held[inc.school_name]) > 1 else inc for inc in out]


def import_files(ctx: AppContext, paths: Sequence[Path], passphrase: str | ExchangeKey) -> list[Incoming]:
    incoming = preview(ctx, paths, passphrase)
    with ctx.db.write() as s:
        schools = {x.uuid: x for x in s.scalars(select(DistrictSchool))}
        by_name = {x.name: x for x in schools.values() if x.uuid.startswith(EXPECTED_PREFIX)}
        for inc in incoming:
            if inc.action == "same":
                continue
            sch = schools.get(inc.school_uuid)
            if sch is None and inc.school_name in by_name:
                sch = by_name.pop(inc.school_name)
                sch.uuid = inc.school_uuid
            if sch is None:
                sch = DistrictSchool(uuid=inc.school_uuid, name=inc.school_name,
                                     code=inc.payload["school"].get("code"), expected=True, created_at=now_utc())
                s.add(sch)
                s.flush()
                schools[sch.uuid] = sch
            sch.name = inc.school_name
            sub = s.scalar(select(DistrictSubmission).where(DistrictSubmission.school_id == sch.id,
                                                            DistrictSubmission.period == inc.period))
            if sub is None:
                sub = DistrictSubmission(school_id=sch.id, period=inc.period)
                s.add(sub)
            sub.generated_at = inc.exported_at.replace(tzinfo=None)
            sub.content_sha256 = inc.sha256
            sub.payload_json = json.dumps(inc.payload, ensure_ascii=False)
            sub.summary_json = json.dumps({k: inc.payload.get(k) for k in SUMMARY_KEYS}, ensure_ascii=False)
            sub.imported_at = now_utc()
            sub.imported_by = ctx.actor.user_id
            sub.students = inc.students
        audit.record_for(ctx, s, "district.import", target=f"district:{incoming[0].period}" if incoming else None,
                         detail={"files": len(incoming), "changed": sum(1 for i in incoming if i.action != "same")})
    return incoming


def schools(ctx: AppContext, period: str | None = None, *, full: bool = False) -> tuple[str, list[SchoolEntry]]:
    """(period, every school known to the district with its file for the period, if any); ``payload``
    is the file's summary figures, or its whole content with ``full``."""
    _can_read(ctx)
    current = require_district(ctx)
    period = _period(period) if period else current
    column = DistrictSubmission.payload_json if full else DistrictSubmission.summary_json
    with ctx.db.read() as s:
        subs = {sid: (gen, text) for sid, gen, text in s.execute(
            select(DistrictSubmission.school_id, DistrictSubmission.generated_at, column)
            .where(DistrictSubmission.period == period))}
        out = []
        for sch in s.scalars(select(DistrictSchool).order_by(DistrictSchool.name)):
            sub = subs.get(sch.id)
            payload = None
            if sub is not None:
                with contextlib.suppress(json.JSONDecodeError):
                    payload = json.loads(sub[1])
            if sub is None and not sch.expected:
                continue
            out.append(SchoolEntry(sch.name, sch.code, sch.uuid, sub is not None,
                                   sub[0] if sub else None, payload))
    return period, out
