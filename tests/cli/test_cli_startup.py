"""Every `xadesk` call builds the parser from all cmd_* modules, so what they import at module level
is paid by every command, `xadesk score` on a district's 100,000-row file included (issue 15's
end-to-end ratio). The heavy parts of the product must load only when their command runs."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("xadesk.selftest.steps", "xadesk.services.login", "xadesk.archive.transfer", "xadesk.bench.decade_build",
         "reportlab.platypus", "alembic", "sqlalchemy.orm")


def test_building_the_parser_loads_no_service_pdf_or_database_code():
    code = ("import json, sys\n"
            "from xadesk.cli.main import build_parser\n"
            "build_parser(front_ends=False)\n"
            "print(json.dumps(sorted(sys.modules)))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded = set(json.loads(out))
    assert [m for m in HEAVY if m in loaded] == []
