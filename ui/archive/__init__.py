"""Growth archives (成长档案): the archive view, quick observations, coverage, export/import, year end."""
