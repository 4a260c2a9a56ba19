"""A school's own instrument definitions: stored, versioned, retired — never replacing a built-in."""

from __future__ import annotations

import json

import pytest

from xadesk.errors import PermissionDenied, UserError, ValidationFailed
from xadesk.instruments.loader import load_builtin
from xadesk.services import instruments


def school_definition(version: int = 1, name: str = "学校自编情绪量表") -> dict:
    data = load_builtin("gad7").to_dict()
    data["id"] = "school_mood"
    data["version"] = version
    data["name"] = {"zh": name, "en": "School mood scale"}
    return data


def write(tmp_path, data, name="def.json"):
    p = tmp_path / name
    p.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return p


def test_builtins_are_listed(admin_ctx):
    ids = {i.id for i in instruments.available(admin_ctx)}
    assert {"phq9", "gad7", "asq", "scl90", "mhk"} <= ids


def test_add_version_and_retire(admin_ctx, tmp_path):
    info = instruments.add_definition(admin_ctx, write(tmp_path, school_definition()))
    assert (info.id, info.version, info.source) == ("school_mood", 1, "school")
    # the same file again changes nothing
    instruments.add_definition(admin_ctx, write(tmp_path, school_definition()))
    # an edit in the UI becomes version 2 and retires version 1, which stays readable
    edited = instruments.add_definition(admin_ctx, school_definition(name="改过的名称"), new_version=True)
    assert edited.version == 2
    listed = [(i.id, i.version, i.status) for i in instruments.available(admin_ctx, include_retired=True)
              if i.source == "school"]
    assert listed == [("school_mood", 1, "retired"), ("school_mood", 2, "active")]
    assert instruments.get_definition(admin_ctx, "school_mood", 1).name_zh == "学校自编情绪量表"
    assert instruments.get_definition(admin_ctx, "school_mood").name_zh == "改过的名称"
    instruments.retire(admin_ctx, "school_mood")
    assert "school_mood" not in {i.id for i in instruments.available(admin_ctx)}
    assert instruments.get_definition(admin_ctx, "school_mood", 2).version == 2


def test_same_version_with_other_content_is_refused(admin_ctx, tmp_path):
    instruments.add_definition(admin_ctx, write(tmp_path, school_definition()))
    with pytest.raises(UserError) as err:
        instruments.add_definition(admin_ctx, write(tmp_path, school_definition(name="另一个")))
    assert "version 改为 2" in str(err.value)


def test_builtin_id_cannot_be_replaced(admin_ctx, tmp_path):
    data = school_definition()
    data["id"] = "phq9"
    with pytest.raises(UserError) as err:
        instruments.add_definition(admin_ctx, write(tmp_path, data))
    assert "内置量表" in str(err.value)


def test_invalid_file_names_the_field_and_stores_nothing(admin_ctx, tmp_path):
    data = school_definition()
    data["scales"][0]["items"].append("no_such_item")
    with pytest.raises(ValidationFailed) as err:
        instruments.add_definition(admin_ctx, write(tmp_path, data, "坏量表.json"))
    assert "坏量表.json" in err.value.full_text() and "scales[0]" in err.value.full_text()
    assert not [i for i in instruments.available(admin_ctx, include_retired=True) if i.source == "school"]


def test_only_counselors_and_admins_manage_instruments(small_school, tmp_path):
    ctx = small_school.as_user("bzr")
    try:
        with pytest.raises(PermissionDenied):
            instruments.add_definition(ctx, write(tmp_path, school_definition()))
    finally:
        ctx.close()
    ctx = small_school.as_user("xinli")
    try:
        assert instruments.add_definition(ctx, write(tmp_path, school_definition())).version == 1
    finally:
        ctx.close()


def test_cli_add(new_school, db_path, tmp_path, capsys, monkeypatch):
    from xadesk.cli.main import main

    _, ctx = new_school
    ctx.close()
    monkeypatch.setenv("XADESK_PASSWORD", "admin-pass-123")
    base = ["--db", str(db_path), "--user", "admin"]
    assert main([*base, "instruments", "add", str(write(tmp_path, school_definition()))]) == 0
    assert "school_mood 第 1 版" in capsys.readouterr().out
    bad = school_definition()
    bad["id"] = "phq9"
    assert main([*base, "instruments", "add", str(write(tmp_path, bad, "b.json"))]) == 1
    assert "内置量表" in capsys.readouterr().err
