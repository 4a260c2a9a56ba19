"""The audit log: who did what to which student, when — append-only and hash-chained.

Each entry's hash covers its own fields and the previous entry's hash; the chain head (last seq and
hash) is kept in ``meta`` and moved in the same transaction. Editing an entry breaks its hash,
deleting one leaves a gap in ``seq`` and breaks the next entry's link, cutting off the tail leaves
the head pointing past the end. The database triggers refuse UPDATE and DELETE in the first place.
"""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..display import detail_text, target_text
from ..i18n import msg
from ..storage import anchor
from ..storage.database import AUDIT_HEAD_INFO
from ..storage.models import AuditEntry, Meta, Student
from ..storage.models_screening import Campaign
from .roles import role_label

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
    "campaign.late": ("活动结束后送来的作答：未导入，安全题阳性已列入复核队列",
                      "answers for a closed campaign refused; positive safety answers queued"),
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
# Reports (issue 13)
ACTION_LABELS.update({
    "report.view": ("查看统计报告", "report viewed"),
    "report.staff": ("登记教职工", "staff register changed"),
    "report.training": ("登记培训学时", "training hours recorded"),
    "report.activity": ("登记心理健康课或活动", "lesson or activity recorded"),
    "district.init": ("新建区县数据库", "district database created"),
    "district.period": ("修改汇总学年", "district period changed"),
    "district.expect": ("登记应上报学校", "school expected"),
    "district.import": ("导入学校上报文件", "school files imported"),
})

ACTION_LABELS.update({
    "classpack.export": ("导出班级包", "class pack exported"),
    "classpack.import": ("导入班级包交回文件", "class pack return imported"),
    "classpack.resolve": ("决定班级包冲突记录", "class pack conflict decided"),
    "classpack.rating": ("班主任评定", "teacher rating"),
    "audit.rollback": ("发现数据库回退（审计日志缺少记录）", "database rollback found (audit entries missing)"),
    "db.pages_damaged": ("数据库页校验失败（文件被改动或损坏）", "database pages failed their check"),
})

ACTION_LABELS.update({
    "backup.create": ("创建备份", "backup made"),
    "backup.settings": ("修改备份设置", "backup settings changed"),
    "keys.damaged": ("发现钥匙文件损坏并已修复", "damaged key file found and repaired"),
    "counselling.encrypt": ("加密升级前的辅导内容", "counselling content from before the upgrade encrypted"),
    "counselling.grant": ("用恢复密钥授予辅导钥匙", "counselling key granted with the recovery key"),
    "counselling.pubkey": ("恢复被改动的每题答案加密公钥", "changed public key for item answers restored"),
    "keys.rotate.start": ("开始轮换数据库密钥", "database key rotation started"),
    "keys.rotate": ("轮换数据库密钥", "database key rotated"),
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


# The head row is held here for the session's life: the identity map keeps clean rows only weakly,
# so without it every entry re-read the head twice (two SELECTs per audit entry, ~0.8 ms each here,
# the largest cost of a campaign import that raises many safety flags).
_HEAD_ROW_INFO = "xadesk_audit_head_row"


def _head_row(session: Session) -> Meta | None:
    row = session.info.get(_HEAD_ROW_INFO)
    if row is None or row not in session:
        row = session.get(Meta, HEAD_KEY)
        if row is not None:
            session.info[_HEAD_ROW_INFO] = row
    return row


def _head(session: Session) -> tuple[int, str]:
    row = _head_row(session)
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
    head = _head_row(session)
    if head is None:
        session.add(Meta(key=HEAD_KEY, value=f"{seq}:{digest}"))
    else:
        head.value = f"{seq}:{digest}"
    session.info[AUDIT_HEAD_INFO] = (seq, digest)  # anchored outside the database after the commit
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
    # Plain rows, not AuditEntry objects: a decade holds hundreds of thousands of entries and building
    # an ORM object for each was most of verify's time.
    cols = (AuditEntry.seq, AuditEntry.at, AuditEntry.actor_id, AuditEntry.actor_login, AuditEntry.action,
            AuditEntry.student_id, AuditEntry.target, AuditEntry.detail, AuditEntry.prev_hash, AuditEntry.hash)
    rows = session.connection().execution_options(yield_per=5000).execute(select(*cols).order_by(AuditEntry.seq))
    for e in rows:
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


def anchor_problems(session: Session, db_path, db_key: bytes) -> list[str]:
    """The database's chain compared with the head anchored outside it (storage/anchor.py)."""
    try:
        anchored = anchor.read(db_path, db_key)
    except anchor.AnchorDamaged:
        return [msg("审计日志的外部锚点文件已损坏，无法确认数据库是否被回退。",
                    "The audit anchor beside the database is damaged; a rollback cannot be ruled out.")]
    if anchored is None:
        return []
    row = session.scalar(select(AuditEntry).where(AuditEntry.seq == anchored.seq))
    last = session.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1)) or 0
    if row is None and last < anchored.seq:
        return [msg(f"数据库比上次记录的状态旧：审计日志只到第 {last} 条，而它曾经到过第 {anchored.seq} 条。"
                    f"最近的 {anchored.seq - last} 条操作（及其数据更改，例如导入）已丢失——可能是崩溃后日志文件损坏，"
                    "或数据库被换成了旧副本。请核对最近的导入，必要时从备份还原。",
                    f"The database is older than last recorded: its audit log ends at entry {last}, but it reached "
                    f"entry {anchored.seq}. The last {anchored.seq - last} operations (and their data, e.g. imports) "
                    "are lost: a damaged log after a crash, or an older copy of the database.")]
    if row is not None and row.hash != anchored.digest:
        return [msg(f"审计日志第 {anchored.seq} 条与外部锚点不一致：数据库被换成了另一份副本。",
                    f"Audit entry {anchored.seq} does not match the anchor: the database was replaced by another copy.")]
    return []


def rollback_detail(session: Session, db_path, db_key: bytes) -> dict | None:
    """``{"anchored", "found"}`` when the database's chain falls short of (or differs from) the anchor."""
    try:
        anchored = anchor.read(db_path, db_key)
    except anchor.AnchorDamaged:
        return None
    if anchored is None:
        return None
    last = session.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1)) or 0
    row_hash = session.scalar(select(AuditEntry.hash).where(AuditEntry.seq == anchored.seq))
    if last < anchored.seq or (row_hash is not None and row_hash != anchored.digest):
        return {"anchored": anchored.seq, "found": last}
    return None


# Roles that read counselling content or whole-school care data: granting one is told to every counselor.
CARE_ROLES = ("counselor", "leader")
# What an administrator who is not also a counselor or leader does not see in the audit log: events about
# a student's care (screenings, the grid with its crises and referrals, archive records, consent). The
# roster's own events (student.view/edit, imports) and account and system events stay: they are the
# administrator's work.
CARE_ACTION_PREFIXES = ("grid.", "screening.", "record.", "consent.", "archive.", "campaign.", "kiosk.",
                        "counselling.")


def _granted_roles(detail: str | None) -> set[str]:
    try:
        data = json.loads(detail or "{}")
    except ValueError:
        return set()
    out = set()
    for r in data.get("roles", []) if isinstance(data, dict) else []:
        role = r[0] if isinstance(r, list) and r else r
        if isinstance(role, str):
            out.add(role)
    return out


def care_role_grants_since_last_login(session: Session, user_id: int, viewer_login: str) -> list[str]:
    """Accounts given the counselor or leader role since this person's last login, in words."""
    last = session.scalar(select(func.max(AuditEntry.seq)).where(AuditEntry.action == "login",
                                                                 AuditEntry.actor_id == user_id))
    if last is None:
        return []  # a first login: nothing to compare with
    out = []
    for e in session.scalars(select(AuditEntry).where(AuditEntry.action.in_(("account.create", "account.roles")),
                                                     AuditEntry.seq > last).order_by(AuditEntry.seq)):
        granted = _granted_roles(e.detail) & set(CARE_ROLES)
        if not granted or e.target == viewer_login:
            continue
        labels = "、".join(role_label(r) for r in CARE_ROLES if r in granted)
        when = datetime.fromisoformat(e.at).astimezone().strftime("%Y-%m-%d %H:%M")
        out.append(msg(f"自您上次登录以来：{e.actor_login} 在 {when} 让账号 {e.target} 拥有了“{labels}”角色"
                       "（可以看到学生的心理测评结果和辅导相关内容）。如果您不知道这件事，请向学校领导核实。",
                       f"Since your last login: {e.actor_login} gave account {e.target} the role(s) {labels} at {when} "
                       "(they can see screening results and counselling content). If unexpected, check with the school "
                       "leadership."))
    return out


def sees_care_events(actor) -> bool:
    return bool(set(actor.roles) & set(CARE_ROLES))


def recorded_rollbacks(session: Session) -> list[str]:
    """Rollbacks found at earlier logins (each left an entry in the chain): the log stays incomplete."""
    out = []
    for e in session.scalars(select(AuditEntry).where(AuditEntry.action == "audit.rollback")
                             .order_by(AuditEntry.seq)):
        d = json.loads(e.detail or "{}")
        out.append(msg(f"第 {e.seq} 条记录：{e.at[:16].replace('T', ' ')} 登录时发现数据库被回退"
                       f"（审计日志曾到第 {d.get('anchored', '?')} 条，只剩到第 {d.get('found', '?')} 条）。",
                       f"Entry {e.seq}: a rollback was found at login (the log had reached entry "
                       f"{d.get('anchored', '?')}, only {d.get('found', '?')} remained)."))
    return out


def verify(ctx) -> VerifyResult:
    """The chain, the anchor, recorded rollbacks, and every page of the file.

    Every page, not only the log: login checks them in full only for a small database
    (storage/database.py), so this is where a flipped byte in a large one is found on demand. The two
    page checks run inside SQLite, which lets go of the interpreter while it reads, so they go on the
    other core(s) while this thread walks the chain: on a 2-core PC a ten-year school's verify takes
    about as long as its slowest part instead of the sum of the three."""
    ctx.require("audit.read")
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="xadesk-verify") as pool:
        pages = pool.submit(ctx.db.integrity_check)
        with ctx.db.read() as s:
            result = verify_session(s)
            result.problems += anchor_problems(s, ctx.db.path, ctx.db.key)
            result.problems += recorded_rollbacks(s)
        try:
            damaged = bool(pages.result())
        except Exception:   # a page so damaged the check itself cannot read it
            damaged = True
    if damaged:
        result.problems.append(msg("数据库文件的页校验失败：文件的部分内容被改动或已损坏。请用最近的备份恢复。",
                                   "The database file failed its page check: part of it was altered or is damaged."))
    return result


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
        if not sees_care_events(ctx.actor):
            q = q.where(~or_(*[AuditEntry.action.startswith(p) for p in CARE_ACTION_PREFIXES]))
        if limit:
            q = q.limit(limit)
        entries = list(s.execute(q))
        names = {f"campaign:{cid}": f"测评活动「{name}」"
                 for cid, name in s.execute(select(Campaign.id, Campaign.name))}
        return [AuditRow(e.seq, e.at, e.actor_login, e.action, action_label(e.action), no, e.target, e.detail,
                         target_text(e.target, names), detail_text(e.detail))
                for e, no in entries]
