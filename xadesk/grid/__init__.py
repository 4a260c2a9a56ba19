"""The four-level warning grid (四级预警防控网格) — logic, and the safety floor's writer.

- ``levels``: the four ranked levels (一级/红 … 关注) and their defaults;
- ``evidence``: ``ScreeningEvidence``, the small input the grid reads from a screening result;
- ``rules``: the rule language a school edits (scale values, bands, flags, combinations) and the
  default rules;
- ``safety``: the safety floor taken from instrument definitions, which no rule edit can remove;
- ``propose``: evidence + rules → proposals (every proposal names the rule that made it);
- ``due``: follow-up due dates across semesters and holidays;
- ``floor``: the one module here that writes: the safety floor stored the moment an answer is
  (called by the screening answers service inside its transaction; see its docstring).

The services in ``xadesk/services/grid*.py`` store and act on these; screens call the services.
New grid services go here rather than into more flat ``services/grid_*.py`` files.
"""
