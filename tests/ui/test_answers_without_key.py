"""A counselor who does not hold the counselling key yet, in the app: item answers are counselling
content (xadesk.compartment.answers), so what needs them is disabled with the reason, and a student
at the kiosk is sent to the teacher instead of seeing an error."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests.screening.test_safety_path import _score_layout
from tests.services.conftest import STAFF_PASSWORD, small_school  # noqa: F401
from tests.ui.test_screening_kiosk import LIN, identify
from ui.screening.conflicts import ConflictsDialog
from ui.screening.kiosk import KioskWindow
from ui.screening.results import ResultsView
from xadesk.screening.kiosk import SchoolKiosk
from xadesk.services import accounts, roles
from xadesk.services.accounts import RoleSpec
from xadesk.services.campaigns import create_campaign
from xadesk.services.screening_import import import_survey
from xadesk.services.screening_paper import save_paper_row

pytestmark = pytest.mark.gui


@pytest.fixture
def school(small_school):  # noqa: F811
    """The counselor opens a campaign; then the administrator adds a second counselor (no key yet)."""
    xinli = small_school.as_user("xinli")
    campaign = create_campaign(xinli, "秋季普查", ["phq9"], grades=["J1"], open_now=True)
    accounts.add_user(small_school.admin, "xl2", "第二心理", [RoleSpec(roles.COUNSELOR)], STAFF_PASSWORD)
    keyless = small_school.as_user("xl2")
    assert keyless.counselling_key is None
    yield small_school, xinli, keyless, campaign
    keyless.close()
    xinli.close()


def test_rescore_is_disabled_with_the_reason(qtbot, school):
    _school, xinli, keyless, _campaign = school
    view = ResultsView(keyless)
    qtbot.addWidget(view)
    assert not view.rescore_button.isEnabled() and "辅导钥匙" in view.rescore_button.toolTip()
    holder = ResultsView(xinli)
    qtbot.addWidget(holder)
    assert holder.rescore_button.isEnabled()


def test_a_conflict_cannot_be_decided_without_the_key(qtbot, school, tmp_path, screenshot):
    small, xinli, keyless, campaign = school
    sid = small.student_ids["林一鸣"]
    save_paper_row(xinli, campaign.id, sid, "phq9", ["0"] * 10)
    # A different copy from a file: a conflict.
    import_survey(xinli, campaign.id, _score_layout(tmp_path / "a.csv", "phq9", [1] * 10), instrument="phq9")
    dialog = ConflictsDialog(keyless, campaign.id)
    qtbot.addWidget(dialog)
    assert dialog.model.rowCount() == 1
    assert not dialog.keep_a.isEnabled() and not dialog.keep_b.isEnabled()
    assert "辅导钥匙" in dialog.keep_b.toolTip() and "需要辅导钥匙" in dialog.detail.toPlainText()
    dialog.show()
    screenshot(dialog, "conflicts-without-key")
    holder = ConflictsDialog(xinli, campaign.id)
    qtbot.addWidget(holder)
    assert holder.keep_b.isEnabled() and "1 1 1" in holder.detail.toPlainText()


def test_the_kiosk_sends_the_student_to_the_teacher_after_a_restart(qtbot, school, screenshot):
    small, _xinli, keyless, campaign = school
    first = SchoolKiosk.start(keyless, campaign.id, "PC-1")
    st = first.identify(LIN[0], "2013-01-01")
    for _ in range(3):
        first.answer(st, "phq9", first.next_item(st, "phq9").index, 1, 3.0)
    restarted = small.as_user("xl2")    # the PC restarted: nothing in memory, still no key
    try:
        w = KioskWindow(SchoolKiosk.start(restarted, campaign.id, "PC-1"), item_guard_ms=0)
        qtbot.addWidget(w)
        w.show()
        identify(w, *LIN)
        QTest.keyClick(w.focusWidget() or w, Qt.Key.Key_1)    # 是我
        assert w.current_screen() == "start"
        assert "请告诉老师" in w.start_error.text() and "辅导钥匙" not in w.start_error.text()
        w.resize(1100, 760)
        screenshot(w, "kiosk-resume-without-key")
    finally:
        restarted.close()
