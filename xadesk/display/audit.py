"""Audit details and targets in words: ``{"rows": 2253}`` → "2253 行", ``campaign:1`` → the campaign's name.

The stored entry keeps its JSON and its target string (the hash chain covers them); only what is shown
changes. A key this table does not know is shown as ``key=value``, so no stored fact is ever hidden.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from ..roster.columns import TAG_LABELS
from .instruments import instrument_name, instrument_names

# key → how its value reads; a format with "{}" or a callable.
_DETAIL: dict[str, str | Callable[[Any], str]] = {
    "rows": "{} 行",
    "count": "{} 条",
    "records": "{} 条记录",
    "records_added": "新增 {} 条记录",
    "students": "{} 名学生",
    "sheets": "{} 份答卷",
    "responses": "{} 份作答",
    "attendees": "{} 人参加",
    "classes": "{} 个班",
    "matched": "匹配 {} 行",
    "total": "共 {}",
    "new": "新增 {}",
    "steps": "{} 步",
    "steps_done": "已完成 {} 步",
    "per_week": "每周 {} 人次",
    "reason_length": "原因 {} 字",
    "version": "第 {} 版",
    "pass": "第 {} 遍录入",
    "instrument": lambda v: instrument_name(str(v)),
    "instruments": lambda v: instrument_names([str(x) for x in v]) if isinstance(v, list) else str(v),
    "edition": lambda v: {"full": "完整版", "transfer": "转出版"}.get(v, str(v)),
    "format": lambda v: str(v).upper(),
    "file": "文件 {}",
    "name": "名称 {}",
    "level": "等级 {}",
    "proposed": "建议 {}",
    "decided": "确定 {}",
    "rule": "规则 {}",
    "source": "来源 {}",
    "on": lambda v: "开启" if v else "关闭",
    "approved": lambda v: "批准" if v else "不批准",
    "double_entry": lambda v: "双录入" if v else "",
    "resolved": lambda v: "已处理" if v else "",
    "already_imported": lambda v: "此前已导入" if v else "",
    "bulk": lambda v: "批量" if v else "",
    "override": lambda v: "与建议不同" if v else "",
    "consent": lambda v: "监护人同意" if v else "监护人未同意",
    "informed": lambda v: "已告知监护人" if v else "未告知监护人",
    "excused": lambda v: "已请假" if v else "",
    "what": lambda v: {"archive": "档案", "records": "记录", "answer sheets": "答题卡",
                       "screening results": "测评结果"}.get(v, str(v)),
    "fields": lambda v: "修改：" + "、".join(map(str, v)) if isinstance(v, list) else str(v),
    "reason": lambda v: {"inactive": "长时间未操作", "disabled": "账号已停用"}.get(v, str(v)),
    "epoch": "第 {} 代数据库密钥",
    "disabled": lambda v: "已停用账号：" + "、".join(map(str, v)) if isinstance(v, list) and v else "",
    "need_reset": lambda v: "须重设密码：" + "、".join(map(str, v)) if isinstance(v, list) and v else "",
    "mode": lambda v: {"kiosk": "机房作答", "paper": "纸质答卷", "survey": "问卷导入"}.get(v, str(v)),
    "pc": "电脑 {}",
    "kind": "类型 {}",
    "tag": lambda v: TAG_LABELS.get(str(v), str(v)),
}
# Keys that identify rows inside the database: not something a reader can use.
_HIDDEN = {"class_id", "campaign", "batch", "approver", "keep"}


def _value(key: str, value: Any) -> str:
    how = _DETAIL.get(key)
    if how is None:
        return f"{key}={json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value}"
    if callable(how):
        return how(value)
    return how.format(value)


def detail_text(detail: str | None) -> str:
    """The stored JSON detail as a short Chinese phrase; text that is not a JSON object stays as it is."""
    if not detail:
        return ""
    try:
        data = json.loads(detail)
    except ValueError:
        return detail
    if not isinstance(data, dict):
        return detail
    if "tag" in data and "on" in data:  # a special-group tag set or cleared: one phrase
        label = TAG_LABELS.get(str(data["tag"]), str(data["tag"]))
        rest = {k: v for k, v in data.items() if k not in ("tag", "on")}
        head = f"列入{label}" if data["on"] else f"移出{label}"
        return "，".join([head, *(p for p in (_value(k, v) for k, v in rest.items() if k not in _HIDDEN) if p)])
    parts = [_value(k, v) for k, v in data.items() if k not in _HIDDEN and v not in (None, "")]
    return "，".join(p for p in parts if p)


_TARGET_KINDS = {"campaign": "测评活动", "alert": "安全提示", "level": "预警等级"}


def target_text(target: str | None, names: Mapping[str, str] | None = None) -> str:
    """``campaign:1`` → "测评活动「2026 秋季筛查」" when ``names`` knows it, else "测评活动 #1"."""
    if not target:
        return ""
    names = names or {}
    if target in names:
        return names[target]
    kind, sep, ident = target.partition(":")
    if sep and kind in _TARGET_KINDS:
        return f"{_TARGET_KINDS[kind]} #{ident}"
    return target
