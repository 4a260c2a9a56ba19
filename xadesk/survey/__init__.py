"""问卷星 survey files: which export kind a file is, which column is which item, who each row is.

No database and no Qt here. The pieces, in the order an import uses them:

- :mod:`.kinds` — 按文本 / 按序号 / 按分数, from the file name when it says, else from the cells;
  an ambiguous file (a 0–3 scale whose cells are all 1–3) is never assumed to be either.
- :mod:`.mapping` — columns → instrument items, proved by question number and sub-item position
  first and by text second; every scored item mapped exactly once, or the import stops.
- :mod:`.matching` — rows → students: 学籍号 in any spelling, then name + class (listed for a person
  to confirm); duplicate submissions resolved to the later one unless a person chooses.

Reading the file and decoding cells stays in :mod:`xadesk.screening.survey`; the service that
stores answers is :mod:`xadesk.services.screening_import`.
"""
