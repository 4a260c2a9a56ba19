"""成长档案 screens on the demo school: the archive view (timeline filter, trend chart), the quick
observation in two clicks, export → import round trip into a second school through the dialogs,
the refusal of a tampered file, and the button the roster's student detail gets."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QPushButton, QWidget
from sqlalchemy import select

from xadesk.demo import DEMO_PASSWORD, build_demo
from xadesk.services import records, roles
from xadesk.services.accounts import RoleSpec, add_user
from xadesk.services.login import create_school, login
from xadesk.storage.models import SchoolClass
from xadesk.storage.models_grid import GridReferral

STAFF = "staff-pass-123"


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.xadesk"
    build_demo(path)
    return path


@pytest.fixture
def counselor(demo_path):
    ctx = login(demo_path, "xinli", DEMO_PASSWORD)
    yield ctx
    ctx.close()


def _referred(ctx) -> int:
    with ctx.db.read() as s:
        return s.scalars(select(GridReferral.student_id).order_by(GridReferral.id)).first()


class Holder(QWidget):
    archive_dialog = None


def test_archive_view_filters_the_timeline_and_draws_the_trend(qtbot, sync_ops, counselor, screenshot):
    from ui.archive.view import open_archive

    holder = Holder()
    qtbot.addWidget(holder)
    open_archive(counselor, _referred(counselor), holder)
    dlg = holder.archive_dialog
    assert dlg is not None
    qtbot.addWidget(dlg)
    assert dlg.chart.series and all(s["points"] for s in dlg.chart.series)
    kinds = [dlg.kind_combo.itemData(i) for i in range(dlg.kind_combo.count())]
    assert {"screenings", "warning_levels", "referrals"} <= set(kinds)
    everything = dlg.model.rowCount()
    dlg.kind_combo.setCurrentIndex(kinds.index("warning_levels"))
    assert dlg.visible_kinds() == {"warning_levels"} and 0 < dlg.model.rowCount() < everything
    dlg.kind_combo.setCurrentIndex(0)
    assert dlg.model.rowCount() == everything
    dlg.show()
    screenshot(dlg, "archive-view")


def test_quick_observation_in_two_clicks(qtbot, sync_ops, demo_path, type_text):
    from ui.archive.page import ArchivePage

    ctx = login(demo_path, "bzr701", DEMO_PASSWORD)
    try:
        page = ArchivePage(ctx)
        qtbot.addWidget(page)
        assert page.model.rowCount() > 0 and page.class_combo.count() == 1  # only their own class
        student = page.selected()
        before = len(records.list_records(ctx, student.id, kinds=["observation"]))
        QTest.mouseClick(page.observe_button, Qt.MouseButton.LeftButton)
        dlg = page.dialog
        QTest.mouseClick(dlg.findChild(QWidget, "cat_peer"), Qt.MouseButton.LeftButton)  # click 1
        type_text(dlg.text, "午饭时独自坐在角落")
        QTest.mouseClick(dlg.save_button, Qt.MouseButton.LeftButton)  # click 2
        rows = records.list_records(ctx, student.id, kinds=["observation"])
        assert len(rows) == before + 1
        assert rows[-1].category == "peer" and rows[-1].text == "午饭时独自坐在角落"
        assert "已记录" in page.banner.text()
    finally:
        ctx.close()


def test_observation_without_category_says_so_and_saves_nothing(qtbot, sync_ops, counselor):
    from ui.archive.observe import ObservationDialog

    sid = _referred(counselor)
    before = len(records.list_records(counselor, sid))
    dlg = ObservationDialog(counselor, sid, "某同学")
    qtbot.addWidget(dlg)
    dlg.text.setPlainText("有事")
    dlg.save()
    assert "类别" in dlg.banner.text()
    assert len(records.list_records(counselor, sid)) == before


@pytest.fixture
def school_b(tmp_path):
    path = tmp_path / "b" / "b.xadesk"
    create_school(path, "西安市第二高级中学", "admin", "admin-pass-123", "李管理")
    admin = login(path, "admin", "admin-pass-123")
    with admin.db.write() as s:
        s.add(SchoolClass(grade_code="S1", number=3, active=True))
    add_user(admin, "xl", "赵心理", [RoleSpec(roles.COUNSELOR)], STAFF)
    admin.close()
    ctx = login(path, "xl", STAFF)
    yield ctx
    ctx.close()


def _export_one(qtbot, counselor, tmp_path):
    from ui.archive.export import ExportDialog

    sid = _referred(counselor)
    dlg = ExportDialog(counselor, student=(sid, "某同学"))
    qtbot.addWidget(dlg)
    dlg.folder.setText(str(tmp_path / "out"))
    dlg.start()
    assert dlg.result is not None, dlg.banner.text()
    assert dlg.result.passphrase and dlg.result.passphrase in dlg.passphrase_label.text()
    assert dlg.result.handover_pdf.exists()
    return dlg.result


def test_export_and_import_round_trip_through_the_dialogs(qtbot, sync_ops, counselor, school_b, tmp_path,
                                                           screenshot):
    from ui.archive.import_dialog import ImportDialog

    result = _export_one(qtbot, counselor, tmp_path)
    dlg = ImportDialog(school_b)
    qtbot.addWidget(dlg)
    dlg.file_edit.setText(str(result.files[0].path))
    dlg.phrase.setText(result.passphrase)
    dlg.verify()
    assert dlg.preview is not None and dlg.preview.match == "new"
    assert not dlg.import_button.isEnabled()  # a new student needs a class first
    dlg.class_combo.setCurrentIndex(1)
    assert dlg.import_button.isEnabled()
    dlg.show()
    screenshot(dlg, "archive-import-preview")
    dlg.do_import()
    assert dlg.imported is not None and dlg.imported.records_new == dlg.preview.records_new > 0
    assert "已导入" in dlg.banner.text()
    # importing the same file again adds nothing
    again = ImportDialog(school_b)
    qtbot.addWidget(again)
    again.file_edit.setText(str(result.files[0].path))
    again.phrase.setText(result.passphrase)
    again.verify()
    assert again.preview.already_imported and not again.import_button.isEnabled()


def test_tampered_file_and_wrong_passphrase_are_refused_with_their_messages(qtbot, sync_ops, counselor, school_b,
                                                                            tmp_path):
    from ui.archive.import_dialog import ImportDialog
    from xadesk.archive import transfer
    from xadesk.errors import UserError

    result = _export_one(qtbot, counselor, tmp_path)
    path = result.files[0].path
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    bad = tmp_path / "bad.xadx"
    bad.write_bytes(bytes(data))
    texts = []
    for file, phrase in ((bad, result.passphrase), (path, "WRNG-WRNG-WRNG-WRNG-WRNG-WRNG")):
        with pytest.raises(UserError) as expected:
            transfer.read_transfer(file, phrase)
        dlg = ImportDialog(school_b)
        qtbot.addWidget(dlg)
        dlg.file_edit.setText(str(file))
        dlg.phrase.setText(phrase)
        dlg.verify()
        assert dlg.preview is None and not dlg.import_button.isEnabled()
        assert dlg.banner.kind() == "error" and dlg.banner.text() == expected.value.message
        texts.append(dlg.banner.text())
    assert texts[0] != texts[1]


def test_student_detail_gets_the_archive_button(qtbot, sync_ops, counselor):
    import ui.archive.page  # noqa: F401  (registers the button)
    from ui.roster.detail import StudentDetailDialog
    from xadesk.services import roster

    class Page(QWidget):
        def __init__(self, ctx):
            super().__init__()
            self.ctx = ctx

    page = Page(counselor)
    qtbot.addWidget(page)
    detail = roster.get_student(counselor, _referred(counselor))
    dlg = StudentDetailDialog(detail, page)
    buttons = {b.text(): b for b in dlg.findChildren(QPushButton)}
    assert "成长档案(&A)…" in buttons
    QTest.mouseClick(buttons["成长档案(&A)…"], Qt.MouseButton.LeftButton)
    assert dlg.archive_dialog is not None
    dlg.archive_dialog.close()
    dlg.close()


def test_coverage_tab_shows_last_years_graduating_classes(qtbot, sync_ops, counselor):
    from ui.archive.page import ArchivePage

    page = ArchivePage(counselor)
    qtbot.addWidget(page)
    page.tabs.setCurrentIndex(1)
    page.year_combo.setCurrentIndex(1)
    rows = page.coverage_model.rows()
    assert rows and any(r.ratio > 0.5 for r in rows if r.class_label.startswith("九年级"))
    assert "已家访" in page.coverage_note.text()


# --- factories for tests/ui/screens.py (look at the screens at 100 % and 150 %) ---------------------

_KEEP: list = []


def _screens_ctx(login_name: str = "xinli"):
    import tempfile
    from pathlib import Path

    from ui import worker

    worker.set_synchronous(True)
    path = Path(tempfile.mkdtemp()) / "demo.xadesk"
    build_demo(path)
    return login(path, login_name, DEMO_PASSWORD)


def make_archive_view() -> QWidget:
    from ui.archive.view import open_archive

    ctx = _screens_ctx()
    holder = Holder()
    _KEEP.append(holder)  # the dialog's parent must outlive this function
    open_archive(ctx, _referred(ctx), holder)
    return holder.archive_dialog


def make_archive_page() -> QWidget:
    from ui.archive.page import ArchivePage

    page = ArchivePage(_screens_ctx())
    page.resize(1000, 640)
    return page


def make_coverage() -> QWidget:
    from ui.archive.page import ArchivePage

    page = ArchivePage(_screens_ctx())
    page.resize(1000, 640)
    page.tabs.setCurrentIndex(1)
    page.year_combo.setCurrentIndex(1)
    return page


def make_observation() -> QWidget:
    from ui.archive.observe import ObservationDialog

    ctx = _screens_ctx("bzr701")
    rows = __import__("xadesk.services.roster", fromlist=["list_students"]).list_students(ctx)
    dlg = ObservationDialog(ctx, rows[0].id, f"{rows[0].class_label} {rows[0].name}")
    dlg.findChild(QWidget, "cat_mood").setChecked(True)
    dlg.text.setPlainText("课间一个人坐在座位上，不愿意和同学说话。")
    return dlg


def make_export_done() -> QWidget:
    import tempfile
    from pathlib import Path

    from ui.archive.export import ExportDialog

    ctx = _screens_ctx()
    dlg = ExportDialog(ctx, grade_code="J3")
    dlg.grade_key.setChecked(True)
    dlg.folder.setText(str(Path(tempfile.mkdtemp()) / "九年级重点关注"))
    dlg.start()
    return dlg


def make_import_refused() -> QWidget:
    import tempfile
    from pathlib import Path

    from ui.archive.export import ExportDialog
    from ui.archive.import_dialog import ImportDialog

    ctx = _screens_ctx()
    exp = ExportDialog(ctx, student=(_referred(ctx), "x"))
    exp.folder.setText(str(Path(tempfile.mkdtemp()) / "one"))
    exp.start()
    path = exp.result.files[0].path
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 1
    path.write_bytes(bytes(data))
    dlg = ImportDialog(ctx)
    dlg.file_edit.setText(str(path))
    dlg.phrase.setText(exp.result.passphrase)
    dlg.verify()
    return dlg


def make_import_preview() -> QWidget:
    import tempfile
    from pathlib import Path

    from ui.archive.export import ExportDialog
    from ui.archive.import_dialog import ImportDialog

    ctx = _screens_ctx()
    exp = ExportDialog(ctx, student=(_referred(ctx), "x"))
    exp.folder.setText(str(Path(tempfile.mkdtemp()) / "one"))
    exp.start()
    dlg = ImportDialog(ctx)  # the same school: matched by 学籍号, nothing new
    dlg.file_edit.setText(str(exp.result.files[0].path))
    dlg.phrase.setText(exp.result.passphrase)
    dlg.verify()
    return dlg


def make_promote() -> QWidget:
    from ui.archive.year import PromoteDialog

    return PromoteDialog(_screens_ctx("admin"))


def test_export_of_a_grade_can_be_cancelled_and_leaves_nothing(qtbot, counselor, tmp_path):
    from ui.archive.export import ExportDialog

    dlg = ExportDialog(counselor, grade_code="J3")
    qtbot.addWidget(dlg)
    folder = tmp_path / "grade"
    dlg.folder.setText(str(folder))
    dlg.start()  # on the real worker thread
    dlg.op.cancel()
    qtbot.waitUntil(lambda: dlg.op.done, timeout=60_000)
    assert dlg.op.outcome == "cancelled" and dlg.result is None
    assert "已取消" in dlg.banner.text()
    assert not folder.exists() or not any(folder.iterdir())
    assert not (tmp_path / "grade-交接单.pdf").exists()
