"""The steps of a large campaign's screens as the screens now do them (issue 15), on a school built by
``xadesk bench decade``.

``bench decade`` times the core reads whole (``results`` of every student, ``review_queue``); the
screens no longer wait for those on the UI thread. The results screen reads a campaign's lines once in
the worker (``campaign_results_load``), then each filter, search, sort and page is a ``Table.select``
plus the fifty lines' cells (the interactive steps below). The review screen reads the queue and its
capacity line in the worker (``review_queue_load``: one read now, the capacity reuses it).

Run: ``xadesk bench steps --db <cache>/decade-…/decade.xadesk [--repeat 15] [--json]``.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from ..i18n import msg

SHOWN = 50   # lines a results page shows


# Lazy imports: start-up speed. `xadesk bench` imports every benchmark to list them; each loads the
# services it measures only when it runs.

def results_page(table, **query) -> None:
    """What the results screen does on the UI thread for one filter, search or sort: select over every
    line (numpy), then format the cells of the first page it shows."""
    for i in table.select(**query)[:SHOWN]:
        for column in ("class_label", "student_no", "name", "instrument", "scale_name", "raw", "t",
                       "band_text", "valid", "flags_text"):
            str(table.value(column, int(i)))


def add_arguments(parser) -> None:
    parser.add_argument("--db", required=True, help=msg("bench decade 生成的学校数据库", "a school built by bench decade"))
    parser.add_argument("--password", default="bench-decade-1")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--json", action="store_true")


def _time(fn: Callable[[], object], repeat: int) -> dict:
    fn()   # warm: imports, the page cache, a column's first ranking
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, math.ceil(0.95 * len(times)) - 1)]
    return {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(p95, 1)}


def run(args, cli) -> int:
    from ..columnar.campaign_results import result_lines
    from ..services.campaigns import list_campaigns
    from ..services.grid import capacity, review_queue
    from ..services.login import login

    ctx = login(Path(args.db), "xinli", args.password)
    try:
        latest = max(list_campaigns(ctx), key=lambda c: c.id)
        table = result_lines(ctx, latest.id)
        name = table.value("name", len(table) // 2)
        cls = table.value("class_label", len(table) // 2)

        def page(**query) -> None:
            results_page(table, **query)

        def queue_load() -> None:
            queue = review_queue(ctx, latest.id, include_near=True)
            capacity(ctx, latest.id, queue=queue)

        steps: dict[str, dict] = {
            "review_queue_load": {**_time(queue_load, args.repeat), "interactive": False},
            "campaign_results_load": {**_time(lambda: result_lines(ctx, latest.id), max(3, args.repeat // 3)),
                                      "interactive": False},
        }
        cases = {
            "results_first_page": lambda: page(),
            "results_class_filter": lambda: page(equals={"class_label": cls}),
            "results_flagged": lambda: page(truthy=["flags"]),
            "results_search_typing": lambda: [page(text=name[:k]) for k in (1, 2)],
            "results_sort_raw": lambda: page(sort=[("raw", True)]),
            "results_sort_class_filtered": lambda: page(equals={"instrument_id": "scl90"}, sort=[("class_label", True)]),
        }
        for step, fn in cases.items():
            steps[step] = {**_time(fn, args.repeat), "interactive": True}
    finally:
        ctx.close()
    out = {"steps": steps, "lines": len(table), "campaign": latest.name}
    if args.json:
        cli.json(out)
        return 0
    cli.out(msg(f"大型测评的界面步骤（{latest.name}，{len(table)} 行；毫秒，中位数/95%）",
                f"Screens of a large campaign ({latest.name}, {len(table)} lines; ms, median/p95)"))
    for step, v in steps.items():
        mark = "" if not v["interactive"] or v["p95_ms"] <= 150 else "  > 150 ms"
        kind = "" if v["interactive"] else msg("（后台）", " (worker)")
        cli.out(f"{step:<30}{v['p50_ms']:>9.0f}/{v['p95_ms']:<8.0f}{kind}{mark}")
    return 0
