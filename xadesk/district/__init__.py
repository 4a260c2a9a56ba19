"""District mode (县为基地): merge the schools' anonymised aggregate files and report on them.
See ``store`` (init, import) and ``summary`` (summary, district report)."""
