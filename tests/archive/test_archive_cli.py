"""The command line over the archive services: export, verify, import, pdf, observe, year promote."""

from __future__ import annotations

import pytest

from tests.archive.conftest import PASSPHRASE
from tests.conftest import ADMIN_PASSWORD
from tests.services.conftest import STAFF_PASSWORD
from xadesk.cli.main import main
from xadesk.services.records import list_records

LIN = "G610113201301010011"


@pytest.fixture
def as_counselor(school_a, monkeypatch):
    monkeypatch.setenv("XADESK_PASSWORD", STAFF_PASSWORD)
    return ["--db", str(school_a.school.path), "--user", "xinli"]


def test_export_verify_import(as_counselor, school_b, tmp_path, monkeypatch, capsys):
    out = tmp_path / "lin.xadx"
    assert main([*as_counselor, "archive", "export", "--student", LIN, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "转移口令" in printed  # no passphrase given: one was generated and printed once
    phrase = printed.split("转移口令")[1].splitlines()[1].strip()

    monkeypatch.setenv("XADESK_TRANSFER_PASSPHRASE", phrase)
    assert main(["archive", "verify", str(out)]) == 0
    assert "文件完整" in capsys.readouterr().out
    bad = tmp_path / "bad.xadx"
    data = bytearray(out.read_bytes())
    data[len(data) // 2] ^= 1
    bad.write_bytes(bytes(data))
    assert main(["archive", "verify", str(bad)]) == 1
    assert "损坏或被改动" in capsys.readouterr().err
    monkeypatch.setenv("XADESK_TRANSFER_PASSPHRASE", "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF")
    assert main(["archive", "verify", str(out)]) == 1

    monkeypatch.setenv("XADESK_TRANSFER_PASSPHRASE", phrase)
    b = ["--db", str(school_b.path), "--user", "xl"]
    assert main([*b, "archive", "import", str(out), "--dry-run", "--class", "七年级(5)班"]) == 0
    assert "（预览，未写入）" in capsys.readouterr().out
    assert main([*b, "archive", "import", str(out)]) == 1  # a new student needs --class
    assert "班级" in capsys.readouterr().err
    assert main([*b, "archive", "import", str(out), "--class", "七年级(5)班"]) == 0
    assert "导入完成" in capsys.readouterr().out
    assert main([*b, "archive", "import", str(out)]) == 0
    assert "已导入过" in capsys.readouterr().out


def test_grade_export_with_a_set_passphrase(as_counselor, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XADESK_TRANSFER_PASSPHRASE", PASSPHRASE)
    folder = tmp_path / "七年级"
    assert main([*as_counselor, "archive", "export", "--grade", "七年级", "--out", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "已导出 4 个档案转移文件" in out and PASSPHRASE not in out
    assert len(list(folder.glob("archive-*.xadx"))) == 4
    assert main([*as_counselor, "archive", "export", "--grade", "七年级", "--key-only", "--out",
                 str(tmp_path / "key")]) == 1
    assert "重点关注" in capsys.readouterr().err


def test_pdf_and_observe(as_counselor, school_a, tmp_path, capsys):
    pdf = tmp_path / "lin.pdf"
    assert main([*as_counselor, "archive", "pdf", "--student", LIN, "--out", str(pdf), "--edition", "transfer"]) == 0
    assert pdf.read_bytes().startswith(b"%PDF")
    assert main([*as_counselor, "observe", "add", "--student", LIN, "--category", "行为", "--text", "上课走神。",
                 "--severity", "需关注"]) == 0
    assert "已记录" in capsys.readouterr().out
    assert any(r.text == "上课走神。" and r.severity == "attention"
               for r in list_records(school_a.counselor, school_a.ids["林一鸣"]))
    assert main([*as_counselor, "observe", "add", "--student", LIN, "--category", "天气", "--text", "x"]) == 1
    assert "观察类别" in capsys.readouterr().err
    assert main([*as_counselor, "observe", "coverage", "--year", "2025-2026"]) == 0
    assert "七年级(1)班" in capsys.readouterr().out


def test_homeroom_teacher_cannot_export(school_a, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XADESK_PASSWORD", STAFF_PASSWORD)
    monkeypatch.setenv("XADESK_TRANSFER_PASSPHRASE", PASSPHRASE)
    code = main(["--db", str(school_a.school.path), "--user", "bzr", "archive", "export", "--student", LIN,
                 "--out", str(tmp_path / "x.xadx")])
    assert code == 1 and not (tmp_path / "x.xadx").exists()


def test_year_promote_dry_run(school_a, monkeypatch, capsys):
    monkeypatch.setenv("XADESK_PASSWORD", ADMIN_PASSWORD)
    code = main(["--db", str(school_a.school.path), "--user", "admin", "year", "promote", "--dry-run"])
    out, err = capsys.readouterr()
    # Depending on the clock the school year may not be over yet: either a preview or a clear refusal.
    assert (code == 0 and "七年级(1)班 → 八年级(1)班" in out) or (code == 1 and "还不能升级" in err)


def test_batch_export_prints_the_passphrase_the_files_use(as_counselor, tmp_path, monkeypatch, capsys):
    folder = tmp_path / "七年级"
    assert main([*as_counselor, "archive", "export", "--grade", "七年级", "--out", str(folder)]) == 0
    printed = capsys.readouterr().out
    phrase = printed.split("转移口令")[-1].splitlines()[1].strip()
    files = sorted(folder.glob("archive-*.xadx"))
    assert files
    monkeypatch.setenv("XADESK_TRANSFER_PASSPHRASE", phrase)
    for f in files:
        assert main(["archive", "verify", str(f)]) == 0
    assert capsys.readouterr().out.count("文件完整") == len(files)
