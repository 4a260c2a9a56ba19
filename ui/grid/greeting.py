"""The overdue greeting at login: if ``grid_tracking.greeting`` has anything for this person, a
banner at the top of the main window says so (overdue follow-ups by name, due soon, notices,
approvals waiting) with a button to the grid page, and 查看通知 when notices are unread (the list
marks them read; the count follows). Nothing shows when there is nothing to do.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import QMainWindow

from xadesk.services import grid_tracking as T

from ..messages import MessageBanner, banner_above_pages
from ..worker import BackgroundOp
from .notices import NoticesDialog

MAX_NAMED = 8


def greeting_lines(g: T.Greeting) -> tuple[str, list[str]]:
    """The banner's headline and detail lines (student names only in the details, for the contact)."""
    parts = []
    if g.overdue:
        # Only the students this person is the contact for (the grid page's footer counts everyone).
        parts.append(f"您负责联系的 {len(g.overdue)} 名学生随访已逾期")
    if g.due_soon:
        parts.append(f"您负责的 {len(g.due_soon)} 名本周内到期")
    if g.releases_to_approve:
        parts.append(f"{g.releases_to_approve} 份解除预警申请待您审批")
    if g.without_contact:
        parts.append(f"{g.without_contact} 名学生尚未指定联系人")
    if g.unread_notices:
        parts.append(f"{g.unread_notices} 条预警通知未读")
    details = [f"{r.name}（{r.class_label or ''}）应于 {r.next_due:%Y-%m-%d} 随访，已逾期 {r.days_overdue} 天"
               for r in g.overdue[:MAX_NAMED]]
    if len(g.overdue) > MAX_NAMED:
        details.append(f"……另有 {len(g.overdue) - MAX_NAMED} 名，见“预警网格”页（勾选“只看逾期”）")
    return "您有待办：" + "；".join(parts) + "。", details


def names_line(g: T.Greeting) -> str:
    """The overdue students on one line ("逾期：赵婷（逾期 5 天）、林怡（逾期 3 天）等 9 名"): the names stay
    in view while the banner takes two lines instead of one per student above every page."""
    named = "、".join(f"{r.name}（{r.days_overdue} 天）" for r in g.overdue[:MAX_NAMED])
    more = f" 等 {len(g.overdue)} 名" if len(g.overdue) > MAX_NAMED else ""
    return f"逾期：{named}{more}" if named else ""


def greet(window: QMainWindow) -> MessageBanner | None:
    """Put the greeting banner on ``window`` (a MainWindow) if there is something to do; returns it."""
    ctx = window.ctx  # type: ignore[attr-defined]
    if not ctx.actor.can("grid.read"):
        return None
    banner = banner_above_pages(window, "gridGreeting")
    window.grid_greeting = banner  # type: ignore[attr-defined]

    def show(g: T.Greeting) -> None:
        if g.empty:
            return

        def go() -> None:
            if "grid" in window.page_keys():  # type: ignore[attr-defined]
                page = window.show_page("grid")  # type: ignore[attr-defined]
                if g.overdue:
                    page.grid.overdue_check.setChecked(True)
                    page.grid.mine_check.setChecked(True)
            banner.dismiss()

        def open_notices() -> None:
            dialog = NoticesDialog(ctx, window)
            dialog.setObjectName("noticesDialog")
            dialog.changed.connect(lambda unread: refresh_count(unread))
            window.notices_dialog = dialog  # type: ignore[attr-defined]
            dialog.open()

        def refresh_count(unread: int) -> None:
            nonlocal g
            g = replace(g, unread_notices=unread)
            if g.empty:
                banner.dismiss()
            else:
                show_banner()

        def show_banner() -> None:
            head, details = greeting_lines(g)
            kind = "warning" if g.overdue else "info"
            # The names are the point: in the message itself (one line); dates per student behind 显示详情.
            line = names_line(g)
            text = head + ("\n" + line if line else "")
            if g.overdue or g.due_soon or g.releases_to_approve or g.without_contact:
                banner.show_message(kind, text, details or None, action=("查看预警网格", go))
                if g.unread_notices:
                    banner.add_action("查看通知", open_notices).setObjectName("openNoticesButton")
            else:
                banner.show_message(kind, text, details or None, action=("查看通知", open_notices))

        show_banner()

    BackgroundOp(window, lambda _t: T.greeting(ctx), show_dialog=False, cancellable=False).success(show).run()
    return banner
