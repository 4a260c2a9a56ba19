"""The frozen app's entry script: both executables (``xadesk`` with a console, ``xadesk-gui``
without) run the ordinary command line, which opens the desktop app when given no command."""

import os
import sys

# Named here so PyInstaller always bundles the SQLCipher binding (SQLAlchemy loads it by name).
import sqlcipher3.dbapi2  # noqa: F401

from xadesk.cli.main import main

if __name__ == "__main__":
    # Windows starts xadesk-gui.exe without a console: stdout/stderr are None there, and a message
    # meant for a terminal must not turn into a crash.
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115 - lives as long as the process
    sys.exit(main())
