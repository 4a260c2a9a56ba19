"""Instrument definitions: the format, its validator, the loader and the built-in library.

Public API::

    load_builtin(id) -> Definition            # phq9, gad7, asq, k10, k6, dass21, mini_ipip, scared,
    builtin_ids() -> tuple[str, ...]          # cesdc, rses, scl90, mssmhs, mhk
    load_definition_file(path) -> Definition  # a school's own file; ValidationFailed lists every problem
    definition_from_dict(d, source_name) -> Definition
    Definition.to_dict() / .version / .digest # store these with every score
"""

from .definition import Definition, Item, Scale, scale_range
from .loader import all_builtins, builtin_ids, definition_from_text, load_builtin, load_definition_file
from .schema import definition_from_dict

__all__ = [
    "Definition",
    "Item",
    "Scale",
    "all_builtins",
    "builtin_ids",
    "definition_from_dict",
    "definition_from_text",
    "load_builtin",
    "load_definition_file",
    "scale_range",
]
