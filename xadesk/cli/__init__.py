"""The ``xadesk`` command line: thin shells over core service functions (calibre's calibredb model)."""
