"""A city's files merged at one PC: N generated school aggregate files imported, then the city report.

Setup (not timed): the demo school is built once and its real aggregate content is the template;
N files are written from it, each a different school (uuid, name, student numbers and level counts
varied), all under one district passphrase and one ExchangeKey (one Argon2id derivation for the
batch, as a district re-using the key for a batch would). Timed: verifying and importing all N in
one all-or-nothing import; the summary; the city report as PDF and as xlsx. Reported: times, peak
Python memory, process RSS, database size.
"""

from __future__ import annotations

import copy
import random
import tempfile
import uuid
from pathlib import Path

from ..i18n import msg
from .measure import measure

# Lazy imports: start-up speed. `xadesk bench` imports every benchmark to list them; each loads the
# services it measures only when it runs.

PASSWORD = "bench-pass-123"
PASSPHRASE = "bench-district-passphrase"


def add_arguments(parser) -> None:
    parser.add_argument("--schools", type=int, default=2000, help=msg("学校数", "number of schools"))
    parser.add_argument("--keep", metavar="DIR", help=msg("保留生成的文件到此文件夹", "keep the files here"))


def _files(folder: Path, count: int) -> list[Path]:
    import json
    from datetime import UTC, datetime

    from ..demo import DEMO_PASSWORD, build_demo
    from ..exchange import ExchangeKey, write_container
    from ..reports.aggregate import ENTRY, KIND, aggregate_payload
    from ..services.login import login

    demo = folder / "demo.xadesk"
    build_demo(demo)  # the demo's own steps log in with the demo password
    ctx = login(demo, "xiaozhang", DEMO_PASSWORD)
    try:
        template = aggregate_payload(ctx, _year())
    finally:
        ctx.close()
    key = ExchangeKey(PASSPHRASE)
    rng = random.Random(13)
    out = []
    for i in range(count):
        p = copy.deepcopy(template)
        sid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        p["school"] = {"uuid": sid, "name": f"基准测试第{i + 1:04d}学校", "code": f"B{i + 1:05d}"}
        p["students"] = rng.randint(200, 3000)
        p["screened"] = int(p["students"] * rng.uniform(0.85, 1.0))
        p["levels"] = {c: (rng.randint(5, 40) if rng.random() > 0.2 else "<5") for c in p["levels"]}
        data = json.dumps(p, ensure_ascii=False, sort_keys=True).encode("utf-8")
        path = folder / f"school-{i + 1:04d}.xadx"
        write_container(path, kind=KIND, passphrase=key, entries={ENTRY: data},
                        manifest_fields={"school_name": p["school"]["name"], "school_id": sid,
                                         "exporter_name": "校长", "exporter_login": "xz",
                                         "exported_at": datetime.now(UTC), "extra": {"period": p["period"]}})
        out.append(path)
    return out


def _year() -> str:
    from datetime import date

    from ..domain.schoolyear import school_year_of

    return school_year_of(date.today()).label


def run(args, cli) -> int:
    from ..district.store import import_files, init_district
    from ..district.summary import district_report, summary
    from ..exchange import ExchangeKey
    from ..reports.school_report import report_pdf, report_xlsx
    from ..services.login import login

    with tempfile.TemporaryDirectory(prefix="xadesk-bench-") as tmp:
        folder = Path(args.keep) if args.keep else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        with measure(trace_memory=False) as m_setup:
            files = _files(folder, args.schools)
        size_kb = sum(f.stat().st_size for f in files) / len(files) / 1024
        db = folder / "district.xadesk"
        init_district(db, "基准测试市", "admin", PASSWORD, period=_year())
        ctx = login(db, "admin", PASSWORD)
        try:
            key = ExchangeKey(PASSPHRASE)
            # Untraced timings (tracemalloc slows Python several-fold); memory as the process RSS.
            with measure(trace_memory=False) as m_import:
                rows = import_files(ctx, files, key)
            with measure(trace_memory=False) as m_again:
                again = import_files(ctx, files, key)
            with measure(trace_memory=False) as m_summary:
                data = summary(ctx)
            with measure(trace_memory=False) as m_pdf:
                report = district_report(ctx, district_name="基准测试市")
                pdf = report_pdf(report)
            with measure(trace_memory=False) as m_xlsx:
                xlsx = report_xlsx(district_report(ctx, district_name="基准测试市"))
            ctx.db.engine.dispose()
        finally:
            ctx.close()
        db_mb = sum(p.stat().st_size for p in folder.glob("district.xadesk*")) / 1e6
    cli.out(msg(f"区县/市级汇总基准（{len(files)} 个学校文件，平均 {size_kb:.1f} KB）",
                f"District benchmark ({len(files)} school files, {size_kb:.1f} KB each)"))
    cli.out(f"  generate files (setup)          {m_setup.seconds:7.2f} s")
    cli.out(f"  verify + import all             {m_import.seconds:7.2f} s   new={sum(r.action == 'new' for r in rows)}"
            f"  ({m_import.seconds / len(files) * 1000:.0f} ms a file)")
    cli.out(f"  same files again (no change)    {m_again.seconds:7.2f} s   same={sum(r.action == 'same' for r in again)}")
    cli.out(f"  summary (JSON)                  {m_summary.seconds:7.2f} s   schools={data['total']['schools']}"
            f"  students={data['total']['students']}")
    cli.out(f"  city report PDF                 {m_pdf.seconds:7.2f} s   {len(pdf) / 1e6:.1f} MB")
    cli.out(f"  city report xlsx                {m_xlsx.seconds:7.2f} s   {len(xlsx) / 1e6:.1f} MB")
    cli.out(f"  district database               {db_mb:7.1f} MB")
    cli.out(f"  process max RSS                 {m_pdf.max_rss_mb:7.0f} MB")
    return 0
