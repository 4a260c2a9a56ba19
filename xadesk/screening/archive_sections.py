"""The screening area's part of a student's growth archive (``screenings``).

One item per campaign and instrument the student took (date, campaign, each scale's raw score and
band), a line for campaigns the student was excused from, a one-paragraph summary, and ``series``
— one line per instrument's total score (or its scales when it has no total) across campaigns, so
the archive's trend chart shows each scale over the years.

What never travels: item answers, response times, the counselor's alert notes. The full edition
(counselors) names raised safety flags; the transfer edition gives scores and bands only — the
warning grid's levels say what the sending school concluded from them.
"""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..archive.document import current_options, register_section
from ..services.instruments import definition
from ..storage.models_screening import (
    Campaign,
    CampaignTarget,
    ScreeningResponse,
    ScreeningScaleScore,
    ScreeningScore,
)

# Bands that are not a reason for attention (the built-ins' lowest bands); anything else counts.
_LOW_BANDS = {"", "minimal", "mild", "below", "none", "normal", "negative", "low"}
EXCUSED = {"absent": "缺席", "declined": "未参加（本人或家长拒绝）"}
_SHORT = re.compile(r"（([^（）]+)）\s*$")


def _number(x: float | None) -> str:
    if x is None:
        return "—"
    r = round(float(x), 1)
    return str(int(r)) if r.is_integer() else str(r)


class _Names:
    """Instrument and scale names from the definitions (cached per archive; a definition the
    school has since removed falls back to its id)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._defs: dict[tuple[str, int], object | None] = {}

    def definition(self, instrument_id: str, version: int):
        key = (instrument_id, version)
        if key not in self._defs:

            try:
                self._defs[key] = definition(self.session, instrument_id, version)
            except Exception:  # a missing definition only costs the pretty name
                self._defs[key] = None
        return self._defs[key]

    def instrument(self, instrument_id: str, version: int) -> str:
        d = self.definition(instrument_id, version)
        if d is None:
            return instrument_id
        m = _SHORT.search(d.name_zh)
        return m.group(1) if m else d.name_zh

    def scale(self, instrument_id: str, version: int, scale_id: str) -> str:
        d = self.definition(instrument_id, version)
        if d is not None:
            for sc in d.scales:
                if sc.id == scale_id:
                    return sc.name_zh
        return scale_id

    def trend_scales(self, instrument_id: str, version: int, present: list[str]) -> list[str]:
        """The scales drawn in the trend chart: the total when there is one, else each scale."""
        if "total" in present:
            return ["total"]
        d = self.definition(instrument_id, version)
        kinds = {sc.id: sc.kind for sc in d.scales} if d is not None else {}
        return [sid for sid in present if kinds.get(sid, "scale") == "scale"][:4]


def _day_of(resp: ScreeningResponse, camp: Campaign) -> date:
    when = resp.completed_at or resp.updated_at
    if when is not None:
        return when.date()
    return camp.opens_on or camp.created_at.date()


def _results_visible(edition: str) -> bool:
    """Scores travel in transfer files (the school's policy); in the app only counselors see them —
    homeroom teachers and grade leaders see that a screening was taken, as in the screening area."""
    if edition == "transfer":
        return True
    opts = current_options()
    return opts is not None and opts.may_read_counselling


def _taken_only(items: list[dict]) -> dict:
    out = [{"date": it["date"], "title": it["title"], "text": "已参加" if "excused" not in it else it["text"].split("：")[0],
            "campaign": it["campaign"], "school_year": it["school_year"]} for it in items]
    years = sorted({it["school_year"] for it in items})
    return {"summary": f"参加心理测评 {len(out)} 项（{'、'.join(years)}）；测评结果仅心理健康教师可见。", "items": out,
            "answers_included": False, "results_included": False}


def screenings_section(session: Session, student_id: int, edition: str) -> dict | None:
    full = edition == "full"
    fetched = list(session.execute(
        select(ScreeningScore, ScreeningResponse, Campaign)
        .join(ScreeningResponse, ScreeningResponse.id == ScreeningScore.response_id)
        .join(Campaign, Campaign.id == ScreeningScore.campaign_id)
        .where(ScreeningResponse.student_id == student_id, ScreeningScore.superseded_at.is_(None),
               ScreeningResponse.status == "completed")))
    excused = list(session.execute(
        select(CampaignTarget, Campaign).join(Campaign, Campaign.id == CampaignTarget.campaign_id)
        .where(CampaignTarget.student_id == student_id, CampaignTarget.excused.is_not(None))))
    if not fetched and not excused:
        return None

    ids = [sc.id for sc, _, _ in fetched]
    scales: dict[int, list[ScreeningScaleScore]] = {}
    for i in range(0, len(ids), 900):
        for x in session.scalars(select(ScreeningScaleScore).where(ScreeningScaleScore.score_id.in_(ids[i:i + 900]))
                                 .order_by(ScreeningScaleScore.id)):
            scales.setdefault(x.score_id, []).append(x)

    names = _Names(session)
    items: list[dict] = []
    series: dict[str, dict] = {}
    concerning = 0
    campaigns: set[int] = set()
    for sc, resp, camp in sorted(fetched, key=lambda t: (_day_of(t[1], t[2]), t[0].instrument_id)):
        day = _day_of(resp, camp).isoformat()
        campaigns.add(camp.id)
        inst = names.instrument(sc.instrument_id, sc.definition_version)
        parts = []
        for x in scales.get(sc.id, []):
            label = names.scale(sc.instrument_id, sc.definition_version, x.scale_id)
            band = f"（{x.band_label}）" if x.band_label else ""
            parts.append(f"{label} {_number(x.raw)}{band}")
        text = "；".join(parts) if parts else "无有效分数"
        if not sc.valid:
            text += "。作答有效性存疑，结果仅供参考"
        if full and sc.safety:
            text += "。作答中出现安全提示，已由心理健康教师跟进"
        if sc.safety or any((x.band or "") not in _LOW_BANDS for x in scales.get(sc.id, [])):
            concerning += 1
        items.append({"date": day, "title": f"{camp.name} · {inst}", "text": text,
                      "campaign": camp.name, "school_year": camp.school_year, "semester": camp.semester,
                      "instrument": sc.instrument_id, "valid": sc.valid,
                      "scales": {x.scale_id: {"name": names.scale(sc.instrument_id, sc.definition_version, x.scale_id),
                                              "raw": x.raw, "band": x.band, "band_label": x.band_label}
                                 for x in scales.get(sc.id, [])}})
        present = [x.scale_id for x in scales.get(sc.id, []) if x.raw is not None]
        for sid in names.trend_scales(sc.instrument_id, sc.definition_version, present):
            raw = next(x.raw for x in scales[sc.id] if x.scale_id == sid)
            label = names.scale(sc.instrument_id, sc.definition_version, sid)
            entry = series.setdefault(f"{sc.instrument_id}:{sid}", {"name": f"{inst} {label}",
                                                                    "instrument": sc.instrument_id,
                                                                    "scale": sid, "points": []})
            entry["points"].append([day, raw])

    for target, camp in excused:
        if camp.id in campaigns:
            continue
        day = (camp.opens_on or camp.created_at.date()).isoformat()
        text = EXCUSED.get(target.excused or "", target.excused or "")
        if full and target.reason:
            text += f"：{target.reason}"
        items.append({"date": day, "title": f"{camp.name} · 未参加", "text": text, "campaign": camp.name,
                      "school_year": camp.school_year, "semester": camp.semester, "excused": target.excused})
    items.sort(key=lambda it: (it["date"], it["title"]))

    years = sorted({it["school_year"] for it in items})
    taken = len(fetched)
    summary = f"共参加 {len(campaigns)} 次测评（{'、'.join(years)}），完成量表 {taken} 份"
    # A screening is one source among several: a student on the grid because of a crisis or an
    # observation may have screened low, so the low case says where the level comes from instead of
    # sounding like an all-clear.
    summary += (f"，其中 {concerning} 份为中度及以上或超过界值" if concerning
                else "，分数均在正常或轻度范围（预警等级另由访谈、观察等综合认定）")
    missed = sum(1 for _t, c in excused if c.id not in campaigns)
    summary += f"；另有 {missed} 次未参加。" if missed else "。"
    for s in series.values():
        s["points"].sort()
    if not _results_visible(edition):
        return _taken_only(items)
    return {"summary": summary, "items": items,
            "series": [s for s in series.values() if s["points"]],
            "answers_included": False}


register_section("screenings", screenings_section, title=("心理测评", "screenings"), order=10)
