"""A small demo window built only from the infrastructure: 10,000 Chinese rows, a filter box and a
button that runs a background op with progress. Tests drive it; ``screens.py`` renders it at 100 %
and 150 % so the font, the focus ring and the layout can be looked at::

    .venv/bin/python tests/ui/screens.py tests/ui/test_infra_demo.py:make_demo_window
    .venv/bin/python tests/ui/screens.py tests/ui/test_infra_demo.py:make_busy_demo --name demo-busy
    .venv/bin/python tests/ui/screens.py tests/ui/test_infra_demo.py:make_widget_gallery --name gallery
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui.messages import MessageBanner
from ui.tablemodel import (
    CENTER,
    RIGHT,
    Column,
    FilterProxy,
    RowTableModel,
    configure_table_view,
    connect_filter_edit,
)
from ui.worker import BackgroundOp, TaskState

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦"
GIVEN = "子涵欣怡梓轩浩宇雨萱一诺宇轩梓涵可馨思彤俊杰佳怡诗琪博文雅琪晨阳语嫣皓轩明远嘉怡天佑若曦"
GRADES = ["七年级", "八年级", "九年级", "初一", "初二", "初三"]


def demo_rows(n: int = 10_000, seed: int = 2026) -> list[dict]:
    rnd = random.Random(seed)
    rows = []
    for i in range(n):
        birth = dt.date(2010, 1, 1) + dt.timedelta(days=rnd.randint(0, 3 * 365))
        rows.append({
            "no": f"G1101012{birth:%Y%m%d}{i % 1000:03d}X"[:19],
            "name": rnd.choice(SURNAMES) + rnd.choice(GIVEN) + (rnd.choice(GIVEN) if rnd.random() < 0.6 else ""),
            "sex": "男" if rnd.random() < 0.5 else "女",
            "class": f"{rnd.choice(GRADES)}（{rnd.randint(1, 12)}）班",
            "birth": birth,
            "boarding": rnd.random() < 0.3,
        })
    return rows


COLUMNS = [
    Column("全国学籍号", "no"),
    Column("姓名", "name"),
    Column("性别", "sex", align=CENTER),
    Column("班级", "class"),
    Column("出生日期", "birth", fmt=lambda d: f"{d:%Y-%m-%d}"),
    Column("年龄", lambda r: (dt.date(2026, 9, 1) - r["birth"]).days // 365, align=RIGHT, fmt=lambda a: f"{a} 岁"),
    Column("住校", "boarding", align=CENTER, fmt=lambda b: "是" if b else "否"),
]


def demo_job(steps: int = 40, delay: float = 0.05):
    def job(task: TaskState) -> int:
        for i in range(1, steps + 1):
            task.check_cancelled()
            task.set_progress(i, steps, f"第 {i} 批，共 {steps} 批")
            time.sleep(delay)
        return steps
    return job


class DemoWindow(QMainWindow):
    def __init__(self, rows: list[dict] | None = None) -> None:
        super().__init__()
        self.setWindowTitle("XA Desk · 基础组件演示")
        self.banner = MessageBanner()
        self.model = RowTableModel(COLUMNS, self)
        self.model.set_rows(rows if rows is not None else demo_rows())
        self.proxy = FilterProxy(self.model, filter_columns=[0, 1, 3], parent=self)
        self.search = QLineEdit()
        self.search.setPlaceholderText("输入姓名、学籍号或班级查找…")
        self.search.setAccessibleName("查找学生")
        self.count = QLabel()
        self.run_button = QPushButton("开始后台任务")
        self.run_button.setProperty("primary", True)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        configure_table_view(self.table)
        for col, width in enumerate((200, 90, 60, 130, 110, 70)):
            self.table.setColumnWidth(col, width)
        label = QLabel("查找(&F)：")
        label.setBuddy(self.search)

        bar = QHBoxLayout()
        bar.addWidget(label)
        bar.addWidget(self.search, 1)
        bar.addWidget(self.count)
        bar.addSpacing(12)
        bar.addWidget(self.run_button)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(10)
        layout.addWidget(self.banner)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        self.setCentralWidget(central)
        self.statusBar().showMessage("就绪")
        self.resize(1000, 640)

        connect_filter_edit(self.search, self.proxy)
        self.proxy.modelReset.connect(self._update_count)
        self.proxy.layoutChanged.connect(self._update_count)
        self.proxy.rowsInserted.connect(self._update_count)
        self.proxy.rowsRemoved.connect(self._update_count)
        self.run_button.clicked.connect(lambda: self.start_job())  # not (checked) as steps
        self.banner.show_info("这是演示窗口：10,000 名虚构学生。在上方输入文字即可筛选，点击表头可排序。")
        self._update_count()
        self.op: BackgroundOp | None = None

    def _update_count(self) -> None:
        self.count.setText(f"共 {self.proxy.rowCount():,} 名")

    def start_job(self, steps: int = 40, delay: float = 0.05) -> BackgroundOp:
        self.run_button.setEnabled(False)
        self.op = (BackgroundOp(self, demo_job(steps, delay), title="正在生成演示报告…")
                   .success(lambda n: self.banner.show_success(f"后台任务完成：共处理 {n} 批。"))
                   .always(lambda: self.run_button.setEnabled(True))
                   .run())
        return self.op


def make_demo_window() -> DemoWindow:
    window = DemoWindow()
    window.search.setText("张 八年级")
    window.proxy.set_filter_text(window.search.text())
    window.table.selectRow(2)
    window.search.setFocus()
    return window


def make_busy_demo() -> dict[str, QWidget]:
    """The demo window with a background op running long enough for its progress dialog to be up."""
    from PySide6.QtTest import QTest

    window = DemoWindow()
    window.show()
    op = window.start_job(steps=400, delay=0.05)
    while op.dialog() is None:
        QTest.qWait(50)
    QTest.qWait(400)
    return {"": window, "progress": op.dialog()}


def make_widget_gallery() -> QWidget:
    """Every common control once, to check the house style (hit targets, focus ring) at each scale."""
    from PySide6.QtCore import QDate
    from PySide6.QtWidgets import (
        QCheckBox,
        QComboBox,
        QDateEdit,
        QFormLayout,
        QGroupBox,
        QPlainTextEdit,
        QProgressBar,
        QRadioButton,
        QSpinBox,
        QTabWidget,
    )

    page = QWidget()
    page.setWindowTitle("控件样式")
    form = QFormLayout()
    name = QLineEdit("王子涵")
    form.addRow("姓名(&N)：", name)
    grade = QComboBox()
    grade.addItems(["七年级", "八年级", "九年级"])
    form.addRow("年级：", grade)
    seat = QSpinBox()
    seat.setRange(1, 60)
    form.addRow("座号：", seat)
    birth = QDateEdit(QDate(2012, 5, 1))
    birth.setDisplayFormat("yyyy-MM-dd")
    birth.setCalendarPopup(True)
    form.addRow("出生日期：", birth)
    boarding = QCheckBox("住校")
    boarding.setChecked(True)
    form.addRow("", boarding)
    sex = QHBoxLayout()
    sex.addWidget(QRadioButton("男"))
    sex.addWidget(QRadioButton("女"))
    sex.addStretch()
    form.addRow("性别：", sex)
    note = QPlainTextEdit("班主任观察记录：本周情绪稳定，与同学相处融洽。")
    note.setMaximumHeight(70)
    form.addRow("备注：", note)
    bar = QProgressBar()
    bar.setValue(42)
    form.addRow("进度：", bar)
    group = QGroupBox("学生信息")
    group.setLayout(form)
    buttons = QHBoxLayout()
    buttons.addStretch()
    disabled = QPushButton("删除")
    disabled.setEnabled(False)
    save = QPushButton("保存")
    save.setProperty("primary", True)
    save.setDefault(True)
    for button in (disabled, QPushButton("取消"), save):
        buttons.addWidget(button)
    tabs = QTabWidget()
    tabs.addTab(group, "基本信息")
    tabs.addTab(QWidget(), "成长档案")
    banner = MessageBanner()
    banner.show_error("第5行：身份证号校验位错误。", ["第5行：身份证号校验位错误", "第9行：出生日期不存在"])
    layout = QVBoxLayout(page)
    layout.addWidget(banner)
    layout.addWidget(tabs)
    layout.addLayout(buttons)
    page.resize(560, 560)
    name.setFocus()
    return page


# --- tests ---------------------------------------------------------------------------------------

pytestmark = pytest.mark.gui


@pytest.fixture
def demo(qtbot) -> DemoWindow:
    window = DemoWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_filter_as_you_type_over_10000_rows(qtbot, demo, type_text, screenshot):
    rows = demo.model.rows()
    assert demo.count.text() == "共 10,000 名"
    demo.search.setFocus()
    type_text(demo.search, "张 八年级")
    expected = [r for r in rows if all(t in f"{r['no']}\x1f{r['name']}\x1f{r['class']}" for t in ("张", "八年级"))]
    qtbot.waitUntil(lambda: demo.proxy.rowCount() == len(expected), timeout=3000)
    assert 0 < len(expected) < 10_000
    assert demo.proxy.visible_rows() == expected
    assert demo.count.text() == f"共 {len(expected):,} 名"
    screenshot(demo, "infra-demo-filtered")


def test_background_button_shows_progress_then_cancels(qtbot, demo, screenshot):
    qtbot.mouseClick(demo.run_button, Qt.MouseButton.LeftButton)
    assert not demo.run_button.isEnabled()
    op = demo.op
    qtbot.waitUntil(lambda: op.dialog() is not None and op.dialog().isVisible(), timeout=5000)
    qtbot.waitUntil(lambda: op.task.progress()[0] >= 3, timeout=5000)
    screenshot(op.dialog(), "infra-demo-progress")
    op.dialog().findChild(QPushButton, "cancelButton").click()
    qtbot.waitUntil(lambda: op.done, timeout=5000)
    assert op.outcome == "cancelled"
    assert "已取消" in demo.statusBar().currentMessage()
    assert demo.run_button.isEnabled()


def test_background_button_completes(qtbot, demo, sync_ops):
    demo.start_job(steps=5, delay=0)
    assert demo.banner.kind() == "success" and "共处理 5 批" in demo.banner.text()


def test_keyboard_reaches_the_filter(qtbot, demo):
    demo.table.setFocus()
    qtbot.keyClick(demo, Qt.Key.Key_F, Qt.KeyboardModifier.AltModifier)
    assert demo.search.hasFocus()


def test_screens_helper_renders_at_150_percent(tmp_path):
    sys.path.insert(0, str(Path(__file__).parent))
    from screens import render

    [png] = render("tests/ui/test_infra_demo.py:make_demo_window", "demo", scales=[1.5], out=tmp_path)
    from PySide6.QtGui import QImage

    image = QImage(str(png))
    assert png.name == "demo@1.5x.png"
    assert (image.width(), image.height()) == (1500, 960)


def test_widget_gallery_builds(qtbot, screenshot):
    page = make_widget_gallery()
    qtbot.addWidget(page)
    page.show()
    screenshot(page, "infra-gallery")
