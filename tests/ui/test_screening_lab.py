"""机房测评 through the screens: the counselor exports a kit (passphrase shown once), two lab PCs run the
kiosk over it (one student on both, answering differently), leaving writes each PC's pack, the
counselor imports both packs, the duplicate is shown and resolved; importing a pack again changes
nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.services.conftest import small_school  # noqa: F401
from ui.mainwindow import MainWindow
from ui.screening import lab as lab_mod
from ui.screening.page import CampaignsPage
from xadesk.services.campaigns import coverage, create_campaign
from xadesk.services.screening_results import results

pytestmark = pytest.mark.gui


@pytest.fixture
def counselor(small_school):  # noqa: F811
    ctx = small_school.as_user("xinli")
    yield ctx
    ctx.close()


def answer_all(window, student_no: str, birth: str, value_index: int) -> None:
    window._guard_ms = 0
    window.number_edit.setText(student_no)
    window.birth_edit.setText(birth)
    window.identify()
    assert window.current_screen() == "confirm", window.start_error.text()
    window.confirm()
    while window.current_screen() in ("instructions", "item"):
        if window.current_screen() == "instructions":
            window.begin_instrument()
        else:
            window.choose(window.item.options[value_index].value)
    assert window.current_screen() == "end"
    window.to_start()


def test_lab_round_trip_with_a_duplicate(qtbot, counselor, sync_ops, tmp_path, monkeypatch):
    create_campaign(counselor, "机房普查", ["phq9"], grades=["J1"], open_now=True)
    w = MainWindow(counselor)
    qtbot.addWidget(w)
    w.show()
    page = w.show_page("screening")
    assert isinstance(page, CampaignsPage)
    panel = page.extra_tabs["lab"]
    page.tabs.setCurrentWidget(panel)

    kit = tmp_path / "机房普查.xakit"
    monkeypatch.setattr(lab_mod, "ask_save_path", lambda *a: str(kit))
    panel.export_button.click()
    passphrase = panel.passphrase_view.text()
    assert kit.exists() and len(passphrase) >= 24 and "4 名学生" in panel.banner.text()

    packs = []
    for pc, value in (("LAB-01", 0), ("LAB-02", 1)):
        folder = tmp_path / pc
        kiosk = lab_mod.open_lab_kiosk(kit, passphrase, folder, pc)
        qtbot.addWidget(kiosk)
        kiosk.show()
        answer_all(kiosk, "G610113201301010011", "20130101", value)            # 林一鸣 on both PCs
        if pc == "LAB-01":
            answer_all(kiosk, "G61011320130202002X", "20130202", 0)             # 苏晓雨 on one
        kiosk.show_exit()
        kiosk.password_edit.setText("wrong")
        kiosk.try_exit()
        assert kiosk.isVisible() and "密码不对" in kiosk.exit_error.text()
        kiosk.password_edit.setText(passphrase)
        kiosk.try_exit()
        assert not kiosk.isVisible()
        packs.append(folder / f"{pc}.xapack")
        assert packs[-1].exists()

    monkeypatch.setattr(lab_mod, "ask_open_paths", lambda *a: [str(p) for p in packs])
    panel.import_button.click()
    assert "口令" in panel.banner.text() and not panel.reports                # passphrase first
    panel.pack_passphrase.setText(passphrase)
    panel.import_button.click()
    assert len(panel.reports) == 2 and sum(r.stats.conflicts for r in panel.reports) == 1
    assert panel.banner.kind() == "warning" and "重复作答" in panel.banner.text()
    assert page.conflict_button.isVisible()
    dialog = page.show_conflicts()
    assert dialog.model.rows()[0].name == "林一鸣"
    dialog.keep_a.click()
    assert not page.conflict_button.isVisible()
    assert coverage(counselor, 1).total.completed == 2
    assert sorted(r.scales["total"].raw for r in results(counselor, 1)) == [0, 0]

    panel.import_button.click()                                                # the same packs again
    assert all(r.already_imported for r in panel.reports)
    assert not page.conflict_button.isVisible()


def test_lab_kiosk_refuses_a_wrong_passphrase(tmp_path):
    from xadesk.errors import UserError

    bogus = Path(tmp_path / "none.xakit")
    bogus.write_bytes(b"not a kit")
    with pytest.raises(UserError):
        lab_mod.open_lab_kiosk(bogus, "AAAA-BBBB", tmp_path, "LAB-01")


def test_lab_pc_start_dialog(qtbot, counselor, tmp_path):
    from xadesk.services.screening_lab import export_kit

    info = create_campaign(counselor, "机房普查", ["phq9"], grades=["J1"], open_now=True)
    kit = tmp_path / "kit" / "机房普查.xakit"
    kit.parent.mkdir()
    export_kit(counselor, info.id, kit, "ABCD-EFGH-JKMN-PQRS-TUVW-XYZ2")
    dialog = lab_mod.LabStartDialog()
    qtbot.addWidget(dialog)
    dialog.start()
    assert "测评包文件" in dialog.banner.text()
    dialog.kit_edit.setText(str(kit))
    dialog.passphrase_edit.setText("ABCD-EFGH-JKMN-PQRS-TUVW-XYZ3")
    dialog.start()
    assert dialog.banner.kind() == "error" and dialog.kiosk_window is None
    dialog.passphrase_edit.setText("ABCD-EFGH-JKMN-PQRS-TUVW-XYZ2")
    dialog.pc_edit.setText("LAB-07")
    dialog.start()
    window = dialog.kiosk_window
    qtbot.addWidget(window)
    assert window.isFullScreen() and window.current_screen() == "start"
    answer_all(window, "G610113201301010011", "20130101", 0)
    window.show_exit()
    window.password_edit.setText("ABCD-EFGH-JKMN-PQRS-TUVW-XYZ2")
    window.try_exit()
    assert (kit.parent / "LAB-07.xapack").exists()


def make_start_dialog():
    dialog = lab_mod.LabStartDialog()
    dialog.kit_edit.setText("D:/机房/2026年秋季心理健康普查.xakit")
    dialog.start()
    return dialog
