"""Warning levels: four ranked levels whose wording, colour, follow-up frequency and who must be told
are set per school (stored in ``grid_level``; these are the defaults).

The codes and ranks are fixed — ``L1`` (rank 1, most severe) … ``L4`` (关注, watch) — because the
safety floor, release approvals and reports refer to them; everything a person reads is editable.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from ..errors import UserError

L1, L2, L3, L4 = "L1", "L2", "L3", "L4"
LEVEL_CODES = (L1, L2, L3, L4)
RANK = {code: i + 1 for i, code in enumerate(LEVEL_CODES)}
NONE = "none"  # a decision that places the student on no level

# Roles that can be told about a level (see xadesk.services.roles).
NOTIFIABLE_ROLES = ("counselor", "leader", "grade_leader", "homeroom")


@dataclass(frozen=True)
class Level:
    code: str
    name: str            # 一级
    colour: str          # 红
    colour_hex: str      # "#D32F2F" for screens and charts
    meaning: str
    follow_up_days: int  # default tracking frequency for students at this level
    notify_roles: tuple[str, ...]

    @property
    def rank(self) -> int:
        return RANK[self.code]

    @property
    def label(self) -> str:
        """"一级（红）" / "关注"."""
        return f"{self.name}（{self.colour}）" if self.colour and self.colour not in self.name else self.name

    def to_json(self) -> dict:
        return {"id": self.code, "name": self.name, "colour": self.colour, "colour_hex": self.colour_hex,
                "meaning": self.meaning, "follow_up_days": self.follow_up_days,
                "notify_roles": list(self.notify_roles)}


DEFAULT_LEVELS: tuple[Level, ...] = (
    Level(L1, "一级", "红", "#D32F2F", "危机或急性风险：有自伤、自杀或伤人的紧迫风险，须立即处置、不得让学生独处",
          7, ("counselor", "leader", "grade_leader", "homeroom")),
    Level(L2, "二级", "橙", "#F57C00", "高风险：明显的心理困扰或安全提示，须尽快复核并制定跟踪方案",
          14, ("counselor", "leader", "homeroom")),
    Level(L3, "三级", "黄", "#FBC02D", "风险升高：困扰较明显，须定期跟踪",
          30, ("counselor", "homeroom")),
    Level(L4, "关注", "蓝", "#1976D2", "一般关注：近阈值或有观察提示，班主任日常留意",
          60, ("counselor", "homeroom")),
)


def default_levels() -> dict[str, Level]:
    return {lv.code: lv for lv in DEFAULT_LEVELS}


def check_code(code: str | None, *, allow_none: bool = False) -> str | None:
    """A level code from what a caller passes: a code (L1), a name (一级) or a colour (红)."""
    if code is None or (allow_none and str(code).strip() in ("", NONE, "无", "不列入")):
        if allow_none:
            return None
        raise UserError("请选择预警等级。", "Choose a warning level.", field="level")
    text = str(code).strip()
    if text.upper() in RANK:
        return text.upper()
    for lv in DEFAULT_LEVELS:
        if text in (lv.name, lv.colour, lv.label):
            return lv.code
    accepted = "、".join(f"{lv.name}（{lv.code}）" for lv in DEFAULT_LEVELS)
    raise UserError(f"无法识别的预警等级“{text}”。可选：{accepted}",
                    f"Unknown warning level {text!r}. Choose one of {', '.join(LEVEL_CODES)}.", field="level")


def resolve(text: str | None, levels: dict[str, Level], *, allow_none: bool = False) -> str | None:
    """Like ``check_code`` but also accepts the school's own names and colours."""
    if text is not None:
        t = str(text).strip()
        for lv in levels.values():
            if t and t in (lv.name, lv.colour, lv.label):
                return lv.code
    return check_code(text, allow_none=allow_none)


def more_severe(a: str | None, b: str | None) -> str | None:
    """The more severe of two level codes (None = no level)."""
    if a is None:
        return b
    if b is None:
        return a
    return a if RANK[a] <= RANK[b] else b


def most_severe(codes: Iterable[str | None]) -> str | None:
    out: str | None = None
    for c in codes:
        out = more_severe(out, c)
    return out


def at_least(code: str | None, floor: str) -> bool:
    return code is not None and RANK[code] <= RANK[floor]


def edited(level: Level, **changes) -> Level:
    """A level with some fields changed, checked (what the settings screen saves)."""
    allowed = {"name", "colour", "colour_hex", "meaning", "follow_up_days", "notify_roles"}
    unknown = set(changes) - allowed
    if unknown:
        raise UserError(f"不能修改这些字段：{', '.join(sorted(unknown))}", f"Cannot edit: {', '.join(sorted(unknown))}")
    new = replace(level, **{k: (tuple(v) if k == "notify_roles" else v) for k, v in changes.items()})
    if not new.name.strip():
        raise UserError("等级名称不能为空。", "A level needs a name.", field="name")
    if not isinstance(new.follow_up_days, int) or not 1 <= new.follow_up_days <= 365:
        raise UserError("随访频率须为 1–365 天。", "Follow-up frequency must be 1–365 days.", field="follow_up_days")
    bad = [r for r in new.notify_roles if r not in NOTIFIABLE_ROLES]
    if bad:
        raise UserError(f"无法通知这些角色：{', '.join(bad)}", f"Cannot notify roles: {', '.join(bad)}",
                        field="notify_roles")
    hexv = new.colour_hex.strip()
    if not (len(hexv) == 7 and hexv.startswith("#") and all(c in "0123456789abcdefABCDEF" for c in hexv[1:])):
        raise UserError("颜色须为 #RRGGBB 形式。", "Colour must be #RRGGBB.", field="colour_hex")
    return new
