"""A read-only table held as columns, selected and sorted with numpy.

::

    t = Table({"name": names, "raw": raws}, text=["name"])
    order = t.select(equals={"band": "重度"}, text="张 初一", sort=[("raw", True)])
    t.value("name", order[0])

``select`` returns line numbers (an int array): lines whose columns equal every ``equals`` value,
whose ``truthy`` columns are non-empty, and whose search text holds every whitespace-separated token
(width- and case-folded, as the screens' filter boxes do); in the table's own order, or sorted by
``sort`` (column, descending) keys with empty values last in either direction and ties in the
table's order. Sorting ranks each column once (cached), then it is one ``np.lexsort``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np


def fold(text: str) -> str:
    """Fold width and case so "初二（3）班" matches "初二(3)班" and "ab" matches "ＡＢ"."""
    return unicodedata.normalize("NFKC", text).casefold()


def _empty(v: Any) -> bool:
    return v is None or v == "" or v == () or (isinstance(v, float) and v != v)


class Table:
    """Columns of equal length. ``sort_keys`` maps a column to a function giving its sort key
    (e.g. class labels by grade then number); ``text`` names the columns the search looks in."""

    def __init__(self, columns: Mapping[str, Sequence[Any]], *, text: Sequence[str] = (),
                 sort_keys: Mapping[str, Callable[[Any], Any]] | None = None,
                 text_of: Mapping[str, Callable[[Any], str]] | None = None) -> None:
        self.columns: dict[str, np.ndarray] = {}
        n = None
        for name, values in columns.items():
            # fromiter, not np.array: a column of tuples stays one column of tuple objects. A numpy
            # array is kept as it is (e.g. int64 ids, counted with numpy rather than object by object).
            arr = values if isinstance(values, np.ndarray) else np.fromiter(values, dtype=object, count=len(values))
            if n is not None and len(arr) != n:
                raise ValueError(f"column {name} has {len(arr)} values, not {n}")
            n = len(arr)
            self.columns[name] = arr
        self.n = n or 0
        self._sort_keys = dict(sort_keys or {})
        self._ranks: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._text = tuple(text)
        self._text_of = dict(text_of or {})
        self._folded: dict[str, tuple[np.ndarray, list[str]]] = {}
        self._empties: dict[str, np.ndarray] = {}
        self._distinct: dict[str, list] = {}

    def __len__(self) -> int:
        return self.n

    def value(self, column: str, line: int) -> Any:
        """One cell, as a Python value (an int64 column's ids come back as ``int``)."""
        v = self.columns[column][line]
        return v.item() if isinstance(v, np.generic) else v

    def distinct(self, column: str) -> list[Any]:
        """The column's non-empty values, in its sort order (cached)."""
        if column not in self._distinct:
            seen = {v for v in set(self.columns[column].tolist()) if not _empty(v)}
            key = self._sort_keys.get(column)
            self._distinct[column] = sorted(seen, key=key) if key else sorted(seen)
        return list(self._distinct[column])

    def prepare(self, *, distinct: Sequence[str] = (), sort: Sequence[str] = ()) -> Table:
        """Do now, off the UI thread, what the first search, ``distinct`` or sort would: fold the
        searched columns, list the distinct values, rank the sort columns."""
        for column in self._text:
            self._searchable(column)
        for column in distinct:
            self.distinct(column)
        for column in sort:
            self._rank(column)
        return self

    def select(self, *, equals: Mapping[str, Any] | None = None, truthy: Sequence[str] = (), text: str = "",
               sort: Sequence[tuple[str, bool]] = ()) -> np.ndarray:
        mask = np.ones(self.n, dtype=bool)
        for column, wanted in (equals or {}).items():
            mask &= self.columns[column] == wanted
        for column in truthy:
            mask &= ~self._missing(column)
        for token in fold(text).split():
            mask &= self._contains(token)
        lines = np.flatnonzero(mask)
        if not sort or lines.size == 0:
            return lines
        keys: list[np.ndarray] = [lines]   # the last resort: the table's own order
        for column, descending in reversed(sort):
            rank, missing = self._rank(column)
            keys.append(-rank[lines] if descending else rank[lines])
            keys.append(missing[lines])    # empty values last whichever way
        return lines[np.lexsort(keys)]

    def _contains(self, token: str) -> np.ndarray:
        """Lines where some searched cell holds ``token`` (a token never matches across two cells)."""
        hit = np.zeros(self.n, dtype=bool)
        for column in self._text:
            codes, folded = self._searchable(column)
            matched = [i for i, f in enumerate(folded) if token in f]
            if matched:
                hit |= np.isin(codes, matched)
        return hit

    def _searchable(self, column: str) -> tuple[np.ndarray, list[str]]:
        """The column as codes into its distinct values, folded: each distinct text is folded once
        (a 75,000-line column has a few thousand at most), on the first search."""
        if column not in self._folded:
            shown = self._text_of.get(column, _plain)
            values = self.columns[column].tolist()
            codes = {v: i for i, v in enumerate(dict.fromkeys(values))}
            # map over the dict's own lookup: no Python frame per line (a third of the time of a loop).
            coded = np.fromiter(map(codes.__getitem__, values), dtype=np.int64, count=self.n)
            self._folded[column] = (coded, [fold(shown(v)) for v in codes])
        return self._folded[column]

    def _missing(self, column: str) -> np.ndarray:
        if column not in self._empties:
            values = self.columns[column]
            if values.dtype.kind in "iub":
                self._empties[column] = np.zeros(self.n, dtype=bool)
            elif values.dtype.kind == "f":
                self._empties[column] = np.isnan(values)
            else:
                self._empties[column] = np.fromiter((_empty(v) for v in values), dtype=bool, count=self.n)
        return self._empties[column]

    def _rank(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        """Each line's position among the column's distinct values, and whether it is empty."""
        if column not in self._ranks:
            values = self.columns[column]
            missing = self._missing(column)
            key = self._sort_keys.get(column) or (lambda v: v)
            keyed = {v: key(v) for v in set(values[~missing].tolist())}
            pos = {v: i for i, v in enumerate(sorted(keyed, key=keyed.__getitem__))}
            rank = np.fromiter((0 if m else pos[v] for v, m in zip(values, missing, strict=True)),
                               dtype=np.int64, count=self.n)
            self._ranks[column] = (rank, missing.astype(np.int8))
        return self._ranks[column]


def _plain(v: Any) -> str:
    return "" if v is None else str(v)
