"""Kinds of archive record and their vocabularies: stable codes in the database and the transfer
file, Chinese labels on screen and paper.

``parse_*`` accept a code or a label (what a teacher types on the command line: ``情绪`` or ``mood``)
and refuse anything else with the list of what is accepted.
"""

from __future__ import annotations

from ..errors import UserError
from ..i18n import msg
from ..services.roster import TAG_LABELS

OBSERVATION = "observation"
HOME_VISIT = "home_visit"
PARENT_CONTACT = "parent_contact"
COUNSELLING = "counselling"
STRENGTH = "strength"
LIFE_EVENT = "life_event"
GROUP_CHANGE = "group_change"

KIND_LABELS: dict[str, tuple[str, str]] = {
    OBSERVATION: ("日常观察", "observation"),
    HOME_VISIT: ("家访", "home visit"),
    PARENT_CONTACT: ("家长联系", "parent contact"),
    COUNSELLING: ("心理辅导", "counselling session"),
    STRENGTH: ("优势与闪光时刻", "strengths and good moments"),
    LIFE_EVENT: ("重大生活事件", "life event"),
    GROUP_CHANGE: ("特殊群体变化", "special-group change"),
}
KINDS = tuple(KIND_LABELS)

OBSERVATION_CATEGORIES = {
    "mood": "情绪", "behaviour": "行为", "peer": "人际关系", "study": "学业", "family": "家庭",
    "health": "身体健康", "attendance": "出勤", "other": "其他",
}
SEVERITIES = {"info": "一般", "attention": "需关注", "urgent": "紧急"}
CONTACT_METHODS = {"phone": "电话", "meeting": "面谈", "message": "微信/短信", "other": "其他"}
STRENGTH_TYPES = {"strength": "优势特长", "award": "获奖", "good_moment": "闪光时刻"}
LIFE_EVENT_TYPES = {
    "family_change": "家庭变故", "bereavement": "亲人离世", "transfer": "转学", "illness": "重大疾病",
    "other": "其他",
}
COUNSELLING_TYPES = {"individual": "个体辅导", "group": "团体辅导", "crisis": "危机干预", "other": "其他"}
CONSENT_BASES = {"guardian_consent": "监护人书面同意", "safety_exception": "安全例外"}

# Which vocabulary a record's ``category`` uses, by kind (group_change uses roster.TAG_LABELS).
CATEGORY_VOCAB: dict[str, dict[str, str]] = {
    OBSERVATION: OBSERVATION_CATEGORIES,
    PARENT_CONTACT: CONTACT_METHODS,
    STRENGTH: STRENGTH_TYPES,
    LIFE_EVENT: LIFE_EVENT_TYPES,
    COUNSELLING: COUNSELLING_TYPES,
}


def kind_label(kind: str) -> str:
    zh, en = KIND_LABELS.get(kind, (kind, kind))
    return msg(zh, en)


def category_label(kind: str, code: str | None) -> str | None:
    if code is None:
        return None
    if kind == GROUP_CHANGE:

        return TAG_LABELS.get(code, code)
    return CATEGORY_VOCAB.get(kind, {}).get(code, code)


def parse_code(vocab: dict[str, str], text: str | None, what_zh: str, what_en: str, field: str) -> str:
    value = (text or "").strip()
    if value in vocab:
        return value
    for code, label in vocab.items():
        if value == label:
            return code
    accepted = "、".join(f"{label}（{code}）" for code, label in vocab.items())
    raise UserError(f"无法识别的{what_zh}“{value}”。可选：{accepted}",
                    f"Unknown {what_en} {value!r}. Choose one of: {', '.join(vocab)}", field=field)


def parse_kind(text: str) -> str:
    value = text.strip()
    if value in KIND_LABELS:
        return value
    for code, (zh, en) in KIND_LABELS.items():
        if value in (zh, en):
            return code
    raise UserError(f"无法识别的档案记录类别“{value}”。", f"Unknown record kind {value!r}.", field="kind")
