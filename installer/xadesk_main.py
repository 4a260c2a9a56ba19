"""The frozen app's entry script: both executables (``xadesk`` with a console, ``xadesk-gui``
without) run the ordinary command line, which opens the desktop app when given no command."""

import sys

# Named here so PyInstaller always bundles the SQLCipher binding (SQLAlchemy loads it by name).
import sqlcipher3.dbapi2  # noqa: F401

from xadesk.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
