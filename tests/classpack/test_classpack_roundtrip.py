"""Class pack round trip: export → teacher entries → return → import twice; what a pack may hold;
conflicts; the review queue; refreshed packs; every refusal with its own message."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.classpack.conftest import PASS, place
from xadesk.classpack import errors as E
from xadesk.classpack.export import export_batch, export_pack
from xadesk.classpack.merge import conflicts, import_return, resolve_conflict
from xadesk.classpack.teacher import TeacherPack
from xadesk.errors import PermissionDenied, UserError
from xadesk.exchange import open_container
from xadesk.services import grid as G
from xadesk.services import grid_tracking as T
from xadesk.services.records import list_records
from xadesk.storage.models_archive import ArchiveRecord

# The teacher names students (the pack holds no 学籍号: it embeds the ID number).
LIN, SU = "林一鸣", "苏晓雨"


def _records(ctx) -> int:
    with ctx.db.read() as s:
        return s.scalar(select(func.count()).select_from(ArchiveRecord))


def test_round_trip_exactly_four_new_records_by_the_teacher(staff, pack, tmp_path):
    before = _records(staff.counselor)
    tp = TeacherPack.open(pack, PASS)
    assert tp.class_label.startswith("七年级") and {s.name for s in tp.students()} == {"林一鸣", "苏晓雨"}
    tp.add_observation(LIN, category="情绪", text="上课时趴在桌上，情绪低落")
    tp.add_observation(LIN, category="peer", text="午饭时一个人坐", severity="attention")
    tp.add_observation(SU, category="学业", text="作业按时完成")
    tp.add_home_visit(SU, visitors="班主任甲", present="母亲", text="家庭关系和睦", family=["single_parent"])
    ret = tmp_path / "交回.xadx"
    assert tp.write_return(ret) == 4

    preview = import_return(staff.counselor, ret, PASS, dry_run=True)
    assert preview.dry_run and preview.added_total == 4 and _records(staff.counselor) == before
    first = import_return(staff.counselor, ret, PASS)
    assert first.added == {"observation": 3, "home_visit": 1, "follow_up": 0, "monitor": 0, "rating": 0}
    second = import_return(staff.counselor, ret, PASS)
    assert second.already_imported and second.added_total == 0
    assert _records(staff.counselor) == before + 4
    rows = list_records(staff.counselor, staff.ids["苏晓雨"])
    visit = next(r for r in rows if r.kind == "home_visit")
    assert visit.author_name == "班主任甲" and "单亲家庭" in visit.text
    assert {r.author_name for r in list_records(staff.counselor, staff.ids["林一鸣"])} == {"班主任甲"}


def test_pack_holds_only_the_class_and_no_id_numbers_or_counselling(staff, j1_1, tmp_path):
    from xadesk.services.records import add_counselling, add_observation

    add_counselling(staff.counselor, staff.ids["林一鸣"], text="辅导内容绝密ABC")
    add_observation(staff.counselor, staff.ids["林一鸣"], category="mood", text="心理老师的观察XYZ")
    add_observation(staff.homeroom, staff.ids["林一鸣"], category="mood", text="班主任本人的观察")
    out = tmp_path / "p.xadx"
    export_pack(staff.counselor, j1_1, out, PASS)
    text = open_container(out, PASS).entry("pack.json").decode("utf-8")
    data = json.loads(text)
    assert {s["name"] for s in data["students"]} == {"林一鸣", "苏晓雨"}
    for other in ("贺子轩", "姚佳琪", "任浩然", "邵可欣", "G610113201303030038"):
        assert other not in text
    # The 学籍号 is "G" + the ID number: neither travels, only keys the school maps back.
    assert "610113201301010011" not in text and "61011320130202002X" not in text
    assert "2013-01-01" not in text                                   # no birth dates either
    assert "辅导内容绝密" not in text and "心理老师的观察" not in text
    assert "班主任本人的观察" in text


def test_admin_exports_a_roster_only_pack_and_homeroom_cannot_export(staff, j1_1, tmp_path):
    place(staff, "林一鸣", "L2", contact=staff.homeroom)
    out = tmp_path / "admin.xadx"
    info = export_pack(staff.school.admin, j1_1, out, PASS)
    data = json.loads(open_container(out, PASS).entry("pack.json"))
    assert info.roster_only and data["grid"] == [] and data["own_records"] == [] and data["levels"] == []
    with pytest.raises(PermissionDenied):
        export_pack(staff.homeroom, j1_1, tmp_path / "x.xadx", PASS)
    with pytest.raises(UserError, match="没有登记班主任"):
        export_pack(staff.counselor, staff.school.class_ids[("J1", 2)], tmp_path / "y.xadx", PASS)


def test_batch_export_writes_a_pack_and_a_slip_per_teacher(staff, tmp_path):
    batch = export_batch(staff.counselor, tmp_path / "out", grade="七年级")
    assert [p.class_label for p in batch.packs] == ["七年级(1)班"] and batch.skipped == ["七年级(2)班"]
    p = batch.packs[0]
    assert p.passphrase and TeacherPack.open(p.path, p.passphrase).teacher_name == "班主任甲"
    assert batch.slips.read_bytes().startswith(b"%PDF")


def test_grid_task_follow_up_conflict_listed_and_decided(staff, j1_1, tmp_path):
    sid = place(staff, "林一鸣", "L2", contact=staff.homeroom)
    pack = tmp_path / "p.xadx"
    export_pack(staff.counselor, j1_1, pack, PASS)
    tp = TeacherPack.open(pack, PASS)
    st = next(s for s in tp.students() if s.student_no == tp.student_key(LIN))
    assert st.level == "L2" and st.mine and st.next_due is not None
    tp.add_follow_up(LIN, summary="谈心，情绪有所好转", method="面谈")
    ret = tmp_path / "r.xadx"
    tp.write_return(ret)
    T.log_follow_up(staff.counselor, sid, summary="心理老师已随访")     # meanwhile, at the school PC
    report = import_return(staff.counselor, ret, PASS)
    assert report.added_total == 0 and len(report.conflicts) == 1
    c = conflicts(staff.counselor)
    assert len(c) == 1 and "学校电脑上已于" in c[0].reason and "好转" in c[0].gist
    assert import_return(staff.counselor, ret, PASS).already_imported      # still waiting, not dropped
    resolve_conflict(staff.counselor, c[0].entry_uuid, keep=True)
    assert conflicts(staff.counselor) == []
    summaries = [f.summary for f in T.student_record(staff.counselor, sid).follow_ups]
    assert "谈心，情绪有所好转" in summaries and "心理老师已随访" in summaries


def test_urgent_observation_reaches_the_review_queue_as_the_teacher(staff, pack, tmp_path):
    tp = TeacherPack.open(pack, PASS)
    tp.add_observation(SU, category="mood", text="说不想活了", severity="紧急")
    ret = tmp_path / "r.xadx"
    tp.write_return(ret)
    report = import_return(staff.counselor, ret, PASS)
    assert report.to_review == 1
    queue = G.review_queue(staff.counselor)
    row = next(q for q in queue if q.student_id == staff.ids["苏晓雨"])
    assert row is not None
    props = [p for q in queue for p in q.proposals if q.student_id == staff.ids["苏晓雨"]]
    assert any(p.created_by_name == "班主任甲" and p.source == "observation" for p in props)


def test_older_pack_return_and_refreshed_pack_keeps_unreturned_entries(staff, j1_1, pack, tmp_path):
    tp = TeacherPack.open(pack, PASS)
    tp.add_observation(LIN, category="mood", text="第一条")
    old_ret = tmp_path / "old.xadx"
    tp.write_return(old_ret)
    assert import_return(staff.counselor, old_ret, PASS).added_total == 1
    tp.add_observation(LIN, category="mood", text="第二条，尚未交回")
    # The counselor refreshes the pack into the same folder; the teacher opens the new one.
    export_pack(staff.counselor, j1_1, pack, PASS)
    fresh = TeacherPack.open(pack, PASS)
    assert [e["text"] for e in fresh.unreturned()] == ["第二条，尚未交回"]
    assert any(r["text"] == "第一条" for r in fresh.own_records())
    fresh.add_observation(SU, category="study", text="第三条")
    new_ret = tmp_path / "new.xadx"
    assert fresh.write_return(new_ret) == 2
    # A return written from the old pack object (it still lists everything) merges only what is new.
    older = tmp_path / "older_pack_return.xadx"
    tp.entries.append(fresh.entries[-1])
    tp.write_return(older)
    r = import_return(staff.counselor, older, PASS)
    assert (r.added_total, r.already) == (2, 1)
    assert import_return(staff.counselor, new_ret, PASS).added_total == 0


def test_expired_pack_and_expired_return_refused(staff, j1_1, tmp_path):
    p = tmp_path / "p.xadx"
    export_pack(staff.counselor, j1_1, p, PASS, expires_on=date.today())
    tp = TeacherPack.open(p, PASS)
    tp.add_observation(LIN, category="mood", text="过期前记下的")
    with pytest.raises(E.PackExpired, match="过期"):
        TeacherPack.open(p, PASS, today=date.today() + timedelta(days=1))
    ret = tmp_path / "late.xadx"
    tp.data["expires_on"] = (date.today() - timedelta(days=1)).isoformat()   # a return made after expiry
    tp.write_return(ret)
    with pytest.raises(E.ReturnExpired, match="过期"):
        import_return(staff.counselor, ret, PASS)


def test_tampered_wrong_passphrase_and_wrong_kind_refused(staff, pack, tmp_path):
    with pytest.raises(E.PackWrongPassphrase, match="班级包口令不正确"):
        TeacherPack.open(pack, "WRONG-PASSPHRASE-1")
    tp = TeacherPack.open(pack, PASS)
    tp.add_observation(LIN, category="mood", text="内容")
    ret = tmp_path / "r.xadx"
    tp.write_return(ret)
    with pytest.raises(E.ReturnWrongPassphrase, match="交回文件的口令不正确"):
        import_return(staff.counselor, ret, "WRONG-PASSPHRASE-1")
    with pytest.raises(E.NotAReturn, match="班级包"):
        import_return(staff.counselor, pack, PASS)
    for path, err in ((pack, E.PackTampered), (ret, E.ReturnTampered)):
        bad = tmp_path / f"bad-{path.name}"
        data = bytearray(path.read_bytes())
        data[300] ^= 0x01
        bad.write_bytes(bytes(data))
        with pytest.raises(err, match="损坏或被改动"):
            (TeacherPack.open(bad, PASS) if err is E.PackTampered else import_return(staff.counselor, bad, PASS))
    assert _records(staff.counselor) == 0


def test_return_of_another_school_refused(staff, pack, tmp_path):
    from xadesk.services.login import create_school, login

    other_db = tmp_path / "other" / "school.xadesk"
    other_db.parent.mkdir()
    create_school(other_db, "另一所中学", "admin", "admin-pass-123", "管理员")
    tp = TeacherPack.open(pack, PASS)
    tp.add_observation(LIN, category="mood", text="内容")
    ret = tmp_path / "r.xadx"
    tp.write_return(ret)
    other = login(other_db, "admin", "admin-pass-123")
    try:
        from xadesk.services import roles
        from xadesk.services.accounts import RoleSpec, add_user

        add_user(other, "xl2", "外校心理老师", [RoleSpec(roles.COUNSELOR)], "staff-pass-123")
        counselor = login(other_db, "xl2", "staff-pass-123")
        with pytest.raises(E.ReturnForeignSchool, match="另一所学校"):
            import_return(counselor, ret, PASS)
        counselor.close()
    finally:
        other.close()


def test_a_bad_entry_refuses_the_whole_return(staff, pack, tmp_path):
    tp = TeacherPack.open(pack, PASS)
    tp.add_observation(LIN, category="mood", text="好的记录")
    tp.entries.append({**tp.entries[0], "id": "0d9b7f7e-1111-4222-8333-944445555666", "category": "bogus"})
    ret = tmp_path / "r.xadx"
    tp.write_return(ret)
    with pytest.raises(UserError, match="第 2 条记录有误"):
        import_return(staff.counselor, ret, PASS)
    assert _records(staff.counselor) == 0


def test_teacher_entry_errors_name_the_field(pack):
    tp = TeacherPack.open(pack, PASS)
    with pytest.raises(UserError, match="不在本班名单"):
        tp.add_observation("贺子轩", category="mood", text="别班学生")
    with pytest.raises(UserError, match="观察类别"):
        tp.add_observation(LIN, category="无此类", text="x")
    with pytest.raises(UserError, match="观察内容"):
        tp.add_observation(LIN, category="mood", text="  \u200b ")
    assert tp.entries == []


def test_newer_pack_and_return_formats_refused_as_too_new(staff, pack, tmp_path):
    from xadesk.exchange import write_container

    c = open_container(pack, PASS)
    data = json.loads(c.entry("pack.json"))
    data["format"] = "xadesk-class-pack/2"
    newer = tmp_path / "newer.xadx"
    fields = {"school_name": c.manifest.school_name, "school_id": c.manifest.school_id,
              "exporter_name": "x", "exporter_login": "x"}
    write_container(newer, kind="class_pack", manifest_fields=fields,
                    entries={"pack.json": json.dumps(data).encode()}, passphrase=PASS)
    with pytest.raises(E.TooNew, match="更新版本"):
        TeacherPack.open(newer, PASS)
    ret = tmp_path / "newer-return.xadx"
    write_container(ret, kind="class_return", manifest_fields=fields,
                    entries={"return.json": json.dumps({"format": "xadesk-class-return/3"}).encode()},
                    passphrase=PASS)
    with pytest.raises(E.TooNew, match="更新版本"):
        import_return(staff.counselor, ret, PASS)


def test_a_damaged_journal_is_refused_in_class_pack_words(pack):
    tp = TeacherPack.open(pack, PASS)
    for i in range(3):
        tp.add_observation(LIN, category="mood", text=f"记录{i}")
    raw = bytearray(tp.journal_file.read_bytes())
    raw[80] ^= 0x01                       # inside the first record, with good records after it
    tp.journal_file.write_bytes(bytes(raw))
    with pytest.raises(E.JournalDamaged, match="班级包记录文件"):
        TeacherPack.open(pack, PASS)


def test_monitor_changes_merge_or_wait_for_a_decision(staff, j1_1, tmp_path):
    from xadesk.services.grid_monitors import monitors, register_monitor

    p = tmp_path / "p.xadx"
    export_pack(staff.counselor, j1_1, p, PASS)
    tp = TeacherPack.open(p, PASS)
    tp.add_monitor(LIN, "appoint")
    tp.add_monitor(SU, "appoint")
    assert {s.name for s in tp.students() if s.monitor} == {LIN, SU}
    register_monitor(staff.counselor, staff.ids["苏晓雨"])          # meanwhile at school
    ret = tmp_path / "r.xadx"
    tp.write_return(ret)
    report = import_return(staff.counselor, ret, PASS)
    assert report.added["monitor"] == 1 and [c.reason for c in report.conflicts] == ["该学生已是本班健康委员"]
    assert {m.name for m in monitors(staff.counselor, class_id=j1_1)} == {"林一鸣", "苏晓雨"}
    with pytest.raises(UserError, match="只能搁置"):
        resolve_conflict(staff.counselor, report.conflicts[0].entry_uuid, keep=True)
    assert resolve_conflict(staff.counselor, report.conflicts[0].entry_uuid, keep=False) == "discarded"
    assert conflicts(staff.counselor) == []


def test_a_crash_before_the_review_queue_is_caught_up_by_the_next_import(staff, pack, tmp_path, monkeypatch):
    from xadesk.classpack import merge

    tp = TeacherPack.open(pack, PASS)
    tp.add_observation(SU, category="mood", text="说不想活了", severity="urgent")
    ret = tmp_path / "r.xadx"
    tp.write_return(ret)
    real = merge.G.propose_manual

    def power_cut(*a, **k):
        raise RuntimeError("power cut")

    monkeypatch.setattr(merge.G, "propose_manual", power_cut)
    with pytest.raises(RuntimeError):
        import_return(staff.counselor, ret, PASS)
    assert _records(staff.counselor) == 1                          # the merge itself committed
    assert not any(q.student_id == staff.ids["苏晓雨"] for q in G.review_queue(staff.counselor))
    monkeypatch.setattr(merge.G, "propose_manual", real)
    again = import_return(staff.counselor, ret, PASS)
    assert again.already_imported
    assert any(q.student_id == staff.ids["苏晓雨"] for q in G.review_queue(staff.counselor))
    import_return(staff.counselor, ret, PASS)                      # no second proposal
    assert len([p for q in G.review_queue(staff.counselor) if q.student_id == staff.ids["苏晓雨"]
                for p in q.proposals]) == 1
