"""Screening campaigns without the database or the screens: what a student is asked, survey files,
lab kits and packs, the kiosk core and paper sheets.

Modules:

- ``battery``: items shown (conditional items), the resume point, answers as stored, item views for
  the kiosk (no score or band in them).
- ``survey``: 问卷星 / spreadsheet files, mappings (suggested, checked, saved as JSON), answer parsing.
- ``kiosk``: :class:`~xadesk.screening.kiosk.SchoolKiosk` (on the school database) and
  :class:`~xadesk.screening.kiosk.LabKiosk` (on a lab kit, no database) behind one interface.
- ``journal``: the lab kiosk's encrypted append-only answer journal (crash-safe).
- ``kit``: the lab kit and result pack contents (exchange container kinds ``lab_kit``/``lab_pack``).
- ``paper``: answer-sheet PDFs and the keyboard grid's checks.

The database-facing services are ``xadesk.services.campaigns`` and ``xadesk.services.screening_*``.
"""
