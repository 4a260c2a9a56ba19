"""XA Desk's PySide6 front end.

Everything under ``ui`` may import Qt; nothing under ``xadesk`` may. Screens stand on a few shared
pieces: :mod:`ui.app` (the QApplication: font, scaling, style, translators), :mod:`ui.worker`
(the one background-operation API), :mod:`ui.messages` (dialogs and banners, with a test hook),
:mod:`ui.idle` (auto-lock timer) and :mod:`ui.tablemodel` (read-only table model + filter proxy).
"""
