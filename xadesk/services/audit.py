"""The audit log: who did what to which student, when — append-only and hash-chained.

Each entry's hash covers its own fields and the previous entry's hash; the chain head (last seq and
hash) is kept in ``meta`` and moved in the same transaction. Editing an entry breaks its hash,
deleting one leaves a gap in ``seq`` and breaks the next entry's link, cutting off the tail leaves
the head pointing past the end. The database triggers refuse UPDATE and DELETE in the first place.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..display import detail_text, target_text
from ..i18n import msg
from ..storage.models import AuditEntry, Meta, Student
from ..storage.models_screening import Campaign

GENESIS = "0" * 64
HEAD_KEY = "audit_head"

ACTION_LABELS = {
    "school.create": ("新建学校数据库", "school database created"),
    "login": ("登录", "login"),
    "login.failed": ("登录失败", "failed login"),
    "account.create": ("新建账号", "account created"),
    "account.password": ("修改密码", "password changed"),
    "account.reset": ("重置他人密码", "password reset"),
    "account.recover": ("用恢复密钥重设密码", "password recovered"),
    "account.roles": ("修改角色与权限", "roles changed"),
    "account.deactivate": ("停用账号", "account deactivated"),
    "student.view": ("查看学生档案", "student record viewed"),
    "student.edit": ("修改学生信息", "student edited"),
    "roster.import": ("导入学生名单", "roster imported"),
    "export": ("导出", "export"),
    "instrument.add": ("添加量表定义", "instrument definition added"),
    "instrument.retire": ("停用量表", "instrument retired"),
    "campaign.create": ("新建测评活动", "screening campaign created"),
    "campaign.edit": ("修改测评活动", "screening campaign edited"),
    "campaign.open": ("开始测评活动", "screening campaign opened"),
    "campaign.close": ("结束测评活动", "screening campaign closed"),
    "campaign.excuse": ("标记缺测或拒测", "student marked absent or declined"),
    "campaign.codes": ("生成或打印测评登录码", "kiosk codes printed"),
    "campaign.import": ("导入测评作答", "screening answers imported"),
    "campaign.kit": ("导出机房测评包", "lab kit exported"),
    "campaign.pack": ("导入机房结果包", "lab result pack imported"),
    "campaign.conflict": ("处理重复作答", "duplicate answers resolved"),
    "campaign.rescore": ("重新计分", "responses rescored"),
    "screening.answer": ("完成测评问卷", "questionnaire completed"),
    "screening.paper": ("录入纸质答卷", "paper answers entered"),
    "screening.results": ("查看测评结果", "screening results viewed"),
    "screening.answers": ("查看作答明细", "item answers viewed"),
    "screening.alert": ("处理安全预警", "safety alert acknowledged"),
    "kiosk.start": ("启动学生自助测评", "kiosk started"),
    "kiosk.exit": ("退出学生自助测评", "kiosk exited"),
}


ACTION_LABELS.update({
    "grid.settings": ("修改预警设置", "warning-grid settings changed"),
    "grid.rule": ("修改预警规则", "warning rule changed"),
    "grid.propose": ("提出预警建议", "warning level proposed"),
    "grid.withdraw": ("撤回预警建议", "proposal withdrawn"),
    "grid.interview": ("记录复核访谈", "follow-up interview recorded"),
    "grid.decide": ("确定预警等级", "warning level decided"),
    "grid.view": ("查看学生预警记录", "student warning record viewed"),
    "grid.contact": ("指定联系人", "designated contact assigned"),
    "grid.plan": ("修改跟踪方案", "tracking plan changed"),
    "grid.followup": ("记录随访", "follow-up logged"),
    "grid.referral": ("记录转介（绿色通道）", "referral recorded"),
    "grid.crisis": ("记录危机事件", "crisis event recorded"),
    "grid.release.request": ("申请解除预警", "release requested"),
    "grid.release.decide": ("审批解除预警", "release decided"),
    "grid.monitor": ("登记健康委员", "health monitor registered"),
    "grid.training": ("记录健康委员培训", "monitor training recorded"),
})

ACTION_LABELS.update({
    "record.add": ("添加档案记录", "archive record added"),
    "archive.view": ("查看成长档案", "growth archive viewed"),
    "archive.export": ("导出成长档案", "growth archive exported"),
    "archive.import": ("导入转移档案", "transfer archive imported"),
    "archive.policy": ("修改档案转移范围", "transfer policy changed"),
    "consent.add": ("登记监护人同意或安全例外", "guardian consent recorded"),
    "consent.revoke": ("撤回监护人同意", "guardian consent revoked"),
    "year.promote": ("学年升级", "school year promoted"),
})


def action_label(action: str) -> str:
    zh, en = ACTION_LABELS.get(action, (action, action))
    return msg(zh, en)


def _canonical(detail: Any) -> str | None:
    if detail is None:
        return None
    return json.dumps(detail, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def _entry_hash(seq: int, at: str, actor_id: int | None, actor_login: str, action: str,
                student_id: int | None, target: str | None, detail: str | None, prev_hash: str) -> str:
    record = json.dumps([seq, at, actor_id, actor_login, action, student_id, target, detail, prev_hash],
                        ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(record.encode("utf-8")).hexdigest()


def _head(session: Session) -> tuple[int, str]:
    row = session.get(Meta, HEAD_KEY)
    if row is None:
        return 0, GENESIS
    seq, _, digest = row.value.partition(":")
    return int(seq), digest


def record(session: Session, actor_id: int | None, actor_login: str, action: str, *,
           student_id: int | None = None, target: str | None = None, detail: Any = None,
           at: datetime | None = None) -> AuditEntry:
    """Append one entry inside the caller's write transaction (so it commits or rolls back with the change)."""
    seq, prev = _head(session)
    seq += 1
    stamp = (at or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
    detail_json = _canonical(detail)
    digest = _entry_hash(seq, stamp, actor_id, actor_login, action, student_id, target, detail_json, prev)
    entry = AuditEntry(seq=seq, at=stamp, actor_id=actor_id, actor_login=actor_login, action=action,
                       student_id=student_id, target=target, detail=detail_json, prev_hash=prev, hash=digest)
    session.add(entry)
    head = session.get(Meta, HEAD_KEY)
    if head is None:
        session.add(Meta(key=HEAD_KEY, value=f"{seq}:{digest}"))
    else:
        head.value = f"{seq}:{digest}"
    session.flush()
    return entry


def record_for(ctx, session: Session, action: str, **kwargs: Any) -> AuditEntry:
    return record(session, ctx.actor.user_id, ctx.actor.login, action, **kwargs)


@dataclass
class VerifyResult:
    count: int
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_session(session: Session) -> VerifyResult:
    expected_seq, prev = 1, GENESIS
    problems: list[str] = []
    count = 0
    for e in session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).yield_per(2000):
        count += 1
        if e.seq != expected_seq:
            missing = f"{expected_seq}" if e.seq == expected_seq + 1 else f"{expected_seq}–{e.seq - 1}"
            problems.append(msg(f"第 {missing} 条记录缺失（被删除）。", f"Entry {missing} is missing (deleted)."))
        if e.prev_hash != prev:
            problems.append(msg(f"第 {e.seq} 条记录与前一条的链接断开。", f"Entry {e.seq} does not link to the one before."))
        digest = _entry_hash(e.seq, e.at, e.actor_id, e.actor_login, e.action, e.student_id, e.target,
                             e.detail, e.prev_hash)
        if digest != e.hash:
            problems.append(msg(f"第 {e.seq} 条记录的内容被改动过。", f"Entry {e.seq} was altered."))
        prev, expected_seq = e.hash, e.seq + 1
    head_seq, head_hash = _head(session)
    if head_seq != expected_seq - 1 or (head_seq and head_hash != prev):
        if head_seq > expected_seq - 1:
            problems.append(msg(f"最后 {head_seq - expected_seq + 1} 条记录缺失（被删除）。",
                                f"The last {head_seq - expected_seq + 1} entries are missing (deleted)."))
        else:
            problems.append(msg("审计日志的链头与记录不一致。", "The audit chain head does not match the entries."))
    return VerifyResult(count=count, problems=problems)


def verify(ctx) -> VerifyResult:
    ctx.require("audit.read")
    with ctx.db.read() as s:
        return verify_session(s)


@dataclass(frozen=True)
class AuditRow:
    seq: int
    at: str
    actor_login: str
    action: str
    action_label: str
    student_no: str | None
    target: str | None
    detail: str | None
    target_label: str = ""   # the target in words (a campaign's name instead of campaign:1)
    detail_label: str = ""   # the detail in words ("2253 行" instead of {"rows":2253})


def list_entries(ctx, *, student_no: str | None = None, limit: int | None = 500) -> list[AuditRow]:
    ctx.require("audit.read")
    with ctx.db.read() as s:
        q = (select(AuditEntry, Student.student_no)
             .outerjoin(Student, Student.id == AuditEntry.student_id)
             .order_by(AuditEntry.seq.desc()))
        if student_no:
            q = q.where(Student.student_no == student_no)
        if limit:
            q = q.limit(limit)
        entries = list(s.execute(q))
        names = {f"campaign:{cid}": f"测评活动「{name}」"
                 for cid, name in s.execute(select(Campaign.id, Campaign.name))}
        return [AuditRow(e.seq, e.at, e.actor_login, e.action, action_label(e.action), no, e.target, e.detail,
                         target_text(e.target, names), detail_text(e.detail))
                for e, no in entries]
