"""Roster import, pure half: reading and validating a school's student list (no database).

``parse_roster(path)`` returns a :class:`RosterParse` of validated :class:`RosterRecord` s or raises
:class:`RosterInvalid` listing every problem; applying the records to a school database is done by
the roster service.
"""

from .parse import RosterInvalid, RosterParse, RosterRecord, RowProblem, parse_roster

__all__ = ["RosterInvalid", "RosterParse", "RosterRecord", "RowProblem", "parse_roster"]
