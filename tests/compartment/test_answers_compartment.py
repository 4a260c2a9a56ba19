"""Item-level answers are counselling content (issue 10, item 4): sealed by every route that stores
them, readable only with the counselling key — while every route still works for a counselor who has
not been granted the key yet, and the safety path never needs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.compartment.test_compartments import _raw_dump
from tests.screening.test_safety_path import (
    BIRTH,
    NAME,
    NO,
    _answers,
    _cells,
    _queue,
    _score_layout,
    route_kiosk_finished,
    route_kiosk_interrupted,
    route_lab_pack,
    route_lab_pack_interrupted,
    route_late_reimport,
    route_paper_double,
    route_paper_double_first_pass_only,
    route_paper_double_mismatch,
    route_paper_single,
    route_score_layout,
    route_wjx,
)
from tests.services.conftest import STAFF_PASSWORD
from xadesk.compartment import answers as sealed
from xadesk.errors import UserError
from xadesk.screening.battery import dumps
from xadesk.screening.kiosk import SchoolKiosk
from xadesk.services import accounts, roles
from xadesk.services import screening_answers as A
from xadesk.services.accounts import RoleSpec
from xadesk.services.campaigns import create_campaign
from xadesk.services.screening_import import import_survey
from xadesk.services.screening_paper import paper_grid, paper_mismatches, save_paper_row
from xadesk.services.screening_results import export_results_xlsx, response_answers, results
from xadesk.storage.keyfile import KeyFile, keyfile_path, user_slot_id
from xadesk.storage.models import Meta
from xadesk.storage.models_screening import PaperEntry, ScreeningConflict, ScreeningResponse

PATTERN = [0, 1, 2, 3, 0, 1, 2, 3, 2, 1]  # a PHQ-9 answer set easy to find in a dump
PATTERN_JSON = json.dumps(PATTERN, separators=(",", ":"))


@pytest.fixture
def keyless(counselor, small_school):
    """A second counselor, made by the administrator after the first counselor's last login: no key yet."""
    accounts.add_user(small_school.admin, "xl2", "第二心理", [RoleSpec(roles.COUNSELOR)], STAFF_PASSWORD)
    ctx = small_school.as_user("xl2")
    assert ctx.counselling_key is None
    yield ctx
    ctx.close()


@pytest.fixture
def camp(counselor):
    return create_campaign(counselor, "2026秋季普查", ["phq9", "asq", "scl90"], grades=["J1", "J2"], open_now=True)


def _answer_columns(db_path, key: bytes) -> list[tuple[str, str, str]]:
    """(table, mode, value) of every answer column, read with SQLCipher directly (no XA Desk code)."""
    import sqlcipher3.dbapi2 as sqlcipher

    conn = sqlcipher.connect(str(db_path))
    try:
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        out = []
        for mode, a, secs in conn.execute("SELECT mode, answers_json, seconds_json FROM screening_response"):
            out += [("screening_response", mode, a), ("screening_response", mode, secs)]
        for mode, a, secs in conn.execute("SELECT b_mode, b_answers_json, b_seconds_json FROM screening_conflict"):
            out += [("screening_conflict", mode, a), ("screening_conflict", mode, secs)]
        out += [("screening_paper_entry", "paper", a)
                for (a,) in conn.execute("SELECT answers_json FROM screening_paper_entry")]
        return out
    finally:
        conn.close()


def _kiosk(ctx, c, values, iid="phq9"):
    k = SchoolKiosk.start(ctx, c.id, "PC-01")
    st = k.identify(NO, BIRTH)
    for v in values:
        item = k.next_item(st, iid)
        k.answer(st, iid, item.index, v, 4.0)
    return k, st


# --- raw access ------------------------------------------------------------------------------------

def test_a_homeroom_teachers_password_with_both_files_reads_no_item_answers(counselor, keyless, small_school, camp,
                                                                            tmp_path):
    sid = small_school.student_ids[NAME]
    other = small_school.student_ids["苏晓雨"]
    _kiosk(counselor, camp, PATTERN)                                          # kiosk, with the key
    save_paper_row(keyless, camp.id, other, "phq9", [str(v) for v in PATTERN], double_entry=True)  # a held pass
    import_survey(keyless, camp.id, _score_layout(tmp_path / "a.csv", "phq9", [3] * 10), instrument="phq9")  # conflict
    assert A.conflicts(counselor, camp.id)[0].b.answers == tuple([3.0] * 10)
    assert response_answers(counselor, camp.id, sid, "phq9")["answers"] == PATTERN
    kpath = keyfile_path(small_school.path)
    for who in ("bzr", "nj", "xz"):
        db_key = KeyFile.load(kpath).unwrap(user_slot_id(who), STAFF_PASSWORD)
        columns = _answer_columns(small_school.path, db_key)
        assert {t for t, _, _ in columns} == {"screening_response", "screening_conflict", "screening_paper_entry"}
        assert all(v.startswith(sealed.PREFIX) for _, _, v in columns), columns
        dump = _raw_dump(small_school.path, db_key)
        assert "林一鸣" in dump and PATTERN_JSON not in dump and "[3,3,3,3,3,3,3,3,3,3]" not in dump


def test_a_ciphertext_moved_to_another_row_does_not_open(counselor, small_school, camp, tmp_path):
    a, b = small_school.student_ids[NAME], small_school.student_ids["苏晓雨"]
    for sid, values in ((a, PATTERN), (b, [0] * 10)):
        save_paper_row(counselor, camp.id, sid, "phq9", [str(v) for v in values])
    with counselor.db.write() as s:
        ra, rb = (s.scalar(select(ScreeningResponse).where(ScreeningResponse.student_id == x)) for x in (a, b))
        rb.answers_json = ra.answers_json           # someone with the database key copies one student's answers
    with pytest.raises(UserError, match="无法解密"):
        response_answers(counselor, camp.id, b, "phq9")
    with counselor.db.write() as s:                 # nor into another column of the same row
        ra = s.scalar(select(ScreeningResponse).where(ScreeningResponse.student_id == a))
        ra.seconds_json = ra.answers_json
    with pytest.raises(UserError, match="无法解密"):
        response_answers(counselor, camp.id, a, "phq9")


# --- every route, without the key --------------------------------------------------------------------

KEYLESS_ROUTES = [route_kiosk_finished, route_kiosk_interrupted, route_lab_pack, route_lab_pack_interrupted,
                  route_paper_single, route_paper_double, route_paper_double_first_pass_only,
                  route_paper_double_mismatch, route_wjx, route_score_layout, route_late_reimport]


@pytest.mark.parametrize("route", KEYLESS_ROUTES, ids=lambda r: r.__name__[len("route_"):])
def test_every_route_stores_sealed_answers_without_the_key_and_the_safety_floor_fires(keyless, small_school, camp,
                                                                                       tmp_path, route):
    route(keyless, small_school, camp, "phq9", tmp_path)
    with keyless.db.read() as s:
        values = [v for r in s.scalars(select(ScreeningResponse)) for v in (r.answers_json, r.seconds_json)]
        values += [e.answers_json for e in s.scalars(select(PaperEntry))]
    assert values and all(v.startswith(sealed.PREFIX) for v in values)
    # The review queue has the student with a safety proposal, read by a counselor holding the key.
    [row] = [r for r in _queue(small_school, camp) if r["student_no"] == NO]
    assert row["safety"] is True and row["proposed_level"] == "L2"


def test_a_conflicting_copy_without_the_key_waits_for_a_key_holder(keyless, counselor, small_school, camp, tmp_path):
    sid = small_school.student_ids[NAME]
    assert save_paper_row(keyless, camp.id, sid, "phq9", _cells(_answers("phq9", False))).stored
    report = import_survey(keyless, camp.id, _score_layout(tmp_path / "a.csv", "phq9", _answers("phq9", True)),
                           instrument="phq9")
    assert report.total.conflicts == 1
    later = small_school.as_user("xl2")                # another day: nothing of it in memory, still no key
    try:
        [k] = A.conflicts(later, camp.id)
        assert k.locked and k.a.answers is None and k.differing_items == ()
        with pytest.raises(UserError, match="辅导钥匙"):
            A.resolve_conflict(later, k.id, "b")
    finally:
        later.close()
    [row] = [r for r in _queue(small_school, camp) if r["student_no"] == NO]
    assert row["safety"] is True                      # the waiting copy was read as it arrived
    [k] = A.conflicts(counselor, camp.id)             # the key holder sees both and decides
    assert not k.locked and k.differing_items == (9,)
    A.resolve_conflict(counselor, k.id, "b")
    assert response_answers(counselor, camp.id, sid, "phq9")["answers"] == _answers("phq9", True)


def test_the_same_file_again_without_the_key_replaces_the_stored_copy(keyless, counselor, small_school, camp,
                                                                    tmp_path):
    path = _score_layout(tmp_path / "a.csv", "phq9", [1] * 10)
    assert import_survey(keyless, camp.id, path, instrument="phq9").total.added == 1
    assert import_survey(keyless, camp.id, path, instrument="phq9").total.unchanged == 1   # held in memory
    later = small_school.as_user("xl2")
    try:
        again = import_survey(later, camp.id, path, instrument="phq9").total
    finally:
        later.close()
    assert (again.updated, again.conflicts) == (1, 0)   # cannot compare: a replacement from the same source
    assert import_survey(counselor, camp.id, path, instrument="phq9").total.unchanged == 1


# --- reads that need the key ------------------------------------------------------------------------

def test_reads_that_need_the_item_answers_are_refused_without_the_key(keyless, counselor, small_school, camp,
                                                                     tmp_path):
    sid = small_school.student_ids[NAME]
    save_paper_row(counselor, camp.id, sid, "phq9", [str(v) for v in PATTERN])
    # Scores and bands stay readable: the results table and its export work without the key.
    assert [r.student_no for r in results(keyless, camp.id)] == [NO]
    export_results_xlsx(keyless, camp.id, tmp_path / "r.xlsx")
    with pytest.raises(UserError, match="辅导钥匙") as exc:
        response_answers(keyless, camp.id, sid, "phq9")
    assert "查看每题答案" in str(exc.value)
    with counselor.db.write() as s:   # an instrument change that makes the scores stale
        from xadesk.storage.models_screening import ScreeningScore

        for sc in s.scalars(select(ScreeningScore)):
            sc.definition_digest = "0" * 64
    with pytest.raises(UserError, match="重新计分"):
        A.rescore(keyless, camp.id)
    assert A.rescore(counselor, camp.id) == 1
    # Paper grid: the pass typed by the key holder shows as typed, without its values.
    grid = paper_grid(keyless, camp.id, small_school.class_ids[("J1", 1)], "phq9")
    assert [r.pass1 for r in grid.rows if r.student_id == sid] == [()]


def test_a_kiosk_without_the_key_continues_in_the_session_but_not_after_a_restart(keyless, small_school, camp):
    k, st = _kiosk(keyless, camp, [0, 1, 2])
    assert k.next_item(st, "phq9").index == 3               # continues from memory
    restarted = small_school.as_user("xl2")
    try:
        assert restarted.counselling_key is None
        k2 = SchoolKiosk.start(restarted, camp.id, "PC-01")
        st2 = k2.identify(NO, BIRTH)
        with pytest.raises(UserError, match="继续这份中途中断的问卷"):
            k2.next_item(st2, "phq9")
    finally:
        restarted.close()
    xinli = small_school.as_user("xinli")                   # a key holder resumes it
    try:
        k3 = SchoolKiosk.start(xinli, camp.id, "PC-01")
        assert k3.next_item(k3.identify(NO, BIRTH), "phq9").index == 3
    finally:
        xinli.close()


def test_double_entry_without_the_key_compares_with_its_own_pass_and_waits_otherwise(keyless, counselor,
                                                                                    small_school, camp):
    a, b = small_school.student_ids[NAME], small_school.student_ids["苏晓雨"]
    cells = [str(v) for v in PATTERN]
    save_paper_row(keyless, camp.id, a, "phq9", cells, double_entry=True)
    assert save_paper_row(keyless, camp.id, a, "phq9", cells, pass_no=2, double_entry=True).stored
    save_paper_row(counselor, camp.id, b, "phq9", cells, double_entry=True)   # typed by someone else
    res = save_paper_row(keyless, camp.id, b, "phq9", cells, pass_no=2, double_entry=True)
    assert (res.stored, res.waiting_for_key) == (False, True)
    with pytest.raises(UserError, match="比对两遍录入"):
        paper_mismatches(keyless, camp.id)
    assert save_paper_row(counselor, camp.id, b, "phq9", cells, pass_no=2, double_entry=True).stored
    assert paper_mismatches(counselor, camp.id) == []


# --- the answers public key -------------------------------------------------------------------------

def test_a_substituted_public_key_is_found_and_replaced_at_the_next_key_holding_login(counselor, small_school,
                                                                                      keyless, camp):
    import base64

    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    intruder = X25519PrivateKey.generate()
    with small_school.admin.db.write() as s:  # someone with the database key puts their own public key in
        s.get(Meta, sealed.PUB_META).value = base64.b64encode(intruder.public_key().public_bytes_raw()).decode() + ".x"
    xinli = small_school.as_user("xinli")
    try:
        assert any("公钥被改动" in w for w in xinli.warnings)
        with xinli.db.read() as s:
            assert sealed.stored_public_key(s) == sealed.public_key(xinli.counselling_key)
    finally:
        xinli.close()
    # A key holder never seals to the stored key: its own answers open whatever the meta says.
    with small_school.admin.db.write() as s:
        s.get(Meta, sealed.PUB_META).value = base64.b64encode(intruder.public_key().public_bytes_raw()).decode() + ".x"
    save_paper_row(counselor, camp.id, small_school.student_ids[NAME], "phq9", [str(v) for v in PATTERN])
    assert response_answers(counselor, camp.id, small_school.student_ids[NAME], "phq9")["answers"] == PATTERN


# --- answers stored before this version ---------------------------------------------------------------

def _unseal_everything(school, key: bytes) -> None:
    """Turn the stored answers back into plaintext, as a school upgraded from 0011 has them, with the
    marker migration 0012 sets."""
    with school.admin.db.write() as s:
        k = sealed.Codec(s, key)

        def plain(table, row, column, value):
            return dumps(k.open(table, row, column, value))

        for r in s.scalars(select(ScreeningResponse)):
            row = sealed.response_row(r.campaign_id, r.student_id, r.instrument_id)
            r.answers_json = plain(sealed.RESPONSE, row, "answers_json", r.answers_json)
            r.seconds_json = plain(sealed.RESPONSE, row, "seconds_json", r.seconds_json)
        for kc in s.scalars(select(ScreeningConflict)):
            kc.b_answers_json = plain(sealed.CONFLICT, str(kc.id), "b_answers_json", kc.b_answers_json)
            kc.b_seconds_json = plain(sealed.CONFLICT, str(kc.id), "b_seconds_json", kc.b_seconds_json)
        sealed.mark_pending(s)


def test_plaintext_answers_are_sealed_at_the_first_key_holding_login_not_before(counselor, small_school, camp,
                                                                                tmp_path):
    sid = small_school.student_ids[NAME]
    save_paper_row(counselor, camp.id, sid, "phq9", [str(v) for v in PATTERN])
    import_survey(counselor, camp.id, _score_layout(tmp_path / "a.csv", "phq9", [3] * 10), instrument="phq9")
    _unseal_everything(small_school, counselor.counselling_key)
    bzr_key = KeyFile.load(keyfile_path(small_school.path)).unwrap(user_slot_id("bzr"), STAFF_PASSWORD)
    assert PATTERN_JSON in _raw_dump(small_school.path, bzr_key)
    small_school.as_user("bzr").close()                     # a login without the key changes nothing
    assert PATTERN_JSON in _raw_dump(small_school.path, bzr_key)
    xinli = small_school.as_user("xinli")
    try:
        assert response_answers(xinli, camp.id, sid, "phq9")["answers"] == PATTERN
        assert A.conflicts(xinli, camp.id)[0].b.answers == tuple([3.0] * 10)
        with xinli.db.read() as s:
            assert not sealed.pending(s)
    finally:
        xinli.close()
    assert PATTERN_JSON not in _raw_dump(small_school.path, bzr_key)
    assert all(v.startswith(sealed.PREFIX) for _, _, v in _answer_columns(small_school.path, bzr_key))


_KILLER = """
import os, signal, sys
from xadesk.compartment import answers
from xadesk.storage.database import SchoolDatabase
db = SchoolDatabase(sys.argv[1], bytes.fromhex(sys.argv[2]))
batches = []
def progress(n):
    batches.append(n)
    if len(batches) == 2:
        os.kill(os.getpid(), signal.SIGKILL)   # kill -9 between two batches
answers.seal_pending(db, bytes.fromhex(sys.argv[3]), batch=2, progress=progress)
"""


def test_a_kill_during_the_conversion_leaves_every_row_plaintext_or_sealed_and_the_next_login_finishes(
        counselor, small_school, camp):
    expected = {}
    for i, sid in enumerate(small_school.student_ids.values()):
        values = [(i + j) % 4 for j in range(10)]
        save_paper_row(counselor, camp.id, sid, "phq9", [str(v) for v in values])
        expected[sid] = values
    _unseal_everything(small_school, counselor.counselling_key)
    counselor.close()
    db_key = small_school.admin.db.key
    proc = subprocess.run([sys.executable, "-c", _KILLER, str(small_school.path), db_key.hex(),
                           counselor.counselling_key.hex()], cwd=str(Path(__file__).parents[2]),
                          env={**os.environ}, capture_output=True)
    assert proc.returncode == -9, proc.stderr
    with small_school.admin.db.read() as s:
        rows = s.execute(select(ScreeningResponse.answers_json)).scalars().all()
        assert sealed.pending(s)
    assert len(rows) == 6
    n_sealed = sum(v.startswith(sealed.PREFIX) for v in rows)
    assert n_sealed == 4      # two batches of two committed, the rest untouched
    assert all(v.startswith(sealed.PREFIX) or json.loads(v) in expected.values() for v in rows)
    xinli = small_school.as_user("xinli")
    try:
        for sid, values in expected.items():
            assert response_answers(xinli, camp.id, sid, "phq9")["answers"] == values
        with xinli.db.read() as s:
            assert not sealed.pending(s)
            assert all(v.startswith(sealed.PREFIX) for v in s.scalars(select(ScreeningResponse.answers_json)))
    finally:
        xinli.close()
