"""One student's growth archive as plain, JSON-able data — the single source for the archive view,
both PDF editions and ``archive.json`` in the transfer file (ARCHIVE_FORMAT.md specifies the keys).

Sections from other areas
-------------------------
Screening results, warning levels, follow-ups and referrals live in other areas' tables. Each area
contributes them through a *section provider*, registered once at import time of its module::

    from xadesk.archive.document import register_section

    def screenings_section(session, student_id, edition):
        ...  # read your own tables
        return {"summary": "…", "items": [...], "series": [...]}   # or None when there is nothing

    register_section("screenings", screenings_section, title=("心理测评", "screenings"), order=10)

A provider gets the open SQLAlchemy session (read it only), the student's id and the edition
(``"full"`` or ``"transfer"``: give less in ``transfer`` if your area has confidential parts; in
``full``, ``current_options().may_read_counselling`` tells whether the viewer may see clinical
detail — homeroom teachers and grade leaders read the full edition in the app too) and
returns ``None`` (section left out) or a JSON-able dict. These keys are understood by every renderer
(all optional; anything else travels in ``archive.json`` untouched):

- ``summary``: str — one paragraph under the section title;
- ``items``: list of ``{"date": "YYYY-MM-DD", "title": str, "text": str}`` (optionally ``"author"``: who
  recorded it — shown in its own 记录人 column, never pasted into ``text``) — listed under the section
  and merged into the archive's timeline;
- ``table``: ``{"columns": [str, …], "rows": [[str, …], …]}``;
- ``series``: list of ``{"name": str, "points": [["YYYY-MM-DD", number], …]}`` — drawn in the
  score-trend chart (one line per series; put each scale's total score here).

Where to register: put the call in ``xadesk/<area>/archive_sections.py``. Every such module is
imported the first time sections are needed, so an area plugs in without touching this file (the
warning grid registers its key-attention selector there too: ``transfer.set_key_attention_selector``).

Well-known names, which the default transfer policy lets travel: ``screenings`` (summaries and each
scale's trend), ``warning_levels`` (levels with dates), ``follow_up`` (follow-up summary) and
``referrals``. A provider that raises is a bug in that area: the archive still renders, with the
section marked as unavailable, and the error is reported without student data.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..compartment import content
from ..domain.grades import class_label, grade
from ..domain.schoolyear import school_year_of
from ..i18n import msg
from ..services import audit, roster
from ..services.records import consents_of, records_of, travel_basis
from ..services.roster import TAG_LABELS
from ..storage.models import Meta, School, Student, StudentTag
from ..storage.models_archive import ArchiveImport, ArchiveImportedSection, ClassHistory
from . import kinds as K

log = logging.getLogger(__name__)

SCHEMA_NAME = "xadesk-archive"
SCHEMA_VERSION = 1
EDITIONS = ("full", "transfer")
EDITION_LABELS = {"full": ("完整版", "full edition"), "transfer": ("转移版", "transfer edition")}
# Stable ids for rows that have no uuid of their own (tag history, the current class), derived
# from the school's uuid so that exporting twice gives the same ids and importing twice adds nothing.
_NS = uuid.UUID("5f0c6e64-2d0b-4c7e-9a51-0d6b8f2c9a11")
POLICY_META_KEY = "archive.transfer_policy"
WELL_KNOWN_SECTIONS = ("screenings", "warning_levels", "follow_up", "referrals")


# --- section registry --------------------------------------------------------------------------

SectionProvider = Callable[[Session, int, str], Any]


@dataclass(frozen=True)
class SectionSpec:
    name: str
    provider: SectionProvider
    title: tuple[str, str]
    order: int = 100

    @property
    def label(self) -> str:
        return msg(*self.title)


_SECTIONS: dict[str, SectionSpec] = {}


def register_section(name: str, provider: SectionProvider, *, title: tuple[str, str], order: int = 100) -> None:
    """Add (or replace) a section provider; see the module docstring for the contract."""
    if not name or not name.replace("_", "").isalnum() or not name.isascii():
        raise ValueError("section names are ASCII identifiers")
    _SECTIONS[name] = SectionSpec(name, provider, title, order)


def unregister_section(name: str) -> None:
    _SECTIONS.pop(name, None)


_discovered = False


def discover_section_modules() -> None:
    """Import every ``xadesk/<area>/archive_sections.py`` once (they call ``register_section``)."""
    global _discovered
    if _discovered:
        return
    _discovered = True
    import importlib
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    for path in sorted(root.glob("*/archive_sections.py")):
        importlib.import_module(f"xadesk.{path.parent.name}.archive_sections")


def registered_sections() -> list[SectionSpec]:
    discover_section_modules()
    return sorted(_SECTIONS.values(), key=lambda s: (s.order, s.name))


def section_title(name: str) -> str:
    spec = _SECTIONS.get(name)
    if spec is not None:
        return spec.label
    known = {"screenings": ("心理测评", "screenings"), "warning_levels": ("预警等级", "warning levels"),
             "follow_up": ("跟踪随访", "follow-up"), "referrals": ("转介（绿色通道）", "referrals")}
    return msg(*known.get(name, (name, name)))


# --- the school's transfer policy --------------------------------------------------------------

@dataclass(frozen=True)
class TransferPolicy:
    """What travels in a transfer file. Default (issue 6): screening summaries, levels with dates,
    follow-up summary, referrals, strengths; counselling content only with a recorded guardian
    consent or safety exception (``counselling_with_basis``)."""

    sections: tuple[str, ...] = WELL_KNOWN_SECTIONS
    kinds: tuple[str, ...] = (K.STRENGTH,)
    group_history: bool = True
    counselling_with_basis: bool = True

    def to_json(self) -> dict:
        return {"sections": list(self.sections), "kinds": list(self.kinds), "group_history": self.group_history,
                "counselling_with_basis": self.counselling_with_basis}

    @classmethod
    def from_json(cls, d: dict) -> TransferPolicy:
        kinds = tuple(k for k in d.get("kinds", [K.STRENGTH]) if k in K.KINDS and k != K.COUNSELLING)
        return cls(sections=tuple(str(x) for x in d.get("sections", WELL_KNOWN_SECTIONS)), kinds=kinds,
                   group_history=bool(d.get("group_history", True)),
                   counselling_with_basis=bool(d.get("counselling_with_basis", True)))


def load_policy(session: Session) -> TransferPolicy:
    row = session.get(Meta, POLICY_META_KEY)
    if row is None:
        return TransferPolicy()
    try:
        return TransferPolicy.from_json(json.loads(row.value))
    except (ValueError, TypeError, AttributeError):
        return TransferPolicy()


# --- building ----------------------------------------------------------------------------------

def _iso(d: date | datetime | None) -> str | None:
    if d is None:
        return None
    if isinstance(d, datetime):
        return d.replace(microsecond=0).isoformat()
    return d.isoformat()


def _source(school_name: str | None, school_uuid: str | None, imported_at: datetime | None) -> dict | None:
    if school_uuid is None:
        return None
    return {"school_name": school_name, "school_uuid": school_uuid, "imported_at": _iso(imported_at)}


def stable_id(school_uuid: str, *parts: object) -> str:
    return str(uuid.uuid5(_NS, ":".join([school_uuid, *map(str, parts)])))


@dataclass
class BuildOptions:
    edition: str = "full"
    may_read_counselling: bool = False
    policy: TransferPolicy = field(default_factory=TransferPolicy)
    generated_at: datetime | None = None
    exporter_name: str | None = None
    # The counselling compartment's key (only a counselor's session has one): counselling text is
    # opened with it; without it counselling records are redacted, never decrypted.
    counselling_key: bytes | None = field(default=None, repr=False)


_building: ContextVar[BuildOptions | None] = ContextVar("xadesk_archive_build", default=None)


def current_options() -> BuildOptions | None:
    """The options of the archive being built, for providers: in the ``full`` edition a viewer
    without ``may_read_counselling`` (homeroom teachers, grade leaders) must get what their own
    area shows them — no scores, no clinical notes. None outside ``build_document``."""
    return _building.get()


def _school(session: Session) -> School:
    school = session.scalar(select(School).order_by(School.id))
    assert school is not None, "a school database always has its school row"
    return school


def build_document(session: Session, student_id: int, opts: BuildOptions | None = None, *,
                   school: School | None = None) -> dict[str, Any]:
    """The archive of one student (no permission check: ``view_archive`` and the exporters check)."""

    opts = opts or BuildOptions()
    if opts.edition not in EDITIONS:
        raise ValueError(f"unknown edition {opts.edition!r}")
    transfer = opts.edition == "transfer"
    policy = opts.policy
    school = school or _school(session)
    st = session.get(Student, student_id)
    if st is None:
        raise ValueError("no such student")
    cls = st.school_class
    now = opts.generated_at or datetime.now(UTC)

    student = {
        "student_no": st.student_no, "name": st.name, "sex": st.sex, "birth_date": _iso(st.birth_date),
        "id_number": st.id_number, "id_type": st.id_type if st.id_number else None,
        "school_no": st.school_no, "status": st.status,
        "grade_code": cls.grade_code if cls else None, "grade": grade(cls.grade_code).label if cls else None,
        "class_number": cls.number if cls else None,
        "class_label": class_label(cls.grade_code, cls.number) if cls else None,
    }

    # Class history: stored years, then the current one read live.
    history = [{"uuid": h.uuid, "school_year": h.school_year, "grade_code": h.grade_code,
                "grade": grade(h.grade_code).label, "class_number": h.class_number, "school_name": h.school_name,
                "source": _source(h.source_school_name, h.source_school_uuid, h.imported_at)}
               for h in session.scalars(select(ClassHistory).where(ClassHistory.student_id == st.id))]
    if cls is not None and st.status == "enrolled":
        year = school_year_of(now.date()).label
        if not any(h["school_year"] == year and h["source"] is None for h in history):
            history.append({"uuid": stable_id(school.uuid, "class", st.student_no, year), "school_year": year,
                            "grade_code": cls.grade_code, "grade": grade(cls.grade_code).label,
                            "class_number": cls.number, "school_name": school.name, "source": None})
    history.sort(key=lambda h: (h["school_year"], h["grade_code"]))

    records = records_of(session, st.id)
    basis = travel_basis(session, st.id)
    if transfer:
        counselling_travels = policy.counselling_with_basis and basis is not None
        allowed = set(policy.kinds) | ({K.COUNSELLING} if counselling_travels else set())
        if policy.group_history:
            allowed.add(K.GROUP_CHANGE)
        records = [r for r in records if r.kind in allowed]
        show_counselling = counselling_travels
    else:
        show_counselling = opts.may_read_counselling

    group_history: list[dict] = []
    if not transfer or policy.group_history:
        tags = session.scalars(select(StudentTag).where(StudentTag.student_id == st.id)
                               .order_by(StudentTag.set_on, StudentTag.id))

        group_history = [{"uuid": stable_id(school.uuid, "tag", t.id), "tag": t.tag,
                          "label": TAG_LABELS.get(t.tag, t.tag), "set_on": _iso(t.set_on),
                          "cleared_on": _iso(t.cleared_on), "source": None} for t in tags]
        group_history += [{"uuid": r.uuid, "tag": r.category, "label": K.category_label(K.GROUP_CHANGE, r.category),
                           "set_on": _iso(r.occurred_on), "cleared_on": _iso(r.ended_on),
                           "source": _source(r.source_school_name, r.source_school_uuid, r.imported_at)}
                          for r in records if r.kind == K.GROUP_CHANGE]
        group_history.sort(key=lambda g: (g["set_on"], g["tag"] or ""))

    record_dicts = []
    for r in records:
        if r.kind == K.GROUP_CHANGE:
            continue  # listed in group_history
        text = None
        if r.kind != K.COUNSELLING:
            text = r.text
        elif show_counselling:
            text = content.record_text(opts.counselling_key, r)
        redact = r.kind == K.COUNSELLING and text is None
        record_dicts.append({
            "uuid": r.uuid, "kind": r.kind, "date": _iso(r.occurred_on), "category": r.category,
            "severity": r.severity, "text": text, "redacted": redact,
            "visitors": r.visitors, "present": r.present, "ended_on": _iso(r.ended_on),
            "author": r.author_name, "created_at": _iso(r.created_at),
            "source": _source(r.source_school_name, r.source_school_uuid, r.imported_at)})

    consents = []
    if show_counselling:
        consents = [{"uuid": c.uuid, "basis_kind": c.basis_kind, "recorded_on": _iso(c.recorded_on),
                     "given_by": c.given_by, "basis": c.basis, "revoked_on": _iso(c.revoked_on),
                     "recorded_by": c.recorded_by_name,
                     "source": _source(c.source_school_name, c.source_school_uuid, c.imported_at)}
                    for c in consents_of(session, st.id)]

    sections: dict[str, Any] = {}
    unavailable: list[str] = []
    token = _building.set(opts)
    try:
        for spec in registered_sections():
            if transfer and spec.name not in policy.sections:
                continue
            try:
                data = spec.provider(session, st.id, opts.edition)
            except Exception as exc:  # another area's bug must not stop an archive from rendering
                log.error("archive section %s failed: %s", spec.name, type(exc).__name__)
                unavailable.append(spec.name)
                continue
            if data is not None:
                sections[spec.name] = data
    finally:
        _building.reset(token)

    previous = _previous_schools(session, st.id, policy if transfer else None)

    return {
        "schema": SCHEMA_NAME,
        "schema_version": SCHEMA_VERSION,
        "edition": opts.edition,
        "generated_at": now.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "generated_by": opts.exporter_name,
        "school": {"name": school.name, "uuid": school.uuid},
        "student": student,
        "class_history": history,
        "group_history": group_history,
        "records": record_dicts,
        "counselling": {"included": show_counselling and any(r["kind"] == K.COUNSELLING for r in record_dicts),
                        "basis": ({"basis_kind": basis.basis_kind, "recorded_on": _iso(basis.recorded_on),
                                   "given_by": basis.given_by, "basis": basis.basis}
                                  if basis is not None and show_counselling else None)},
        "consents": consents,
        "sections": sections,
        "sections_unavailable": unavailable,
        "previous_schools": previous,
        "policy": policy.to_json() if transfer else None,
    }


def _previous_schools(session: Session, student_id: int, policy: TransferPolicy | None) -> list[dict]:
    """Transfer files taken in for this student, newest section copies per sending school."""
    imports = list(session.scalars(select(ArchiveImport).where(ArchiveImport.student_id == student_id)
                                   .order_by(ArchiveImport.imported_at, ArchiveImport.id)))
    if not imports:
        return []
    secs = list(session.scalars(select(ArchiveImportedSection)
                                .where(ArchiveImportedSection.student_id == student_id)))
    out: dict[str, dict] = {}
    for imp in imports:
        entry = out.setdefault(imp.source_school_uuid, {"school_name": imp.source_school_name,
                                                        "school_uuid": imp.source_school_uuid, "imports": [],
                                                        "sections": {}})
        entry["imports"].append({"exported_at": _iso(imp.exported_at), "exporter": imp.exporter_name,
                                 "imported_at": _iso(imp.imported_at), "edition": imp.edition})
    for sec in secs:
        if policy is not None and sec.name not in policy.sections:
            continue
        entry = out.setdefault(sec.source_school_uuid, {"school_name": sec.source_school_name,
                                                        "school_uuid": sec.source_school_uuid, "imports": [],
                                                        "sections": {}})
        entry["sections"][sec.name] = json.loads(sec.data_json)
    return list(out.values())


# --- reading a document (renderers, UI) --------------------------------------------------------

@dataclass(frozen=True)
class TimelineEntry:
    day: str  # YYYY-MM-DD
    kind: str  # a record kind, "class", "group", or a section name
    kind_label: str
    title: str
    text: str
    source: str | None  # sending school's name for imported entries
    author: str | None = None


def _record_title(r: dict) -> str:
    kind = r["kind"]
    parts = [K.kind_label(kind)]
    cat = K.category_label(kind, r.get("category"))
    if cat:
        parts.append(cat)
    if r.get("severity"):
        parts.append(K.SEVERITIES.get(r["severity"], r["severity"]))
    return " · ".join(parts)


def record_text(r: dict) -> str:
    if r.get("redacted"):
        return msg("（辅导内容保密，仅心理健康教师可见）", "(content confidential: counselors only)")
    text = r.get("text") or ""
    if r["kind"] == K.HOME_VISIT:
        text = msg(f"家访人员：{r.get('visitors') or '—'}；在场：{r.get('present') or '—'}。{text}",
                   f"Visitors: {r.get('visitors') or '—'}; present: {r.get('present') or '—'}. {text}")
    return text


def timeline(doc: dict, kinds: set[str] | None = None) -> list[TimelineEntry]:
    """Everything dated in the archive, oldest first; ``kinds`` filters (record kinds, "class",
    "group", section names)."""
    out: list[TimelineEntry] = []

    def want(k: str) -> bool:
        return kinds is None or k in kinds

    def src(d: dict) -> str | None:
        s = d.get("source")
        return s.get("school_name") if s else None

    for r in doc.get("records", []):
        if want(r["kind"]):
            out.append(TimelineEntry(r["date"], r["kind"], K.kind_label(r["kind"]), _record_title(r),
                                     record_text(r), src(r), r.get("author")))
    if want("group"):
        for g in doc.get("group_history", []):
            out.append(TimelineEntry(g["set_on"], "group", K.kind_label(K.GROUP_CHANGE), g["label"] or "",
                                     msg("列入", "added") + (msg(f"，{g['cleared_on']} 解除", f", cleared {g['cleared_on']}")
                                                            if g.get("cleared_on") else ""), src(g)))
    if want("class"):
        for h in doc.get("class_history", []):
            label = f"{h['grade']}({h['class_number']})班" if h.get("class_number") else h["grade"]
            out.append(TimelineEntry(h["school_year"][:4] + "-09-01", "class", msg("就读", "class"),
                                     f"{h['school_year']} {h['school_name']}", label, src(h)))
    for name, data in doc.get("sections", {}).items():
        if want(name) and isinstance(data, dict):
            for item in data.get("items") or []:
                out.append(TimelineEntry(str(item.get("date", "")), name, section_title(name),
                                         str(item.get("title", "")), str(item.get("text", "")), None,
                                         item.get("author")))
    out.sort(key=lambda e: (e.day, e.kind))
    return out


def summary_lines(doc: dict) -> list[str]:
    """A few plain sentences about the archive (empty-safe: an empty archive says so)."""
    st = doc["student"]
    sex = {"M": "男", "F": "女"}.get(st["sex"], st["sex"])
    lines = [msg(f"{st['name']}，{sex}，"
                 f"{st['birth_date'] or '出生日期未登记'}出生，现{st['class_label'] or '未分班'}。",
                 f"{st['name']}, born {st['birth_date'] or 'unknown'}, now in {st['class_label'] or 'no class'}.")]
    counts: dict[str, int] = {}
    for r in doc.get("records", []):
        counts[r["kind"]] = counts.get(r["kind"], 0) + 1
    if counts:
        parts = [f"{K.kind_label(k)} {n} 条" for k, n in sorted(counts.items(), key=lambda kv: K.KINDS.index(kv[0]))]
        lines.append(msg("成长记录：" + "，".join(parts) + "。", "Records: " + ", ".join(parts) + "."))
    elif doc.get("edition") == "transfer":
        # Not "no records": the screenings and levels below are records too; this edition simply
        # carries only the kinds the school's policy lets travel.
        travel = "、".join(K.kind_label(k) for k in (doc.get("policy") or {}).get("kinds", []))
        lines.append(msg(f"成长记录（观察、家访、家长联系等）：按本校转移政策，本版只含{travel or '—'}，目前没有这类记录。",
                         "Records (observations, home visits …): none of the kinds this edition carries."))
    else:
        lines.append(msg("成长记录（观察、家访、家长联系、辅导等）：暂无。", "Records (observations, home visits …): none yet."))
    active = [g["label"] for g in doc.get("group_history", []) if not g.get("cleared_on")]
    if active:
        lines.append(msg("当前特殊群体：" + "、".join(active) + "。", "Special groups: " + ", ".join(active) + "."))
    for name, data in doc.get("sections", {}).items():
        if isinstance(data, dict) and data.get("summary"):
            lines.append(f"{section_title(name)}：{data['summary']}")
    prev = [p["school_name"] for p in doc.get("previous_schools", [])]
    if prev:
        lines.append(msg("转入档案来自：" + "、".join(prev) + "。", "Archives received from: " + ", ".join(prev) + "."))
    return lines


def series_of(doc: dict) -> list[dict]:
    """Every score series for the trend chart, from this school's sections and previous schools'."""
    out = []
    for data in doc.get("sections", {}).values():
        if isinstance(data, dict):
            out += [s for s in data.get("series") or [] if s.get("points")]
    for prev in doc.get("previous_schools", []):
        for data in prev.get("sections", {}).values():
            if isinstance(data, dict):
                out += [{**s, "name": f"{s.get('name', '')}（{prev['school_name']}）"}
                        for s in data.get("series") or [] if s.get("points")]
    return out


# --- the service entry point -------------------------------------------------------------------

def view_archive(ctx, student_id: int) -> dict[str, Any]:
    """The archive as the acting user may see it (in-app view), audited as a view."""

    ctx.require("archive.read")
    with ctx.db.write() as s:
        st = roster._get_scoped(ctx, s, student_id)
        doc = build_document(s, st.id, BuildOptions(edition="full",
                                                    may_read_counselling=ctx.actor.can("counselling.read"),
                                                    counselling_key=ctx.counselling_key,
                                                    policy=load_policy(s), exporter_name=ctx.actor.display_name))
        audit.record_for(ctx, s, "archive.view", student_id=st.id, detail={"what": "archive"})
    return doc


def set_transfer_policy(ctx, policy: TransferPolicy) -> None:
    """The school's choice of what travels in transfer files (administrators)."""

    ctx.require("school.manage")
    with ctx.db.write() as s:
        value = json.dumps(policy.to_json(), ensure_ascii=False, sort_keys=True)
        row = s.get(Meta, POLICY_META_KEY)
        if row is None:
            s.add(Meta(key=POLICY_META_KEY, value=value))
        else:
            row.value = value
        audit.record_for(ctx, s, "archive.policy", detail=policy.to_json())
