"""Answer files: the one reader behind ``xadesk score`` and ``campaign import`` of score-layout files.

Public API::

    read_answers(path, definitions, *, instrument=None, action="score"|"import") -> AnswerFile
        every problem refused at once (ValidationFailed naming row, column or cell), nothing kept
    is_answer_file(path) -> bool                   # the header row starts with ``id``

Modules: :mod:`.layout` (header → item columns), :mod:`.cells` (what a cell may hold),
:mod:`.reader` (reading in slices into numpy arrays). Formula cells without a saved result are
found by :mod:`xadesk.xlsx_formulas`, which every spreadsheet reader uses.
"""

from .reader import AnswerFile, is_answer_file, read_answers

__all__ = ["AnswerFile", "is_answer_file", "read_answers"]
