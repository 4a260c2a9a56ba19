"""Class packs (班级包): homeroom teachers work on their own PCs without the school database.

- ``content``: what a pack and a return hold, and the one check of a teacher entry (both sides);
- ``export``: the counselor's PC writes one encrypted pack per homeroom teacher (or a batch + slips);
- ``teacher``: the teacher's PC opens a pack, keeps every entry in an encrypted journal beside it,
  writes the return;
- ``merge``: the counselor's PC verifies a return, previews it, merges it exactly once.

Packs and returns use the one exchange container (``xadesk/exchange``); the journal is the lab
kiosk's (``xadesk/screening/journal.py``). No new cryptography lives here.
"""
