"""测评活动: the campaigns of the school — list, create, open/close, who is still missing, the kiosk,
results, and a discreet notice when a safety alert comes in.

Tabs under the list: 完成情况 (coverage per grade and class; who is missing, absent or declined),
结果 (or 各班等级人数 for summary-only roles), and for counselors 问卷导入, 纸质答卷, 机房测评. The
重复作答 button appears when answers arrived twice and differ; the 安全提示 notice polls
``screening_answers.alerts(ctx)`` (the open ones) every ``ALERT_POLL_MS`` and names nobody; the list shows
when the student answered, in local time.

Who sees what (the core enforces it; the page only hides what cannot be used):
``screening.manage`` (counselors) everything; ``screening.results`` (leaders) coverage counts and
results; ``screening.summary`` only (homeroom teachers, grade leaders) coverage counts and band
counts of their own classes.
"""

from __future__ import annotations

import platform

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from xadesk.display import instrument_names
from xadesk.domain.grades import grade
from xadesk.errors import UserError
from xadesk.screening.kiosk import SchoolKiosk
from xadesk.services import campaigns, grid_screening, screening_answers
from xadesk.services.campaigns import CampaignInfo, Coverage, CoverageCount, CoverageStudent
from xadesk.services.context import AppContext

from .. import messages
from ..formutil import set_enabled_why
from ..mainwindow import PageSpec, register_page
from ..messages import MessageBanner
from ..tablemodel import (
    CENTER,
    RIGHT,
    Column,
    FilterProxy,
    RowTableModel,
    configure_table_view,
    connect_filter_edit,
    local_time,
    set_column_widths,
)
from ..worker import BackgroundOp
from .conflicts import ConflictsDialog
from .create_dialog import CreateCampaignDialog
from .kiosk import KioskWindow
from .lab import LabPanel
from .paper import PaperPanel
from .results import ResultsView, set_widths
from .survey_import import SurveyImportPanel

ALERT_POLL_MS = 15_000
STATE_LABELS = {"completed": "已完成", "in_progress": "未答完", "missing": "未参加", "absent": "缺测",
                "declined": "拒测"}


def campaign_columns() -> list[Column]:
    return [
        Column("名称", "name"),
        Column("学期", lambda c: f"{c.school_year} 第{c.semester}学期"),
        Column("目的", lambda c: campaigns.PURPOSES.get(c.purpose, (c.purpose,))[0], align=CENTER),
        Column("状态", lambda c: campaigns.STATUS_LABELS.get(c.status, (c.status,))[0], align=CENTER),
        Column("人数", "n_targets", align=RIGHT),
        Column("量表", lambda c: instrument_names(c.instrument_ids)),
    ]


def coverage_columns() -> list[Column]:
    def pct(c: CoverageCount) -> str:
        return f"{c.completed * 100 / c.targets:.0f}%" if c.targets else ""

    return [Column("年级/班级", "label"), Column("应测", "targets", align=RIGHT),
            Column("已完成", "completed", align=RIGHT), Column("完成率", pct, align=RIGHT),
            Column("未答完", "in_progress", align=RIGHT), Column("未参加", "missing", align=RIGHT),
            Column("缺测", "absent", align=RIGHT), Column("拒测", "declined", align=RIGHT)]


def student_columns() -> list[Column]:
    return [Column("班级", "class_label"), Column("学籍号", "student_no"), Column("姓名", "name"),
            Column("状态", lambda s: STATE_LABELS.get(s.state, s.state), align=CENTER),
            Column("未完成的量表", lambda s: instrument_names(s.pending)), Column("原因", "reason")]


class CampaignsPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.can_manage = ctx.actor.can("screening.manage")
        self.coverage: Coverage | None = None
        self.kiosk_window = None
        self.last_alert_id = 0
        self.open_alerts: list[screening_answers.AlertRow] = []

        self.banner = MessageBanner(self)
        self.alert_button = QPushButton(self)
        self.alert_button.setObjectName("alertNotice")
        self.alert_button.setStyleSheet("QPushButton#alertNotice { background: #fdecea; color: #8a1c1c;"
                                        " border: 1px solid #e6a1a1; border-radius: 4px; padding: 4px 10px; }")
        self.alert_button.clicked.connect(self.show_alerts)
        self.alert_button.hide()
        self.conflict_button = QPushButton(self)
        self.conflict_button.setToolTip(self.tr("同一学生的同一份问卷收到两份不同的作答，需要决定以哪份为准"))
        self.conflict_button.clicked.connect(self.show_conflicts)
        self.conflict_button.hide()

        self.model = RowTableModel(campaign_columns(), self)
        self.proxy = FilterProxy(self.model, parent=self)
        self.table = QTableView(self)
        self.table.setObjectName("campaignTable")
        self.table.setAccessibleName(self.tr("测评活动列表"))
        self.table.setModel(self.proxy)
        configure_table_view(self.table)
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._selection_changed())
        set_widths(self.table, [16, 11, 4, 4, 3])

        self.new_button = QPushButton(self.tr("新建活动(&N)…"), self)
        self.new_button.clicked.connect(self.create_campaign)
        self.open_button = QPushButton(self.tr("开始活动(&O)"), self)
        self.open_button.clicked.connect(self.open_selected)
        self.close_button = QPushButton(self.tr("结束活动(&C)"), self)
        self.close_button.clicked.connect(self.close_selected)
        self.kiosk_button = QPushButton(self.tr("学生自助测评(&K)"), self)
        self.kiosk_button.setToolTip(self.tr("在这台电脑上全屏打开学生答题界面；退出需要输入您的密码"))
        self.kiosk_button.clicked.connect(self.start_kiosk)
        for b in (self.new_button, self.open_button, self.close_button, self.kiosk_button):
            b.setVisible(self.can_manage)

        # Coverage: totals per grade and class, and (counselors) who exactly is missing.
        self.summary_label = QLabel(self)
        self.summary_label.setWordWrap(True)
        self.coverage_model = RowTableModel(coverage_columns(), self)
        self.coverage_table = QTableView(self)
        self.coverage_table.setAccessibleName(self.tr("各年级各班完成情况"))
        self.coverage_table.setModel(self.coverage_model)
        configure_table_view(self.coverage_table)
        self.coverage_table.setSortingEnabled(False)
        set_widths(self.coverage_table, [7, 3, 3, 3, 3, 3, 3, 3])
        self.student_model = RowTableModel(student_columns(), self)
        self.student_proxy = FilterProxy(self.student_model, parent=self)
        self.student_table = QTableView(self)
        self.student_table.setAccessibleName(self.tr("学生完成情况"))
        self.student_table.setModel(self.student_proxy)
        configure_table_view(self.student_table)
        set_widths(self.student_table, [6, 11, 4, 4, 10])
        self.state_combo = QComboBox(self)
        self.state_combo.setAccessibleName(self.tr("按状态筛选"))
        self.state_combo.addItem(self.tr("还没完成的学生"), "pending")
        self.state_combo.addItem(self.tr("全部学生"), "all")
        for key, label in STATE_LABELS.items():
            self.state_combo.addItem(label, key)
        self.state_combo.currentIndexChanged.connect(lambda _i: self._fill_students())
        self.student_filter = QLineEdit(self)
        self.student_filter.setPlaceholderText(self.tr("姓名、学籍号、班级"))
        self.student_filter.setAccessibleName(self.tr("筛选学生"))
        connect_filter_edit(self.student_filter, self.student_proxy)

        coverage_tab = QWidget(self)
        cov = QVBoxLayout(coverage_tab)
        cov.setContentsMargins(0, 4, 0, 0)
        cov.addWidget(self.summary_label)
        cov_split = QSplitter(Qt.Orientation.Vertical, coverage_tab)
        cov_split.addWidget(self.coverage_table)
        students_box = QWidget(cov_split)
        sb = QVBoxLayout(students_box)
        sb.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(self.state_combo)
        row.addWidget(self.student_filter, 1)
        self.excuse_button = QPushButton(self.tr("缺测/拒测(&A)…"), self)
        self.excuse_button.setToolTip(self.tr("把选中的学生记为缺测或拒测（写明原因），或清除这个标记"))
        self.excuse_button.clicked.connect(self.excuse_selected)
        row.addWidget(self.excuse_button)
        sb.addLayout(row)
        sb.addWidget(self.student_table, 1)
        cov_split.addWidget(students_box)
        students_box.setVisible(self.can_manage)
        cov.addWidget(cov_split, 1)

        self.results = ResultsView(ctx, self)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(coverage_tab, self.tr("完成情况"))
        self.tabs.addTab(self.results, self.tr("结果") if self.results.full else self.tr("各班等级人数"))
        self.tabs.currentChanged.connect(lambda _i: self._load_tab())
        self.extra_tabs: dict[str, QWidget] = {}
        if self.can_manage:
            self._add_manage_tabs()

        buttons = QHBoxLayout()
        for b in (self.new_button, self.open_button, self.close_button, self.kiosk_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.conflict_button)
        buttons.addWidget(self.alert_button)
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(buttons)
        left_layout.addWidget(self.table, 1)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(left)
        splitter.addWidget(self.tabs)
        row_h = self.table.verticalHeader().defaultSectionSize()
        splitter.setSizes([row_h * 6, row_h * 18])
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.banner)
        layout.addWidget(splitter, 1)

        self.alert_timer = QTimer(self)
        self.alert_timer.setInterval(ALERT_POLL_MS)
        self.alert_timer.timeout.connect(self.poll_alerts)
        if self.can_manage:
            self.alert_timer.start()
            self.poll_alerts()
        self.reload()

    def _add_manage_tabs(self) -> None:
        """Survey import and paper entry: counselors only."""

        survey = SurveyImportPanel(self.ctx, self)
        survey.imported.connect(self._answers_changed)
        self.extra_tabs["survey"] = survey
        self.tabs.addTab(survey, self.tr("问卷导入"))

        paper = PaperPanel(self.ctx, self)
        paper.saved.connect(self._mark_stale)
        self.extra_tabs["paper"] = paper
        self.tabs.addTab(paper, self.tr("纸质答卷"))
        lab = LabPanel(self.ctx, self)
        lab.imported.connect(self._answers_changed)
        self.extra_tabs["lab"] = lab
        self.tabs.addTab(lab, self.tr("机房测评"))

    # -- page protocol ------------------------------------------------------------------------------------

    def refresh(self) -> None:
        # Alerts may have been acknowledged elsewhere meanwhile: read the open ones afresh.
        self.last_alert_id, self.open_alerts = 0, []
        self.poll_alerts()
        self.reload()

    def focus_filter(self) -> None:
        if self.tabs.currentWidget() is self.results:
            self.results.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        else:
            self.student_filter.setFocus(Qt.FocusReason.ShortcutFocusReason)

    # -- loading --------------------------------------------------------------------------------------------

    def reload(self, select_id: int | None = None) -> None:
        current = select_id or (self.selected().id if self.selected() else None)
        ctx = self.ctx
        (BackgroundOp(self, lambda _t: campaigns.list_campaigns(ctx), title=self.tr("正在读取测评活动…"),
                      cancellable=False)
         .success(lambda rows: self._loaded(rows, current)).failure(self.banner.show_user_error).run())

    def _loaded(self, rows: list[CampaignInfo], current: int | None) -> None:
        self.model.set_rows(rows)
        row = self.model.row_of(lambda c: c.id == current) if current else -1
        if row < 0 and rows:
            row = 0
        if row >= 0:
            index = self.proxy.mapFromSource(self.model.index(row, 0))
            self.table.setCurrentIndex(index)
            self.table.selectRow(index.row())
        self._selection_changed()

    def selected(self) -> CampaignInfo | None:
        index: QModelIndex = self.table.currentIndex()
        return self.proxy.row_at(index) if index.isValid() else None

    def _selection_changed(self) -> None:
        c = self.selected()
        none = self.tr("请先在列表中选中一个测评活动。")
        set_enabled_why(self.open_button, c is not None and c.status == "draft",
                        none if c is None else self.tr("只有草稿状态的活动可以开始；这个活动{s}。").format(
                            s=self.tr("已经开始") if c.status == "open" else self.tr("已结束")))
        set_enabled_why(self.close_button, c is not None and c.status == "open",
                        none if c is None else self.tr("只有进行中的活动可以结束；这个活动{s}。").format(
                            s=self.tr("还是草稿，尚未开始") if c.status == "draft" else self.tr("已结束")))
        set_enabled_why(self.kiosk_button, c is not None and c.status == "open" and "kiosk" in c.modes,
                        none if c is None else self.tr("学生自助作答需要活动进行中，且作答方式含“学生自助（本机）”。"))
        self._loaded_tabs: set[int] = set()
        for panel in self.extra_tabs.values():
            panel.set_campaign(c)
        self.count_conflicts()
        self._load_tab()

    def _load_tab(self) -> None:
        c = self.selected()
        index = self.tabs.currentIndex()
        if index in getattr(self, "_loaded_tabs", set()):
            return
        self._loaded_tabs.add(index)
        if index == 0:
            self.load_coverage(c)
        elif self.tabs.widget(index) is self.results:
            self.results.set_campaign(c.id if c else None, c.name if c else "")

    def _mark_stale(self) -> None:
        # Coverage and results are reloaded the next time their tab is shown.
        self._loaded_tabs = {self.tabs.currentIndex()}
        self.count_conflicts()

    def _answers_changed(self) -> None:
        self._mark_stale()
        self.load_coverage(self.selected())

    def count_conflicts(self) -> int:
        c = self.selected()
        n = len(screening_answers.conflicts(self.ctx, c.id)) if self.can_manage and c is not None else 0
        self.conflict_button.setText(self.tr("重复作答 %1 条待处理…").replace("%1", str(n)))
        self.conflict_button.setVisible(n > 0)
        return n

    def show_conflicts(self) -> QDialog | None:

        c = self.selected()
        if c is None:
            return None
        dialog = ConflictsDialog(self.ctx, c.id, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.resolved.connect(self._answers_changed)
        dialog.open()
        self.conflicts_dialog = dialog
        return dialog

    def load_coverage(self, c: CampaignInfo | None) -> None:
        if c is None:
            self._coverage_loaded(None)
            return
        ctx = self.ctx
        (BackgroundOp(self, lambda _t: campaigns.coverage(ctx, c.id), title=self.tr("正在统计完成情况…"),
                      cancellable=False)
         .success(self._coverage_loaded).failure(self.banner.show_user_error).run())

    def _coverage_loaded(self, cov: Coverage | None) -> None:
        self.coverage = cov
        if cov is None:
            self.summary_label.setText(self.tr("还没有测评活动。点“新建活动”建立第一个。") if self.can_manage
                                       else self.tr("还没有测评活动。"))
            self.coverage_model.set_rows([])
            self.student_model.set_rows([])
            return
        t = cov.total
        self.summary_label.setText(
            self.tr("应测 %1 人：已完成 %2，未答完 %3，未参加 %4，缺测 %5，拒测 %6。")
            .replace("%1", str(t.targets)).replace("%2", str(t.completed)).replace("%3", str(t.in_progress))
            .replace("%4", str(t.missing)).replace("%5", str(t.absent)).replace("%6", str(t.declined)))
        rows = []
        for g in cov.grades:
            rows.append(g)
            rows += [k for k in cov.classes if _class_in_grade(k, g)]
        self.coverage_model.set_rows(rows)
        self._fill_students()

    def _fill_students(self) -> None:
        students: list[CoverageStudent] = self.coverage.students if self.coverage else []
        want = self.state_combo.currentData()
        if want == "pending":
            students = [s for s in students if s.state != "completed"]
        elif want != "all":
            students = [s for s in students if s.state == want]
        self.student_model.set_rows(students)

    # -- actions --------------------------------------------------------------------------------------------

    def create_campaign(self) -> QDialog:

        dialog = CreateCampaignDialog(self.ctx, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.reload(dialog.created.id if dialog.created else None))
        dialog.open()
        self.create_dialog = dialog
        return dialog

    def _change(self, fn, done: str) -> None:
        c = self.selected()
        if c is None:
            return
        try:
            fn(self.ctx, c.id)
        except UserError as exc:
            self.banner.show_user_error(exc)
            return
        self.banner.show_success(done.replace("%1", c.name))
        self.reload(c.id)

    def open_selected(self) -> None:
        c = self.selected()
        if c and messages.question(self, self.tr("开始“%1”？开始后量表和测评对象不能再修改。").replace("%1", c.name),
                                   yes=self.tr("开始"), no=self.tr("取消"), default_yes=True):
            self._change(campaigns.open_campaign, self.tr("“%1”已开始。"))

    def close_selected(self) -> BackgroundOp | None:
        """Close the campaign and make its proposals (off the UI thread, with progress); the banner
        then offers the review queue."""
        c = self.selected()
        if not c or not messages.question(
                self, self.tr("结束“%1”？结束后不能再录入作答，并将按预警规则生成预警建议，进入复核队列。")
                .replace("%1", c.name), yes=self.tr("结束"), no=self.tr("取消")):
            return None
        ctx = self.ctx

        def work(task):
            return grid_screening.close_and_propose(ctx, c.id, progress=task.progress_callback(
                self.tr("正在结束活动并生成预警建议…")))

        def done(result: grid_screening.CloseResult) -> None:
            s = result.proposals
            text = (self.tr("“%1”已结束。已生成预警建议 %2 名（其中安全底线 %3 名），作答待核查 %4 名。")
                    .replace("%1", c.name).replace("%2", str(s.proposed)).replace("%3", str(s.safety))
                    .replace("%4", str(s.validity_review)))
            self.banner.show_message("success", text, None, action=(self.tr("打开复核队列"),
                                                                    lambda: self.open_review(c.id)))
            self.reload(c.id)

        op = (BackgroundOp(self, work, title=self.tr("正在结束活动并生成预警建议…"), cancellable=False)
              .success(done).failure(self.banner.show_user_error))
        self.close_op = op
        op.run()
        return op

    def open_review(self, campaign_id: int) -> None:
        window = self.window()
        if hasattr(window, "show_page") and "grid" in window.page_keys():
            window.show_page("grid").show_review(campaign_id)

    def start_kiosk(self):


        c = self.selected()
        if c is None:
            return None
        try:
            kiosk = SchoolKiosk.start(self.ctx, c.id, platform.node() or "本机")
        except UserError as exc:
            self.banner.show_user_error(exc)
            return None
        # A child of the main window: when the app locks (the counselor's database closes), the kiosk
        # goes with the main window instead of staying on screen with nothing behind it.
        window = KioskWindow(kiosk, self.window())
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        window.exited.connect(self._kiosk_exited)
        self.kiosk_window = window
        window.showFullScreen()
        return window

    def _kiosk_exited(self) -> None:
        self.kiosk_window = None
        self.poll_alerts()
        self.reload()

    def excuse_selected(self) -> QDialog | None:
        index = self.student_table.currentIndex()
        c = self.selected()
        if not index.isValid() or c is None:
            return None
        student: CoverageStudent = self.student_proxy.row_at(index)
        dialog = ExcuseDialog(self.ctx, c.id, student, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.load_coverage(self.selected()))
        dialog.open()
        self.excuse_dialog = dialog
        return dialog

    # -- safety alerts --------------------------------------------------------------------------------------

    def poll_alerts(self) -> None:
        """New alerts since the last poll; the notice shows how many are open, never who."""
        if not self.can_manage:
            return
        try:
            # The whole open list, not only new ones: an alert whose proposal was decided in the
            # review queue leaves 待处理 here too.
            current = screening_answers.alerts(self.ctx)
        except UserError:
            return
        if current:
            self.last_alert_id = max(self.last_alert_id, max(a.id for a in current))
        self.open_alerts = current
        self._show_alert_count()

    def _show_alert_count(self) -> None:
        n = len(self.open_alerts)
        self.alert_button.setText(self.tr("安全提示 %1 条待处理…").replace("%1", str(n)))
        self.alert_button.setVisible(n > 0)

    def show_alerts(self) -> QDialog:
        dialog = AlertsDialog(self.ctx, self.open_alerts, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.acknowledged.connect(self._acknowledged)
        dialog.open()
        self.alerts_dialog = dialog
        return dialog

    def _acknowledged(self, alert_id: int) -> None:
        self.open_alerts = [a for a in self.open_alerts if a.id != alert_id]
        self._show_alert_count()


def _class_in_grade(k: CoverageCount, g: CoverageCount) -> bool:

    return bool(g.key) and k.label.startswith(grade(g.key).label)


class ExcuseDialog(QDialog):
    """缺测 / 拒测 with the reason, or clear the mark (``campaigns.set_excused``)."""

    def __init__(self, ctx: AppContext, campaign_id: int, student: CoverageStudent, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx, self.campaign_id, self.student = ctx, campaign_id, student
        self.setWindowTitle(self.tr("缺测或拒测"))
        self.banner = MessageBanner(self)
        self.state_combo = QComboBox(self)
        for key, (zh, _en) in campaigns.EXCUSES.items():
            self.state_combo.addItem(zh, key)
        self.state_combo.addItem(self.tr("清除标记"), None)
        if student.state in campaigns.EXCUSES:
            self.state_combo.setCurrentIndex(self.state_combo.findData(student.state))
        self.reason_edit = QLineEdit(student.reason or "", self)
        self.reason_edit.setPlaceholderText(self.tr("如：病假，未到校；家长不同意"))
        form = QFormLayout()
        form.addRow(self.tr("学生："), QLabel(f"{student.class_label} {student.name}", self))
        state_label = QLabel(self.tr("记为(&R)："), self)
        state_label.setBuddy(self.state_combo)
        form.addRow(state_label, self.state_combo)
        reason_label = QLabel(self.tr("原因(&E)："), self)
        reason_label.setBuddy(self.reason_edit)
        form.addRow(reason_label, self.reason_edit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("保存"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.resize(self.fontMetrics().horizontalAdvance("中") * 30, self.sizeHint().height())

    def save(self) -> None:
        try:
            campaigns.set_excused(self.ctx, self.campaign_id, self.student.student_id, self.state_combo.currentData(),
                                  self.reason_edit.text())
        except UserError as exc:
            self.banner.show_user_error(exc)
            return
        self.accept()


class AlertsDialog(QDialog):
    """Open safety alerts: who, which questionnaire, what; 已处理 acknowledges one."""

    acknowledged = Signal(int)

    def __init__(self, ctx: AppContext, rows: list, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.tr("安全提示"))
        self.model = RowTableModel([
            Column("作答时间", lambda a: local_time(a.answered_at)), Column("班级", "class_label"),
            Column("姓名", "name"), Column("量表", "instrument_name"), Column("提示", "label"),
            Column("状态", "status")], self)
        self.model.set_rows(rows)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        configure_table_view(self.table)
        # The prompt is the point ("第9题…≥1：无论总分多少，都须尽快当面跟进"): it wraps instead of being cut.
        set_column_widths(self.table, (9, 9, 5, 6, 40, 5), padding=16)
        self.table.setWordWrap(True)
        self.table.resizeRowsToContents()
        note = QLabel(self.tr("请尽快与学生当面沟通，并按学校危机干预流程处理。"), self)
        note.setWordWrap(True)
        self.ack_button = QPushButton(self.tr("标记为已处理(&D)"), self)
        self.ack_button.clicked.connect(self.acknowledge_selected)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.ack_button)
        row.addStretch(1)
        row.addWidget(buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        self.resize(self.fontMetrics().horizontalAdvance("中") * 80, self.fontMetrics().height() * 22)
        if rows:
            self.table.selectRow(0)

    def acknowledge_selected(self) -> None:
        index = self.table.currentIndex()
        if not index.isValid():
            return
        a = self.model.row_at(index)
        try:
            screening_answers.acknowledge_alert(self.ctx, a.id)
        except UserError as exc:
            messages.user_error(self, exc)
            return
        self.model.set_rows([r for r in self.model.rows() if r.id != a.id])
        self.acknowledged.emit(a.id)


register_page(PageSpec("screening", "测评活动", CampaignsPage, order=25, permission="screening.summary"))
