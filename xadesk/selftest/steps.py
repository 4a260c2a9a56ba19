"""The self-test steps of the core: each goes through the same service a teacher's click does.

The answers are chosen so every result is known in advance: the first student answers 3 to every
PHQ-9 item (27, severe, item 9 positive), the second 0 to every item, the rest 1 (9, mild). A step
checks what it got against that, so a wrong score fails the self-test rather than passing quietly.
"""

from __future__ import annotations

import csv

from .. import versions
from ..answers import read_answers
from ..archive.pdf import student_pdf
from ..archive.transfer import EXTENSION, export_student, read_transfer
from ..domain import synthetic
from ..exchange.errors import WrongPassphrase
from ..exchange.passphrase import generate as generate_passphrase
from ..i18n import msg
from ..instruments import load_builtin
from ..scoring import score
from ..services import audit, roles
from ..services import grid as G
from ..services.accounts import RoleSpec, add_user
from ..services.campaigns import create_campaign
from ..services.context import AppContext
from ..services.grid_screening import propose_for_campaign
from ..services.login import create_school, login
from ..services.roster import list_students, student_id_by_no
from ..services.roster_import import import_roster
from ..services.screening_import import import_survey
from .base import SelfTestState, Step

INSTRUMENT = "phq9"
CLASSES = (("J1", 1), ("J1", 2))
PER_CLASS = 6
SEVERE_ITEMS, NONE_ITEMS, MILD_ITEMS = [3] * 9, [0] * 9, [1] * 9


def _ctx(state: SelfTestState, key: str) -> AppContext:
    return state.values[key]


def _expected_raw(k: int) -> int:
    return sum(SEVERE_ITEMS if k == 0 else NONE_ITEMS if k == 1 else MILD_ITEMS)


def create(state: SelfTestState) -> str:
    create_school(state.db_path, "自检示例学校", state.admin_login, state.password, "自检管理员")
    admin = login(state.db_path, state.admin_login, state.password)
    state.values["admin"] = admin
    add_user(admin, state.counselor_login, "自检心理教师", [RoleSpec(roles.COUNSELOR)], state.password)
    state.values["counselor"] = login(state.db_path, state.counselor_login, state.password)
    v = versions.current()
    return msg(f"加密数据库已建立并登录（SQLCipher {v.sqlcipher}，数据库结构 {v.schema}）",
               f"encrypted database created and opened (SQLCipher {v.sqlcipher}, schema {v.schema})")


def roster(state: SelfTestState) -> str:
    records = synthetic.generate_students(CLASSES, per_class=PER_CLASS, seed=4242)
    path = synthetic.write_roster_xlsx(state.workdir / "学生名单.xlsx", records, title="自检学生名单")
    plan = import_roster(_ctx(state, "admin"), path)
    listed = list_students(_ctx(state, "admin"))
    assert len(plan.new) == len(records) == len(listed), msg(
        f"名单有 {len(records)} 名学生，导入后只有 {len(listed)} 名", f"{len(records)} in the file, {len(listed)} after import")
    state.values["student_nos"] = [r.student_no for r in records]
    return msg(f"从 Excel 名单导入 {len(listed)} 名学生（{len(CLASSES)} 个班）",
               f"{len(listed)} students in {len(CLASSES)} classes imported from Excel")


def score_file(state: SelfTestState) -> str:
    nos = state.values["student_nos"]
    path = state.workdir / "答卷.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", *range(1, 11)])
        for k, no in enumerate(nos):
            items = SEVERE_ITEMS if k == 0 else NONE_ITEMS if k == 1 else MILD_ITEMS
            w.writerow([no, *items, 0 if k == 1 else 1])  # item 10 (difficulty) is not in the total
    state.values["answer_file"] = path
    defn = load_builtin(INSTRUMENT)
    table = read_answers(path, [defn], instrument=defn.id, action="score")
    result = score(defn, table.answers[defn.id], seconds=table.seconds, grades=table.grades, sexes=table.sexes)
    for k in range(result.n):
        got = result.per_respondent(k)["scales"]["total"]["raw"]
        assert got == _expected_raw(k), msg(f"第 {k + 1} 份答卷总分应为 {_expected_raw(k)}，算得 {got}",
                                           f"answer sheet {k + 1}: total should be {_expected_raw(k)}, got {got}")
    band = result.band_of("total", 0)
    assert band is not None and band[0] == "severe", msg("满分答卷未判为重度", "the maximum score was not banded severe")
    return msg(f"{defn.name_zh}：{result.n} 份答卷计分正确（最高分 27，重度）",
               f"{defn.name_en}: {result.n} answer sheets scored correctly (top score 27, severe)")


def campaign(state: SelfTestState) -> str:
    counselor = _ctx(state, "counselor")
    info = create_campaign(counselor, "自检测评", [INSTRUMENT], grades=["J1"], open_now=True)
    report = import_survey(counselor, info.id, state.values["answer_file"], instrument=INSTRUMENT)
    n = len(state.values["student_nos"])
    assert report.matched == n, msg(f"{n} 份答卷只匹配到 {report.matched} 名学生", f"only {report.matched} of {n} matched")
    propose_for_campaign(counselor, info.id)
    queue = G.review_queue(counselor, info.id)
    severe = student_id_by_no(counselor, state.values["student_nos"][0])
    row = next((r for r in queue if r.student_id == severe), None)
    assert row is not None and row.proposed_level is not None and row.safety, msg(
        "重度且第 9 题阳性的学生没有进入复核队列", "the severe, item-9-positive student is not in the review queue")
    state.values["flagged_id"] = severe
    return msg(f"测评活动导入 {report.matched} 份答卷，{len(queue)} 名学生进入复核队列（含安全底线）",
               f"campaign imported {report.matched} answer sheets; {len(queue)} students in the review queue")


def transfer(state: SelfTestState) -> str:
    counselor, sid = _ctx(state, "counselor"), state.values["flagged_id"]
    out = state.workdir / f"转出档案{EXTENSION}"
    passphrase = generate_passphrase()
    export_student(counselor, sid, out, passphrase=passphrase)
    tf = read_transfer(out, passphrase)
    assert tf.archive["student"]["student_no"] == state.values["student_nos"][0], msg(
        "转出文件中的学生与导出的学生不一致", "the transfer file holds a different student")
    try:
        read_transfer(out, generate_passphrase())
    except WrongPassphrase:
        pass
    else:
        raise AssertionError(msg("错误的口令也打开了转出文件", "a wrong passphrase opened the transfer file"))
    return msg(f"转出文件 {out.stat().st_size // 1024} KB 已写出并校验，错误口令被拒绝",
               f"transfer file of {out.stat().st_size // 1024} KB written and verified; a wrong passphrase is refused")


def pdf(state: SelfTestState) -> str:
    data = student_pdf(_ctx(state, "counselor"), state.values["flagged_id"])
    path = state.workdir / "档案.pdf"
    path.write_bytes(data)
    assert data.startswith(b"%PDF-") and b"%%EOF" in data[-1024:], msg("生成的 PDF 不完整", "the PDF is incomplete")
    assert b"/FontFile2" in data, msg("PDF 中没有嵌入中文字体", "no font embedded in the PDF")
    return msg(f"档案 PDF {len(data) // 1024} KB（中文字体已嵌入）", f"archive PDF of {len(data) // 1024} KB (CJK font embedded)")


def integrity(state: SelfTestState) -> str:
    admin = _ctx(state, "admin")
    problems = admin.db.integrity_check()
    assert not problems, msg("数据库完整性检查发现问题", "the database integrity check found problems")
    result = audit.verify(admin)
    assert result.ok, msg("审计日志链条断裂", "the audit chain is broken")
    return msg(f"数据库逐页校验通过，审计日志 {result.count} 条完整", f"every page verified; {result.count} audit entries intact")


CORE_STEPS: list[Step] = [
    Step("school", msg("新建学校数据库", "create a school database"), create),
    Step("roster", msg("导入学生名单", "import a roster"), roster),
    Step("score", msg("对答卷文件计分", "score a file of answers"), score_file),
    Step("campaign", msg("测评活动到复核队列", "a campaign to the review queue"), campaign),
    Step("transfer", msg("写出并校验转出文件", "write and verify a transfer file"), transfer),
    Step("pdf", msg("生成档案 PDF", "render an archive PDF"), pdf),
    Step("integrity", msg("数据库与审计日志校验", "database and audit log checks"), integrity),
]
