"""Answer files: the one reader behind ``xadesk score`` and ``campaign import`` of score-layout files.

Public API::

    read_answers(path, definitions, *, instrument=None, action="score"|"import") -> AnswerFile
        every problem refused at once (ValidationFailed naming row, column or cell), nothing kept
    is_answer_file(path) -> bool                   # the header row starts with ``id``
    formula_cells_without_value(xlsx, sheet=None)  # ["J5", …]: for any reader of spreadsheets

Modules: :mod:`.layout` (header → item columns), :mod:`.cells` (what a cell may hold),
:mod:`.reader` (reading in slices into numpy arrays), :mod:`.formulas` (xlsx formula cells).
"""

from .formulas import formula_cells_without_value
from .reader import AnswerFile, is_answer_file, read_answers

__all__ = ["AnswerFile", "formula_cells_without_value", "is_answer_file", "read_answers"]
