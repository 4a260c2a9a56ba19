"""What the district sees: each school's figures from its file, the district's totals, and which
schools have not sent a file (``xadesk district summary`` / ``district report``).

Totals add up the numbers the schools' files show; a school's hidden cell ("<5", "×") is not
added, and ``hidden`` says how many schools' cells were left out, so a total is never presented as
more exact than it is. Rates are weighted by each school's students; counts are summed.
"""

from __future__ import annotations

from collections import Counter

from ..reports.figures import PlanIndicator, Report, Table
from ..reports.indicators import TARGETS
from ..services.context import AppContext
from ..services.login import now_utc
from .store import schools

SUMMED = {"monitor_trainings", "lessons", "activities"}
PLAN_META = {  # id -> (label, unit)
    "archive_rate": ("建档率", "%"), "screening_rate": ("测评覆盖率", "%"), "home_visit_rate": ("家访覆盖率", "%"),
    "monitors_per_class": ("初中及以上每班健康委员（平均）", "名"), "monitor_trainings": ("健康委员培训（次）", "次"),
    "counselors_per_1000": ("专职心理健康教师（每千名学生）", "名"), "training_hours": ("教职工人均培训学时", "小时"),
    "awareness": ("心理健康核心知识知晓率", "%"), "lessons": ("心理健康课（节）", "节"),
    "activities": ("主题教育活动（次）", "次"),
}


def _num(v) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def summary(ctx: AppContext, period: str | None = None) -> dict:
    period, entries = schools(ctx, period)
    rows, missing = [], []
    level_codes: list[str] = []
    level_names: dict[str, str] = {}
    for e in entries:
        if e.payload is None:
            missing.append(e.name)
            continue
        p = e.payload
        for c, n in (p.get("level_names") or {}).items():
            level_names.setdefault(c, str(n))
        for c in p["levels"]:
            if c not in level_codes:
                level_codes.append(c)
        rows.append({"name": e.name, "code": e.code, "students": p["students"], "screened": p.get("screened"),
                     "levels": p["levels"], "indicators": p["indicators"],
                     "submitted_at": e.exported_at.isoformat(timespec="seconds") + "Z" if e.exported_at else None})
    # Two schools of one name (a county can have two 第一小学) are told apart wherever rows are shown.
    same = Counter(r["name"] for r in rows)
    seen: Counter = Counter()
    for r in rows:
        seen[r["name"]] += 1
        if same[r["name"]] == 1:
            r["label"] = r["name"]
        elif r["code"]:
            r["label"] = f"{r['name']}（代码 {r['code']}）"
        else:
            r["label"] = f"{r['name']}（同名学校之{seen[r['name']]}）"
    total_levels, hidden = Counter(), Counter()
    for r in rows:
        for c in level_codes:
            v = r["levels"].get(c)
            if _num(v):
                total_levels[c] += v
            elif v is not None:
                hidden[c] += 1
    students = sum(r["students"] for r in rows)
    screened = sum(r["screened"] for r in rows if _num(r["screened"]))
    indicators: dict[str, float | None] = {}
    for key in PLAN_META:
        vals = [(r["indicators"].get(key), r["students"]) for r in rows if _num(r["indicators"].get(key))]
        if not vals:
            indicators[key] = None
        elif key in SUMMED:
            indicators[key] = float(sum(v for v, _ in vals))
        else:
            weight = sum(n for _, n in vals)
            indicators[key] = round(sum(v * n for v, n in vals) / weight, 4) if weight else None
    return {"period": period, "schools": rows, "missing": missing, "level_names": level_names,
            "total": {"schools": len(rows), "expected": len(rows) + len(missing), "students": students,
                      "screened": screened, "screened_hidden": sum(1 for r in rows if not _num(r["screened"])),
                      "levels": {c: total_levels[c] for c in level_codes},
                      "levels_hidden": {c: hidden[c] for c in level_codes}, "indicators": indicators}}


def district_report(ctx: AppContext, period: str | None = None, *, district_name: str = "") -> Report:
    data = summary(ctx, period)
    codes = list(data["total"]["levels"])
    names = {c: data["level_names"].get(c, c) for c in codes}
    tables: list[Table] = []
    school_rows = [r["label"] for r in data["schools"]] + ["合计"]
    values = [[r["students"], r["screened"], *[r["levels"].get(c) for c in codes]] for r in data["schools"]]
    t = data["total"]
    values.append([t["students"], t["screened"], *[t["levels"][c] for c in codes]])
    tables.append(Table("district_schools", "各校学生、测评与预警人数", "学校", school_rows,
                        ["学生数", "已测评", *[names[c] for c in codes]], values, counts=False))
    tables.append(Table("district_levels", "全区县各预警等级人数（已显示部分之和）", "范围", ["合计"],
                        [names[c] for c in codes],
                        [[t["levels"][c] for c in codes]], counts=False, chart="bar", colours=["#2a6f97"] * len(codes)))
    plan_keys = list(PLAN_META)
    pv = [[r["indicators"].get(k) for k in plan_keys] for r in data["schools"]]
    pv.append([t["indicators"][k] for k in plan_keys])
    plan_table = Table("district_plan", "各校行动方案指标", "学校", school_rows, [PLAN_META[k][0] for k in plan_keys],
                       pv, counts=False)
    plan_table.rates = {(r, c): ((r, c), (r, c)) for r in range(len(school_rows)) for c, k in enumerate(plan_keys)
                        if PLAN_META[k][1] == "%"}
    tables.append(plan_table)
    tables.append(Table("district_missing", "尚未上报的学校", "学校", data["missing"] or ["（无）"], ["状态"],
                        [["未上报"] for _ in data["missing"]] or [["—"]], counts=False))
    plan = [PlanIndicator(k, PLAN_META[k][0], t["indicators"][k], TARGETS.get(k), PLAN_META[k][1],
                          source="各校上报文件") for k in plan_keys if k not in SUMMED]
    plan_rows = [[p.shown_value(), p.shown_target(), {True: "达标", False: "未达标", None: "—"}[p.met]] for p in plan]
    tables.insert(0, Table("plan", "行动方案指标（全区县）", "指标", [p.label for p in plan], ["本期", "目标", "结论"],
                           plan_rows, counts=False))
    lines = [("已上报学校", f"{t['schools']} / {t['expected']}"), ("学生人数", str(t["students"])),
             ("已测评", str(t["screened"]) + (f"（另有 {t['screened_hidden']} 校未显示）" if t["screened_hidden"] else "")),
             ("在册预警（已显示部分）", str(sum(t["levels"].values())))]
    if data["missing"]:
        shown = "、".join(data["missing"][:10]) + (f" 等 {len(data['missing'])} 所" if len(data["missing"]) > 10 else "")
        lines.append(("尚未上报", shown))
    return Report(district_name or "区县", "", f"{data['period']}学年", data["period"], "全区县", "district",
                  now_utc().isoformat(timespec="seconds") + "Z", False, {"students": t["students"]}, tables, plan,
                  summary_lines=lines, title="学生心理健康工作汇总报告")
