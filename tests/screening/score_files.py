"""A PHQ-9 and an ASQ answer file for the junior grades of the services' test school, imported into a
campaign: item 9 above 0 for some (a safety flag), a blank item for others, ASQ for every second
student, so flags, validity and the number of lines per student vary."""

from __future__ import annotations

from pathlib import Path

from tests.services.conftest import STUDENTS
from xadesk.services.context import AppContext
from xadesk.services.screening_import import import_survey


def junior_numbers() -> list[str]:
    return [no for _, _, g, _, no, _ in STUDENTS if g in ("J1", "J2")]


def import_phq9_and_asq(counselor: AppContext, campaign_id: int, folder: Path) -> list[str]:
    """Import both files; returns the student numbers that answered PHQ-9."""
    nos = junior_numbers()
    phq = folder / "phq.csv"
    phq.write_text("id," + ",".join(f"phq9.{i}" for i in range(1, 10)) + "\n"
                   + "".join(f"{no},{k % 4},3,2,{k % 3},0,1,{'' if k % 3 else 1},2,{k % 2}\n"
                             for k, no in enumerate(nos)), encoding="utf-8")
    asq = folder / "asq.csv"
    asq.write_text("id," + ",".join(f"asq.{i}" for i in range(1, 6)) + "\n"
                   + "".join(f"{no},{k % 2},0,1,0,\n" for k, no in enumerate(nos[::2])), encoding="utf-8")
    import_survey(counselor, campaign_id, phq)
    import_survey(counselor, campaign_id, asq)
    return nos
