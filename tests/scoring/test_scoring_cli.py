"""``xadesk score`` and ``xadesk instruments`` in-process."""

from __future__ import annotations

import csv
import io
import json

from xadesk.cli.main import main


def _write(path, text: str, encoding: str = "utf-8") -> str:
    path.write_bytes(text.encode(encoding))
    return str(path)


PHQ = "id,1,2,3,4,5,6,7,8,9,10\ns1,1,2,0,3,1,0,2,1,0,1\ns2,0,0,0,0,0,0,0,0,1,\ns3,2,2,2,2,2,2,,,,\n"


def test_score_json(tmp_path, capsys):
    f = _write(tmp_path / "phq.csv", PHQ)
    assert main(["score", "--instrument", "phq9", f]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in out] == ["s1", "s2", "s3"]
    assert out[0] == {"id": "s1", "valid": True, "scales": {"total": {"raw": 10, "t": None, "band": "moderate"}},
                      "flags": []}
    assert out[1]["flags"] == ["safety:item9"] and out[1]["scales"]["total"]["band"] == "minimal"
    assert out[2]["valid"] is False and out[2]["scales"]["total"] == {"raw": None, "t": None, "band": None}


def test_score_explain_gives_the_rule(tmp_path, capsys):
    f = _write(tmp_path / "phq.csv", PHQ)
    assert main(["score", "--instrument", "phq9", f, "--explain"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out[2]["scales"]["total"]["rule"] == "invalid: 3 blanks > 2 allowed"
    assert out[0]["definition"] == {"id": "phq9", "version": 1}


def test_score_csv_out_file(tmp_path, capsys):
    f = _write(tmp_path / "phq.csv", PHQ)
    out_file = tmp_path / "scores.csv"
    assert main(["score", "--instrument", "phq9", f, "--out", str(out_file)]) == 0
    rows = list(csv.DictReader(io.StringIO(out_file.read_text(encoding="utf-8-sig"))))
    assert rows[0] == {"id": "s1", "valid": "true", "total_raw": "10", "total_band": "moderate", "flags": ""}
    assert rows[1]["flags"] == "safety:item9" and rows[2]["total_raw"] == ""
    assert capsys.readouterr().out == ""


def test_headers_by_item_id_gb18030_and_extra_columns(tmp_path, capsys):
    text = "id,性别,年级,用时,q1,q2,q3,q4,q5,q6,q7\n张三,男,8,5,3,3,3,3,3,3,3\n"
    f = _write(tmp_path / "gad.csv", text, "gb18030")
    assert main(["score", "--instrument", "gad7", f]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out[0]["id"] == "张三" and out[0]["scales"]["total"]["raw"] == 21
    assert out[0]["flags"] == ["validity:too_fast"] and out[0]["valid"] is False


def test_xlsx_input(tmp_path, capsys):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["id", *range(1, 8)])
    ws.append(["a1", 1, 1, 1, 1, 1, 1, None])
    ws.append(["a2", 0, 0, 0, 0, 0, 0, 0])
    path = tmp_path / "gad.xlsx"
    wb.save(path)
    assert main(["score", "--instrument", "gad7", str(path), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [r["scales"]["total"]["raw"] for r in out] == [7, 0]


def test_bad_cell_names_row_and_column_and_writes_nothing(tmp_path, capsys):
    f = _write(tmp_path / "phq.csv", "id,1,2,3,4,5,6,7,8,9\ns1,0,0,0,0,0,0,0,0,0\ns2,1,1,4,1,1,1,1,1,1\n")
    out_file = tmp_path / "scores.json"
    assert main(["score", "--instrument", "phq9", f, "--out", str(out_file)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "第3行" in captured.err and "第4列" in captured.err and "“4”" in captured.err
    assert not out_file.exists()


def test_quiz_letters(tmp_path, capsys):
    from xadesk.instruments import load_builtin

    key = ["A" if it.correct == 1 else "B" for it in load_builtin("mhk").items]
    header = "id," + ",".join(str(i) for i in range(1, 21))
    good = "s1," + ",".join(k.lower() for k in key)
    f = _write(tmp_path / "mhk.csv", f"{header}\n{good}\n")
    assert main(["score", "--instrument", "mhk", f]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out[0]["scales"]["correct"]["raw"] == 20 and out[0]["scales"]["rate"]["raw"] == 1
    bad = "s1," + ",".join(["1"] * 20)       # a number is not an option letter
    f = _write(tmp_path / "mhk2.csv", f"{header}\n{bad}\n")
    assert main(["score", "--instrument", "mhk", f]) == 1
    assert "第2行" in capsys.readouterr().err


def test_header_problems(tmp_path, capsys):
    f = _write(tmp_path / "phq.csv", "id,1,2,3,4,5,6,7,8,x\ns1,0,0,0,0,0,0,0,0,0\n")
    assert main(["score", "--instrument", "phq9", f]) == 1
    err = capsys.readouterr().err
    assert "“x”" in err and "9" in err


def test_unknown_instrument(tmp_path, capsys):
    f = _write(tmp_path / "phq.csv", PHQ)
    assert main(["score", "--instrument", "mht", f]) == 1
    assert "mht" in capsys.readouterr().err


def test_instruments_list_show_validate(tmp_path, capsys):
    assert main(["instruments", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert "phq9" in [d["id"] for d in listed]
    assert main(["instruments", "show", "scl90"]) == 0
    shown = capsys.readouterr().out
    assert "第15题" in shown and "Pearson" in shown
    assert main(["instruments", "show", "phq9", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["id"] == "phq9" and d["version"] == 1
    d["scales"][0]["items"][3] = "q42"
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    assert main(["instruments", "validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert "mine.json" in err and "scales[0].items[3]" in err
    d["scales"][0]["items"][3] = "q4"
    path.write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    assert main(["instruments", "validate", str(path)]) == 0
    assert "phq9" in capsys.readouterr().out
    assert main(["score", "--instrument", str(path), _write(tmp_path / "p.csv", PHQ)]) == 0
