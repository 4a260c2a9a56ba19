"""The transfer file (档随人走): one student's archive in one encrypted exchange file of kind
``archive`` — ``archive.json`` (ARCHIVE_FORMAT.md) and ``transfer.pdf`` — and its import at the
receiving school.

Export: one student to a file, or a batch (a grade, or only its key-attention students) into a
folder, all under one passphrase (one ``ExchangeKey``, so the key derivation is paid once), with a
handover list PDF written *beside* the folder, not in it, so that copying the folder to a USB
stick does not carry the passphrase with it. Files are named ``archive-NNN.xadx``: a student's
name on a file in a "key-attention" folder would itself tell something about that student.

Import: the container refuses wrong passphrases, changed bytes, cut files, newer formats and
foreign files (``xadesk.exchange.errors``); this module adds the archive's own checks (schema,
schema version, content), then matches the student — 学籍号, then ID number, then name + birth
date (only with an explicit confirmation) — or creates one, and adds every record it does not
have yet (by record uuid), keeping the sending school as provenance. All in one transaction.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..compartment import content
from ..domain.grades import class_label, grade, parse_grade
from ..errors import Cancelled, NotFound, UserError
from ..exchange import ExchangeKey, open_container, write_container
from ..exchange.errors import ExchangeError
from ..exchange.manifest import Manifest
from ..exchange.passphrase import generate
from ..i18n import msg
from ..reports.handover import HandoverRow, handover_list_pdf
from ..roster.columns import ID_TYPES
from ..services import audit, roster
from ..services.login import current_school_name, now_utc
from ..services.year_end import mark_exported
from ..storage.atomic import atomic_write_bytes
from ..storage.models import School, SchoolClass, Student
from ..storage.models_archive import (
    ArchiveConsent,
    ArchiveImport,
    ArchiveImportedSection,
    ArchiveRecord,
    ClassHistory,
)
from ..strength import check_passphrase
from . import kinds as K
from .document import (
    SCHEMA_NAME,
    SCHEMA_VERSION,
    BuildOptions,
    build_document,
    discover_section_modules,
    load_policy,
    section_title,
)
from .pdf import render_archive_pdf

KIND = "archive"
ENTRY_JSON = "archive.json"
ENTRY_PDF = "transfer.pdf"
EXTENSION = ".xadx"

Progress = Callable[[int, int], None] | None
CancelCheck = Callable[[], bool] | None
KeySelector = Callable[[Session, list[int]], set[int]]


# --- errors of the archive layer (the container's own are in xadesk.exchange.errors) ----------

class ArchiveTooNew(ExchangeError):
    def __init__(self, version: int) -> None:
        super().__init__(
            f"此档案由更新版本的 XA Desk 生成（档案格式第 {version} 版，本软件只支持到第 {SCHEMA_VERSION} 版），"
            "未导入任何内容。请先将 XA Desk 升级到最新版本，再导入此文件。",
            f"This archive was made by a newer XA Desk (archive format version {version}; this copy supports up "
            f"to {SCHEMA_VERSION}). Nothing was imported. Please update XA Desk, then import it again.")


class ArchiveInvalid(ExchangeError):
    def __init__(self, details: list[str] | None = None) -> None:
        super().__init__("此文件中的学生档案内容不完整或不符合档案格式（可能由不兼容的软件生成），未导入任何内容。",
                         "The archive in this file is incomplete or does not follow the archive format (it may "
                         "come from incompatible software). Nothing was imported.", details=details)


# --- key-attention students (the warning grid plugs in here) -----------------------------------

_key_selector: KeySelector | None = None


def set_key_attention_selector(selector: KeySelector | None) -> None:
    """Register how to tell key-attention students (重点关注学生) apart: ``selector(session,
    student_ids) -> the subset that are key-attention``. The warning grid registers one; until then
    ``--key-only`` exports are refused with a clear message (or pass ``select=`` explicitly)."""
    global _key_selector
    _key_selector = selector


# --- export ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ExportedFile:
    student_id: int
    student_no: str
    name: str
    class_label: str
    file_name: str
    path: Path
    records: int


@dataclass
class BatchResult:
    folder: Path
    files: list[ExportedFile]
    handover_pdf: Path
    passphrase: str | None  # the generated passphrase (None when the user set their own)


def _manifest_fields(doc: dict, ctx) -> dict[str, Any]:
    return {"school_name": doc["school"]["name"], "school_id": doc["school"]["uuid"],
            "exporter_name": ctx.actor.display_name, "exporter_login": ctx.actor.login,
            "exported_at": doc["generated_at"],
            "extra": {"archive_schema": SCHEMA_NAME, "archive_schema_version": SCHEMA_VERSION,
                      "edition": doc["edition"]}}


def _json_bytes(doc: dict) -> bytes:
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")


def _transfer_docs(ctx, s: Session, student_ids: list[int], now: datetime) -> list[dict]:
    policy = load_policy(s)
    opts = BuildOptions(edition="transfer", may_read_counselling=False, policy=policy, generated_at=now,
                        exporter_name=ctx.actor.display_name, counselling_key=ctx.counselling_key)

    school = s.scalar(select(School).order_by(School.id))
    return [build_document(s, sid, opts, school=school) for sid in student_ids]


def _write_one(path: Path, doc: dict, ctx, key: ExchangeKey, cancelled: CancelCheck) -> Manifest:

    pdf = render_archive_pdf(doc)
    return write_container(path, kind=KIND, manifest_fields=_manifest_fields(doc, ctx),
                           entries={ENTRY_JSON: _json_bytes(doc), ENTRY_PDF: pdf}, passphrase=key,
                           cancelled=cancelled)


def _audit_exports(ctx, files: list[ExportedFile], docs: list[dict], batch: str | None) -> None:

    with ctx.db.write() as s:
        for f, doc in zip(files, docs, strict=True):
            audit.record_for(ctx, s, "archive.export", student_id=f.student_id, target=f.file_name,
                             detail={"edition": "transfer", "records": f.records, "batch": batch,
                                     "counselling": bool(doc["counselling"]["included"])})
        mark_exported(s, [f.student_id for f in files])


def export_student(ctx, student_id: int, out: Path, *, passphrase: str | ExchangeKey,
                   now: datetime | None = None) -> ExportedFile:
    """One student's transfer file at ``out`` (written atomically), audited."""
    ctx.require("archive.export")
    with ctx.db.read() as s:
        check_passphrase(passphrase, school_name=current_school_name(s))
    key = passphrase if isinstance(passphrase, ExchangeKey) else ExchangeKey(passphrase)
    out = Path(out)
    now = now or datetime.now(UTC)
    with ctx.db.read() as s:
        st = roster._get_scoped(ctx, s, student_id)
        doc = _transfer_docs(ctx, s, [st.id], now)[0]
    _write_one(out, doc, ctx, key, None)
    f = ExportedFile(st.id, doc["student"]["student_no"], doc["student"]["name"],
                     doc["student"]["class_label"] or "", out.name, out, len(doc["records"]))
    try:
        _audit_exports(ctx, [f], [doc], None)
    except BaseException:
        with contextlib.suppress(OSError):
            out.unlink()  # an export nobody can account for must not stay behind
        raise
    return f


def batch_students(ctx, grade_text: str, *, key_only: bool = False, select_: KeySelector | None = None) -> list[int]:
    """Enrolled students of a grade in the actor's scope (optionally only key-attention ones)."""
    ctx.require("archive.export")  # "not allowed" before "nobody to export": a homeroom teacher's scope is empty
    code = parse_grade(grade_text)
    with ctx.db.read() as s:
        q = (roster._scoped(ctx).where(SchoolClass.grade_code == code, SchoolClass.active.is_(True),
                                       Student.status == "enrolled"))
        students = sorted(s.scalars(q), key=lambda st: (st.school_class.number, st.student_no))
        ids = [st.id for st in students]
        if key_only:

            discover_section_modules()  # the grid registers its selector beside its sections
            selector = select_ or _key_selector
            if selector is None:
                raise UserError("尚未建立预警网格，无法确定重点关注学生。请先完成预警等级认定，或导出整个年级。",
                                "Key-attention students are not known yet (no warning grid). Confirm warning "
                                "levels first, or export the whole grade.")
            keep = selector(s, ids)
            ids = [i for i in ids if i in keep]
    if not ids and key_only:
        raise NotFound(f"{grade(code).label}目前没有重点关注学生（预警网格中没有本年级的学生），无需导出。",
                       f"{grade(code).label} has no key-attention students (none on the warning grid).")
    if not ids:
        raise NotFound(f"{grade(code).label}没有可导出的学生。", f"No students to export in {grade(code).label}.")
    return ids


def export_batch(ctx, student_ids: list[int], folder: Path, *, passphrase: str | None = None,
                 handover_path: Path | None = None, title: str | None = None, progress: Progress = None,
                 cancelled: CancelCheck = None, now: datetime | None = None) -> BatchResult:
    """Transfer files for ``student_ids`` into ``folder`` under one passphrase (generated when
    not given), plus the handover list PDF (default: ``<folder>-交接单.pdf`` beside the folder).

    On cancel or failure every file this call wrote is removed again and nothing is audited.
    """

    ctx.require("archive.export")
    folder = Path(folder)
    generated = passphrase is None
    if not generated:
        with ctx.db.read() as s:
            check_passphrase(passphrase, school_name=current_school_name(s))
    phrase = generate() if generated else passphrase
    key = ExchangeKey(phrase)
    key._for_writing()  # checks the passphrase and derives once, before any file is started
    now = now or datetime.now(UTC)
    handover = Path(handover_path) if handover_path else folder.with_name(f"{folder.name}-交接单.pdf")
    if folder.exists() and any(folder.glob(f"archive-*{EXTENSION}")):
        raise UserError(f"文件夹“{folder}”中已有档案转移文件，请换一个空文件夹。",
                        f"The folder {folder} already holds transfer files; choose an empty folder.")
    with ctx.db.read() as s:
        for sid in student_ids:
            roster._get_scoped(ctx, s, sid)
        docs = _transfer_docs(ctx, s, list(student_ids), now)
    created_folder = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    files: list[ExportedFile] = []
    total = len(docs)
    try:
        for i, (sid, doc) in enumerate(zip(student_ids, docs, strict=True)):
            if cancelled is not None and cancelled():
                raise Cancelled()
            name = f"archive-{i + 1:03d}{EXTENSION}"
            path = folder / name
            _write_one(path, doc, ctx, key, cancelled)
            written.append(path)
            st = doc["student"]
            files.append(ExportedFile(sid, st["student_no"], st["name"], st["class_label"] or "", name, path,
                                      len(doc["records"])))
            if progress is not None:
                progress(i + 1, total)
        school = docs[0]["school"]["name"] if docs else ""
        pdf = handover_list_pdf(
            [HandoverRow(f.student_no, f.name, f.class_label, f.file_name) for f in files],
            school_name=school, title=title or "学生心理成长档案移交清单",
            exported_at=now.astimezone().strftime("%Y-%m-%d %H:%M"), exporter=ctx.actor.display_name,
            passphrase=phrase if generated else None,
            passphrase_note=None if generated else "由导出人另行告知（未打印在本单上）")

        atomic_write_bytes(handover, pdf)
        written.append(handover)
        _audit_exports(ctx, files, docs, folder.name)
    except BaseException:
        for p in written:
            with contextlib.suppress(OSError):
                p.unlink()
        if created_folder:
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    return BatchResult(folder, files, handover, phrase if generated else None)


# --- reading -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class TransferFile:
    path: Path
    manifest: Manifest
    archive: dict[str, Any]
    pdf: bytes


def _check_archive(doc: Any) -> dict:
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA_NAME:
        raise ArchiveInvalid([msg("缺少档案格式标识。", "The archive format marker is missing.")])
    version = doc.get("schema_version")
    if not isinstance(version, int) or version < 1:
        raise ArchiveInvalid([msg("档案格式版本无效。", "The archive format version is invalid.")])
    if version > SCHEMA_VERSION:
        raise ArchiveTooNew(version)
    problems: list[str] = []
    st = doc.get("student")
    school = doc.get("school")
    if not isinstance(school, dict) or not school.get("uuid") or not school.get("name"):
        problems.append(msg("缺少来源学校。", "The sending school is missing."))
    if not isinstance(st, dict) or not st.get("student_no") or not st.get("name"):
        problems.append(msg("缺少学生的学籍号或姓名。", "The student's number or name is missing."))
    elif st.get("sex") not in ("M", "F") or (st.get("birth_date") and not _is_date(st["birth_date"])):
        problems.append(msg("学生的性别或出生日期格式不对。", "The student's sex or birth date is malformed."))
    elif st.get("id_type") is not None and st.get("id_type") not in ID_TYPES:
        problems.append(msg("学生的证件类型（id_type）无法识别。", "The student's document type (id_type) is unknown."))
    for key in ("records", "class_history", "group_history", "consents", "previous_schools"):
        if not isinstance(doc.get(key, []), list):
            problems.append(msg(f"“{key}”部分格式不对。", f"'{key}' has the wrong shape."))
    if not isinstance(doc.get("sections", {}), dict):
        problems.append(msg("“sections”部分格式不对。", "'sections' has the wrong shape."))
    for i, r in enumerate(doc.get("records") or [], 1):
        if not isinstance(r, dict) or not r.get("uuid") or r.get("kind") not in K.KINDS or not _is_date(r.get("date")):
            problems.append(msg(f"第 {i} 条记录不完整。", f"Record {i} is incomplete."))
    for i, g in enumerate(doc.get("group_history") or [], 1):
        if not isinstance(g, dict) or not g.get("uuid") or not g.get("tag") or not _is_date(g.get("set_on")):
            problems.append(msg(f"第 {i} 条特殊群体记录不完整。", f"Special-group entry {i} is incomplete."))
    for i, h in enumerate(doc.get("class_history") or [], 1):
        if not isinstance(h, dict) or not h.get("uuid") or not h.get("school_year") or h.get("grade_code") is None:
            problems.append(msg(f"第 {i} 条就读记录不完整。", f"Class-history entry {i} is incomplete."))
    if problems:
        raise ArchiveInvalid(problems[:20])
    return doc


def _is_date(text: Any) -> bool:
    try:
        date.fromisoformat(str(text))
        return True
    except ValueError:
        return False


def read_transfer(path: Path, passphrase: str | ExchangeKey, *, progress: Progress = None,
                  cancelled: CancelCheck = None) -> TransferFile:
    """Open and check a transfer file completely; refusals are ExchangeError subclasses."""
    c = open_container(path, passphrase, expected_kind=KIND, progress=progress, cancelled=cancelled)
    doc = _check_archive(c.entry_json(ENTRY_JSON))
    return TransferFile(Path(path), c.manifest, doc, c.entry(ENTRY_PDF))


# --- import ------------------------------------------------------------------------------------

MATCH_LABELS = {"student_no": ("按学籍号匹配到已有学生", "matched by student number"),
                "id_number": ("按身份证号匹配到已有学生", "matched by ID number"),
                "name_birth": ("按姓名和出生日期匹配到已有学生（需确认）", "matched by name and birth date (confirm)"),
                "new": ("本校没有此学生，将新建", "not in this school: a new student will be created")}


@dataclass
class ImportPreview:
    file_name: str
    source_school: str
    source_school_uuid: str
    exported_at: str
    exporter: str
    edition: str
    student_name: str
    student_no: str
    birth_date: str | None
    source_class: str | None
    match: str  # student_no / id_number / name_birth / new
    matched_student_id: int | None
    matched_label: str | None
    target_class: str | None
    records_total: int
    records_new: int
    by_kind: dict[str, int] = field(default_factory=dict)
    sections: list[str] = field(default_factory=list)
    counselling_included: bool = False
    already_imported: bool = False
    warnings: list[str] = field(default_factory=list)
    imported: bool = False

    @property
    def needs_confirmation(self) -> bool:
        return self.match == "name_birth"

    def summary(self) -> str:
        zh, en = MATCH_LABELS[self.match]
        kinds = "，".join(f"{K.kind_label(k)} {n}" for k, n in self.by_kind.items()) or msg("无", "none")
        lines = [
            msg(f"来源：{self.source_school}（{self.exporter} 于 {self.exported_at} 导出，{self.edition}）",
                f"From: {self.source_school} (exported by {self.exporter} at {self.exported_at}, {self.edition})"),
            msg(f"学生：{self.student_name}（学籍号 {self.student_no}，出生 {self.birth_date or '未登记'}，"
                f"原班级 {self.source_class or '—'}）",
                f"Student: {self.student_name} ({self.student_no}, born {self.birth_date or '?'}, "
                f"was in {self.source_class or '—'})"),
            msg(f"匹配：{zh}" + (f"：{self.matched_label}" if self.matched_label else ""),
                f"Match: {en}" + (f": {self.matched_label}" if self.matched_label else "")),
            msg(f"编入班级：{self.target_class or '不变'}", f"Class: {self.target_class or 'unchanged'}"),
            msg(f"记录：共 {self.records_total} 条，其中新增 {self.records_new} 条（{kinds}）",
                f"Records: {self.records_total}, new {self.records_new} ({kinds})"),
        ]
        if self.sections:
            lines.append(msg("其他部分：", "Sections: ") + "、".join(section_title(n) for n in self.sections))
        if self.counselling_included:
            lines.append(msg("含心理辅导内容（依据监护人同意或安全例外），仅心理健康教师可见。",
                             "Includes counselling content (guardian consent or safety exception); counselors only."))
        if self.already_imported:
            lines.append(msg("此文件已导入过，不会重复导入。", "This file was imported before; nothing will be duplicated."))
        lines += self.warnings
        return "\n".join(lines)


_ID_SHAPE = re.compile(r"\d{17}[\dX]")


def arriving_id_type(st: dict) -> str | None:
    """The document type to store with an arriving student's number. Files from before ``id_type``
    was carried have none: an 18-character number shaped like a 身份证号 (all such files held) is kept
    as before (unknown type, read as 居民身份证; 81/82/83 numbers are 港澳台居民居住证); anything else is
    其他 — never a passport number labelled 身份证号. The shape, not the check character, decides:
    the old format did not check it and the sending school's roster may hold one with a typo."""
    number = st.get("id_number") or None
    if number is None:
        return None
    if "id_type" in st and st["id_type"] is not None:
        return st["id_type"]
    if _ID_SHAPE.fullmatch(str(number).upper()):
        return "hmt_residence" if str(number)[:2] in ("81", "82", "83") else None
    return "other"


def _match(s: Session, st: dict) -> tuple[str, Student | None]:
    no = str(st.get("student_no") or "").strip().upper()
    by_no = s.scalar(select(Student).where(Student.student_no == no)) if no else None
    idn = st.get("id_number")
    by_id = s.scalar(select(Student).where(Student.id_number == idn)) if idn else None
    if by_no is not None and by_id is not None and by_no.id != by_id.id:
        raise UserError("学籍号属于本校一名学生，身份证号却属于另一名学生，无法自动匹配。请先核对本校名单。",
                        "The student number and the ID number belong to two different students here. "
                        "Check the roster first.")
    if by_no is not None:
        return "student_no", by_no
    if by_id is not None:
        return "id_number", by_id
    birth = st.get("birth_date")
    if st.get("name") and birth and _is_date(birth):
        same = list(s.scalars(select(Student).where(Student.name == st["name"],
                                                    Student.birth_date == date.fromisoformat(birth))))
        if len(same) > 1:
            raise UserError(f"本校有 {len(same)} 名同名且同出生日期的学生，无法确定是哪一位。请先补全其学籍号或身份证号。",
                            f"{len(same)} students here share this name and birth date. Complete their numbers first.")
        if same:
            return "name_birth", same[0]
    return "new", None


def _resolve_target_class(s: Session, class_: str | int | None) -> SchoolClass | None:
    if class_ is None or class_ == "":
        return None
    if isinstance(class_, int):
        c = s.get(SchoolClass, class_)
        if c is None or not c.active:
            raise NotFound("没有这个班级。", "No such class.", field="class")
        return c
    return roster.resolve_class(s, class_)


def _all_uuids(s: Session, model, uuids: list[str]) -> set[str]:
    found: set[str] = set()
    for i in range(0, len(uuids), 500):
        found |= set(s.scalars(select(model.uuid).where(model.uuid.in_(uuids[i:i + 500]))))
    return found


def _plan(s: Session, tf: TransferFile, class_: str | int | None) -> tuple[ImportPreview, Student | None,
                                                                              SchoolClass | None]:
    doc, m = tf.archive, tf.manifest
    st = doc["student"]
    how, existing = _match(s, st)
    target = _resolve_target_class(s, class_)
    records = doc.get("records") or []
    groups = doc.get("group_history") or []
    known = _all_uuids(s, ArchiveRecord, [r["uuid"] for r in records] + [g["uuid"] for g in groups])
    new_records = [r for r in records if r["uuid"] not in known and not r.get("redacted")]
    new_groups = [g for g in groups if g["uuid"] not in known]
    by_kind: dict[str, int] = {}
    for r in new_records:
        by_kind[r["kind"]] = by_kind.get(r["kind"], 0) + 1
    if new_groups:
        by_kind[K.GROUP_CHANGE] = len(new_groups)
    already = existing is not None and s.scalar(
        select(ArchiveImport.id).where(ArchiveImport.student_id == existing.id,
                                       ArchiveImport.content_sha256 == m.content_sha256)) is not None
    warnings = []
    if existing is not None and existing.name != st["name"]:
        warnings.append(msg(f"注意：本校登记的姓名为“{existing.name}”，与文件中的“{st['name']}”不同。",
                            f"Note: the name here is {existing.name!r}, the file says {st['name']!r}."))
    if existing is None and target is None:
        warnings.append(msg("新建学生需要指定编入的班级（--class）。", "A new student needs a class (--class)."))
    existing_label = None
    if existing is not None:
        c = existing.school_class
        existing_label = f"{existing.name}（{existing.student_no}，{class_label(c.grade_code, c.number) if c else '未分班'}）"
    edition = {"transfer": msg("转移版", "transfer edition"), "full": msg("完整版", "full edition")}.get(
        doc.get("edition"), str(doc.get("edition")))
    preview = ImportPreview(
        file_name=tf.path.name, source_school=m.school_name, source_school_uuid=m.school_id,
        exported_at=m.exported_at.astimezone().strftime("%Y-%m-%d %H:%M"), exporter=m.exporter_name,
        edition=edition, student_name=st["name"], student_no=st["student_no"], birth_date=st.get("birth_date"),
        source_class=st.get("class_label"), match=how, matched_student_id=existing.id if existing else None,
        matched_label=existing_label,
        target_class=class_label(target.grade_code, target.number) if target else None,
        records_total=len(records) + len(groups), records_new=len(new_records) + len(new_groups), by_kind=by_kind,
        sections=[str(n) for n in (doc.get("sections") or {})],
        counselling_included=bool((doc.get("counselling") or {}).get("included")),
        already_imported=already, warnings=warnings)
    return preview, existing, target


def preview_import(ctx, path: Path, passphrase: str | ExchangeKey, *, class_: str | int | None = None,
                   progress: Progress = None, cancelled: CancelCheck = None) -> ImportPreview:
    """Verify the file and say what importing it would do (who, from where, how many records,
    the match); writes nothing."""
    ctx.require("archive.import")
    tf = read_transfer(Path(path), passphrase, progress=progress, cancelled=cancelled)
    with ctx.db.read() as s:
        return _plan(s, tf, class_)[0]


def _src_of(entry: dict, doc: dict) -> tuple[str, str]:
    """Where a record was written: its own recorded source (it came through more than one school),
    else the sending school."""
    src = entry.get("source")
    if isinstance(src, dict) and src.get("school_uuid"):
        return str(src.get("school_name") or ""), str(src["school_uuid"])
    return doc["school"]["name"], doc["school"]["uuid"]


def _parse_dt(text: Any, default: datetime) -> datetime:
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00")).replace(tzinfo=None)
    except ValueError:
        return default


def _opt_date(text: Any) -> date | None:
    return date.fromisoformat(str(text)) if text and _is_date(text) else None


def import_transfer(ctx, path: Path, passphrase: str | ExchangeKey, *, class_: str | int | None = None,
                    confirm_name_match: bool = False, dry_run: bool = False, progress: Progress = None,
                    cancelled: CancelCheck = None) -> ImportPreview:
    """Import a transfer file in one transaction (or, with ``dry_run``, only preview it).

    A match by name and birth date alone needs ``confirm_name_match``; a new student needs
    ``class_``. Records already present (same uuid) are left alone, so a re-import adds nothing.
    """
    ctx.require("archive.import")
    tf = read_transfer(Path(path), passphrase, progress=progress, cancelled=cancelled)
    if dry_run:
        with ctx.db.read() as s:
            return _plan(s, tf, class_)[0]
    doc, m = tf.archive, tf.manifest
    with ctx.db.write() as s:
        preview, student, target = _plan(s, tf, class_)
        if preview.needs_confirmation and not confirm_name_match:
            raise UserError("只按姓名和出生日期匹配到本校学生，请核对后确认（命令行加 --confirm-match），未导入任何内容。",
                            "Matched by name and birth date only: check and confirm (--confirm-match). "
                            "Nothing was imported.")
        if student is None and target is None:
            raise UserError("本校没有此学生，需要指定编入的班级（命令行 --class），未导入任何内容。",
                            "This student is new here: give the class to place them in (--class). "
                            "Nothing was imported.")
        if cancelled is not None and cancelled():
            raise Cancelled()
        stamp = now_utc()
        st = doc["student"]
        created = student is None
        if created:
            student = Student(student_no=str(st["student_no"]).strip().upper(), name=st["name"],
                              sex=st["sex"],
                              birth_date=_opt_date(st.get("birth_date")), id_number=st.get("id_number") or None,
                              id_type=arriving_id_type(st),
                              class_id=target.id, boarding=False, status="enrolled", created_at=stamp,
                              updated_at=stamp)
            s.add(student)
            s.flush()
        elif target is not None and (student.class_id != target.id or student.status != "enrolled"):
            student.class_id, student.status, student.updated_at = target.id, "enrolled", stamp
        if preview.already_imported:
            audit.record_for(ctx, s, "archive.import", student_id=student.id, target=tf.path.name,
                             detail={"source": m.school_id, "records_added": 0, "already_imported": True})
            return preview
        added = _add_records(s, student.id, doc, stamp, ctx.counselling_key)
        imp = ArchiveImport(student_id=student.id, content_sha256=m.content_sha256, source_school_name=m.school_name,
                            source_school_uuid=m.school_id, exported_at=m.exported_at.replace(tzinfo=None),
                            exporter_name=m.exporter_name, archive_schema_version=int(doc["schema_version"]),
                            edition=str(doc.get("edition")), records_added=added, imported_at=stamp,
                            imported_by_id=ctx.actor.user_id, imported_by_name=ctx.actor.display_name,
                            transfer_pdf=tf.pdf)
        s.add(imp)
        s.flush()
        _add_sections(s, student.id, imp, doc)
        audit.record_for(ctx, s, "archive.import", student_id=student.id, target=tf.path.name,
                         detail={"source": m.school_id, "records_added": added, "match": preview.match,
                                 "created": created})
        if cancelled is not None and cancelled():
            raise Cancelled()
    preview.imported = True
    ctx.db.settle()
    return preview


def _stored_text(r: dict, counselling_key: bytes | None) -> str:
    text = str(r.get("text") or "")
    if r.get("kind") == K.COUNSELLING and counselling_key is not None:
        return content.seal_record_text(counselling_key, r["uuid"], text)
    return text


def _add_records(s: Session, student_id: int, doc: dict, stamp: datetime, counselling_key: bytes | None) -> int:
    records = [r for r in doc.get("records") or [] if not r.get("redacted")]
    if counselling_key is None and any(r.get("kind") == K.COUNSELLING for r in records):
        raise content.locked()
    groups = doc.get("group_history") or []
    known = _all_uuids(s, ArchiveRecord, [r["uuid"] for r in records] + [g["uuid"] for g in groups])
    added = 0
    for r in records:
        if r["uuid"] in known:
            continue
        name, uid = _src_of(r, doc)
        s.add(ArchiveRecord(uuid=r["uuid"], student_id=student_id, kind=r["kind"],
                            occurred_on=date.fromisoformat(r["date"]), category=r.get("category"),
                            severity=r.get("severity"), text=_stored_text(r, counselling_key), visitors=r.get("visitors"),
                            present=r.get("present"), ended_on=_opt_date(r.get("ended_on")), author_id=None,
                            author_name=str(r.get("author") or "")[:100],
                            created_at=_parse_dt(r.get("created_at"), stamp), source_school_name=name,
                            source_school_uuid=uid, imported_at=stamp))
        known.add(r["uuid"])
        added += 1
    existing_groups = {r.uuid: r for r in s.scalars(select(ArchiveRecord).where(
        ArchiveRecord.student_id == student_id, ArchiveRecord.kind == K.GROUP_CHANGE))}
    for g in groups:
        if g["uuid"] in existing_groups:
            row = existing_groups[g["uuid"]]
            if row.ended_on is None and _opt_date(g.get("cleared_on")) is not None:
                row.ended_on = _opt_date(g.get("cleared_on"))  # a tag cleared since the last export
            continue
        if g["uuid"] in known:
            continue
        name, uid = _src_of(g, doc)
        s.add(ArchiveRecord(uuid=g["uuid"], student_id=student_id, kind=K.GROUP_CHANGE,
                            occurred_on=date.fromisoformat(g["set_on"]), category=str(g["tag"])[:32], text="",
                            ended_on=_opt_date(g.get("cleared_on")), author_id=None, author_name=name[:100],
                            created_at=stamp, source_school_name=name, source_school_uuid=uid, imported_at=stamp))
        known.add(g["uuid"])
        added += 1
    hist = doc.get("class_history") or []
    known_hist = _all_uuids(s, ClassHistory, [h["uuid"] for h in hist])
    for h in hist:
        if h["uuid"] in known_hist:
            continue
        name, uid = _src_of(h, doc)
        s.add(ClassHistory(uuid=h["uuid"], student_id=student_id, school_year=str(h["school_year"])[:20],
                           grade_code=str(h["grade_code"])[:4], class_number=h.get("class_number"),
                           school_name=str(h.get("school_name") or name)[:200], source_school_name=name,
                           source_school_uuid=uid, imported_at=stamp))
        known_hist.add(h["uuid"])
    consents = doc.get("consents") or []
    known_consents = _all_uuids(s, ArchiveConsent, [c["uuid"] for c in consents if c.get("uuid")])
    for c in consents:
        if not c.get("uuid") or c["uuid"] in known_consents or not _is_date(c.get("recorded_on")):
            continue
        name, uid = _src_of(c, doc)
        s.add(ArchiveConsent(uuid=c["uuid"], student_id=student_id, basis_kind=str(c.get("basis_kind"))[:20],
                             recorded_on=date.fromisoformat(c["recorded_on"]), given_by=str(c.get("given_by") or "")[:200],
                             basis=str(c.get("basis") or ""), revoked_on=_opt_date(c.get("revoked_on")),
                             recorded_by_id=None, recorded_by_name=str(c.get("recorded_by") or "")[:100],
                             created_at=stamp, source_school_name=name, source_school_uuid=uid, imported_at=stamp))
        known_consents.add(c["uuid"])
    s.flush()
    return added


def _add_sections(s: Session, student_id: int, imp: ArchiveImport, doc: dict) -> None:
    incoming: list[tuple[str, str, str, Any]] = [
        (doc["school"]["uuid"], doc["school"]["name"], name, data) for name, data in (doc.get("sections") or {}).items()]
    for prev in doc.get("previous_schools") or []:
        if isinstance(prev, dict) and prev.get("school_uuid"):
            incoming += [(str(prev["school_uuid"]), str(prev.get("school_name") or ""), name, data)
                         for name, data in (prev.get("sections") or {}).items()]
    for uid, school_name, name, data in incoming:
        for old in s.scalars(select(ArchiveImportedSection).where(
                ArchiveImportedSection.student_id == student_id, ArchiveImportedSection.name == name,
                ArchiveImportedSection.source_school_uuid == uid)):
            s.delete(old)  # the newest copy from a school replaces its older one
        s.add(ArchiveImportedSection(student_id=student_id, import_id=imp.id, name=str(name)[:64],
                                     source_school_name=school_name[:200], source_school_uuid=uid,
                                     data_json=json.dumps(data, ensure_ascii=False)))


__all__ = ["ArchiveInvalid", "ArchiveTooNew", "BatchResult", "ExportedFile", "ImportPreview", "TransferFile",
           "batch_students", "export_batch", "export_student", "import_transfer", "preview_import",
           "read_transfer", "set_key_attention_selector"]
