"""Lab round trip: kit → packs from two PCs (one student on both) → import → conflict → resolved;
re-import changes nothing; packs of another campaign or school are refused; the journal survives
a torn last record."""

from __future__ import annotations

import uuid

import pytest

from xadesk.errors import UserError
from xadesk.exchange import WrongPassphrase, open_container
from xadesk.screening.kiosk import LabKiosk
from xadesk.services import screening_answers as A
from xadesk.services.campaigns import coverage
from xadesk.services.screening_lab import export_kit, import_pack
from xadesk.services.screening_results import results

PASS = "LAB-KIT-PASS-2026"


def _do(kiosk, no, birth, instrument, values):
    st = kiosk.identify(no, birth)
    for v in values:
        item = kiosk.next_item(st, instrument)
        kiosk.answer(st, instrument, item.index, v, 4.0)
    return st


@pytest.fixture
def kit(counselor, campaign, tmp_path):
    path = tmp_path / "kit.xakit"
    info = export_kit(counselor, campaign.id, path, PASS)
    assert info.students == 6 and info.instruments == ("phq9", "asq")
    return path


def test_kit_holds_identification_data_only(kit):
    c = open_container(kit, PASS, expected_kind="lab_kit")
    text = c.entry("kit.json").decode("utf-8")
    assert "林一鸣" in text and "2013-01-01" in text
    assert "610113201301010011\"" not in text.replace("G610113201301010011", "")   # no ID number
    assert "score" not in text.split('"instruments"')[0]
    with pytest.raises(WrongPassphrase):
        open_container(kit, "wrong-passphrase", expected_kind="lab_kit")


def test_round_trip_with_a_student_on_two_pcs(counselor, campaign, kit, tmp_path):
    pc1 = LabKiosk.open(kit, PASS, tmp_path / "pc1", "LAB-01")
    pc2 = LabKiosk.open(kit, PASS, tmp_path / "pc2", "LAB-02")
    assert pc1.tasks(pc1.identify("G610113201301010011", "2013-01-01"))[0].instrument_id == "phq9"
    _do(pc1, "G610113201301010011", "20130101", "phq9", [1] * 10)
    _do(pc1, "G61011320130202002X", "2013-02-02", "phq9", [0] * 9)
    _do(pc2, "G610113201303030038", "2013-03-03", "asq", [0, 0, 0, 0])
    _do(pc2, "G610113201301010011", "2013-01-01", "phq9", [2] * 10)     # the same student again, elsewhere
    p1, p2 = pc1.write_pack(tmp_path / "pc1.xapack"), pc2.write_pack(tmp_path / "pc2.xapack")

    r1 = import_pack(counselor, p1, PASS)
    assert (r1.stats.added, r1.stats.conflicts) == (2, 0)
    r2 = import_pack(counselor, p2, PASS)
    assert (r2.stats.added, r2.stats.conflicts) == (1, 1)
    conflicts = A.conflicts(counselor, campaign.id)
    assert len(conflicts) == 1
    k = conflicts[0]
    assert k.student_no == "G610113201301010011" and (k.a.source, k.b.source) == ("LAB-01", "LAB-02")
    by = {(r.student_no, r.instrument_id): r for r in results(counselor, campaign.id)}
    assert by[("G610113201301010011", "phq9")].scales["total"].raw == 9        # A kept until decided

    again = import_pack(counselor, p2, PASS)
    assert again.already_imported
    assert len(A.conflicts(counselor, campaign.id)) == 1

    A.resolve_conflict(counselor, k.id, "b")
    by = {(r.student_no, r.instrument_id): r for r in results(counselor, campaign.id)}
    assert by[("G610113201301010011", "phq9")].scales["total"].raw == 18
    assert A.conflicts(counselor, campaign.id) == []
    assert import_pack(counselor, p1, PASS).already_imported
    assert coverage(counselor, campaign.id).total.in_progress == 3


def test_packs_of_another_campaign_or_school_are_refused(counselor, campaign, kit, tmp_path):
    pc = LabKiosk.open(kit, PASS, tmp_path / "pc", "LAB-09")
    _do(pc, "G610113201301010011", "2013-01-01", "phq9", [1] * 10)
    pc.kit.campaign_uuid = str(uuid.uuid4())
    with pytest.raises(UserError, match="另一次测评活动"):
        import_pack(counselor, pc.write_pack(tmp_path / "other-campaign.xapack"), PASS)
    pc.kit.school_uuid = str(uuid.uuid4())
    with pytest.raises(UserError, match="另一所学校"):
        import_pack(counselor, pc.write_pack(tmp_path / "other-school.xapack"), PASS)
    assert results(counselor, campaign.id) == []


def test_journal_resumes_after_restart_and_a_torn_tail(kit, tmp_path):
    pc = LabKiosk.open(kit, PASS, tmp_path / "pc", "LAB-03")
    st = _do(pc, "G610113201301010011", "2013-01-01", "phq9", [1, 2, 3])
    pc.close()
    journal = next((tmp_path / "pc").glob("*.journal"))
    with open(journal, "ab") as fh:
        fh.write(b"\x00\x00\x00\x40" + b"torn")       # a record cut off by a power failure
    again = LabKiosk.open(kit, PASS, tmp_path / "pc", "LAB-03")
    st = again.identify_code(pc.kit.students["G610113201301010011"].code.lower())
    item = again.next_item(st, "phq9")
    assert item.index == 3 and item.number == 4
    assert "分" not in item.text and not hasattr(item, "score")
    again.answer(st, "phq9", 3, 0, 2.0)
    assert LabKiosk.open(kit, PASS, tmp_path / "pc", "LAB-03").next_item(st, "phq9").index == 4
    assert not again.check_exit("not it") and again.check_exit(PASS.lower())
