"""班主任评定 at the school PC: the homeroom teacher picks the open teacher-rated campaign and goes
student by student through the class, rating with the keyboard; each student's rating is saved at
once (through ``xadesk.classpack.ratings.rate_at_school``) when its last item is chosen.

Keys: 1–9 choose the option of the current item and move on; Backspace goes back one item; ↑/↓ in
the student list (or PgUp/PgDn anywhere) change student. A counselor who teaches no class sees each
class's progress, read-only, and a grade leader their grade's: only the homeroom teacher rates (the
core enforces it).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QRadioButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from xadesk.classpack.content import URGENT_LINE
from xadesk.classpack.ratings import SchoolRatingTask, rate_at_school, school_rating_tasks
from xadesk.errors import UserError
from xadesk.services.context import AppContext

from ..mainwindow import PageSpec, register_page
from ..messages import MessageBanner

CURRENT_STYLE = "background: #e8f0fe; border-left: 4px solid #1a73e8; padding: 2px;"


class RatingPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.banner = MessageBanner(self)
        self.tasks: list[SchoolRatingTask] = []
        self.answers: dict[int, list[float | None]] = {}     # student id → the form as filled now
        self.saved: set[int] = set()                          # student ids with a stored rating
        self.current = 0                                       # the item keys act on

        self.task_combo = QComboBox(self)
        self.task_combo.setAccessibleName(self.tr("评定任务"))
        self.task_combo.currentIndexChanged.connect(self._task_changed)
        self.progress = QLabel(self)
        self.empty = QLabel(self)
        self.empty.setWordWrap(True)
        self.students = QListWidget(self)
        self.students.setAccessibleName(self.tr("本班学生"))
        self.students.currentRowChanged.connect(self._student_changed)
        self.title = QLabel(self)
        self.title.setWordWrap(True)
        self.title.setStyleSheet("font-weight: bold;")
        self.instructions = QLabel(self)
        self.instructions.setWordWrap(True)
        self.instructions.setStyleSheet("color: #5b6470;")
        self.items_box = QWidget(self)
        self.items_grid = QGridLayout(self.items_box)
        self.items_grid.setColumnStretch(0, 1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.items_box)
        self.hint = QLabel(self.tr("键盘：数字键选当前题的选项并进入下一题，Backspace 回上一题；"
                                   "↑↓ 或 PgUp/PgDn 换学生。最后一题选完即保存。"), self)
        self.hint.setWordWrap(True)
        urgent = QLabel(URGENT_LINE, self)
        urgent.setWordWrap(True)
        urgent.setStyleSheet("color: #b3261e;")
        self.rows: list[tuple[QLabel, QButtonGroup]] = []

        right = QWidget(self)
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.title)
        rl.addWidget(self.instructions)
        rl.addWidget(scroll, 1)
        rl.addWidget(self.hint)
        rl.addWidget(urgent)
        split = QSplitter(self)
        split.addWidget(self.students)
        split.addWidget(right)
        split.setStretchFactor(1, 3)
        self._top = QWidget(self)
        top = QHBoxLayout(self._top)
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(QLabel(self.tr("评定任务："), self._top))
        top.addWidget(self.task_combo, 1)
        top.addWidget(self.progress)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self._top)
        layout.addWidget(self.empty, 1)
        layout.addWidget(split, 1)
        self._split = split

        for n in range(1, 10):
            sc = QShortcut(QKeySequence(str(n)), self, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(lambda k=n: self.choose(k))
        for key, step in ((Qt.Key.Key_PageDown, 1), (Qt.Key.Key_PageUp, -1)):
            sc = QShortcut(QKeySequence(key), self, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(lambda s=step: self.move_student(s))
        back = QShortcut(QKeySequence(Qt.Key.Key_Backspace), self,
                         context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        back.activated.connect(lambda: self.set_current(self.current - 1))
        self.refresh()

    # --- data ----------------------------------------------------------------------------------

    def refresh(self) -> None:
        keep = self.task_combo.currentIndex()
        self.tasks = school_rating_tasks(self.ctx)
        self.task_combo.blockSignals(True)
        self.task_combo.clear()
        for t in self.tasks:
            self.task_combo.addItem(f"{t.campaign_name} · {t.definition.name_zh} · {t.class_label}")
        self.task_combo.blockSignals(False)
        has = bool(self.tasks)
        self.empty.setVisible(not has)
        self._split.setVisible(has)
        self._top.setVisible(has)
        if self.ctx.actor.class_ids:
            self.empty.setText(self.tr("现在没有需要班主任评定的测评活动。心理老师在测评活动中加入班主任评定量表并开放后，"
                                       "您的班级会出现在这里。"))
        else:
            self.empty.setText(self.tr("现在没有开放的班主任评定。心理老师在测评活动中加入班主任评定量表并开放后，"
                                       "这里会显示各班的评定进度（只读，评定由班主任完成）。"))
        if has:
            self.task_combo.setCurrentIndex(min(max(keep, 0), len(self.tasks) - 1))
            self._task_changed(self.task_combo.currentIndex())

    @property
    def task(self) -> SchoolRatingTask | None:
        i = self.task_combo.currentIndex()
        return self.tasks[i] if 0 <= i < len(self.tasks) else None

    def _task_changed(self, index: int) -> None:
        t = self.task
        if t is None:
            return
        defn = t.definition
        self.answers = {st.student_id: list(st.answers) if st.answers else [None] * defn.n_items
                        for st in t.students}
        self.saved = {st.student_id for st in t.students if st.answers is not None}
        self.title.setText(defn.name_zh)
        self.instructions.setText(defn.text("instructions") if t.can_rate else
                                  self.tr("只读：这里显示各班评定进度，评定由班主任完成。"))
        self._build_items(t)
        self.hint.setVisible(t.can_rate)
        self.students.blockSignals(True)
        self.students.clear()
        for st in t.students:
            item = QListWidgetItem(self.students)
            item.setData(Qt.ItemDataRole.UserRole, st.student_id)
        self.students.blockSignals(False)
        self._update_list()
        first = next((k for k, st in enumerate(t.students) if st.student_id not in self.saved), 0)
        self.students.setCurrentRow(first)
        self._student_changed(first)
        self.students.setFocus()

    def _build_items(self, t: SchoolRatingTask) -> None:
        while self.items_grid.count():
            w = self.items_grid.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        self.rows = []
        for j, it in enumerate(t.definition.items):
            label = QLabel(f"{it.position}. {it.display_text()}", self.items_box)
            label.setWordWrap(True)
            group = QButtonGroup(self.items_box)
            opts = QWidget(self.items_box)
            ol = QHBoxLayout(opts)
            ol.setContentsMargins(0, 0, 0, 0)
            for k, o in enumerate(it.options):
                rb = QRadioButton(f"{k + 1} {o.label_zh}", opts)
                rb.setFocusPolicy(Qt.FocusPolicy.NoFocus)       # digits choose; focus stays in the list
                rb.setEnabled(t.can_rate)
                group.addButton(rb, k)
                ol.addWidget(rb)
            ol.addStretch(1)
            group.idClicked.connect(lambda k, j=j: self._clicked(j, k))
            self.items_grid.addWidget(label, j, 0)
            self.items_grid.addWidget(opts, j, 1)
            self.rows.append((label, group))

    # --- the student and the form -------------------------------------------------------------

    def student_id(self) -> int | None:
        item = self.students.currentItem()
        return None if item is None else item.data(Qt.ItemDataRole.UserRole)

    def _update_list(self) -> None:
        t = self.task
        if t is None:
            return
        for k, st in enumerate(t.students):
            mark = self.tr("已评") if st.student_id in self.saved else self.tr("未评")
            self.students.item(k).setText(f"{st.name}　{mark}")
        self.progress.setText(self.tr("已评 {0} / {1} 人").format(len(self.saved), len(t.students)))

    def _student_changed(self, row: int) -> None:
        sid = self.student_id()
        t = self.task
        if sid is None or t is None:
            return
        values = self.answers[sid]
        for j, (_label, group) in enumerate(self.rows):
            it = t.definition.items[j]
            group.setExclusive(False)
            for b in group.buttons():
                b.setChecked(False)
            group.setExclusive(True)
            if values[j] is not None:
                k = [o.value for o in it.options].index(values[j])
                group.button(k).setChecked(True)
        self.set_current(next((j for j, v in enumerate(values) if v is None), 0))

    def set_current(self, j: int) -> None:
        if not self.rows:
            return
        self.current = max(0, min(j, len(self.rows) - 1))
        for k, (label, _g) in enumerate(self.rows):
            label.setStyleSheet(CURRENT_STYLE if k == self.current and self.task and self.task.can_rate else "")

    def move_student(self, step: int) -> None:
        row = self.students.currentRow() + step
        if 0 <= row < self.students.count():
            self.students.setCurrentRow(row)

    def choose(self, number: int) -> None:
        """Key ``number`` (1-based) picks that option of the current item."""
        t = self.task
        if t is None or not t.can_rate or not self.rows:
            return
        options = t.definition.items[self.current].options
        if not 1 <= number <= len(options):
            return
        self.rows[self.current][1].button(number - 1).setChecked(True)
        self._clicked(self.current, number - 1)

    def _clicked(self, j: int, k: int) -> None:
        t = self.task
        sid = self.student_id()
        if t is None or sid is None:
            return
        values = self.answers[sid]
        values[j] = t.definition.items[j].options[k].value
        if all(v is not None for v in values):
            self.save(sid)
        else:
            self.set_current(next((n for n in range(j + 1, len(values)) if values[n] is None),
                                  next(n for n, v in enumerate(values) if v is None)))

    def save(self, sid: int) -> bool:
        t = self.task
        assert t is not None
        name = next(st.name for st in t.students if st.student_id == sid)
        try:
            rate_at_school(self.ctx, t.campaign_id, sid, t.instrument_id, list(self.answers[sid]))
        except UserError as exc:
            self.banner.show_user_error(exc)
            return False
        first_time = sid not in self.saved
        self.saved.add(sid)
        self._update_list()
        self.banner.show_success(self.tr("已保存{0}的评定。").format(name))
        if first_time:
            nxt = next((k for k, st in enumerate(t.students) if st.student_id not in self.saved), None)
            if nxt is not None:
                self.students.setCurrentRow(nxt)
        return True


register_page(PageSpec("ratings", "班主任评定", RatingPage, order=76, permission="observation.write"))
