"""The audit chain detects an edited and a deleted entry (and the database refuses both first)."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import DBAPIError

from xadesk.cli.main import main
from xadesk.services import audit, roster


def _raw(ctx, sql: str) -> None:
    with ctx.db.engine.begin() as conn:
        conn.exec_driver_sql(sql)


def test_intact_chain_verifies(small_school):
    roster.get_student(small_school.admin, small_school.student_ids["林一鸣"])
    result = audit.verify(small_school.admin)
    assert result.ok and result.count >= 6


def test_database_refuses_to_change_the_log(small_school):
    with pytest.raises(DBAPIError):
        _raw(small_school.admin, "UPDATE audit_log SET actor_login = 'x' WHERE seq = 1")
    with pytest.raises(DBAPIError):
        _raw(small_school.admin, "DELETE FROM audit_log WHERE seq = 1")


def _drop_guards(ctx):
    _raw(ctx, "DROP TRIGGER audit_log_no_update")
    _raw(ctx, "DROP TRIGGER audit_log_no_delete")


def test_edited_entry_is_detected(small_school, capsys, monkeypatch):
    ctx = small_school.admin
    _drop_guards(ctx)
    _raw(ctx, "UPDATE audit_log SET actor_login = 'someone_else' WHERE seq = 3")
    result = audit.verify(ctx)
    assert not result.ok
    assert any("第 3 条记录的内容被改动过" in p for p in result.problems)
    ctx.close()
    monkeypatch.setenv("XADESK_PASSWORD", "admin-pass-123")
    code = main(["--db", str(small_school.path), "--user", "admin", "audit", "verify"])
    assert code == 1
    assert "被改动" in capsys.readouterr().err


def test_deleted_entry_is_detected(small_school):
    ctx = small_school.admin
    _drop_guards(ctx)
    _raw(ctx, "DELETE FROM audit_log WHERE seq = 2")
    problems = audit.verify(ctx).problems
    assert any("第 2 条记录缺失" in p for p in problems)


def test_deleted_last_entries_are_detected(small_school):
    ctx = small_school.admin
    _drop_guards(ctx)
    last = audit.list_entries(ctx, limit=1)[0].seq
    _raw(ctx, f"DELETE FROM audit_log WHERE seq >= {last - 1}")
    problems = audit.verify(ctx).problems
    assert any("最后 2 条记录缺失" in p for p in problems)


def test_cli_verify_ok(small_school, capsys, monkeypatch):
    small_school.admin.close()
    monkeypatch.setenv("XADESK_PASSWORD", "admin-pass-123")
    assert main(["--db", str(small_school.path), "--user", "admin", "audit", "verify"]) == 0
    assert "审计日志完整" in capsys.readouterr().out


def test_many_entries_in_one_transaction_chain_and_survive_a_savepoint_rollback(small_school):
    """The head row is kept for the session's life (one read, not two per entry): entries written in
    one transaction still chain, and after a savepoint rolls some back the next entry links to the
    last one kept, as verify expects."""
    ctx = small_school.admin
    sid = small_school.student_ids["林一鸣"]
    with ctx.db.write() as s:
        for _ in range(5):
            audit.record_for(ctx, s, "student.view", student_id=sid)
        kept = audit.record_for(ctx, s, "student.view", student_id=sid).seq
        nested = s.begin_nested()
        audit.record_for(ctx, s, "student.view", student_id=sid)
        audit.record_for(ctx, s, "student.view", student_id=sid)
        nested.rollback()
        after = audit.record_for(ctx, s, "student.view", student_id=sid)
        assert after.seq == kept + 1
    result = audit.verify(ctx)
    assert result.ok, result.problems
    assert audit.list_entries(ctx, limit=1)[0].seq == kept + 1
