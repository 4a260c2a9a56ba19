"""What a person reads instead of an id: the one table of display names for the app, the PDFs and the CLI.

Ids (``phq9``, ``total``, ``screen:major_depressive_syndrome``, ``campaign:1``, ``{"rows": 2253}``)
are for storage and files. Every place that shows one to a teacher goes through this package, so the
same thing reads the same way on a screen, on paper and in a terminal.

- :mod:`.instruments` — instruments, scales, flags, bands and rule conditions;
- :mod:`.audit` — audit details and targets;
- :mod:`.time` — stored UTC shown in local time.
"""

from __future__ import annotations

from .audit import detail_text, target_text
from .instruments import (
    describe_condition,
    flag_name,
    grade_span,
    instrument_name,
    instrument_names,
    scale_name,
    score_line,
)
from .time import local_date, local_time, to_local

__all__ = ["describe_condition", "detail_text", "flag_name", "grade_span", "instrument_name", "instrument_names",
           "local_date", "local_time", "scale_name", "score_line", "target_text", "to_local"]
