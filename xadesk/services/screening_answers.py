"""Answers coming in, scores going out: one item at a time (kiosk) or a whole file at once.

API::

    record_answer(ctx, campaign_id, student_id, instrument_id, index, value, seconds, *, mode="kiosk",
                  source="") -> AnswerState
        Commits ONE answer in its own transaction (value None = skipped). When the last shown item
        is passed the response completes and is scored in the same transaction. A safety rule that
        already holds on the answers given so far raises an alert at once (rules that only fire on
        blanks wait for completion, since "not yet reached" is not a refusal).
    response_state(ctx, campaign_id, student_id, instrument_id) -> AnswerState   # resume after a crash
    ingest(ctx, s, campaign, instrument_id, rows, *, mode, source) -> IngestStats
        The batch path for files, packs and paper: inside the caller's write transaction; vectorised
        scoring; the same answers again change nothing; answers that disagree with a stored response
        from another source become a conflict (never merged).
    rescore(ctx, campaign_id, instrument_id=None) -> int
    alerts(ctx, campaign_id=None, open_only=True) -> list[AlertRow];  acknowledge_alert(ctx, alert_id, note)
    conflicts(ctx, campaign_id, open_only=True) -> list[ConflictRow];  resolve_conflict(ctx, id, "a" | "b")

The safety path: every answer set this module stores or holds — a completed response when it is
scored, an unfinished one (kiosk or lab session that stopped), the second copy kept as a conflict —
is read by ``screening.critical``; each safety rule that holds raises an alert (``ScreeningAlert``,
with the time of the answer) and, in the same transaction, a safety-floor proposal in the review
queue (``grid.floor``); a complete response with a critical item left blank adds a
"未作答关键题，需核实" entry. Every route (kiosk, lab pack, paper, 问卷星, score-layout file, conflict,
re-import) passes through ``record_answer`` or ``ingest``, so none can stop short of the queue.

Item answers are counselling content (``xadesk.compartment.answers``): every route seals them to the
counselling public key as it stores them, so a session without the counselling key writes them and
runs the safety path on the plaintext in hand, while reading them back (rescoring, resuming a kiosk
response after a restart, a conflict, a comparison with answers stored earlier) needs the key: such
reads are refused with :func:`answers.locked`, except where a comparison can be skipped safely
(``ingest`` then stores the new copy as a replacement from the same source or as a conflict).

Scores are append-only: a response scored again (rescore, a conflict resolved to "b", a corrected
import) supersedes its current score row (``superseded_at``) and adds a new one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from ..compartment import answers as sealed
from ..domain.grades import GRADE_BY_CODE, class_label
from ..errors import NotFound, UserError
from ..grid import floor
from ..instruments.definition import Definition, Rule
from ..scoring import score
from ..screening import battery, critical
from ..screening.battery import AnswerState
from ..storage.models import SchoolClass, Student
from ..storage.models_screening import (
    Campaign,
    CampaignInstrument,
    CampaignTarget,
    ScreeningAlert,
    ScreeningConflict,
    ScreeningResponse,
    ScreeningScaleScore,
    ScreeningScore,
)
from . import audit
from .campaigns import load, require_open
from .context import AppContext
from .instruments import definition
from .login import now_utc


def battery_definition(s: Session, campaign: Campaign, instrument_id: str) -> Definition:
    e = s.scalar(select(CampaignInstrument).where(CampaignInstrument.campaign_id == campaign.id,
                                                  CampaignInstrument.instrument_id == instrument_id))
    if e is None:
        raise NotFound(f"测评活动“{campaign.name}”不包含量表 {instrument_id}。",
                       f"Campaign {campaign.name!r} has no instrument {instrument_id}.")
    return definition(s, e.instrument_id, e.version)


def _target(s: Session, campaign: Campaign, student_id: int) -> CampaignTarget:
    t = s.scalar(select(CampaignTarget).where(CampaignTarget.campaign_id == campaign.id,
                                              CampaignTarget.student_id == student_id))
    if t is None:
        raise UserError("该学生不在这次测评的对象中。", "This student is not a target of the campaign.")
    return t


def _state(defn: Definition, answers: Sequence[float | None], seconds: Sequence[float | None]) -> AnswerState:
    shown = battery.shown_items(defn, answers)
    point = battery.resume_point(defn, answers, seconds)
    return AnswerState(defn.id, point, sum(answers[j] is not None for j in shown), len(shown), point is None)


def codec(ctx: AppContext, s: Session) -> sealed.Codec:
    """Sealing and opening item answers in this transaction, with this session's key and memory."""
    return sealed.Codec(s, ctx.counselling_key, ctx.answer_memory)


def _row(r: ScreeningResponse) -> str:
    return sealed.response_row(r.campaign_id, r.student_id, r.instrument_id)


def _seal_response(k: sealed.Codec, r: ScreeningResponse, answers: Sequence[float | None],
                   seconds: Sequence[float | None]) -> None:
    counselling = r.mode != sealed.TEACHER_MODE
    r.answers_json = k.seal(sealed.RESPONSE, _row(r), "answers_json", answers, counselling=counselling)
    r.seconds_json = k.seal(sealed.RESPONSE, _row(r), "seconds_json", seconds, counselling=counselling)


def open_response(k: sealed.Codec, r: ScreeningResponse, what_zh: str = "读出这份作答",
                  what_en: str = "Reading this response") -> tuple[list[float | None], list[float | None]]:
    """A response's answers and seconds; refused (``answers.locked``) when sealed and unreadable here."""
    return (k.need(sealed.RESPONSE, _row(r), "answers_json", r.answers_json, what_zh, what_en),
            k.need(sealed.RESPONSE, _row(r), "seconds_json", r.seconds_json, what_zh, what_en))


RESUME_ZH, RESUME_EN = "继续这份中途中断的问卷", "Continuing this interrupted questionnaire"


def current_answers(ctx: AppContext, s: Session, defn: Definition, r: ScreeningResponse | None
                    ) -> tuple[list[float | None], list[float | None]]:
    """Where a student is in one questionnaire (the kiosk's next item); empty when not started."""
    if r is None:
        return battery.empty(defn)
    return open_response(codec(ctx, s), r, RESUME_ZH, RESUME_EN)


def response_state(ctx: AppContext, campaign_id: int, student_id: int, instrument_id: str) -> AnswerState:
    ctx.require("screening.manage")
    with ctx.db.read() as s:
        c = load(s, campaign_id)
        defn = battery_definition(s, c, instrument_id)
        r = find_response(s, c.id, student_id, instrument_id)
        if r is not None and r.status == "completed" and ctx.counselling_key is None:
            # Finished: the kiosk needs no answers to say so (a session without the key could not read them).
            return AnswerState(defn.id, None, defn.n_items, defn.n_items, True)
        return _state(defn, *current_answers(ctx, s, defn, r))


def find_response(s: Session, campaign_id: int, student_id: int, instrument_id: str) -> ScreeningResponse | None:
    """One student's response to one instrument of a campaign, inside the caller's session."""
    return s.scalar(select(ScreeningResponse).where(ScreeningResponse.campaign_id == campaign_id,
                                                    ScreeningResponse.student_id == student_id,
                                                    ScreeningResponse.instrument_id == instrument_id))


def record_answer(ctx: AppContext, campaign_id: int, student_id: int, instrument_id: str, index: int,
                  value: float | None, seconds: float | None, *, mode: str = "kiosk", source: str = "") -> AnswerState:
    """Commit one answer (its own transaction) and return where the student goes next."""
    ctx.require("screening.manage")
    with ctx.db.read() as s:
        closed = load(s, campaign_id).status == "closed"
    if closed:
        # The campaign was closed while the student was answering: the answer is not stored, but one
        # that makes a safety rule hold still reaches the review queue (committed), as a late file's does.
        with ctx.db.write() as s:
            late = _late_answer(ctx, s, load(s, campaign_id), student_id, instrument_id, index, value)
        raise late
    with ctx.db.write() as s:
        c = load(s, campaign_id)
        require_open(c)
        _target(s, c, student_id)
        defn = battery_definition(s, c, instrument_id)
        value = battery.check_value(defn, index, value)
        now = now_utc()
        k = codec(ctx, s)
        r = find_response(s, c.id, student_id, instrument_id)
        if r is None:
            answers, secs = battery.empty(defn)
            r = ScreeningResponse(campaign_id=c.id, student_id=student_id, instrument_id=instrument_id,
                                  definition_version=defn.version, status="in_progress", mode=mode, source=source,
                                  answers_json="", seconds_json="", started_at=now, updated_at=now)
            s.add(r)
        else:
            if r.status == "completed":
                raise UserError("这份问卷已经完成，不能再修改。", "This questionnaire is already completed.")
            answers, secs = open_response(k, r, RESUME_ZH, RESUME_EN)
        if not battery.is_shown(defn, answers, index):
            raise UserError(f"第{index + 1}题现在不应出现。", f"Item {index + 1} is not shown now.")
        answers[index] = value
        secs[index] = max(0.0, float(seconds)) if seconds is not None else 0.0
        for j in range(defn.n_items):      # a changed answer can hide a conditional item again
            if not battery.is_shown(defn, answers, j):
                answers[j] = secs[j] = None
        _seal_response(k, r, answers, secs)
        r.updated_at = now
        s.flush()
        state = _state(defn, answers, secs)
        if state.completed:
            r.status, r.completed_at = "completed", now
            k.forget(sealed.RESPONSE, _row(r))
            score_responses(ctx, s, c, defn, [r], now, plain=[(answers, secs)])
            audit.record_for(ctx, s, "screening.answer", student_id=student_id, target=f"campaign:{c.id}",
                             detail={"instrument": instrument_id, "mode": mode})
        else:
            _SafetyPath(ctx, s, c, [r]).unfinished(defn, r, answers, now)
        return state


def _late_answer(ctx: AppContext, s: Session, c: Campaign, student_id: int, instrument_id: str, index: int,
                 value: float | None) -> UserError:
    """The refusal of an answer given after the campaign closed; raised at once (rolling back) when
    the answer says nothing for safety, returned once its queue entry is made otherwise."""
    refusal = UserError(f"测评活动“{c.name}”已结束，不能再录入作答。",
                        f"Campaign {c.name!r} is closed; no more answers can be recorded.")
    _target(s, c, student_id)
    defn = battery_definition(s, c, instrument_id)
    value = battery.check_value(defn, index, value)
    r = find_response(s, c.id, student_id, instrument_id)
    # The answers so far (sealed: readable with the key or from this session's memory); without them the
    # late answer is still judged on its own, so the safety check never waits for the key.
    stored = codec(ctx, s).open(sealed.RESPONSE, _row(r), "answers_json", r.answers_json) if r is not None else None
    answers = list(stored) if stored is not None else battery.empty(defn)[0]
    answers[index] = value
    if not held_answers(ctx, s, c, defn, student_id, answers, "活动结束时学生仍在作答，这一答未保存", complete=False):
        raise refusal
    return refusal


# --- the safety path -----------------------------------------------------------------------------

CONFLICT_NOTE = "另一份作答（待处理的重复作答）"


class _SafetyPath:
    """Alerts and floor proposals for one transaction and one campaign (existing ones read once)."""

    def __init__(self, ctx: AppContext, s: Session, c: Campaign, responses: Sequence[ScreeningResponse]) -> None:
        self.s, self.c = s, c
        self.floor = floor.Floor(ctx, s, c.id, [r.student_id for r in responses])
        ids = [r.id for r in responses if r.id is not None]
        self.alerted: set[tuple[int, str]] = set()
        for chunk in range(0, len(ids), 500):
            self.alerted |= set(s.execute(select(ScreeningAlert.response_id, ScreeningAlert.flag)
                                          .where(ScreeningAlert.response_id.in_(ids[chunk:chunk + 500]))).tuples())

    def raise_(self, defn: Definition, r: ScreeningResponse, rules: Sequence[Rule], answered_at: datetime,
               now: datetime, note: str = "") -> None:
        """The alert and the safety-floor proposal for each safety rule that holds, together."""
        for rule in rules:
            flag = f"safety:{rule.id}"
            if (r.id, flag) not in self.alerted:
                self.alerted.add((r.id, flag))
                self.s.add(ScreeningAlert(campaign_id=self.c.id, student_id=r.student_id, response_id=r.id,
                                          instrument_id=r.instrument_id, flag=flag,
                                          label=(f"{note}：" if note else "") + rule.label_zh, created_at=now,
                                          answered_at=answered_at))
            self.floor.safety(r.student_id, defn, rule, answered_at, note)

    def unfinished(self, defn: Definition, r: ScreeningResponse, answers: Sequence[float | None],
                   now: datetime) -> None:
        """An unfinished response (kiosk or lab session still open, or stopped): what it already says."""
        hits = critical.safety_hits(defn, answers, complete=False)
        if hits:
            self.raise_(defn, r, hits, r.updated_at or now, now)

    def conflict_copy(self, defn: Definition, r: ScreeningResponse, answers: Sequence[float | None],
                      complete: bool, answered_at: datetime, now: datetime) -> None:
        """A second copy waiting as a conflict is read now, not when someone resolves it."""
        hits = critical.safety_hits(defn, answers, complete=complete)
        if hits:
            self.raise_(defn, r, hits, answered_at, now, note=CONFLICT_NOTE)


def held_answers(ctx: AppContext, s: Session, c: Campaign, defn: Definition, student_id: int,
                 answers: Sequence[float | None], note: str, answered_at: datetime | None = None, *,
                 complete: bool = True) -> int:
    """Answers held outside a response, waiting for something (a paper sheet's first pass waiting
    for its second): a safety rule that holds on them puts the student in the review queue now.
    There is no response to hang an alert on yet; the alert comes when the answers are stored."""
    hits = critical.safety_hits(defn, answers, complete=complete)
    if hits:
        f = floor.Floor(ctx, s, c.id, [student_id])
        for rule in hits:
            f.safety(student_id, defn, rule, answered_at or now_utc(), note)
    return len(hits)


# --- scoring -------------------------------------------------------------------------------------

def score_responses(ctx: AppContext, s: Session, c: Campaign, defn: Definition,
                    responses: Sequence[ScreeningResponse], now: datetime, *, supersede: bool = True,
                    path: _SafetyPath | None = None,
                    plain: Sequence[tuple[Sequence[float | None], Sequence[float | None]]] | None = None) -> None:
    """Score completed responses with ``defn`` (vectorised) and store one score row per response;
    then the safety path (alerts, floor proposals, blank critical items) for each.

    ``plain``: the answers and seconds of each response as the caller holds them (what it has just
    stored); without it they are opened here, which needs the counselling key (a rescore)."""
    pairs = list(zip(responses, plain, strict=True)) if plain is not None else None
    if pairs is None:
        k = codec(ctx, s)
        pairs = [(r, open_response(k, r, "重新计分", "Scoring again")) for r in responses if r.status == "completed"]
    pairs = [(r, p) for r, p in pairs if r.status == "completed"]
    if not pairs:
        return
    responses = [r for r, _ in pairs]
    n = len(responses)
    X = np.full((n, defn.n_items), np.nan)
    secs = np.full((n, defn.n_items), np.nan)
    for i, (_r, (a, sec)) in enumerate(pairs):
        X[i] = [np.nan if v is None else v for v in a]
        secs[i] = [np.nan if v is None else v for v in sec]
    ids = [r.student_id for r in responses]
    info = {}
    for chunk in range(0, n, 900):
        part = ids[chunk:chunk + 900]
        info.update({sid: (g, sex) for sid, g, sex in s.execute(
            select(Student.id, SchoolClass.grade_code, Student.sex)
            .outerjoin(SchoolClass, SchoolClass.id == Student.class_id).where(Student.id.in_(part)))})
    grades = np.array([GRADE_BY_CODE[info[i][0]].level if info.get(i, (None,))[0] in GRADE_BY_CODE else 0
                       for i in ids])
    sexes = np.array([info.get(i, (None, ""))[1] or "" for i in ids], dtype=object)
    result = score(defn, X, seconds=secs, grades=grades, sexes=sexes)
    if supersede:
        s.execute(update(ScreeningScore).where(ScreeningScore.response_id.in_([r.id for r in responses]),
                                               ScreeningScore.superseded_at.is_(None)).values(superseded_at=now))
    safety_labels = {f"safety:{rule.id}" for rule in defn.rules if rule.kind == "safety"}
    score_rows = []
    for i, r in enumerate(responses):
        flags = result.flags_of(i)
        score_rows.append({"response_id": r.id, "campaign_id": c.id, "instrument_id": defn.id,
                           "definition_version": defn.version, "definition_digest": defn.digest,
                           "valid": bool(result.valid[i]), "safety": any(f in safety_labels for f in flags),
                           "flags_json": json.dumps(flags), "scored_at": now, "superseded_at": None})
    score_ids = list(s.scalars(insert(ScreeningScore).returning(ScreeningScore.id, sort_by_parameter_order=True),
                               score_rows))
    scale_rows = []
    for sid in defn.scale_ids:
        sc = result.scales[sid]
        for i in range(n):
            band = result.band_of(sid, i)
            scale_rows.append({"score_id": score_ids[i], "scale_id": sid, "raw": _f(sc.raw[i]), "t": _f(sc.t[i]),
                               "percentile": _f(sc.percentile[i]), "band": band[0] if band else None,
                               "band_label": band[1] if band else None, "rule": result.rule_of(sid, i)})
    if scale_rows:
        s.execute(insert(ScreeningScaleScore), scale_rows)
    rules = {f"safety:{rule.id}": rule for rule in defn.rules if rule.kind == "safety"}
    crit = list(defn.critical_items)
    path = path or _SafetyPath(ctx, s, c, responses)
    for i, r in enumerate(responses):
        answered_at = r.completed_at or now
        hits = [rules[f] for f in result.flags_of(i) if f in rules]
        if hits:
            path.raise_(defn, r, hits, answered_at, now)
        if crit and np.isnan(X[i, crit]).any():
            blank = critical.blank_critical(defn, [None if np.isnan(v) else float(v) for v in X[i]])
            path.floor.blank(r.student_id, defn, blank, answered_at)
        if r.definition_version != defn.version:
            r.definition_version = defn.version
    s.flush()


def _f(x: float) -> float | None:
    return None if np.isnan(x) else float(x)


# --- batch ingest --------------------------------------------------------------------------------

@dataclass
class Incoming:
    """One student's answers to one instrument from a file, a pack or a paper grid."""

    student_id: int
    answers: list[float | None]
    seconds: list[float | None] | None = None
    completed: bool = True
    completed_at: datetime | None = None
    row: int | None = None          # where it came from, for messages


@dataclass
class IngestStats:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicts: int = 0
    conflict_students: list[int] = field(default_factory=list)

    def merge(self, other: IngestStats) -> None:
        self.added += other.added
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.conflicts += other.conflicts
        self.conflict_students += other.conflict_students

    def to_json(self) -> dict:
        return {"added": self.added, "updated": self.updated, "unchanged": self.unchanged, "conflicts": self.conflicts}


def _same(a: Sequence[float | None], b: Sequence[float | None]) -> bool:
    return len(a) == len(b) and all(x == y for x, y in zip(a, b, strict=True))


def _extends(old: Sequence[float | None], new: Sequence[float | None]) -> bool:
    """Every answer already stored is also in ``new`` (an unfinished response being continued)."""
    return all(o is None or o == n for o, n in zip(old, new, strict=True))


def ingest(ctx: AppContext, s: Session, c: Campaign, instrument_id: str, rows: Sequence[Incoming], *, mode: str,
           source: str, now: datetime | None = None) -> IngestStats:
    """Store many responses of one instrument inside the caller's write transaction (see module doc).

    The answers are sealed as they are stored and scored from the plaintext in hand. Comparing with a
    response stored earlier needs its answers: a session without the counselling key cannot open
    them, so an incoming copy from the same mode and source replaces the stored one (as a corrected
    file does) and one from elsewhere is kept as a conflict for a key holder to decide."""
    now = now or now_utc()
    defn = battery_definition(s, c, instrument_id)
    k = codec(ctx, s)
    counselling = mode != sealed.TEACHER_MODE
    stats = IngestStats()
    existing = {r.student_id: r for r in s.scalars(select(ScreeningResponse).where(
        ScreeningResponse.campaign_id == c.id, ScreeningResponse.instrument_id == instrument_id))}
    new_rows, to_score, to_score_plain = [], [], []
    new_plain: dict[int, tuple[list, list]] = {}
    unfinished: list[tuple[ScreeningResponse, list]] = []
    conflict_copies: list[tuple[ScreeningResponse, list, bool, datetime]] = []
    for inc in rows:
        answers = [None if v is None else float(v) for v in inc.answers]
        secs = list(inc.seconds) if inc.seconds is not None else [None] * defn.n_items
        # A completed response needs no "passed" marks: unknown seconds stay unknown (None), so the
        # too-fast check is not run on invented times.
        status = "completed" if inc.completed else "in_progress"
        r = existing.get(inc.student_id)
        if r is None:
            row = sealed.response_row(c.id, inc.student_id, instrument_id)
            new_rows.append({"campaign_id": c.id, "student_id": inc.student_id, "instrument_id": instrument_id,
                             "definition_version": defn.version, "status": status, "mode": mode, "source": source,
                             "answers_json": k.seal(sealed.RESPONSE, row, "answers_json", answers,
                                                    counselling=counselling),
                             "seconds_json": k.seal(sealed.RESPONSE, row, "seconds_json", secs,
                                                    counselling=counselling),
                             "started_at": inc.completed_at or now, "updated_at": now,
                             "completed_at": (inc.completed_at or now) if inc.completed else None})
            new_plain[inc.student_id] = (answers, secs)
            stats.added += 1
            continue
        old = k.open(sealed.RESPONSE, _row(r), "answers_json", r.answers_json)
        if old is not None and _same(old, answers) and (r.status == "completed" or not inc.completed):
            stats.unchanged += 1
            continue
        continuing = old is not None and r.status == "in_progress" and _extends(old, answers)
        if continuing or (r.mode == mode and r.source == source):
            r.status, r.mode, r.source, r.updated_at = status, mode, source, now
            _seal_response(k, r, answers, secs)
            r.completed_at = (inc.completed_at or now) if inc.completed else None
            stats.updated += 1
            to_score.append(r)
            to_score_plain.append((answers, secs))
            if not inc.completed:
                unfinished.append((r, answers))
            continue
        if old is not None and not inc.completed and r.status == "completed" and _extends(answers, old):
            stats.unchanged += 1     # an unfinished copy of what is already complete here
            continue
        conflict_copies.append((r, answers, inc.completed, inc.completed_at or now))
        if _held_as_conflict(k, s, r, answers):
            stats.unchanged += 1
            continue
        kc = ScreeningConflict(campaign_id=c.id, response_id=r.id, student_id=r.student_id,
                               instrument_id=instrument_id, b_mode=mode, b_source=source, b_status=status,
                               b_answers_json="", b_seconds_json="", b_completed_at=inc.completed_at, created_at=now)
        s.add(kc)
        s.flush()  # the row id binds the sealed copy to this conflict
        kc.b_answers_json = k.seal(sealed.CONFLICT, str(kc.id), "b_answers_json", answers, counselling=counselling)
        kc.b_seconds_json = k.seal(sealed.CONFLICT, str(kc.id), "b_seconds_json", secs, counselling=counselling)
        stats.conflicts += 1
        stats.conflict_students.append(r.student_id)
    if new_rows:
        ids = list(s.scalars(insert(ScreeningResponse).returning(ScreeningResponse.id, sort_by_parameter_order=True),
                             new_rows))
        s.flush()
        fresh = s.scalars(select(ScreeningResponse).where(ScreeningResponse.id.in_(ids))).all() if len(ids) < 30_000 \
            else [s.get(ScreeningResponse, i) for i in ids]
        for r in fresh:
            if r.status == "completed":
                to_score.append(r)
                to_score_plain.append(new_plain[r.student_id])
            else:
                unfinished.append((r, new_plain[r.student_id][0]))
    s.flush()
    path = _SafetyPath(ctx, s, c, [*to_score, *(r for r, _ in unfinished), *(k[0] for k in conflict_copies)])
    score_responses(ctx, s, c, defn, to_score, now, path=path, plain=to_score_plain)
    for r, answers in unfinished:
        path.unfinished(defn, r, answers, now)
    for r, answers, complete, answered_at in conflict_copies:
        path.conflict_copy(defn, r, answers, complete, answered_at, now)
    return stats


def _held_as_conflict(k: sealed.Codec, s: Session, r: ScreeningResponse, answers: Sequence[float | None]) -> bool:
    """The same other copy is already waiting as a conflict (a file imported twice). Copies this
    session cannot open are not compared: at worst a key holder sees the same copy twice."""
    for kid, value in s.execute(select(ScreeningConflict.id, ScreeningConflict.b_answers_json)
                                .where(ScreeningConflict.response_id == r.id)):
        theirs = k.open(sealed.CONFLICT, str(kid), "b_answers_json", value)
        if theirs is not None and _same(theirs, answers):
            return True
    return False


# --- rescoring -----------------------------------------------------------------------------------

def rescore(ctx: AppContext, campaign_id: int | str, instrument_id: str | None = None) -> int:
    """Score completed responses again with the instrument's current definition; old scores are kept
    (superseded). Only responses whose current score used another definition are touched. Their
    answers are opened in one pass (one key exchange per import that wrote them), which needs the
    counselling key: a session without it is refused before anything changes."""
    ctx.require("screening.manage")
    n = 0
    with ctx.db.write() as s:
        c = load(s, campaign_id)
        now = now_utc()
        for e in s.scalars(select(CampaignInstrument).where(CampaignInstrument.campaign_id == c.id)).all():
            if instrument_id and e.instrument_id != instrument_id:
                continue
            defn = definition(s, e.instrument_id)
            stale_ids = set(s.scalars(
                select(ScreeningScore.response_id).where(ScreeningScore.campaign_id == c.id,
                                                         ScreeningScore.instrument_id == e.instrument_id,
                                                         ScreeningScore.superseded_at.is_(None),
                                                         ScreeningScore.definition_digest != defn.digest)))
            responses = [r for r in s.scalars(select(ScreeningResponse).where(
                ScreeningResponse.campaign_id == c.id, ScreeningResponse.instrument_id == e.instrument_id,
                ScreeningResponse.status == "completed")) if r.id in stale_ids]
            score_responses(ctx, s, c, defn, responses, now)
            e.version, e.digest = defn.version, defn.digest
            n += len(responses)
        audit.record_for(ctx, s, "campaign.rescore", target=f"campaign:{c.id}",
                         detail={"instrument": instrument_id, "responses": n})
    return n


# --- alerts --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AlertRow:
    id: int
    campaign_id: int
    student_id: int
    student_no: str
    name: str
    class_label: str
    instrument_id: str
    flag: str
    label: str
    created_at: datetime          # when the alert was raised (UTC)
    acknowledged_at: datetime | None
    answered_at: datetime | None = None   # when the student gave the answer (UTC): what people are shown
    instrument_name: str = ""             # display name ("PHQ-9")
    note: str | None = None               # how it was dealt with (e.g. a decision after an interview)

    @property
    def status(self) -> str:
        return "待处理" if self.acknowledged_at is None else "已处理"


def alerts(ctx: AppContext, campaign_id: int | str | None = None, *, open_only: bool = True,
           since_id: int = 0) -> list[AlertRow]:
    """Safety alerts for the counselor (poll with ``since_id`` = the last id seen)."""
    ctx.require("screening.manage")
    with ctx.db.read() as s:
        q = (select(ScreeningAlert, Student.student_no, Student.name, SchoolClass.grade_code, SchoolClass.number)
             .join(Student, Student.id == ScreeningAlert.student_id)
             .outerjoin(SchoolClass, SchoolClass.id == Student.class_id)
             .where(ScreeningAlert.id > since_id).order_by(ScreeningAlert.id))
        if campaign_id is not None:
            q = q.where(ScreeningAlert.campaign_id == load(s, campaign_id).id)
        if open_only:
            q = q.where(ScreeningAlert.acknowledged_at.is_(None))
        names: dict[str, str] = {}
        out = []
        for a, no, name, g, n in s.execute(q):
            if a.instrument_id not in names:
                try:
                    names[a.instrument_id] = definition(s, a.instrument_id).short_name
                except NotFound:
                    names[a.instrument_id] = a.instrument_id
            out.append(AlertRow(a.id, a.campaign_id, a.student_id, no, name, class_label(g, n) if g else "",
                                a.instrument_id, a.flag, a.label, a.created_at, a.acknowledged_at,
                                a.answered_at or a.created_at, names[a.instrument_id], a.note))
        return out


def acknowledge_alert(ctx: AppContext, alert_id: int, note: str = "") -> None:
    ctx.require("screening.manage")
    with ctx.db.write() as s:
        a = s.get(ScreeningAlert, alert_id)
        if a is None:
            raise NotFound("找不到这条预警。", "Alert not found.")
        if a.acknowledged_at is None:
            a.acknowledged_at, a.acknowledged_by, a.note = now_utc(), ctx.actor.user_id, note.strip() or None
            audit.record_for(ctx, s, "screening.alert", student_id=a.student_id, target=f"alert:{a.id}")


# --- conflicts -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ConflictSide:
    mode: str
    source: str
    status: str
    answers: tuple[float | None, ...] | None     # None: sealed, and this session holds no counselling key
    completed_at: datetime | None


@dataclass(frozen=True)
class ConflictRow:
    id: int
    student_id: int
    student_no: str
    name: str
    class_label: str
    instrument_id: str
    a: ConflictSide          # what is stored
    b: ConflictSide          # what arrived
    differing_items: tuple[int, ...]    # 1-based
    resolution: str | None

    @property
    def locked(self) -> bool:
        """The answers are sealed and this session cannot open them (nor decide the conflict)."""
        return self.a.answers is None or self.b.answers is None


def conflicts(ctx: AppContext, campaign_id: int | str, *, open_only: bool = True) -> list[ConflictRow]:
    ctx.require("screening.manage")
    with ctx.db.read() as s:
        c = load(s, campaign_id)
        q = (select(ScreeningConflict, ScreeningResponse, Student.student_no, Student.name, SchoolClass.grade_code,
                    SchoolClass.number)
             .join(ScreeningResponse, ScreeningResponse.id == ScreeningConflict.response_id)
             .join(Student, Student.id == ScreeningConflict.student_id)
             .outerjoin(SchoolClass, SchoolClass.id == Student.class_id)
             .where(ScreeningConflict.campaign_id == c.id).order_by(ScreeningConflict.id))
        if open_only:
            q = q.where(ScreeningConflict.resolution.is_(None))
        out = []
        kc = codec(ctx, s)
        for k, r, no, name, g, n in s.execute(q):
            a_ans = kc.open(sealed.RESPONSE, _row(r), "answers_json", r.answers_json)
            b_ans = kc.open(sealed.CONFLICT, str(k.id), "b_answers_json", k.b_answers_json)
            diff = () if a_ans is None or b_ans is None else \
                tuple(j + 1 for j, (x, y) in enumerate(zip(a_ans, b_ans, strict=True)) if x != y)
            out.append(ConflictRow(k.id, k.student_id, no, name, class_label(g, n) if g else "", k.instrument_id,
                                   ConflictSide(r.mode, r.source, r.status, _tuple(a_ans), r.completed_at),
                                   ConflictSide(k.b_mode, k.b_source, k.b_status, _tuple(b_ans), k.b_completed_at),
                                   diff, k.resolution))
        return out


def _tuple(values: Sequence[float | None] | None) -> tuple[float | None, ...] | None:
    return None if values is None else tuple(values)


def resolve_conflict(ctx: AppContext, conflict_id: int, keep: str) -> None:
    """``keep="a"``: the stored answers stay; ``"b"``: the other version replaces them and is scored
    (the old score is kept, superseded). Either way the decision is audited."""
    ctx.require("screening.manage")
    if keep not in ("a", "b"):
        raise UserError("请选择保留哪一份作答（A 或 B）。", "Choose which answers to keep (a or b).")
    with ctx.db.write() as s:
        k = s.get(ScreeningConflict, conflict_id)
        if k is None:
            raise NotFound("找不到这条重复作答记录。", "Conflict not found.")
        if k.resolution is not None:
            raise UserError("这条重复作答已经处理过。", "This conflict was already resolved.")
        now = now_utc()
        r = s.get(ScreeningResponse, k.response_id)
        kc = codec(ctx, s)
        # Deciding means comparing the two copies: both are opened (refused without the counselling key).
        what = ("处理重复作答", "Deciding a conflict")
        open_response(kc, r, *what)
        b_answers = kc.need(sealed.CONFLICT, str(k.id), "b_answers_json", k.b_answers_json, *what)
        b_seconds = kc.need(sealed.CONFLICT, str(k.id), "b_seconds_json", k.b_seconds_json, *what)
        if keep == "b":
            c = s.get(Campaign, k.campaign_id)
            r.status, r.mode, r.source, r.updated_at = k.b_status, k.b_mode, k.b_source, now
            _seal_response(kc, r, b_answers, b_seconds)   # sealed again, bound to the response's row
            r.completed_at = (k.b_completed_at or now) if k.b_status == "completed" else None
            s.flush()
            score_responses(ctx, s, c, battery_definition(s, c, r.instrument_id), [r], now,
                            plain=[(b_answers, b_seconds)])
        k.resolution, k.resolved_at, k.resolved_by = keep, now, ctx.actor.user_id
        audit.record_for(ctx, s, "campaign.conflict", student_id=k.student_id, target=f"campaign:{k.campaign_id}",
                         detail={"instrument": k.instrument_id, "keep": keep})
