"""``xadesk backup create|verify|restore|folder`` in-process."""

from __future__ import annotations

from tests.conftest import ADMIN_PASSWORD
from xadesk.cli.main import main


def test_backup_commands(new_school, db_path, tmp_path, monkeypatch, capsys):
    created, ctx = new_school
    ctx.close()
    monkeypatch.setenv("XADESK_PASSWORD", ADMIN_PASSWORD)
    base = ["--db", str(db_path), "--user", "admin"]
    assert main([*base, "backup", "create"]) == 1  # no folder yet
    assert "还没有设置备份文件夹" in capsys.readouterr().err
    folder = tmp_path / "usb"
    folder.mkdir()
    assert main([*base, "backup", "folder", str(folder)]) == 0
    assert main([*base, "backup", "create"]) == 0
    made = next(folder.glob("*.xabak"))
    assert "已备份" in capsys.readouterr().out
    monkeypatch.delenv("XADESK_PASSWORD")
    assert main(["backup", "verify", str(made)]) == 0  # no secret: damage only
    assert "文件完好" in capsys.readouterr().out
    monkeypatch.setenv("XADESK_RECOVERY_KEY", created.recovery_key)
    assert main(["--db", str(db_path), "backup", "verify", str(made)]) == 0
    assert "内容完好" in capsys.readouterr().out
    assert main(["--db", str(db_path), "backup", "restore", str(made), "--to", str(db_path)]) == 1
    assert "不会覆盖" in capsys.readouterr().err
    target = tmp_path / "restored.xadesk"
    assert main(["--db", str(db_path), "backup", "restore", str(made), "--to", str(target)]) == 0
    out = capsys.readouterr().out
    assert "已还原" in out and target.exists()
    bad = tmp_path / "bad.xabak"
    data = bytearray(made.read_bytes())
    data[len(data) // 2] ^= 0xFF
    bad.write_bytes(bytes(data))
    assert main(["backup", "verify", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "已损坏" in err and "Traceback" not in err
