"""Kiosk core on the school database: identification, assigned questionnaires only, item by item,
no score shown, counselor password to leave; a process killed mid-questionnaire resumes at the same
item with nothing lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.screening.conftest import STAFF_PASSWORD
from xadesk.errors import UserError
from xadesk.instruments.loader import load_builtin
from xadesk.screening import battery
from xadesk.screening.kiosk import SchoolKiosk
from xadesk.services.campaigns import create_campaign, kiosk_codes
from xadesk.services.screening_answers import alerts
from xadesk.services.screening_results import response_answers

ROOT = Path(__file__).resolve().parents[2]


def test_identify_and_answer(counselor, small_school):
    info = create_campaign(counselor, "分年级", ["phq9", ("gad7", ["J2"])], grades=["J1", "J2"], open_now=True)
    kiosk = SchoolKiosk.start(counselor, info.id, "PC-7")
    with pytest.raises(UserError, match="没有找到"):
        kiosk.identify("G610113201301010011", "2013-01-02")       # wrong birth date
    with pytest.raises(UserError, match="没有找到"):
        kiosk.identify("G000000000000000000", "2013-01-01")
    st = kiosk.identify("g610113201301010011", "2013年1月1日")
    assert (st.name, st.class_label) == ("林一鸣", "七年级(1)班")
    assert [t.instrument_id for t in kiosk.tasks(st)] == ["phq9"]              # gad7 is for J2 only
    code = next(c.code for c in kiosk_codes(counselor, info.id) if c.name == "任浩然")
    other = kiosk.identify_code(code)
    assert [t.instrument_id for t in kiosk.tasks(other)] == ["phq9", "gad7"]
    assert kiosk.instructions("phq9")
    for _ in range(9):
        item = kiosk.next_item(st, "phq9")
        assert [o.key for o in item.options] == ["1", "2", "3", "4"] and item.total >= 9
        state = kiosk.answer(st, "phq9", item.index, 3 if item.index == 8 else 0, 5.0)
        assert not any(hasattr(state, a) for a in ("score", "band", "flags"))
    item = kiosk.next_item(st, "phq9")
    assert item.index == 9                                                     # item 10 after a problem
    assert kiosk.answer(st, "phq9", 9, 1, 5.0).completed
    assert kiosk.next_item(st, "phq9") is None and kiosk.tasks(st)[0].completed
    assert [a.flag for a in alerts(counselor, info.id)] == ["safety:item9"]   # at once, counselor side
    assert not kiosk.check_exit("wrong-password") and kiosk.check_exit(STAFF_PASSWORD)


_CHILD = textwrap.dedent("""
    import sys, time
    from xadesk.services.login import login
    from xadesk.screening.kiosk import SchoolKiosk
    ctx = login(sys.argv[1], "xinli", sys.argv[2])
    kiosk = SchoolKiosk.start(ctx, int(sys.argv[3]), "PC-CRASH")
    st = kiosk.identify("G610113201301010011", "2013-01-01")
    while True:
        item = kiosk.next_item(st, "phq9")
        kiosk.answer(st, "phq9", item.index, (item.index % 3), 4.0 + item.index)
        print("answered", item.index, flush=True)
        time.sleep(0.05 if item.index < 4 else 60)   # the student is reading item 6 when the power goes
""")


def test_killed_mid_questionnaire_resumes_at_the_same_item(counselor, campaign, small_school):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    child = subprocess.Popen([sys.executable, "-c", _CHILD, str(small_school.path), STAFF_PASSWORD,
                              str(campaign.id)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        seen = []
        for line in child.stdout:
            seen.append(line.split()[1])
            if len(seen) == 5:
                break
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    assert seen == ["0", "1", "2", "3", "4"]
    kiosk = SchoolKiosk.start(counselor, campaign.id, "PC-CRASH")
    st = kiosk.identify("G610113201301010011", "2013-01-01")
    assert kiosk.next_item(st, "phq9").index == 5
    stored = response_answers(counselor, campaign.id, small_school.student_ids["林一鸣"], "phq9")
    assert stored["answers"][:5] == [0, 1, 2, 0, 1] and stored["answers"][5:] == [None] * 5
    assert stored["seconds"][:5] == [4.0, 5.0, 6.0, 7.0, 8.0] and stored["status"] == "in_progress"


@given(st.lists(st.sampled_from([0.0, 1.0, 2.0, 3.0]), min_size=9, max_size=9))
def test_question_count_never_jumps_up(answers):
    """PHQ-9's item 10 appears only after a symptom: the count must not read 共9题 and then 共10题."""
    defn = load_builtin("phq9")
    given_answers, seconds = battery.empty(defn)
    totals = []
    for k in range(9):
        totals.append(battery.item_view(defn, given_answers, k).total)
        given_answers[k] = answers[k]
        seconds[k] = 3.0
    assert totals == sorted(totals, reverse=True) and totals[0] == 10
